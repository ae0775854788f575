//! A new version of a conversion rule through staff's form: the form opens prefilled with the
//! current version, a refusal (nothing changed, a condition that can never be met, a bad number,
//! an unknown field) comes back with the field marked and stores nothing, and a good version is
//! published and shown on the programme page.

use axum::http::StatusCode;

use crate::app::{Session, TestApp, TestResponse, csrf_of};
use crate::conversion_fixture::*;

/// Posts the form's fields as they stand, with `changes` applied (a new value for a field, or
/// an extra field).
async fn post_version(
    app: &TestApp,
    uri: &str,
    token: &str,
    changes: &[(&str, &str)],
    bank: &Session,
) -> TestResponse {
    let mut fields: Vec<(&str, &str)> = vec![
        ("csrf", token),
        ("priority", "0"),
        ("kinds", "community_course"),
        ("category", "vocational_training"),
        ("title", ""),
        ("field", "smart_living"),
        ("min_grade", ""),
        ("min_level", "2"),
        ("min_score", ""),
        ("max_age_years", ""),
        ("count", "2"),
        ("repeat", "1"),
        ("grant_kind", "elective_credits"),
        ("elective_credits", "2"),
        ("courses", ""),
    ];
    for (name, value) in changes {
        match fields.iter_mut().find(|(field, _)| field == name) {
            Some(field) => field.1 = value,
            None => fields.push((name, value)),
        }
    }
    app.form(uri, &fields, &bank.cookie).await
}

#[tokio::test]
async fn a_new_version_of_a_rule_starts_from_the_current_one_and_bad_input_stores_nothing() {
    let app = TestApp::new().await;
    let bank = app.sign_in("bank").await;
    let (rules, _) = conversion_ready(&app, &bank).await;
    let uri = format!("/bank/rules/{}", rules.smart);
    let programme_page = app
        .get(
            &format!("/bank/programmes/{}", rules.programme),
            Some(&bank),
        )
        .await
        .text();
    assert!(
        programme_page.contains(&format!("href=\"{uri}\"")),
        "{programme_page}"
    );

    // Prefilled with the current version.
    let page = app.get(&uri, Some(&bank)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    for prefilled in [
        "R-SMART",
        "name=\"min_level\" inputmode=\"numeric\" value=\"2\"",
        "name=\"count\" inputmode=\"numeric\" value=\"2\"",
        "value=\"community_course\" checked",
        "<option value=\"vocational_training\" selected",
        "<option value=\"smart_living\" selected",
        "value=\"elective_credits\" checked",
        "name=\"elective_credits\" inputmode=\"decimal\" value=\"2\"",
    ] {
        assert!(html.contains(prefilled), "{prefilled}: {html}");
    }
    let token = csrf_of(&html);
    let published_before = app.audit_count("conversion_rule.publish").await;

    // Refusals: the field named and marked, what was typed kept, nothing published.
    for (changes, field, words) in [
        (vec![], "rule", "nothing changed"),
        (vec![("min_level", "11")], "min_level", "can never be met"),
        (vec![("min_level", "abc")], "min_level", "is not a number"),
        (vec![("elective_credits", "12")], "grant", ""),
        (
            vec![("grant_kind", "")],
            "grant",
            "say what the rule grants",
        ),
    ] {
        let refused = post_version(&app, &uri, &token, &changes, &bank).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{changes:?}: {}",
            refused.text()
        );
        let html = refused.text();
        assert!(html.contains("id=\"form-error\""), "{html}");
        assert!(html.contains(words), "{words}: {html}");
        if field == "min_level" {
            let typed = changes[0].1;
            assert!(
                html.contains(&format!(
                    "name=\"min_level\" inputmode=\"numeric\" value=\"{typed}\" aria-invalid=\"true\""
                )),
                "{html}"
            );
        }
        if field == "grant" {
            assert!(html.contains("<fieldset aria-invalid=\"true\""), "{html}");
        }
    }
    let unknown = post_version(&app, &uri, &token, &[("code", "R-NEW")], &bank).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unknown.text().contains("unknown form field &#39;code&#39;"),
        "{}",
        unknown.text()
    );
    assert_eq!(
        app.audit_count("conversion_rule.publish").await,
        published_before,
        "nothing published"
    );

    // A real change: version 2, shown on the programme page.
    let published = post_version(
        &app,
        &uri,
        &token,
        &[("elective_credits", "3"), ("min_score", "60")],
        &bank,
    )
    .await;
    assert_eq!(
        published.status,
        StatusCode::SEE_OTHER,
        "{}",
        published.text()
    );
    assert_eq!(
        published.headers["location"],
        format!("/bank/programmes/{}?published=1", rules.programme)
    );
    assert_eq!(
        app.audit_count("conversion_rule.publish").await,
        published_before + 1
    );
    let programme_page = app
        .get(
            &format!("/bank/programmes/{}", rules.programme),
            Some(&bank),
        )
        .await
        .text();
    assert!(
        programme_page.contains("R-SMART（版本 2）"),
        "{programme_page}"
    );
    let html = app.get(&uri, Some(&bank)).await.text();
    assert!(
        html.contains("name=\"elective_credits\" inputmode=\"decimal\" value=\"3\""),
        "the form starts from version 2: {html}"
    );
    assert!(
        html.contains("name=\"min_score\" value=\"60\""),
        "a minimum score comes back as typed, so publishing it again reads it: {html}"
    );

    // An exemption rule is prefilled with its courses, one a line.
    let electrician = app
        .get(&format!("/bank/rules/{}", rules.electrician), Some(&bank))
        .await
        .text();
    assert!(
        electrician.contains(">ELEC-101 4</textarea>"),
        "{electrician}"
    );
    assert!(
        electrician.contains("value=\"grade_3\" selected"),
        "{electrician}"
    );

    // English, elder mode; unknown rules; people who do not manage rules.
    let english = app
        .get_with_cookies(&uri, &bank, "xc_lang=en; xc_elder=1")
        .await
        .text();
    assert!(
        english.contains("<html lang=\"en\" class=\"elder\">"),
        "{english}"
    );
    assert!(english.contains("Publish a new version"), "{english}");
    for missing in ["/bank/rules/999", "/bank/rules/abc"] {
        assert_eq!(
            app.get(missing, Some(&bank)).await.status,
            StatusCode::NOT_FOUND
        );
    }
    for who in ["citizen-huangpu", "provider", "auditor"] {
        let session = app.sign_in(who).await;
        assert_eq!(
            app.get(&uri, Some(&session)).await.status,
            StatusCode::FORBIDDEN,
            "{who}"
        );
    }
}
