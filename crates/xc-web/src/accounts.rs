//! The account and learner operations that pages and the API share: citizen registration, staff
//! registering a learner, contact changes, and reading learners (scoped and audited). Input
//! arrives as text from a form or JSON and leaves as domain types or a field-named error.

use time::OffsetDateTime;
use xc_domain::{
    Action, DisplayName, DistrictCode, LearnerId, LearnerScope, NationalId, Password, PhoneNumber,
    Role, SubdistrictCode, Topic, UserId, Username,
};
use xc_privacy::passwords;
use xc_store::{
    AuditEvent, Consent, ContactChange, LearnerFilter, LearnerRecord, NewLearner, NewUser,
    PageRequest, Paged, RoleAssignment, StoreError,
};

use crate::AppState;
use crate::auth::Identity;
use crate::error::{AppError, AppResult};

/// The purpose and notice version citizens consent to at registration.
pub const CONSENT_PURPOSE: &str = "learning_archive";
pub const CONSENT_NOTICE_VERSION: &str = "2026-11";

/// A citizen's self-registration, as typed.
#[derive(Debug, Clone)]
pub struct Registration {
    pub username: String,
    pub password: String,
    pub display_name: String,
    pub national_id: String,
    pub district_code: String,
    pub phone: Option<String>,
    pub consent: bool,
}

/// A learner registered by staff, as typed.
#[derive(Debug, Clone)]
pub struct LearnerInput {
    pub display_name: String,
    pub national_id: String,
    pub district_code: String,
    pub subdistrict_code: Option<String>,
    pub phone: Option<String>,
    pub interests: Vec<String>,
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

async fn existing_district(state: &AppState, code: &str) -> AppResult<DistrictCode> {
    let code = DistrictCode::parse(code)?;
    match state.store.get_district(&code).await {
        Ok(_) => Ok(code),
        Err(StoreError::NotFound { .. }) => Err(AppError::invalid(
            "district_code",
            format!("there is no district {code} in this city"),
        )),
        Err(other) => Err(other.into()),
    }
}

async fn hash_password_off_thread(password: Password) -> AppResult<String> {
    tokio::task::spawn_blocking(move || passwords::hash_password(&password))
        .await
        .map_err(|e| AppError::Internal(e.into()))
}

/// Who a new learner is, checked.
struct Person<'a> {
    display_name: &'a DisplayName,
    national_id: &'a NationalId,
    phone: Option<&'a PhoneNumber>,
}

/// Where a new learner belongs and what they like.
struct Placement {
    district: DistrictCode,
    subdistrict: Option<SubdistrictCode>,
    interests: Vec<Topic>,
    registered_by: Option<xc_domain::InstitutionId>,
}

/// The learner row for a person, with personal data sealed. `Conflict` when the ID number is
/// already registered.
async fn new_learner(
    state: &AppState,
    person: Person<'_>,
    placement: Placement,
) -> AppResult<NewLearner> {
    let Person {
        display_name,
        national_id,
        phone,
    } = person;
    let Placement {
        district,
        subdistrict,
        interests,
        registered_by,
    } = placement;
    let (sealed_id, lookup) = state.vault.seal_national_id(national_id)?;
    if state
        .store
        .find_learner_by_national_id(&lookup)
        .await?
        .is_some()
    {
        return Err(AppError::Conflict {
            field: "national_id",
        });
    }
    Ok(NewLearner {
        display_name: display_name.as_str().to_owned(),
        national_id: sealed_id,
        national_id_lookup: lookup,
        birth_year: national_id.birth_date().year(),
        gender: national_id.gender(),
        district,
        subdistrict,
        neighbourhood: None,
        phone: phone.map(|p| state.vault.seal_phone(p)).transpose()?,
        interests,
        registered_at: OffsetDateTime::now_utc(),
        registered_by,
    })
}

/// Self-registration: checks every field (reporting the first wrong one by name), then creates
/// the learner, the account and the consent record in one transaction.
pub async fn register_citizen(
    state: &AppState,
    input: &Registration,
) -> AppResult<(LearnerId, UserId)> {
    let username = Username::parse_new(&input.username)?;
    let password = Password::parse(&input.password)?;
    let display_name = DisplayName::parse(&input.display_name)?;
    let national_id = NationalId::parse(&input.national_id)?;
    let phone = non_empty(&input.phone)
        .map(PhoneNumber::parse)
        .transpose()?;
    if !input.consent {
        return Err(AppError::invalid(
            "consent",
            "registration needs your consent to keep a learning archive",
        ));
    }
    let district = existing_district(state, &input.district_code).await?;
    if state
        .store
        .find_user_by_username(&username)
        .await?
        .is_some()
    {
        return Err(AppError::Conflict { field: "username" });
    }
    let person = Person {
        display_name: &display_name,
        national_id: &national_id,
        phone: phone.as_ref(),
    };
    let placement = Placement {
        district,
        subdistrict: None,
        interests: Vec::new(),
        registered_by: None,
    };
    let learner = new_learner(state, person, placement).await?;
    let user = NewUser {
        username,
        password_hash: Some(hash_password_off_thread(password).await?),
        display_name: display_name.as_str().to_owned(),
        role: RoleAssignment {
            role: Role::Citizen,
            district: None,
            institution: None,
        },
        learner: None,
    };
    let consent = Consent {
        purpose: CONSENT_PURPOSE.to_owned(),
        notice_version: CONSENT_NOTICE_VERSION.to_owned(),
        granted: true,
        at: OffsetDateTime::now_utc(),
    };
    let audit = AuditEvent::new(
        xc_store::Actor::Anonymous,
        "citizen.register",
        "learner",
        "new",
    )
    .with_detail(
        serde_json::json!({ "consent": CONSENT_PURPOSE, "notice_version": CONSENT_NOTICE_VERSION }),
    );
    Ok(state
        .store
        .register_citizen(&learner, &user, &consent, &audit)
        .await?)
}

/// Staff register a learner (a provider for its institution, a district admin in their district,
/// a city admin anywhere).
pub async fn register_learner(
    state: &AppState,
    identity: &Identity,
    input: &LearnerInput,
) -> AppResult<LearnerId> {
    let principal = identity
        .require_to(
            Action::RegisterLearner,
            "your role cannot register learners",
        )?
        .clone();
    let display_name = DisplayName::parse(&input.display_name)?;
    let national_id = NationalId::parse(&input.national_id)?;
    let phone = non_empty(&input.phone)
        .map(PhoneNumber::parse)
        .transpose()?;
    let interests = input
        .interests
        .iter()
        .map(|t| Topic::parse(t))
        .collect::<Result<Vec<_>, _>>()?;
    let district = existing_district(state, &input.district_code).await?;
    let subdistrict = match non_empty(&input.subdistrict_code) {
        Some(code) => {
            let code = SubdistrictCode::parse(code)?;
            if code.district() != district {
                return Err(AppError::invalid(
                    "subdistrict_code",
                    format!("subdistrict {code} is not in district {district}"),
                ));
            }
            state.store.get_subdistrict(&code).await.map_err(|_| {
                AppError::invalid(
                    "subdistrict_code",
                    format!("there is no subdistrict {code}"),
                )
            })?;
            Some(code)
        }
        None => None,
    };
    if let LearnerScope::District(own) = principal.learner_scope()
        && own != district
    {
        return Err(AppError::Forbidden(
            "you can register learners only in your own district",
        ));
    }
    let registered_by = match principal.scope {
        xc_domain::Scope::Institution(id) => Some(id),
        _ => None,
    };
    let person = Person {
        display_name: &display_name,
        national_id: &national_id,
        phone: phone.as_ref(),
    };
    let learner = new_learner(
        state,
        person,
        Placement {
            district,
            subdistrict,
            interests,
            registered_by,
        },
    )
    .await?;
    let audit = AuditEvent::new(identity.actor(), "learner.create", "learner", "new");
    Ok(state.store.create_learner(&learner, &audit).await?)
}

/// A learner's own change of name, phone or interests. `phone: Some("")` removes the number.
pub async fn change_contact(
    state: &AppState,
    identity: &Identity,
    display_name: Option<&str>,
    phone: Option<&str>,
    interests: Option<&[String]>,
) -> AppResult<()> {
    let principal = identity.require_to(Action::ChangeOwnAccount, "this account is read-only")?;
    let learner = principal.learner_id.ok_or(AppError::Forbidden(
        "this account has no learner record to change",
    ))?;
    let mut change = ContactChange::default();
    let mut fields = Vec::new();
    if let Some(name) = display_name {
        change.display_name = Some(DisplayName::parse(name)?.as_str().to_owned());
        fields.push("display_name");
    }
    if let Some(phone) = phone {
        change.phone = Some(match phone.trim() {
            "" => None,
            number => Some(state.vault.seal_phone(&PhoneNumber::parse(number)?)?),
        });
        fields.push("phone");
    }
    if let Some(interests) = interests {
        change.interests = Some(
            interests
                .iter()
                .map(|t| Topic::parse(t))
                .collect::<Result<_, _>>()?,
        );
        fields.push("interests");
    }
    if fields.is_empty() {
        return Err(AppError::invalid(
            "",
            "nothing to change: give display_name, phone or interests",
        ));
    }
    let audit = AuditEvent::new(
        identity.actor(),
        "learner.contact_change",
        "learner",
        learner,
    )
    .with_detail(serde_json::json!({ "fields": fields }));
    Ok(state.store.update_contact(learner, &change, &audit).await?)
}

/// One learner, if the caller's scope includes them. Staff reads of someone else are audited.
pub async fn read_learner(
    state: &AppState,
    identity: &Identity,
    id: LearnerId,
) -> AppResult<LearnerRecord> {
    let principal = identity.require()?;
    let learner = state
        .store
        .get_learner(&principal.learner_scope(), id)
        .await?;
    if principal.reads_other_person(id) {
        let audit = AuditEvent::new(identity.actor(), "learner.read", "learner", id);
        state.store.append_audit(&audit).await?;
    }
    Ok(learner)
}

/// Learners in the caller's scope, narrowed by `filter`. The read is audited with the ids shown.
pub async fn list_learners(
    state: &AppState,
    identity: &Identity,
    filter: &LearnerFilter,
    page: PageRequest,
) -> AppResult<Paged<LearnerRecord>> {
    let principal = identity.require_to(Action::ReadLearners, "only staff can list learners")?;
    let learners = state
        .store
        .list_learners(&principal.learner_scope(), filter, page)
        .await?;
    if !learners.items.is_empty() {
        let ids: Vec<i64> = learners.items.iter().map(|l| l.id.get()).collect();
        let audit = AuditEvent::new(identity.actor(), "learner.list", "learner", "many")
            .with_detail(serde_json::json!({ "ids": ids }));
        state.store.append_audit(&audit).await?;
    }
    Ok(learners)
}
