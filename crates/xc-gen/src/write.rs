//! Writing a generated city into a store: refuse a store that already holds a city, bulk-load
//! every table (learners streamed in batches, generated and sealed on their own thread while the
//! store writes the previous batch), create the demo logins, publish the credit bank's
//! specifications, stream the outcomes and decisions with the xAPI statements about them
//! (generated on their own thread; statements through the LRS's bulk path), award the
//! learners' points for their recognised outcomes, and record the run in the audit log.

use std::time::{Duration, Instant};

use serde_json::json;
use time::OffsetDateTime;
use xc_domain::credit::OutcomeId;
use xc_domain::{LearnerId, Password, Role, UserId, Username};
use xc_privacy::{PiiVault, PrivacyError};
use xc_store::{
    Actor, AuditEvent, LearnerRecord, NewUser, OutcomeStatus, RoleAssignment, SpecificationTarget,
    Store, StoreError,
};

use xc_bank::accreditation::{AccreditationInput, record_accreditation};

use crate::credit::{BankStaff, CreditBank, OutcomeBatch};
use crate::{GenerateOptions, GeneratedCity, Scale, demo_logins, generate_city};

/// How many learners go to the store in one bulk call.
pub const LEARNER_BATCH: usize = 20_000;
/// How many outcomes (at least; whole learners) go to the store in one bulk call.
pub const OUTCOME_BATCH: usize = 50_000;

/// How far generation has come: `done` of `total` rows of the named stage. The caller draws
/// whatever it likes (the binary an indicatif bar).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// `city` (rows generated in memory), `districts`, `subdistricts`, `neighbourhoods`,
    /// `institutions`, `sites`, `teachers`, `learners`, `demo logins`, `specifications`,
    /// `outcomes` (counted in learners whose outcomes and decisions are written).
    pub stage: &'static str,
    pub done: u64,
    pub total: u64,
}

/// What was written and how long it took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateReport {
    pub scale: Scale,
    pub seed: u64,
    pub districts: u64,
    pub subdistricts: u64,
    pub neighbourhoods: u64,
    pub institutions: u64,
    pub sites: u64,
    pub teachers: u64,
    pub learners: u64,
    pub demo_logins: u64,
    /// Outcome specifications published (each counted once, whatever its versions).
    pub specifications: u64,
    pub outcomes: u64,
    /// Of `outcomes`, those still waiting for a reviewer.
    pub outcomes_in_review: u64,
    pub decisions: u64,
    /// Points ledger rows awarded for the recognised outcomes.
    pub points_awards: u64,
    /// xAPI statements in the learning record store.
    pub statements: u64,
    /// Providers in the register of accredited providers (every community school, from the
    /// day after the city's history ends).
    pub accredited_providers: u64,
    pub elapsed: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error(
        "the database already holds a city: generate into an empty database (a new data directory or database), or remove the old one first"
    )]
    StoreNotEmpty,
    #[error("could not write the generated city: {0}")]
    Store(#[from] StoreError),
    #[error("could not seal personal data: {0}")]
    Privacy(#[from] PrivacyError),
    #[error("the learner generator thread stopped before it finished")]
    GeneratorStopped,
    /// The credit bank refused what the generator asked of it (the learners' points, the
    /// accreditations).
    #[error("the credit bank refused part of the generated city (points or accreditations): {0}")]
    Points(#[from] xc_bank::BankError),
    #[error(
        "the store numbered specification {code} version {got}, expected version {expected}: generate into an empty database"
    )]
    SpecificationVersion {
        code: String,
        expected: u32,
        got: u32,
    },
}

fn count<T>(rows: &[T]) -> u64 {
    rows.len() as u64
}

/// Runs one bulk load (`load`, not yet started), reporting the stage before and after.
async fn load_stage<T>(
    progress: &(dyn Fn(Progress) + Sync),
    stage: &'static str,
    rows: &[T],
    load: impl Future<Output = Result<(), StoreError>>,
) -> Result<(), GenerateError> {
    let total = count(rows);
    progress(Progress {
        stage,
        done: 0,
        total,
    });
    load.await?;
    progress(Progress {
        stage,
        done: total,
        total,
    });
    Ok(())
}

/// Generates the city of `options` into `store`, which must be empty.
///
/// The same options give the same rows (ids, names, codes, numbers) on every run; only the
/// ciphertexts of the sealed ID and phone numbers differ, because every seal takes a fresh random
/// nonce. Look-up hashes and masked forms are the same under the same vault key.
pub async fn generate(
    store: &dyn Store,
    vault: &PiiVault,
    options: &GenerateOptions,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<GenerateReport, GenerateError> {
    let started = Instant::now();
    if !store.is_empty().await? {
        return Err(GenerateError::StoreNotEmpty);
    }
    progress(Progress {
        stage: "city",
        done: 0,
        total: 1,
    });
    let city = generate_city(options);
    progress(Progress {
        stage: "city",
        done: 1,
        total: 1,
    });

    load_stage(
        progress,
        "districts",
        &city.districts,
        store.load_districts(&city.districts),
    )
    .await?;
    load_stage(
        progress,
        "subdistricts",
        &city.subdistricts,
        store.load_subdistricts(&city.subdistricts),
    )
    .await?;
    load_stage(
        progress,
        "neighbourhoods",
        &city.neighbourhoods,
        store.load_neighbourhoods(&city.neighbourhoods),
    )
    .await?;
    load_stage(
        progress,
        "institutions",
        &city.institutions,
        store.load_institutions(&city.institutions),
    )
    .await?;
    load_stage(
        progress,
        "sites",
        &city.sites,
        store.load_sites(&city.sites),
    )
    .await?;
    load_stage(
        progress,
        "teachers",
        &city.teachers,
        store.load_teachers(&city.teachers),
    )
    .await?;

    let learners = load_learners(store, vault, &city, progress).await?;

    let logins = demo_logins();
    let total_logins = count(&logins);
    progress(Progress {
        stage: "demo logins",
        done: 0,
        total: total_logins,
    });
    let first_learner = city.learners().next();
    let password =
        Password::parse(crate::DEMO_PASSWORD).expect("the demo password is a valid password");
    // One argon2 hash for all six: they share the password, and argon2 is slow on purpose.
    let password_hash = xc_privacy::passwords::hash_password(&password);
    let mut created = 0;
    let mut staff = BankStaff::default();
    for login in &logins {
        let district = city.districts.first().map(|d| d.code.clone());
        let (district, institution, learner) = match login.role {
            Role::Citizen => (None, None, first_learner.as_ref().map(|l| l.id)),
            Role::ProviderStaff => (None, city.first_community_school(), None),
            Role::DistrictAdmin => (district, None, None),
            Role::CreditBankStaff | Role::CityAdmin | Role::Auditor => (None, None, None),
        };
        // A scale without learners or subdistricts has nothing to scope these two to.
        if (login.role == Role::Citizen && learner.is_none())
            || (login.role == Role::ProviderStaff && institution.is_none())
            || (login.role == Role::DistrictAdmin && district.is_none())
        {
            continue;
        }
        let display_name = match (&first_learner, login.role) {
            (Some(learner), Role::Citizen) => learner.display_name.clone(),
            _ => login.display_name.to_owned(),
        };
        let user = NewUser {
            username: Username::parse(login.username).expect("demo user names are valid"),
            password_hash: Some(password_hash.clone()),
            display_name,
            role: RoleAssignment {
                role: login.role,
                district,
                institution,
            },
            learner,
        };
        let audit = AuditEvent::new(
            Actor::System("generate".to_owned()),
            "user.create",
            "user",
            "",
        )
        .with_detail(
            json!({ "username": login.username, "role": login.role.as_str(), "demo": true }),
        );
        let user_id = store.create_user(&user, &audit).await?;
        match (login.role, institution) {
            (Role::CreditBankStaff, _) => staff.reviewer = Some(user_id),
            (Role::ProviderStaff, Some(institution)) => {
                staff.provider = Some((institution, user_id));
            }
            _ => {}
        }
        created += 1;
        progress(Progress {
            stage: "demo logins",
            done: created,
            total: total_logins,
        });
    }

    let mut bank = CreditBank::new(&city);
    publish_specifications(store, &mut bank, staff.reviewer, progress).await?;
    let outcomes = load_outcomes(store, &city, &bank, staff, progress).await?;
    let accredited_providers = accredit_community_schools(store, &city, staff.reviewer).await?;
    store.finish_load().await?;

    let report = GenerateReport {
        scale: options.scale,
        seed: options.seed,
        districts: count(&city.districts),
        subdistricts: count(&city.subdistricts),
        neighbourhoods: count(&city.neighbourhoods),
        institutions: count(&city.institutions),
        sites: count(&city.sites),
        teachers: count(&city.teachers),
        learners,
        demo_logins: created,
        specifications: count(bank.specifications()),
        outcomes: outcomes.outcomes,
        outcomes_in_review: outcomes.in_review,
        decisions: outcomes.decisions,
        points_awards: outcomes.points_awards,
        statements: outcomes.statements,
        accredited_providers,
        elapsed: started.elapsed(),
    };
    let audit = AuditEvent::new(Actor::System("generate".to_owned()), "city.generate", "city", options.scale.as_str())
        .with_detail(json!({
            "scale": options.scale.as_str(),
            "seed": options.seed,
            "districts": report.districts,
            "subdistricts": report.subdistricts,
            "neighbourhoods": report.neighbourhoods,
            "institutions": report.institutions,
            "sites": report.sites,
            "teachers": report.teachers,
            "learners": report.learners,
            "specifications": report.specifications,
            "outcomes": report.outcomes,
            "outcomes_in_review": report.outcomes_in_review,
            "decisions": report.decisions,
            "points_awards": report.points_awards,
            "statements": report.statements,
            "accredited_providers": report.accredited_providers,
            "positions_generated": true,
            "note": "synthetic demo city: real division codes, names and district census residents; subdistrict centroids, neighbourhood positions, sub-district populations, sites, teachers, learners, their credit-bank outcomes and the xAPI statements about them are generated",
        }));
    store.append_audit(&audit).await?;
    Ok(GenerateReport {
        elapsed: started.elapsed(),
        ..report
    })
}

/// Streams the learners into the store. A thread generates and seals batch n+1 while the store
/// writes batch n; at most two batches wait in the channel, so memory stays flat at any scale.
async fn load_learners(
    store: &dyn Store,
    vault: &PiiVault,
    city: &crate::GeneratedCity,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<u64, GenerateError> {
    let total = city.learner_count;
    progress(Progress {
        stage: "learners",
        done: 0,
        total,
    });
    let (sender, mut receiver) =
        tokio::sync::mpsc::channel::<Result<Vec<LearnerRecord>, PrivacyError>>(2);
    let mut generator = city.learners();
    let vault = vault.clone();
    let producer = std::thread::Builder::new()
        .name("xc-gen-learners".to_owned())
        .spawn(move || {
            loop {
                let batch = generator.next_batch(LEARNER_BATCH);
                if batch.is_empty() {
                    break;
                }
                let sealed: Result<Vec<LearnerRecord>, PrivacyError> =
                    batch.iter().map(|learner| learner.seal(&vault)).collect();
                let failed = sealed.is_err();
                // A closed channel means the writer gave up (a store error): stop quietly.
                if sender.blocking_send(sealed).is_err() || failed {
                    break;
                }
            }
        })
        .map_err(|_| GenerateError::GeneratorStopped)?;

    let mut done = 0;
    while let Some(batch) = receiver.recv().await {
        let batch = batch?;
        store.load_learners(&batch).await?;
        done += count(&batch);
        progress(Progress {
            stage: "learners",
            done,
            total,
        });
    }
    if producer.join().is_err() || done != total {
        return Err(GenerateError::GeneratorStopped);
    }
    Ok(done)
}

/// Publishes the bank's specifications one by one (each its own transaction with its audit
/// entry, as staff would), recording the ids the store gives them.
async fn publish_specifications(
    store: &dyn Store,
    bank: &mut CreditBank,
    published_by: Option<UserId>,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<(), GenerateError> {
    let total = count(bank.specifications());
    progress(Progress {
        stage: "specifications",
        done: 0,
        total,
    });
    for index in 0..bank.specifications().len() {
        let mut id = None;
        let specification = bank.specifications()[index].clone();
        for (number, version) in specification.versions.iter().enumerate() {
            let target = match id {
                None => SpecificationTarget::New {
                    provider: specification.provider,
                    code: specification.code.clone(),
                },
                Some(id) => SpecificationTarget::Existing(id),
            };
            let subject = id.map_or_else(|| "new".to_owned(), |id| id.to_string());
            let audit = AuditEvent::new(
                Actor::System("generate".to_owned()),
                "specification.publish",
                "specification",
                subject,
            )
            .with_detail(json!({
                "provider": specification.provider.get(),
                "code": specification.code,
                "title": version.content.title.as_str(),
                "demo": true,
            }));
            let (stored, stored_version) = store
                .publish_specification(
                    &target,
                    &version.content,
                    version.published_at,
                    published_by,
                    &audit,
                )
                .await?;
            let expected = number as u32 + 1;
            if stored_version.get() != expected {
                return Err(GenerateError::SpecificationVersion {
                    code: specification.code.clone(),
                    expected,
                    got: stored_version.get(),
                });
            }
            id = Some(stored);
        }
        if let Some(id) = id {
            bank.set_id(index, id);
        }
        progress(Progress {
            stage: "specifications",
            done: index as u64 + 1,
            total,
        });
    }
    Ok(())
}

/// Records every community school in the register of accredited providers, granted by the
/// bank's reviewer from the day after the city's history ends, so the demo's non-formal uploads
/// from then on are recognised under the general rules (the history itself was decided before
/// any accreditation, as it was generated). Answers how many were recorded.
async fn accredit_community_schools(
    store: &dyn Store,
    city: &GeneratedCity,
    decided_by: Option<UserId>,
) -> Result<u64, GenerateError> {
    let decided_at = crate::credit::reference_end();
    let from = crate::REFERENCE_DATE
        .next_day()
        .unwrap_or(crate::REFERENCE_DATE);
    for provider in &city.community_schools {
        let grant = AccreditationInput::Grant {
            provider: *provider,
            from,
            until: None,
            reason: "社区学校经区教育局推荐，认定为非学历教育培训机构（示范城市）".to_owned(),
        };
        let audit = AuditEvent::new(
            Actor::System("generate".to_owned()),
            "accreditation.record",
            "accreditation",
            "new",
        )
        .with_detail(json!({ "provider": provider.get(), "decision": "grant", "demo": true }));
        record_accreditation(store, &grant, decided_at, decided_by, &audit).await?;
    }
    Ok(count(&city.community_schools))
}

/// What [`load_outcomes`] wrote.
#[derive(Debug, Default)]
struct OutcomeCounts {
    outcomes: u64,
    in_review: u64,
    decisions: u64,
    /// Points ledger rows appended for the recognised outcomes.
    points_awards: u64,
    statements: u64,
}

/// Streams the outcomes, their decisions and the statements about them into the store: a thread
/// generates batch n+1 while the store writes batch n, at most two batches wait, so memory stays
/// flat at any scale.
async fn load_outcomes(
    store: &dyn Store,
    city: &GeneratedCity,
    bank: &CreditBank,
    staff: BankStaff,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<OutcomeCounts, GenerateError> {
    let total = city.learner_count;
    progress(Progress {
        stage: "outcomes",
        done: 0,
        total,
    });
    let (sender, mut receiver) =
        tokio::sync::mpsc::channel::<(OutcomeBatch, Vec<xc_xapi::Statement>)>(2);
    let mut generator = bank.outcomes(city, staff);
    let statements = city
        .options
        .statements
        .then(|| crate::StatementGenerator::new(city));
    let producer = std::thread::Builder::new()
        .name("xc-gen-outcomes".to_owned())
        .spawn(move || {
            while let Some(batch) = generator.next_batch(OUTCOME_BATCH) {
                let statements = statements
                    .as_ref()
                    .map_or_else(Vec::new, |s| s.statements(&batch.outcomes));
                // A closed channel means the writer gave up (a store error): stop quietly.
                if sender.blocking_send((batch, statements)).is_err() {
                    break;
                }
            }
        })
        .map_err(|_| GenerateError::GeneratorStopped)?;

    let mut counts = OutcomeCounts::default();
    let mut learners_done = 0;
    let policy = xc_bank::points::default_policy();
    while let Some((batch, statements)) = receiver.recv().await {
        store.load_outcomes(&batch.outcomes).await?;
        store.load_decisions(&batch.decisions).await?;
        counts.outcomes += count(&batch.outcomes);
        counts.in_review += batch
            .outcomes
            .iter()
            .filter(|outcome| outcome.status == OutcomeStatus::InReview)
            .count() as u64;
        counts.decisions += count(&batch.decisions);
        counts.points_awards += award_points(store, &policy, &batch).await?;
        if !statements.is_empty() {
            counts.statements += store.load_statements(&statements).await?;
        }
        learners_done = batch.learners_done;
        progress(Progress {
            stage: "outcomes",
            done: learners_done,
            total,
        });
    }
    if producer.join().is_err() || learners_done != total {
        return Err(GenerateError::GeneratorStopped);
    }
    Ok(counts)
}

/// Every recognised outcome of a batch earns its points under the default policy, on the day it
/// was recognised, as the bank awards them (caps included): the batch holds its learners whole
/// and the ledger holds nothing for them yet, so the caps are counted from zero in memory and
/// the batch's awards are one append.
async fn award_points(
    store: &dyn Store,
    policy: &xc_domain::credit::PointsPolicy,
    batch: &OutcomeBatch,
) -> Result<u64, GenerateError> {
    let recognised: std::collections::HashMap<OutcomeId, LearnerId> = batch
        .outcomes
        .iter()
        .filter(|outcome| outcome.status == OutcomeStatus::Recognised)
        .map(|outcome| (outcome.id, outcome.learner))
        .collect();
    let mut items: Vec<(LearnerId, OutcomeId, OffsetDateTime)> = batch
        .decisions
        .iter()
        .filter(|decision| decision.grant.is_some())
        .filter_map(|decision| {
            let learner = recognised.get(&decision.outcome)?;
            Some((*learner, decision.outcome, decision.decided_at))
        })
        .collect();
    items.sort_by_key(|(_, outcome, at)| (*at, *outcome));
    let (entries, planned) = xc_bank::points::plan_recognition_awards(
        policy,
        &items,
        &mut xc_bank::points::HeldPoints::default(),
    )?;
    if entries.is_empty() {
        return Ok(0);
    }
    Ok(xc_bank::points::append_awards(
        store,
        &entries,
        planned.points,
        Actor::System("generate".to_owned()),
    )
    .await?)
}
