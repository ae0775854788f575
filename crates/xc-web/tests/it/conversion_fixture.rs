//! What the conversion, points and export tests start from: a programme of institution 2 with
//! two rules, published through the API by credit-bank staff, and a Huangpu citizen with two
//! smart-living community courses recognised as vocational training (level 2), an electrician's
//! certificate of grade 3 and one recognised calligraphy course (culture and leisure, which never
//! converts).

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::app::{Session, TestApp};
use crate::bank_fixture::*;

/// Creates the open university's dual-system programme (cap 10 credits); its id.
pub async fn create_programme(app: &TestApp, bank: &Session) -> i64 {
    let response = app
        .json(
            Method::POST,
            "/api/v1/programmes",
            json!({"institution_id": 2, "code": "OU-ELEC", "name": "电气自动化技术（双元制）",
                   "max_credits": "10"}),
            Some(bank),
        )
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    response.json()["id"].as_i64().unwrap()
}

/// Any two smart-living community courses, vocational training, level 2 or higher: 2 elective
/// credits.
pub fn smart_living_rule(code: &str) -> Value {
    json!({
        "code": code,
        "kinds": ["community_course"],
        "category": "vocational_training",
        "field": "smart_living",
        "min_level": 2,
        "count": 2,
        "grant": {"elective_credits": "2"}
    })
}

/// A certificate of 电工 at grade 3 or higher: exemption from ELEC-101 (4 credits); tried first.
pub fn electrician_rule(code: &str) -> Value {
    json!({
        "code": code,
        "priority": 10,
        "kinds": ["vocational_certificate"],
        "title": "电工",
        "min_grade": "三级",
        "grant": {"course_exemptions": [{"course": "ELEC-101", "credits": 4}]}
    })
}

pub async fn publish_rule(app: &TestApp, bank: &Session, programme: i64, rule: Value) -> i64 {
    let response = app
        .json(
            Method::POST,
            &format!("/api/v1/programmes/{programme}/rules"),
            rule,
            Some(bank),
        )
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    response.json()["id"].as_i64().unwrap()
}

/// Submits an outcome that goes to review and has credit-bank staff accept it with `category`
/// and `level`; its id.
pub async fn accepted(
    app: &TestApp,
    provider: &Session,
    bank: &Session,
    mut outcome: Value,
    category: &str,
    level: u8,
) -> i64 {
    outcome["achieved_on"] = json!("2025-05-01");
    let response = submit(app, provider, outcome).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    assert_eq!(
        response.json()["status"],
        "in_review",
        "{}",
        response.text()
    );
    let id = response.json()["outcome_id"].as_i64().unwrap();
    let decided = app
        .json(
            Method::POST,
            &format!("/api/v1/outcomes/{id}/decision"),
            json!({"decision": "accept", "level": level, "credits": 1, "category": category}),
            Some(bank),
        )
        .await;
    assert_eq!(decided.status, StatusCode::OK, "{}", decided.text());
    id
}

/// The Huangpu citizen's outcomes for conversion.
pub struct Outcomes {
    pub smart: Vec<i64>,
    pub calligraphy: i64,
    pub certificate: i64,
}

pub async fn learner_outcomes(app: &TestApp, bank: &Session) -> Outcomes {
    let provider = app.sign_in("provider").await;
    let mut smart = Vec::new();
    for n in 1..=2 {
        let mut course = outcome(
            &format!("SM-{n}"),
            &app.huangpu_national_id,
            &format!("智能手机应用{n}"),
            "16",
        );
        course["field"] = json!("smart_living");
        smart.push(accepted(app, &provider, bank, course, "vocational_training", 2).await);
    }
    let certificate = json!({
        "external_id": "EC-1",
        "national_id": app.huangpu_national_id,
        "kind": "vocational_certificate",
        "title": "电工",
        "grade": "三级",
        "achieved_on": "2025-05-01",
        "evidence_kind": "certificate_number",
        "evidence": "CERT-EC-1",
    });
    let certificate = accepted(app, &provider, bank, certificate, "vocational_training", 3).await;
    // Matches the calligraphy specification exactly: recognised at once, culture and leisure.
    let response = submit(
        app,
        &provider,
        calligraphy("CA-1", &app.huangpu_national_id),
    )
    .await;
    assert_eq!(
        response.json()["status"],
        "recognised",
        "{}",
        response.text()
    );
    Outcomes {
        smart,
        calligraphy: response.json()["outcome_id"].as_i64().unwrap(),
        certificate,
    }
}

/// One smart-living community course of level 3 or higher: 1 elective credit. The citizen's
/// courses are level 2, so it does not apply, and says why.
pub fn advanced_rule(code: &str) -> Value {
    json!({
        "code": code,
        "kinds": ["community_course"],
        "field": "smart_living",
        "min_level": 3,
        "grant": {"elective_credits": 1}
    })
}

/// The rules of the programme the tests use.
pub struct Rules {
    pub programme: i64,
    pub smart: i64,
    pub electrician: i64,
    pub advanced: i64,
}

/// A bank with the calligraphy specification, the programme and its three rules, and the
/// citizen's outcomes.
pub async fn conversion_ready(app: &TestApp, bank: &Session) -> (Rules, Outcomes) {
    publish_calligraphy(app, bank).await;
    let programme = create_programme(app, bank).await;
    let rules = Rules {
        programme,
        smart: publish_rule(app, bank, programme, smart_living_rule("R-SMART")).await,
        electrician: publish_rule(app, bank, programme, electrician_rule("R-ELEC")).await,
        advanced: publish_rule(app, bank, programme, advanced_rule("R-ADV")).await,
    };
    let outcomes = learner_outcomes(app, bank).await;
    (rules, outcomes)
}
