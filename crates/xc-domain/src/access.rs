//! Who may see and do what. Every handler that touches a learner asks [`Principal::learner_scope`]
//! and hands the answer to the store, which filters by it: this is the one place scoping is
//! decided. A learner outside the scope is reported as not found, so scope does not leak whether
//! a person exists.

use crate::{DistrictCode, InstitutionId, Invalid, LearnerId, UserId};

/// The roles of SPEC C0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Citizen,
    ProviderStaff,
    CreditBankStaff,
    DistrictAdmin,
    CityAdmin,
    Auditor,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Citizen,
        Role::ProviderStaff,
        Role::CreditBankStaff,
        Role::DistrictAdmin,
        Role::CityAdmin,
        Role::Auditor,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Citizen => "citizen",
            Role::ProviderStaff => "provider_staff",
            Role::CreditBankStaff => "credit_bank_staff",
            Role::DistrictAdmin => "district_admin",
            Role::CityAdmin => "city_admin",
            Role::Auditor => "auditor",
        }
    }

    pub const fn label_zh(self) -> &'static str {
        match self {
            Role::Citizen => "市民",
            Role::ProviderStaff => "办学机构工作人员",
            Role::CreditBankStaff => "学分银行工作人员",
            Role::DistrictAdmin => "区管理员",
            Role::CityAdmin => "市管理员",
            Role::Auditor => "审计员",
        }
    }

    pub const fn label_en(self) -> &'static str {
        match self {
            Role::Citizen => "Citizen",
            Role::ProviderStaff => "Provider staff",
            Role::CreditBankStaff => "Credit-bank staff",
            Role::DistrictAdmin => "District administrator",
            Role::CityAdmin => "City administrator",
            Role::Auditor => "Auditor",
        }
    }

    pub fn parse(text: &str) -> Result<Self, Invalid> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == text.trim())
            .ok_or_else(|| {
                Invalid::new(
                    "role",
                    format!(
                        "'{}' is not a role: expected one of {}",
                        text.trim(),
                        Role::ALL.map(Role::as_str).join(", ")
                    ),
                )
            })
    }

    pub const fn is_staff(self) -> bool {
        !matches!(self, Role::Citizen)
    }
}

/// What part of the city a role is bound to. A role and its scope are checked together by
/// [`Scope::for_role`], so a district admin without a district cannot exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    City,
    District(DistrictCode),
    Institution(InstitutionId),
    Own,
}

impl Scope {
    pub fn for_role(
        role: Role,
        district: Option<DistrictCode>,
        institution: Option<InstitutionId>,
    ) -> Result<Scope, Invalid> {
        match (role, district, institution) {
            (Role::DistrictAdmin, Some(district), None) => Ok(Scope::District(district)),
            (Role::DistrictAdmin, None, _) => Err(Invalid::new(
                "district",
                "a district admin needs a district code",
            )),
            (Role::ProviderStaff, None, Some(institution)) => Ok(Scope::Institution(institution)),
            (Role::ProviderStaff, _, None) => Err(Invalid::new(
                "institution",
                "provider staff need an institution id",
            )),
            (Role::Citizen, None, None) => Ok(Scope::Own),
            (Role::CreditBankStaff | Role::CityAdmin | Role::Auditor, None, None) => {
                Ok(Scope::City)
            }
            (_, Some(_), _) => Err(Invalid::new(
                "district",
                format!("the role {} is not bound to a district", role.as_str()),
            )),
            (_, _, Some(_)) => Err(Invalid::new(
                "institution",
                format!("the role {} is not bound to an institution", role.as_str()),
            )),
        }
    }
}

/// The signed-in person (or institution token) a request acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: Option<UserId>,
    pub role: Role,
    pub scope: Scope,
    /// The learner account of a citizen.
    pub learner_id: Option<LearnerId>,
}

/// Which learners a principal may read, as the store applies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LearnerScope {
    All,
    District(DistrictCode),
    /// Learners registered through, or learning at, this institution.
    Institution(InstitutionId),
    Only(LearnerId),
    Nobody,
}

/// Things a principal may try that not every role may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    ReadLearners,
    RegisterLearner,
    ReadAuditLog,
    ManageUsers,
    CreateApiToken,
    ChangeOwnAccount,
    /// Submit learning outcomes to the credit bank (for the principal's own institution).
    SubmitOutcomes,
    /// Work the credit bank's review queue: see review cases, accept or reject outcomes.
    ReviewOutcomes,
    /// Publish outcome specifications and their new versions.
    ManageStandards,
    /// Read a learning archive: a citizen their own, staff the learners in their scope (the
    /// scope is applied to the data, see [`Principal::learner_scope`]).
    ReadArchive,
    /// Create target programmes and publish or retire their conversion rules.
    ManageConversion,
    /// See learners' open conversion applications and approve, amend or reject them.
    DecideConversion,
    /// Preview and apply to convert one's own recognised outcomes into a programme.
    ApplyConversion,
    /// Define the incentives points can be redeemed for.
    ManageIncentives,
    /// Change the city's points policy (points per activity, daily and yearly caps).
    ManagePointsPolicy,
    /// Report learning events that earn points (attendance, check-ins, completions,
    /// volunteering) for the principal's own institution.
    RecordPointsEvents,
    /// Redeem one's own points for an incentive.
    RedeemIncentives,
    /// Download a copy of all of one's own data (PIPL art. 45). Only ever one's own: there is no
    /// action for someone else's copy.
    ExportOwnData,
    /// Have one's own learner record erased (PIPL art. 47): a citizen with a learner record.
    /// Only ever one's own; staff accounts are closed by an administrator, not erased this way.
    EraseOwnData,
    /// Create the learning record store's clients (learning platforms' xAPI credentials) and
    /// see them listed.
    ManageLrsClients,
    /// Search the statements the learning platforms reported: the credit bank's staff, city
    /// administrators and auditors all of them, provider staff their institution's platforms'.
    SearchStatements,
    /// Check learners in at a site by scanning their learner code (申学码): staff who run the
    /// site. Which sites is [`Principal::may_check_in_at`]'s business.
    CheckInLearners,
    /// Keep the trust list of other cities' credit banks (mutual recognition): add a bank,
    /// refresh its pinned keys.
    ManageTrustList,
    /// Bring a credential from another city's credit bank into one's own archive.
    BringCredentials,
    /// Publish the rules that turn xAPI statements into points, and link an xAPI actor to the
    /// learner it is (issue 5 §4).
    ManageLrsIntegration,
    /// Delete everything the learning record store holds about one actor (issue 5 §5): an
    /// administrator acting on a person's request.
    EraseLrsActor,
}

impl Principal {
    pub fn learner_scope(&self) -> LearnerScope {
        match (&self.role, &self.scope) {
            (Role::CityAdmin | Role::CreditBankStaff | Role::Auditor, _) => LearnerScope::All,
            (Role::DistrictAdmin, Scope::District(code)) => LearnerScope::District(code.clone()),
            (Role::ProviderStaff, Scope::Institution(id)) => LearnerScope::Institution(*id),
            (Role::Citizen, _) => self
                .learner_id
                .map_or(LearnerScope::Nobody, LearnerScope::Only),
            _ => LearnerScope::Nobody,
        }
    }

    /// Whether the role allows the action at all (scope is applied separately, to the data).
    pub fn may(&self, action: Action) -> bool {
        use Action::*;
        use Role::*;
        match action {
            ReadLearners => !matches!(self.role, Citizen),
            RegisterLearner => matches!(self.role, ProviderStaff | DistrictAdmin | CityAdmin),
            ReadAuditLog => matches!(self.role, Auditor | CityAdmin),
            ManageUsers => matches!(self.role, CityAdmin),
            CreateApiToken => matches!(self.role, ProviderStaff | CityAdmin),
            // The auditor role is read-only everywhere, its own account included.
            ChangeOwnAccount => !matches!(self.role, Auditor),
            // A provider submits for its own institution; a city admin on a provider's behalf.
            SubmitOutcomes => matches!(self.role, ProviderStaff | CityAdmin),
            ReviewOutcomes | ManageStandards => matches!(self.role, CreditBankStaff | CityAdmin),
            // Every role reads archives; which ones is the learner scope's business (a citizen
            // sees only their own, a district admin their district's, a provider its learners').
            ReadArchive => match self.role {
                Citizen => self.learner_id.is_some(),
                ProviderStaff | CreditBankStaff | DistrictAdmin | CityAdmin | Auditor => true,
            },
            // Like outcomes: a provider reports its own events, a city admin on its behalf.
            RecordPointsEvents => matches!(self.role, ProviderStaff | CityAdmin),
            ManageConversion | DecideConversion | ManageIncentives | ManagePointsPolicy
            | ManageLrsClients | ManageTrustList | ManageLrsIntegration => {
                matches!(self.role, CreditBankStaff | CityAdmin)
            }
            // Like closing an account: the city's administrator, on a written request.
            EraseLrsActor => matches!(self.role, CityAdmin),
            // A learner acts for themself: a citizen with a learner record.
            ApplyConversion | RedeemIncentives | BringCredentials => {
                matches!(self.role, Citizen) && self.learner_id.is_some()
            }
            // Whoever has a learner record may have a copy of it, whatever their role: the copy
            // is always of the principal's own learner.
            ExportOwnData => self.learner_id.is_some(),
            // Erasure disables every account of the learner: only the citizen account acting for
            // itself asks for it, never a staff account that happens to have a learner record.
            EraseOwnData => matches!(self.role, Citizen) && self.learner_id.is_some(),
            // Those who run sites: a provider its own institution's, a district admin its
            // district's, a city admin any. Credit-bank staff and auditors run no site.
            CheckInLearners => matches!(self.role, ProviderStaff | DistrictAdmin | CityAdmin),
            SearchStatements => {
                matches!(
                    self.role,
                    ProviderStaff | CreditBankStaff | CityAdmin | Auditor
                )
            }
        }
    }

    /// Whether this principal may check learners in at a site run by `institution` in
    /// `district`: provider staff at their own institution's sites, a district admin at any
    /// site in their district, a city admin anywhere.
    pub fn may_check_in_at(
        &self,
        institution: Option<InstitutionId>,
        district: &DistrictCode,
    ) -> bool {
        if !self.may(Action::CheckInLearners) {
            return false;
        }
        match (&self.role, &self.scope) {
            (Role::CityAdmin, _) => true,
            (Role::DistrictAdmin, Scope::District(own)) => own == district,
            (Role::ProviderStaff, Scope::Institution(own)) => institution == Some(*own),
            _ => false,
        }
    }

    /// Whether this principal reading `learner` counts as staff reading someone else's personal
    /// data (which the audit log records).
    pub fn reads_other_person(&self, learner: LearnerId) -> bool {
        self.learner_id != Some(learner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn district(code: &str) -> DistrictCode {
        DistrictCode::parse(code).unwrap()
    }

    fn principal(role: Role, scope: Scope, learner: Option<i64>) -> Principal {
        Principal {
            user_id: Some(UserId::new(1)),
            role,
            scope,
            learner_id: learner.map(LearnerId::new),
        }
    }

    #[test]
    fn roles_round_trip_and_unknown_roles_list_the_choices() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()).unwrap(), role);
        }
        assert!(
            Role::parse("root")
                .unwrap_err()
                .reason
                .contains("city_admin")
        );
    }

    #[test]
    fn scopes_must_fit_their_roles() {
        assert_eq!(
            Scope::for_role(Role::DistrictAdmin, Some(district("310101")), None).unwrap(),
            Scope::District(district("310101"))
        );
        assert_eq!(
            Scope::for_role(Role::DistrictAdmin, None, None)
                .unwrap_err()
                .field,
            "district"
        );
        assert_eq!(
            Scope::for_role(Role::ProviderStaff, None, None)
                .unwrap_err()
                .field,
            "institution"
        );
        assert!(Scope::for_role(Role::Citizen, Some(district("310101")), None).is_err());
        assert!(Scope::for_role(Role::CityAdmin, None, Some(InstitutionId::new(3))).is_err());
        assert_eq!(
            Scope::for_role(Role::Auditor, None, None).unwrap(),
            Scope::City
        );
    }

    #[test]
    fn check_ins_are_for_those_who_run_the_site() {
        let huangpu = district("310101");
        let provider = principal(
            Role::ProviderStaff,
            Scope::Institution(InstitutionId::new(1)),
            None,
        );
        assert!(provider.may_check_in_at(Some(InstitutionId::new(1)), &huangpu));
        assert!(!provider.may_check_in_at(Some(InstitutionId::new(2)), &huangpu));
        assert!(!provider.may_check_in_at(None, &huangpu));
        let admin = principal(Role::DistrictAdmin, Scope::District(huangpu.clone()), None);
        assert!(admin.may_check_in_at(None, &huangpu));
        assert!(!admin.may_check_in_at(None, &district("310104")));
        let city = principal(Role::CityAdmin, Scope::City, None);
        assert!(city.may_check_in_at(Some(InstitutionId::new(2)), &huangpu));
        for role in [Role::CreditBankStaff, Role::Auditor] {
            assert!(!principal(role, Scope::City, None).may_check_in_at(None, &huangpu));
        }
        let citizen = principal(Role::Citizen, Scope::Own, Some(7));
        assert!(!citizen.may_check_in_at(None, &huangpu));
    }

    #[test]
    fn learner_scope_follows_role_and_scope() {
        let admin = principal(
            Role::DistrictAdmin,
            Scope::District(district("310104")),
            None,
        );
        assert_eq!(
            admin.learner_scope(),
            LearnerScope::District(district("310104"))
        );
        let citizen = principal(Role::Citizen, Scope::Own, Some(7));
        assert_eq!(
            citizen.learner_scope(),
            LearnerScope::Only(LearnerId::new(7))
        );
        let orphan = principal(Role::Citizen, Scope::Own, None);
        assert_eq!(orphan.learner_scope(), LearnerScope::Nobody);
        let staff = principal(
            Role::ProviderStaff,
            Scope::Institution(InstitutionId::new(9)),
            None,
        );
        assert_eq!(
            staff.learner_scope(),
            LearnerScope::Institution(InstitutionId::new(9))
        );
        // A malformed pairing (never built by Scope::for_role) sees nobody rather than everybody.
        let broken = principal(Role::DistrictAdmin, Scope::City, None);
        assert_eq!(broken.learner_scope(), LearnerScope::Nobody);
    }

    #[test]
    fn the_auditor_reads_but_never_writes() {
        let auditor = principal(Role::Auditor, Scope::City, None);
        assert!(auditor.may(Action::ReadAuditLog));
        assert!(auditor.may(Action::ReadLearners));
        assert!(!auditor.may(Action::RegisterLearner));
        assert!(!auditor.may(Action::ManageUsers));
        assert!(!auditor.may(Action::ChangeOwnAccount));
        let citizen = principal(Role::Citizen, Scope::Own, Some(1));
        assert!(!citizen.may(Action::ReadLearners));
        assert!(!citizen.may(Action::ReadAuditLog));
    }

    /// One principal of every role (a citizen with learner 4, and one without a learner).
    fn cast() -> [Principal; 7] {
        [
            principal(
                Role::ProviderStaff,
                Scope::Institution(InstitutionId::new(1)),
                None,
            ),
            principal(Role::CreditBankStaff, Scope::City, None),
            principal(Role::CityAdmin, Scope::City, None),
            principal(
                Role::DistrictAdmin,
                Scope::District(district("310101")),
                None,
            ),
            principal(Role::Auditor, Scope::City, None),
            principal(Role::Citizen, Scope::Own, Some(4)),
            principal(Role::Citizen, Scope::Own, None),
        ]
    }

    /// The roles of the cast that may take `action`, in cast order.
    fn who_may(action: Action) -> Vec<Role> {
        cast()
            .into_iter()
            .filter(|p| p.may(action))
            .map(|p| p.role)
            .collect()
    }

    #[test]
    fn credit_bank_actions_follow_role() {
        let [_, _, _, _, auditor, citizen, _] = cast();
        assert_eq!(
            who_may(Action::SubmitOutcomes),
            [Role::ProviderStaff, Role::CityAdmin]
        );
        assert_eq!(
            who_may(Action::ReviewOutcomes),
            [Role::CreditBankStaff, Role::CityAdmin]
        );
        assert_eq!(
            who_may(Action::ManageStandards),
            [Role::CreditBankStaff, Role::CityAdmin]
        );
        // Everyone but a citizen without a learner record; scope decides whose archive.
        assert_eq!(
            who_may(Action::ReadArchive),
            [
                Role::ProviderStaff,
                Role::CreditBankStaff,
                Role::CityAdmin,
                Role::DistrictAdmin,
                Role::Auditor,
                Role::Citizen
            ]
        );
        assert_eq!(
            citizen.learner_scope(),
            LearnerScope::Only(LearnerId::new(4)),
            "a citizen's archive reads are limited to their own"
        );
        assert!(
            !auditor.may(Action::SubmitOutcomes) && !auditor.may(Action::ReviewOutcomes),
            "the auditor reads archives but decides nothing"
        );
    }

    #[test]
    fn conversion_points_and_export_actions_follow_role() {
        let [_, _, _, _, auditor, _, orphan] = cast();
        for action in [
            Action::ManageConversion,
            Action::DecideConversion,
            Action::ManageIncentives,
            Action::ManagePointsPolicy,
        ] {
            assert_eq!(
                who_may(action),
                [Role::CreditBankStaff, Role::CityAdmin],
                "{action:?}"
            );
        }
        for action in [Action::ApplyConversion, Action::RedeemIncentives] {
            assert_eq!(who_may(action), [Role::Citizen], "{action:?}");
            assert!(!orphan.may(action), "a citizen without a learner record");
        }
        assert_eq!(
            who_may(Action::RecordPointsEvents),
            [Role::ProviderStaff, Role::CityAdmin]
        );
        assert_eq!(who_may(Action::ExportOwnData), [Role::Citizen]);
        assert!(!orphan.may(Action::ExportOwnData));
        // A staff account linked to its own learner record may download that record.
        let staff_learner = principal(Role::CreditBankStaff, Scope::City, Some(9));
        assert!(staff_learner.may(Action::ExportOwnData));
        assert!(!staff_learner.may(Action::ApplyConversion));
        // Erasure: a citizen with a learner record, nobody else (not even staff with one).
        assert_eq!(who_may(Action::EraseOwnData), [Role::Citizen]);
        assert!(!orphan.may(Action::EraseOwnData));
        assert!(!staff_learner.may(Action::EraseOwnData));
        // LRS clients: the credit bank's staff and the city's administrators.
        assert_eq!(
            who_may(Action::ManageLrsClients),
            [Role::CreditBankStaff, Role::CityAdmin]
        );
        // Statements: staff of the bank, the city, auditors, and providers (their own).
        assert_eq!(
            who_may(Action::SearchStatements),
            [
                Role::ProviderStaff,
                Role::CreditBankStaff,
                Role::CityAdmin,
                Role::Auditor
            ]
        );
        assert!(
            !auditor.may(Action::DecideConversion) && !auditor.may(Action::ManageIncentives),
            "the auditor decides nothing"
        );
    }
}
