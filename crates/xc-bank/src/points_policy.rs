//! The city's points policy, configurable by credit-bank staff and versioned: each change is a
//! new version stored whole (JSON of the domain's values, `PointsStore::publish_points_policy`),
//! with who published it and when; the policy in force is the latest version, or
//! [`crate::points::default_policy`] until the city publishes one. A new version applies to
//! events from then on: the ledger is never recomputed.
//!
//! Stored body: `{"rules": [{"activity": "attendance", "points": 1, "daily_cap": 5,
//! "yearly_cap": null}, …]}`: one rule per activity that earns points (an activity left out
//! earns nothing).

use serde_json::{Value, json};
use time::OffsetDateTime;
use xc_domain::credit::{Points, PointsActivity, PointsAwardRule, PointsPolicy, Version};
use xc_domain::{Invalid, UserId};
use xc_store::{AuditEvent, PointsPolicyVersion, Store};

use crate::BankError;

/// The stored body of a policy.
pub fn policy_to_json(policy: &PointsPolicy) -> Value {
    let rules: Vec<Value> = policy
        .rules()
        .map(|rule| {
            json!({
                "activity": rule.activity().as_str(),
                "points": rule.points_per_unit().get(),
                "daily_cap": rule.daily_cap().map(Points::get),
                "yearly_cap": rule.yearly_cap().map(Points::get),
            })
        })
        .collect();
    json!({ "rules": rules })
}

/// The policy of a stored body; a body that no longer parses is `Invalid` naming what.
pub fn policy_from_json(body: &Value) -> Result<PointsPolicy, Invalid> {
    let invalid = || {
        Invalid::new(
            "rules",
            "a stored points policy is not in the expected shape",
        )
    };
    let rules = body
        .get("rules")
        .and_then(Value::as_array)
        .ok_or_else(invalid)?;
    let points = |value: Option<&Value>| -> Result<Option<Points>, Invalid> {
        match value {
            None | Some(Value::Null) => Ok(None),
            Some(value) => value
                .as_u64()
                .and_then(Points::new)
                .map(Some)
                .ok_or_else(invalid),
        }
    };
    let mut parsed = Vec::with_capacity(rules.len());
    for rule in rules {
        let activity = PointsActivity::parse(
            rule.get("activity")
                .and_then(Value::as_str)
                .ok_or_else(invalid)?,
        )?;
        let per = points(rule.get("points"))?.ok_or_else(invalid)?;
        parsed.push(PointsAwardRule::new(
            activity,
            per,
            points(rule.get("daily_cap"))?,
            points(rule.get("yearly_cap"))?,
        )?);
    }
    PointsPolicy::new(parsed)
}

/// One activity's line of a policy as typed on the page or given to the API. An activity
/// whose `points` is left empty earns nothing under the new version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyRuleInput {
    pub activity: String,
    pub points: Option<String>,
    pub daily_cap: Option<String>,
    pub yearly_cap: Option<String>,
}

/// The field name of one activity's value: `attendance.points`, `check_in.daily_cap` …
/// (`activity` names the activity itself).
pub fn field_name(activity: PointsActivity, key: &str) -> &'static str {
    macro_rules! fields {
        ($($activity:ident => $name:literal),+ $(,)?) => {
            match (activity, key) {
                $(
                    (PointsActivity::$activity, "points") => concat!($name, ".points"),
                    (PointsActivity::$activity, "daily_cap") => concat!($name, ".daily_cap"),
                    (PointsActivity::$activity, "yearly_cap") => concat!($name, ".yearly_cap"),
                    (PointsActivity::$activity, _) => concat!($name, ".activity"),
                )+
            }
        };
    }
    fields!(
        Attendance => "attendance",
        CheckIn => "check_in",
        Completion => "completion",
        VolunteeringHour => "volunteering_hour",
        RecognisedOutcome => "recognised_outcome",
    )
}

fn non_empty(text: &Option<String>) -> Option<&str> {
    text.as_deref()
        .map(str::trim)
        .filter(|text| !text.is_empty())
}

/// Checks a policy as typed: the first problem is `Invalid` with the field
/// `<activity>.<points|daily_cap|yearly_cap>` (e.g. `attendance.daily_cap`) and the domain's
/// reason; an activity named twice is `<activity>.activity`, an unknown one `activity`.
pub fn parse_policy(inputs: &[PolicyRuleInput]) -> Result<PointsPolicy, Invalid> {
    let mut rules = Vec::new();
    let mut seen = Vec::new();
    for input in inputs {
        let activity = PointsActivity::parse(input.activity.trim())
            .map_err(|invalid| Invalid::new("activity", invalid.reason))?;
        if seen.contains(&activity) {
            return Err(Invalid::new(
                field_name(activity, "activity"),
                "each activity has one rule: remove the repeated one",
            ));
        }
        seen.push(activity);
        let field = |key: &str| field_name(activity, key);
        let amount = |key: &str, text: &Option<String>| -> Result<Option<Points>, Invalid> {
            non_empty(text)
                .map(|text| {
                    Points::parse(text).map_err(|invalid| Invalid::new(field(key), invalid.reason))
                })
                .transpose()
        };
        let Some(per) = amount("points", &input.points)? else {
            if non_empty(&input.daily_cap).is_some() || non_empty(&input.yearly_cap).is_some() {
                return Err(Invalid::new(
                    field("points"),
                    "give the points an event earns, or leave the caps empty too",
                ));
            }
            continue;
        };
        let daily = amount("daily_cap", &input.daily_cap)?;
        let yearly = amount("yearly_cap", &input.yearly_cap)?;
        let rule = PointsAwardRule::new(activity, per, daily, yearly)
            .map_err(|invalid| Invalid::new(field(invalid.field), invalid.reason))?;
        rules.push(rule);
    }
    PointsPolicy::new(rules).map_err(|invalid| Invalid::new("rules", invalid.reason))
}

/// The policy in force: its version (`None` for the built-in default) and the policy.
#[derive(Debug, Clone)]
pub struct PolicyInForce {
    pub version: Option<Version>,
    pub policy: PointsPolicy,
}

/// Every stored version, oldest first, each with its parsed policy.
pub async fn policy_history(
    store: &dyn Store,
) -> Result<Vec<(PointsPolicyVersion, PointsPolicy)>, BankError> {
    store
        .list_points_policy_versions()
        .await?
        .into_iter()
        .map(|stored| {
            let policy = policy_from_json(&stored.body).map_err(|invalid| {
                BankError::Corrupt(format!(
                    "points policy version {}: {invalid}",
                    stored.version
                ))
            })?;
            Ok((stored, policy))
        })
        .collect()
}

/// The policy in force: the latest version, or the built-in default when none was published.
pub async fn policy_in_force(store: &dyn Store) -> Result<PolicyInForce, BankError> {
    Ok(match policy_history(store).await?.pop() {
        Some((stored, policy)) => PolicyInForce {
            version: Some(stored.version),
            policy,
        },
        None => PolicyInForce {
            version: None,
            policy: crate::points::default_policy(),
        },
    })
}

/// Checks `inputs` and publishes them as the next version (audited as
/// `points_policy.publish` with the whole policy). Callers reload the standards after.
pub async fn publish_policy(
    store: &dyn Store,
    inputs: &[PolicyRuleInput],
    published_at: OffsetDateTime,
    published_by: Option<UserId>,
    audit: AuditEvent,
) -> Result<(Version, PointsPolicy), BankError> {
    let policy = parse_policy(inputs)?;
    let body = policy_to_json(&policy);
    let audit = audit.with_detail(json!({ "policy": body }));
    let version = store
        .publish_points_policy(&body, published_at, published_by, &audit)
        .await?;
    Ok((version, policy))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(activity: &str, points: &str, daily: &str, yearly: &str) -> PolicyRuleInput {
        let text = |t: &str| (!t.is_empty()).then(|| t.to_owned());
        PolicyRuleInput {
            activity: activity.into(),
            points: text(points),
            daily_cap: text(daily),
            yearly_cap: text(yearly),
        }
    }

    #[test]
    fn the_default_policy_round_trips_through_its_stored_body() {
        let policy = crate::points::default_policy();
        let body = policy_to_json(&policy);
        assert_eq!(policy_from_json(&body).unwrap(), policy);
    }

    #[test]
    fn a_typed_policy_names_the_field_at_fault() {
        let field = |inputs: &[PolicyRuleInput]| parse_policy(inputs).unwrap_err().field;
        assert_eq!(
            field(&[line("attendance", "x", "", "")]),
            "attendance.points"
        );
        assert_eq!(
            field(&[line("attendance", "0", "", "")]),
            "attendance.points"
        );
        assert_eq!(
            field(&[line("attendance", "2", "1", "")]),
            "attendance.daily_cap"
        );
        assert_eq!(
            field(&[line("check_in", "1", "5", "3")]),
            "check_in.yearly_cap"
        );
        assert_eq!(field(&[line("dancing", "1", "", "")]), "activity");
        assert_eq!(
            field(&[
                line("attendance", "1", "", ""),
                line("attendance", "2", "", "")
            ]),
            "attendance.activity"
        );
        assert_eq!(
            field(&[line("attendance", "", "5", "")]),
            "attendance.points"
        );
        let policy = parse_policy(&[
            line("attendance", "2", "6", ""),
            line("check_in", "", "", ""),
        ])
        .unwrap();
        assert_eq!(policy.rules().count(), 1);
        assert!(policy.rule_for(PointsActivity::CheckIn).is_none());
    }
}
