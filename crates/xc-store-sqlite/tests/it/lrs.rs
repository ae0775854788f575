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
