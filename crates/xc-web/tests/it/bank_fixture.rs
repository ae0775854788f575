//! What the credit-bank tests start from: the calligraphy specification of institution 1 (a
//! community course of 32 hours, level 2, 2 credits) published through the API, and outcomes
//! as providers write them.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::app::{Session, TestApp, TestResponse};

/// The header of an upload, as the template writes it (Chinese names).
pub const HEADER: &str =
    "成果编号,身份证号,姓名,成果类型,成果名称,获得日期,学时,领域,成绩,证书编号";

/// Publishes the calligraphy specification as credit-bank staff; its id.
pub async fn publish_calligraphy(app: &TestApp, bank: &Session) -> i64 {
    let response = app
        .json(
            Method::POST,
            "/api/v1/specifications",
            json!({
                "provider_id": 1,
                "code": "SF-01",
                "kind": "community_course",
                "title": "书法（楷书）",
                "hours": 32,
                "level": 2,
                "credits": "2",
                "field": "culture_arts"
            }),
            Some(bank),
        )
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    response.json()["id"].as_i64().unwrap()
}

/// An outcome of institution 1 for the learner with `national_id`.
pub fn outcome(external_id: &str, national_id: &str, title: &str, hours: &str) -> Value {
    json!({
        "external_id": external_id,
        "national_id": national_id,
        "kind": "社区教育/老年教育课程",
        "title": title,
        "achieved_on": "2026-06-30",
        "hours": hours,
        "score": "合格",
        "evidence_kind": "certificate_number",
        "evidence": format!("CERT-{external_id}"),
    })
}

/// An outcome that matches the calligraphy specification exactly.
pub fn calligraphy(external_id: &str, national_id: &str) -> Value {
    outcome(external_id, national_id, "书法(楷书)", "32")
}

pub async fn submit(app: &TestApp, session: &Session, body: Value) -> TestResponse {
    app.json(Method::POST, "/api/v1/outcomes", body, Some(session))
        .await
}

/// Submits an outcome that no specification matches (it goes to review); its id.
pub async fn queued(
    app: &TestApp,
    provider: &Session,
    external_id: &str,
    national_id: &str,
) -> i64 {
    let response = submit(
        app,
        provider,
        outcome(external_id, national_id, "书法(行书)", "24"),
    )
    .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    assert_eq!(response.json()["status"], "in_review");
    response.json()["outcome_id"].as_i64().unwrap()
}

/// A CSV upload of good rows (the first matches the specification; the others go to review).
pub fn good_csv(app: &TestApp) -> String {
    format!(
        "{HEADER}\n\
         SF-2026-001,{},张三,社区教育/老年教育课程,书法(楷书),2026-06-30,32,culture_arts,合格,\n\
         SF-2026-002,{},李四,community_course,太极拳入门,2026/7/1,16,health,,\n\
         SF-2026-003,{},王五,mooc,数据素养,2026年7月2日,8,smart_living,85,\n",
        app.huangpu_national_id, app.xuhui_national_id, app.provider_national_id,
    )
}

/// How many outcomes the learner has.
pub async fn outcomes_of(app: &TestApp, learner: xc_domain::LearnerId) -> usize {
    app.store
        .list_learner_outcomes(learner)
        .await
        .unwrap()
        .len()
}
