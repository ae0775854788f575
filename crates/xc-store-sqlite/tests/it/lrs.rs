//! What only SQLite's learning record store shows beyond the shared suite: statements and
//! voiding refuse UPDATE in the database itself.

use serde_json::json;
use xc_store::*;
use xc_xapi::XapiVersion;

use crate::fresh_store;

#[tokio::test]
async fn statements_and_voiding_refuse_updates_in_the_database() {
    let store = fresh_store().await;
    let statements = [
        json!({
            "id": "00000000-0000-4000-8000-000000000001",
            "stored": "2026-03-01T08:00:00Z",
            "actor": {"mbox": "mailto:ann@example.com"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
            "object": {"id": "http://example.com/activities/course-1"},
        }),
        json!({
            "id": "00000000-0000-4000-8000-000000000002",
            "stored": "2026-03-01T08:01:00Z",
            "actor": {"mbox": "mailto:admin@example.com"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/voided"},
            "object": {"objectType": "StatementRef", "id": "00000000-0000-4000-8000-000000000001"},
        }),
    ]
    .map(|body| xc_xapi::parse_statement(&body, XapiVersion::LATEST_1_0).unwrap());
    store.insert_statements(&statements, &[]).await.unwrap();
    let pool = sqlx::SqlitePool::connect(&format!(
        "sqlite:{}",
        store._dir.path().join("xuecheng.db").display()
    ))
    .await
    .unwrap();
    for update in [
        "UPDATE xapi_statements SET verb = 'http://example.com/other'",
        "UPDATE xapi_voided SET voiding_id = target_id",
    ] {
        let error = sqlx::query(update).execute(&pool).await.unwrap_err();
        assert!(
            error.to_string().contains("never change"),
            "{update}: {error}"
        );
    }
    let voided = store
        .get_statement(&statements[0].id.clone().unwrap(), true)
        .await
        .unwrap();
    assert_eq!(
        voided.statement.verb.id.as_str(),
        "http://adlnet.gov/expapi/verbs/completed"
    );
}

/// A database whose statements were stored before migration 0019 (key rows holding the keys'
/// text) answers the same filters after it, with each key once in `xapi_keys`; erasing the
/// actor then removes their keys too.
#[tokio::test]
async fn statements_stored_before_keys_had_numbers_are_found_after_the_migration() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("xuecheng.db");
    // The migrations up to 0018, as a database of that time had them.
    let old = dir.path().join("migrations");
    std::fs::create_dir(&old).unwrap();
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    for entry in std::fs::read_dir(&source).unwrap() {
        let name = entry.unwrap().file_name();
        if name.to_string_lossy().as_ref() < "0019" {
            std::fs::copy(source.join(&name), old.join(&name)).unwrap();
        }
    }
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true)
        .foreign_keys(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    sqlx::migrate::Migrator::new(old.as_path())
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();
    let statements = [
        json!({
            "id": "00000000-0000-4000-8000-000000000001",
            "stored": "2026-03-01T08:00:00Z",
            "actor": {"mbox": "mailto:ann@example.com"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
            "object": {"id": "http://example.com/activities/course-1"},
            "context": {"contextActivities": {"parent": {"id": "http://example.com/activities/programme"}}},
        }),
        json!({
            "id": "00000000-0000-4000-8000-000000000002",
            "stored": "2026-03-01T08:01:00Z",
            "actor": {"mbox": "mailto:bob@example.com"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
            "object": {"id": "http://example.com/activities/course-1"},
        }),
    ]
    .map(|body| xc_xapi::parse_statement(&body, XapiVersion::LATEST_1_0).unwrap());
    // Rows in the layout of 0011, as the store wrote them then.
    let prepared = prepare_statements(&statements).unwrap();
    for (seq, row) in (1_i64..).zip(&prepared) {
        sqlx::query(
            "INSERT INTO xapi_statements (seq, id, stored, verb, registration, references_id, \
             voiding, body) VALUES (?, ?, ?, ?, NULL, NULL, 0, ?)",
        )
        .bind(seq)
        .bind(&row.id)
        .bind(row.stored)
        .bind(&row.verb)
        .bind(&row.body)
        .execute(&pool)
        .await
        .unwrap();
        for (kind, key, related) in &row.keys {
            sqlx::query(
                "INSERT INTO xapi_statement_keys (kind, key, stored, seq, via, related_only) \
                 VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(kind.as_str())
            .bind(key)
            .bind(row.stored)
            .bind(seq)
            .bind(seq)
            .bind(i64::from(*related))
            .execute(&pool)
            .await
            .unwrap();
        }
    }
    pool.close().await;

    let store = xc_store_sqlite::SqliteStore::open(&path).await.unwrap();
    let ids = |page: StatementPage| {
        page.statements
            .iter()
            .map(|s| s.statement.id.as_ref().unwrap().as_str()[35..].to_string())
            .collect::<Vec<_>>()
    };
    let query =
        |pairs: &[(&str, &str)]| match xc_xapi::query::StatementQuery::parse(pairs.iter().copied())
            .unwrap()
            .selection
        {
            xc_xapi::query::Selection::Filter(filter) => *filter,
            other => panic!("not a list query: {other:?}"),
        };
    let ann = r#"{"mbox": "mailto:ann@example.com"}"#;
    type Case<'a> = (&'a [(&'a str, &'a str)], Vec<&'a str>);
    let cases: [Case; 5] = [
        (&[("agent", ann)], vec!["1"]),
        (
            &[("activity", "http://example.com/activities/course-1")],
            vec!["2", "1"],
        ),
        (
            &[
                ("activity", "http://example.com/activities/programme"),
                ("related_activities", "true"),
            ],
            vec!["1"],
        ),
        (
            &[
                ("verb", "http://adlnet.gov/expapi/verbs/completed"),
                ("agent", r#"{"mbox": "mailto:bob@example.com"}"#),
            ],
            vec!["2"],
        ),
        (
            &[("activity", "http://example.com/activities/programme")],
            vec![],
        ),
    ];
    for (pairs, expected) in cases {
        let page = store.query_statements(&query(pairs), None).await.unwrap();
        assert_eq!(ids(page), expected, "{pairs:?}");
    }
    // New statements reuse the migrated keys' numbers.
    let third = xc_xapi::parse_statement(
        &json!({
            "id": "00000000-0000-4000-8000-000000000003",
            "stored": "2026-03-01T08:02:00Z",
            "actor": {"mbox": "mailto:ann@example.com"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/attempted"},
            "object": {"id": "http://example.com/activities/course-1"},
        }),
        XapiVersion::LATEST_1_0,
    )
    .unwrap();
    store.insert_statements(&[third], &[]).await.unwrap();
    let page = store
        .query_statements(&query(&[("agent", ann)]), None)
        .await
        .unwrap();
    assert_eq!(ids(page), vec!["3", "1"]);
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", path.display()))
        .await
        .unwrap();
    let key_count = |key: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM xapi_keys WHERE key = ?")
                .bind(key)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    assert_eq!(key_count("http://example.com/activities/course-1").await, 1);
    assert_eq!(key_count("mbox:mailto:ann@example.com").await, 1);

    // Erasing Ann removes her key with her statements; Bob's stays.
    let audit = AuditEvent::new(
        Actor::System("test".into()),
        "lrs.erase_actor",
        "xapi_actor",
        "ann",
    );
    let counts = store
        .erase_actor(&["mbox:mailto:ann@example.com".into()], &audit)
        .await
        .unwrap();
    assert_eq!(counts.statements, 2);
    assert_eq!(key_count("mbox:mailto:ann@example.com").await, 0);
    assert_eq!(key_count("mbox:mailto:bob@example.com").await, 1);
}
