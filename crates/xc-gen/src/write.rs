//! Writing a generated city into a store: refuse a store that already holds a city, bulk-load
//! every table (learners streamed in batches, generated and sealed on their own thread while the
//! store writes the previous batch), create the demo logins, and record the run in the audit log.

use std::time::{Duration, Instant};

use serde_json::json;
use xc_domain::{Password, Role, Username};
use xc_privacy::{PiiVault, PrivacyError};
use xc_store::{Actor, AuditEvent, LearnerRecord, NewUser, RoleAssignment, Store, StoreError};

use crate::{GenerateOptions, Scale, demo_logins, generate_city};

/// How many learners go to the store in one bulk call.
pub const LEARNER_BATCH: usize = 20_000;

/// How far generation has come: `done` of `total` rows of the named stage. The caller draws
/// whatever it likes (the binary an indicatif bar).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// `city` (rows generated in memory), `districts`, `subdistricts`, `neighbourhoods`,
    /// `institutions`, `sites`, `teachers`, `learners`, `demo logins`.
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
    store.finish_load().await?;

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
        store.create_user(&user, &audit).await?;
        created += 1;
        progress(Progress {
            stage: "demo logins",
            done: created,
            total: total_logins,
        });
    }

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
            "positions_generated": true,
            "note": "synthetic demo city: real division codes, names and district census residents; subdistrict centroids, neighbourhood positions, sub-district populations, sites, teachers and learners are generated",
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
