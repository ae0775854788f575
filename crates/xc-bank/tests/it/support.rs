//! The bank every test starts from: the storage suite's fixture city, a vault, five learners
//! with real ID numbers (registered through the vault, so uploads can match them) and one
//! published specification of provider 1.

use std::path::PathBuf;

use time::macros::{date, datetime};
use time::{Date, OffsetDateTime};
use xc_backend::testing::TestStore;
use xc_bank::{BatchOptions, SpecificationInput, Standards, publish_specification};
use xc_domain::credit::{
    ContactHours, Credits, Field, FrameworkLevel, OutcomeKind, OutcomeTitle, SpecificationId,
    ValidityTerm,
};
use xc_domain::{InstitutionId, LearnerId, NationalId, Role, Topic, UserId, Username};
use xc_import::Limits;
use xc_privacy::PiiVault;
use xc_store::{
    Actor, AuditEvent, NewLearner, NewUser, RoleAssignment, SpecificationTarget, Store,
};

pub(crate) const TODAY: Date = date!(2026 - 11 - 29);
pub(crate) const NOW: OffsetDateTime = datetime!(2026-11-29 09:00 UTC);
pub(crate) const PROVIDER: InstitutionId = InstitutionId::new(1);

pub(crate) struct Bank {
    pub(crate) store: TestStore,
    pub(crate) vault: PiiVault,
    pub(crate) standards: Standards,
    /// Five learners, in the order of `ids`.
    pub(crate) learners: Vec<LearnerId>,
    pub(crate) ids: Vec<NationalId>,
    /// A credit-bank reviewer.
    pub(crate) reviewer: UserId,
    /// The published calligraphy specification of provider 1 (community course, 32 hours).
    pub(crate) calligraphy: SpecificationId,
    pub(crate) dir: tempfile::TempDir,
}

impl Bank {
    pub(crate) fn store(&self) -> &dyn Store {
        &*self.store
    }

    pub(crate) fn store_arc(&self) -> std::sync::Arc<dyn Store> {
        self.store.store.clone()
    }

    pub(crate) fn options(&self, all_or_nothing: bool) -> BatchOptions {
        BatchOptions {
            provider: PROVIDER,
            submitted_by: None,
            actor: Actor::System("test".into()),
            file_name: "outcomes.csv".into(),
            all_or_nothing,
            today: TODAY,
            now: NOW,
            limits: Limits::default(),
        }
    }

    /// Writes `bytes` to a file in the bank's temporary directory.
    pub(crate) fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    pub(crate) async fn reload(&mut self) {
        self.standards = Standards::load(self.store()).await.unwrap();
    }
}

pub(crate) fn calligraphy_input() -> SpecificationInput {
    SpecificationInput {
        kind: OutcomeKind::CommunityCourse,
        category: None,
        title: OutcomeTitle::parse("书法（楷书）").unwrap(),
        hours: Some(ContactHours::whole(32).unwrap()),
        grade: None,
        level: Some(FrameworkLevel::new(2).unwrap()),
        credits: Some(Credits::parse("2").unwrap()),
        field: Some(Field::Topic(Topic::CultureAndArts)),
        validity: ValidityTerm::INDEFINITE,
    }
}

pub(crate) fn audit(action: &str) -> AuditEvent {
    AuditEvent::new(Actor::System("test".into()), action, "test", "new")
}

pub(crate) async fn bank() -> Bank {
    let store = TestStore::fresh().await;
    xc_store::suite::load_fixture_city(&*store).await;
    let vault = PiiVault::random();
    let mut learners = Vec::new();
    let mut ids = Vec::new();
    for n in 0..5u16 {
        let id = NationalId::from_parts("310101", date!(1955 - 03 - 01), 100 + n).unwrap();
        let (sealed, lookup) = vault.seal_national_id(&id).unwrap();
        let learner = store
            .create_learner(
                &NewLearner {
                    display_name: format!("学员{n}"),
                    national_id: sealed,
                    national_id_lookup: lookup,
                    birth_year: 1955,
                    gender: id.gender(),
                    district: xc_store::suite::district("310101"),
                    subdistrict: None,
                    neighbourhood: None,
                    phone: None,
                    interests: vec![Topic::CultureAndArts],
                    registered_at: NOW,
                    registered_by: None,
                },
                &audit("learner.create"),
            )
            .await
            .unwrap();
        learners.push(learner);
        ids.push(id);
    }
    let standards = Standards::load(&*store).await.unwrap();
    let (calligraphy, _) = publish_specification(
        &*store,
        &standards,
        &SpecificationTarget::New {
            provider: PROVIDER,
            code: "SF-01".into(),
        },
        calligraphy_input(),
        NOW,
        None::<UserId>,
        &audit("specification.publish"),
    )
    .await
    .unwrap();
    let reviewer = store
        .create_user(
            &NewUser {
                username: Username::parse("reviewer").unwrap(),
                password_hash: None,
                display_name: "审核员".into(),
                role: RoleAssignment {
                    role: Role::CreditBankStaff,
                    district: None,
                    institution: None,
                },
                learner: None,
            },
            &audit("user.create"),
        )
        .await
        .unwrap();
    let mut bank = Bank {
        reviewer,
        store,
        vault,
        standards,
        learners,
        ids,
        calligraphy,
        dir: tempfile::tempdir().unwrap(),
    };
    bank.reload().await;
    bank
}
