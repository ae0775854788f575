//! The generator against a real store: a tiny city written into a fresh SQLite database, read
//! back through the store's own queries, with the demo logins able to sign in.

mod credit;

use std::sync::Mutex;

use xc_domain::{LearnerId, Role, SiteKind, Username};
use xc_gen::{
    DEMO_PASSWORD, GenerateError, GenerateOptions, Progress, REFERENCE_DATE, Scale, demo_logins,
    generate, generate_city,
};
use xc_privacy::PiiVault;
use xc_store::{
    AccountStore, AuditFilter, AuditStore, GeographyStore, LearnerStore, LrsStore, PageRequest,
    Store,
};
use xc_store_sqlite::SqliteStore;

#[tokio::test]
async fn a_tiny_city_lands_in_a_fresh_sqlite_store_with_its_demo_logins() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("xuecheng.db"))
        .await
        .unwrap();
    let vault = PiiVault::random();
    let options = GenerateOptions::new(Scale::Tiny, 42).with_statements();
    let expected = generate_city(&options);
    let learners: Vec<_> = expected.learners().collect();

    let seen = Mutex::new(Vec::<Progress>::new());
    let report = generate(&store, &vault, &options, &|p| seen.lock().unwrap().push(p))
        .await
        .unwrap();
    assert_eq!(report.districts, 1);
    assert_eq!(report.subdistricts, 10);
    assert_eq!(report.neighbourhoods, 170);
    assert_eq!(report.learners, 1_000);
    assert_eq!(report.demo_logins, 6);
    assert!(report.specifications > 100, "{}", report.specifications);
    assert!(report.outcomes > 18_000, "{}", report.outcomes);
    assert_eq!(
        report.decisions + report.outcomes_in_review,
        report.outcomes,
        "every outcome is decided or in review"
    );
    let seen = seen.into_inner().unwrap();
    let last_learners = seen.iter().rfind(|p| p.stage == "learners").unwrap();
    assert_eq!((last_learners.done, last_learners.total), (1_000, 1_000));

    let overview = store.overview(None, REFERENCE_DATE.year()).await.unwrap();
    assert_eq!(overview.districts, 1);
    assert_eq!(overview.subdistricts, 10);
    assert_eq!(overview.neighbourhoods, 170);
    assert_eq!(overview.residents, 662_030);
    assert_eq!(
        overview.residents_60_plus,
        expected.districts[0].residents_60_plus
    );
    assert_eq!(overview.institutions, expected.institutions.len() as i64);
    assert_eq!(overview.teachers, expected.teachers.len() as i64);
    assert_eq!(overview.learners, 1_000);
    let older = learners
        .iter()
        .filter(|l| REFERENCE_DATE.year() - l.birth_year >= 60)
        .count();
    assert_eq!(overview.learners_60_plus, older as i64);
    assert_eq!(overview.sites(), expected.sites.len() as i64);
    for (kind, count) in &overview.sites_by_kind {
        let generated = expected.sites.iter().filter(|s| s.kind == *kind).count() as i64;
        assert_eq!(*count, generated, "{kind}");
    }
    assert!(
        overview
            .sites_by_kind
            .iter()
            .any(|(kind, n)| *kind == SiteKind::CommunitySchool && *n == 10)
    );

    // Learners are findable by their ID number's keyed hash, sealed under the same vault.
    let first = &learners[0];
    let lookup = vault.national_id_lookup(&first.national_id);
    assert_eq!(
        store.find_learner_by_national_id(&lookup).await.unwrap(),
        Some(LearnerId::new(1))
    );

    let mut hashes = Vec::new();
    for login in demo_logins() {
        let user = store
            .find_user_by_username(&Username::parse(login.username).unwrap())
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{} missing", login.username));
        assert_eq!(user.role.role, login.role);
        hashes.push(user.password_hash.clone().unwrap());
        match login.role {
            Role::Citizen => {
                assert_eq!(user.learner, Some(LearnerId::new(1)));
                assert_eq!(user.display_name, first.display_name);
            }
            Role::ProviderStaff => {
                assert_eq!(user.role.institution, expected.first_community_school())
            }
            Role::DistrictAdmin => assert_eq!(
                user.role.district.as_ref().map(|d| d.as_str()),
                Some("310101")
            ),
            _ => assert_eq!((user.role.district, user.role.institution), (None, None)),
        }
    }

    // One hash serves all six (argon2 is slow on purpose, and slower still in debug builds).
    hashes.dedup();
    assert_eq!(hashes.len(), 1);
    assert!(xc_privacy::passwords::verify_password(
        &hashes[0],
        DEMO_PASSWORD
    ));

    let filter = AuditFilter {
        action: Some("city.generate".to_owned()),
        ..AuditFilter::default()
    };
    let runs = store
        .list_audit(&filter, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(runs.total, 1);
    assert_eq!(runs.items[0].actor, "system:generate");
    assert_eq!(runs.items[0].detail["positions_generated"], true);
    assert_eq!(runs.items[0].detail["statements"], report.statements);

    // The learning record store holds the statements the report counts, as the LRS reads them.
    assert!(report.statements > 5_000, "{}", report.statements);
    let filter = match xc_xapi::query::StatementQuery::parse([("limit", "500")])
        .unwrap()
        .selection
    {
        xc_xapi::query::Selection::Filter(filter) => *filter,
        other => panic!("{other:?}"),
    };
    let (mut read, mut cursor) = (0u64, None);
    loop {
        let page = store
            .query_statements(&filter, cursor.as_ref())
            .await
            .unwrap();
        read += page.statements.len() as u64;
        match page.more {
            Some(more) => cursor = Some(more),
            None => break,
        }
    }
    assert_eq!(read, report.statements);
    let completed = match xc_xapi::query::StatementQuery::parse([
        ("verb", "http://adlnet.gov/expapi/verbs/completed"),
        ("limit", "5"),
    ])
    .unwrap()
    .selection
    {
        xc_xapi::query::Selection::Filter(filter) => *filter,
        other => panic!("{other:?}"),
    };
    let page = store.query_statements(&completed, None).await.unwrap();
    assert_eq!(page.statements.len(), 5);

    // A second run refuses the store that now holds a city.
    let store: &dyn Store = &store;
    let error = generate(store, &vault, &options, &|_| {})
        .await
        .unwrap_err();
    assert!(matches!(error, GenerateError::StoreNotEmpty), "{error}");
    assert!(error.to_string().contains("empty database"), "{error}");
}

/// The demo's first start, timed stage by stage: `cargo test -p xc-gen --release --test it --
/// --ignored --nocapture district_scale_timed` (SQLite; PostgreSQL with
/// `XUECHENG_TEST_DATABASE_URL`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "measures; run by hand in release"]
async fn district_scale_timed() {
    let store = xc_backend::testing::TestStore::fresh().await;
    let vault = PiiVault::random();
    let options = GenerateOptions::new(Scale::District, 2026);
    let started = std::time::Instant::now();
    let last = Mutex::new((String::new(), std::time::Duration::ZERO));
    let report = generate(&*store, &vault, &options, &|p| {
        let mut last = last.lock().unwrap();
        if last.0 != p.stage {
            let now = started.elapsed();
            eprintln!("{:>16} took {:?}", last.0, now - last.1);
            *last = (p.stage.to_owned(), now);
        }
    })
    .await
    .unwrap();
    let (stage, at) = last.into_inner().unwrap();
    eprintln!("{stage:>16} took {:?}", started.elapsed() - at);
    eprintln!(
        "district on {}: {:?} {report:?}",
        store.engine(),
        started.elapsed()
    );
}
