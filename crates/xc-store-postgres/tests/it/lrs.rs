//! What only PostgreSQL's learning record store shows beyond the shared suite: statements and
//! voiding refused UPDATE in the database, and writes racing on separate connections — the
//! same statement id, the same document, the same activity's definition — each settled exactly
//! once, with nothing lost.

use std::sync::Arc;

use serde_json::json;
use time::OffsetDateTime;
use time::macros::datetime;
use tokio::sync::Barrier;
use xc_store::*;
use xc_store_postgres::PgStore;
use xc_xapi::documents::{DocumentMethod, DocumentResource};
use xc_xapi::{Statement, XapiVersion};

use crate::support::fresh_store_or_skip;

const AT: OffsetDateTime = datetime!(2026-03-01 08:00 UTC);
const RACERS: usize = 6;

fn statement(id: &str, verb: &str, name: (&str, &str)) -> Statement {
    xc_xapi::parse_statement(
        &json!({
            "id": id,
            "stored": "2026-03-01T08:00:00Z",
            "actor": {"mbox": "mailto:ann@example.com"},
            "verb": {"id": format!("http://adlnet.gov/expapi/verbs/{verb}")},
            "object": {"id": "http://example.com/activities/course-1",
                "definition": {"name": {name.0: name.1}}},
        }),
        XapiVersion::LATEST_1_0,
    )
    .unwrap()
}

/// Runs `RACERS` copies of `task(i)` at once, each on its own connection of the pool.
async fn race<T: Send + 'static, F>(store: &PgStore, task: impl Fn(usize, PgStore) -> F) -> Vec<T>
where
    F: std::future::Future<Output = T> + Send + 'static,
{
    let barrier = Arc::new(Barrier::new(RACERS));
    let mut handles = Vec::new();
    for i in 0..RACERS {
        let barrier = barrier.clone();
        let future = task(i, store.clone());
        handles.push(tokio::spawn(async move {
            barrier.wait().await;
            future.await
        }));
    }
    let mut results = Vec::new();
    for handle in handles {
        results.push(handle.await.unwrap());
    }
    results
}

#[tokio::test]
async fn statements_and_voiding_refuse_updates_in_the_database() {
    let store = fresh_store_or_skip!().await;
    let id = "00000000-0000-4000-8000-000000000001";
    let voiding = xc_xapi::parse_statement(
        &json!({
            "id": "00000000-0000-4000-8000-000000000002",
            "stored": "2026-03-01T08:01:00Z",
            "actor": {"mbox": "mailto:admin@example.com"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/voided"},
            "object": {"objectType": "StatementRef", "id": id},
        }),
        XapiVersion::LATEST_1_0,
    )
    .unwrap();
    store
        .insert_statements(&[statement(id, "completed", ("en", "One")), voiding], &[])
        .await
        .unwrap();
    for update in [
        "UPDATE xapi_statements SET verb = 'http://example.com/other'",
        "UPDATE xapi_voided SET voiding_id = target_id",
    ] {
        let error = sqlx::query(update).execute(store.pool()).await.unwrap_err();
        assert!(
            error.to_string().contains("never changes"),
            "{update}: {error}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_id_inserted_at_once_is_stored_once() {
    let store = fresh_store_or_skip!().await;
    let id = "00000000-0000-4000-8000-000000000001";
    // The same statement from every racer: one stores it, the others find it equivalent.
    let same = race(&store, |_, store| async move {
        store
            .insert_statements(&[statement(id, "completed", ("en", "One"))], &[])
            .await
            .unwrap()
    })
    .await;
    let stored = same
        .iter()
        .filter(|r| **r == [StatementInsert::Stored])
        .count();
    assert_eq!(stored, 1, "{same:?}");
    // Another id with a different verb from each racer: one wins, every other one is a 409.
    let other = "00000000-0000-4000-8000-000000000002";
    let verbs = ["a", "b", "c", "d", "e", "f"];
    let different = race(&store, |i, store| async move {
        store
            .insert_statements(&[statement(other, verbs[i], ("en", "Two"))], &[])
            .await
    })
    .await;
    let mut wins = 0;
    for result in different {
        match result {
            Ok(inserted) => {
                assert_eq!(inserted, vec![StatementInsert::Stored]);
                wins += 1;
            }
            Err(StoreError::Xapi(error)) => {
                assert_eq!(error.status.code(), 409);
                assert!(error.reason.contains(other), "{}", error.reason);
            }
            Err(error) => panic!("unexpected {error}"),
        }
    }
    assert_eq!(wins, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_document_created_at_once_is_created_once() {
    let store = fresh_store_or_skip!().await;
    let scope = DocumentScope {
        resource: DocumentResource::ActivityProfile,
        activity_id: "http://example.com/activities/course-1".into(),
        agent_key: String::new(),
        registration: String::new(),
    };
    let results = race(&store, |i, store| {
        let scope = scope.clone();
        async move {
            let write = DocumentWrite {
                method: DocumentMethod::Put,
                version: XapiVersion::LATEST_2_0,
                if_match: None,
                if_none_match: Some("*".into()),
                content_type: "application/json".into(),
                contents: format!(r#"{{"racer":{i}}}"#).into_bytes(),
                at: AT,
            };
            store.write_document(&scope, "p", &write).await
        }
    })
    .await;
    let mut created = Vec::new();
    for result in results {
        match result {
            Ok(Some(document)) => created.push(document),
            Err(StoreError::Xapi(error)) => assert_eq!(error.status.code(), 412),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(created.len(), 1);
    assert_eq!(store.document(&scope, "p").await.unwrap(), created.pop());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn definitions_merged_at_once_lose_nothing() {
    let store = fresh_store_or_skip!().await;
    let languages = ["en", "fr", "de", "es", "it", "ja"];
    race(&store, |i, store| async move {
        let id = format!("00000000-0000-4000-8000-{i:012}");
        store
            .insert_statements(&[statement(&id, "completed", (languages[i], "name"))], &[])
            .await
            .unwrap()
    })
    .await;
    let canonical = store
        .activity_definition("http://example.com/activities/course-1")
        .await
        .unwrap()
        .unwrap();
    let names = serde_json::to_value(&canonical).unwrap()["name"].clone();
    for language in languages {
        assert_eq!(names[language], json!("name"), "{names}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_target_and_its_referrer_inserted_at_once_are_linked() {
    let store = fresh_store_or_skip!().await;
    // Racer 2k stores statement k by agent k; racer 2k+1 stores a statement referring to it.
    race(&store, |i, store| async move {
        let k = i / 2;
        let body = if i % 2 == 0 {
            json!({
                "id": format!("00000000-0000-4000-8000-{k:012}"),
                "stored": "2026-03-01T08:00:00Z",
                "actor": {"mbox": format!("mailto:agent{k}@example.com")},
                "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
                "object": {"id": "http://example.com/activities/course-1"},
            })
        } else {
            json!({
                "id": format!("00000000-0000-4000-8001-{k:012}"),
                "stored": "2026-03-01T08:01:00Z",
                "actor": {"mbox": "mailto:reviewer@example.com"},
                "verb": {"id": "http://adlnet.gov/expapi/verbs/commented"},
                "object": {"objectType": "StatementRef", "id": format!("00000000-0000-4000-8000-{k:012}")},
            })
        };
        let statement = xc_xapi::parse_statement(&body, XapiVersion::LATEST_1_0).unwrap();
        store.insert_statements(&[statement], &[]).await.unwrap()
    })
    .await;
    for k in 0..RACERS / 2 {
        let agent = format!(r#"{{"mbox":"mailto:agent{k}@example.com"}}"#);
        let query = [("agent", agent.as_str()), ("ascending", "true")];
        let filter = match xc_xapi::query::StatementQuery::parse(query)
            .unwrap()
            .selection
        {
            xc_xapi::query::Selection::Filter(filter) => *filter,
            other => panic!("{other:?}"),
        };
        let page = store.query_statements(&filter, None).await.unwrap();
        let ids: Vec<&str> = page
            .statements
            .iter()
            .map(|s| s.statement.id.as_ref().unwrap().as_str())
            .collect();
        assert_eq!(
            ids,
            vec![
                format!("00000000-0000-4000-8000-{k:012}"),
                format!("00000000-0000-4000-8001-{k:012}")
            ],
            "agent {k}"
        );
    }
}
