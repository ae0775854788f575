//! The demo city's learning records (SPEC C5, issue 5 §7): the xAPI statements the city's
//! learning platforms reported to the learning record store about the learners' outcomes.
//!
//! From each generated outcome whose provider reported it (a share that grows from 2019, when
//! the first platforms connected, to about a third of MOOC outcomes in 2026), the statements
//! of that learning: `registered` when it began, `experienced` units of a MOOC or an open-university
//! course, `attended` sessions of a community course or training (at the provider's site when
//! it has one), `experienced` visits of a venue (the site), then `completed` with its duration
//! and `passed` / `failed` with the score when it was assessed. Activities are the courses (one
//! id per provider and title, with the title as name), their units and the sites, grouped by the
//! provider's institution; one registration per learning. Timestamps are the learning's days
//! and hours over the ten years; `stored` follows within minutes, or days for apps that
//! queued offline. The `authority` is the provider's LRS client, as the LRS sets it.
//!
//! Who the actor is, per learner and provider: mostly the learner's account on the platform
//! (`{homePage: HOME_PAGE, name: learner id}`, what the platform can map to a learner, as its
//! own check-ins do), but a share of platforms know the learner only by an e-mail address the
//! city has never seen (`mbox`, or `mbox_sha1sum`), as real LRSs receive: those actors cannot
//! be mapped to a learner.
//!
//! Determinism: the statements of an outcome are a pure function of the seed and the outcome
//! (one ChaCha8 stream per outcome id), so any batching gives the same statements. Every
//! statement is built as JSON and read through `xc_xapi::parse_statement` (1.0.3 rules): an
//! invalid one is a bug, and panics with the validator's message.

use std::collections::HashMap;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};
use xc_domain::credit::{OutcomeKind, Score};
use xc_domain::{InstitutionId, LearnerId};
use xc_store::OutcomeRecord;
use xc_xapi::Statement;
use xc_xapi::types::{Timestamp, Uuid};

use crate::GeneratedCity;
use crate::credit::reference_end;
use crate::random::{Stream, between, chance, shanghai_time, stream_rng};

/// The platform's own home page in the generated statements: learner accounts, activity ids
/// and LRS clients live under it.
pub const HOME_PAGE: &str = "https://xuecheng.example";

const VERB_REGISTERED: &str = "http://adlnet.gov/expapi/verbs/registered";
const VERB_EXPERIENCED: &str = "http://adlnet.gov/expapi/verbs/experienced";
const VERB_ATTENDED: &str = "http://adlnet.gov/expapi/verbs/attended";
const VERB_COMPLETED: &str = "http://adlnet.gov/expapi/verbs/completed";
const VERB_PASSED: &str = "http://adlnet.gov/expapi/verbs/passed";
const VERB_FAILED: &str = "http://adlnet.gov/expapi/verbs/failed";

const TYPE_COURSE: &str = "http://adlnet.gov/expapi/activities/course";
const TYPE_MODULE: &str = "http://adlnet.gov/expapi/activities/module";
const TYPE_PLACE: &str = "http://activitystrea.ms/schema/1.0/place";

/// The share of a year's outcomes whose provider reported them to the LRS (before any kind's
/// factor): none before 2019, growing as platforms connected.
fn reporting_share(year: i32) -> f64 {
    match year {
        ..2019 => 0.0,
        2019 => 0.02,
        2020 => 0.04,
        2021 => 0.065,
        2022 => 0.09,
        2023 => 0.12,
        2024 => 0.15,
        2025 => 0.18,
        _ => 0.2,
    }
}

/// How much more (or less) often than the year's share an outcome of this kind is reported:
/// MOOC and open-university platforms report everything they can, certificates rarely come
/// through an LRS.
fn kind_factor(kind: OutcomeKind) -> f64 {
    match kind {
        OutcomeKind::Mooc => 1.6,
        OutcomeKind::AcademicCourse => 1.3,
        OutcomeKind::VenueLearning => 1.0,
        OutcomeKind::CommunityCourse => 0.8,
        OutcomeKind::NonFormalTraining => 0.8,
        OutcomeKind::VocationalCertificate => 0.4,
        OutcomeKind::AcademicDegree => 0.3,
    }
}

/// The share of (learner, provider) pairs the provider's platform knows only by an e-mail
/// address the city cannot map to a learner.
const UNMAPPED_SHARE: f64 = 0.12;

/// What a statement generator needs of the city: names of institutions, and the site where
/// each institution teaches.
#[derive(Debug, Clone)]
pub struct StatementGenerator {
    seed: u64,
    institutions: HashMap<InstitutionId, String>,
    sites: HashMap<InstitutionId, (i64, String)>,
}

/// The verbs and display names of the generated statements.
fn verb(id: &str) -> Value {
    let (zh, en) = match id {
        VERB_REGISTERED => ("报名", "registered"),
        VERB_EXPERIENCED => ("学习", "experienced"),
        VERB_ATTENDED => ("出席", "attended"),
        VERB_COMPLETED => ("完成", "completed"),
        VERB_PASSED => ("通过", "passed"),
        _ => ("未通过", "failed"),
    };
    json!({ "id": id, "display": { "zh-CN": zh, "en-US": en } })
}

/// A stable short id for a title: FNV-1a, 64 bits, hex.
fn title_key(title: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in title.as_bytes() {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

fn timestamp(at: OffsetDateTime) -> String {
    Timestamp::from_datetime(at).to_rfc3339()
}

fn random_uuid(rng: &mut ChaCha8Rng) -> String {
    let mut bytes = [0u8; 16];
    rng.fill(&mut bytes[..]);
    Uuid::from_random_bytes(bytes).as_str().to_string()
}

/// An ISO 8601 duration of `tenths` of an hour.
fn duration(tenths: u32) -> String {
    let minutes = tenths * 6;
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("PT{m}M"),
        (h, 0) => format!("PT{h}H"),
        (h, m) => format!("PT{h}H{m}M"),
    }
}

/// One learning as the provider's platform reports it.
struct Learning<'a> {
    actor: Value,
    authority: Value,
    registration: String,
    course: Value,
    grouping: Value,
    site: Option<Value>,
    outcome: &'a OutcomeRecord,
}

impl StatementGenerator {
    /// The generator of `city`'s statements.
    pub fn new(city: &GeneratedCity) -> Self {
        let mut sites = HashMap::new();
        for site in &city.sites {
            if let Some(institution) = site.institution {
                sites
                    .entry(institution)
                    .or_insert_with(|| (site.id.get(), site.name.clone()));
            }
        }
        Self {
            seed: city.options.seed,
            institutions: city
                .institutions
                .iter()
                .map(|i| (i.id, i.name.clone()))
                .collect(),
            sites,
        }
    }

    /// The statements of `outcomes` (any slice of a city's outcomes), outcome by outcome in the
    /// order given, each statement valid under xAPI 1.0.3 with its `id`, `timestamp`, `stored`
    /// and `authority` set.
    pub fn statements(&self, outcomes: &[OutcomeRecord]) -> Vec<Statement> {
        let mut statements = Vec::new();
        for outcome in outcomes {
            self.statements_of(outcome, &mut statements);
        }
        statements
    }

    /// How the provider's platform names the learner: their account, or an e-mail address the
    /// city does not know (the same for every statement of the pair).
    fn actor(&self, learner: LearnerId, provider: InstitutionId) -> Value {
        let pair = ((learner.get() as u64) << 20) ^ provider.get() as u64;
        let mut rng = stream_rng(self.seed ^ pair, Stream::Statements, u32::MAX);
        if !chance(&mut rng, UNMAPPED_SHARE) {
            return json!({
                "objectType": "Agent",
                "account": { "homePage": HOME_PAGE, "name": learner.to_string() },
            });
        }
        let mut hash = [0u8; 20];
        rng.fill(&mut hash[..]);
        let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
        if chance(&mut rng, 0.5) {
            json!({ "objectType": "Agent", "mbox_sha1sum": hex })
        } else {
            json!({
                "objectType": "Agent",
                "mbox": format!("mailto:u{}@mail.example.cn", &hex[..12]),
            })
        }
    }

    fn statements_of(&self, outcome: &OutcomeRecord, out: &mut Vec<Statement>) {
        let submitted = &outcome.submitted;
        let mut rng = stream_rng(self.seed, Stream::Statements, outcome.id.get() as u32);
        let share = reporting_share(submitted.achieved_on.year()) * kind_factor(submitted.kind);
        if !chance(&mut rng, share) {
            return;
        }
        let provider = submitted.provider;
        let provider_name = self
            .institutions
            .get(&provider)
            .cloned()
            .unwrap_or_else(|| format!("机构 {provider}"));
        let institution_id = format!("{HOME_PAGE}/institutions/{provider}");
        let course_id = format!(
            "{institution_id}/courses/{}",
            title_key(submitted.title.as_str())
        );
        let site = self.sites.get(&provider).map(|(id, name)| {
            json!({
                "objectType": "Activity",
                "id": format!("{HOME_PAGE}/sites/{id}"),
                "definition": { "name": { "zh-CN": name }, "type": TYPE_PLACE },
            })
        });
        let learning = Learning {
            actor: self.actor(outcome.learner, provider),
            authority: json!({
                "objectType": "Agent",
                "name": provider_name,
                "account": { "homePage": format!("{HOME_PAGE}/xapi/clients"), "name": format!("provider-{provider}") },
            }),
            registration: random_uuid(&mut rng),
            course: json!({
                "objectType": "Activity",
                "id": course_id,
                "definition": { "name": { "zh-CN": submitted.title.as_str() }, "type": TYPE_COURSE },
            }),
            grouping: json!([{ "objectType": "Activity", "id": institution_id }]),
            site,
            outcome,
        };
        // The learning ends on the day it was achieved, in the evening; it began some weeks
        // before (a venue visit, on the day).
        let end = shanghai_time(submitted.achieved_on, between(&mut rng, 15, 20) * 3_600)
            .min(reference_end() - Duration::hours(1));
        let span_days = match submitted.kind {
            OutcomeKind::VenueLearning | OutcomeKind::VocationalCertificate => 0,
            OutcomeKind::Mooc => between(&mut rng, 14, 70),
            OutcomeKind::AcademicDegree => between(&mut rng, 700, 1_100),
            _ => between(&mut rng, 28, 120),
        };
        let start = end - Duration::days(span_days) - Duration::hours(between(&mut rng, 1, 6));
        let at = |rng: &mut ChaCha8Rng, fraction: f64| {
            let seconds = ((end - start).whole_seconds() as f64 * fraction) as i64;
            start + Duration::seconds(seconds + between(rng, 0, 59))
        };
        let mut emit = |rng: &mut ChaCha8Rng,
                        when: OffsetDateTime,
                        verb_id: &str,
                        object: &Value,
                        result: Option<Value>,
                        site_context: bool| {
            out.push(self.statement(rng, &learning, when, verb_id, object, result, site_context));
        };
        match submitted.kind {
            OutcomeKind::VenueLearning => {
                let object = learning
                    .site
                    .clone()
                    .unwrap_or_else(|| learning.course.clone());
                let visits = between(&mut rng, 1, 3);
                for visit in 0..visits {
                    let when =
                        end - Duration::days(between(&mut rng, 0, 40) * i64::from(visit > 0));
                    emit(&mut rng, when, VERB_EXPERIENCED, &object, None, false);
                }
            }
            OutcomeKind::VocationalCertificate => {}
            OutcomeKind::AcademicDegree => {
                emit(
                    &mut rng,
                    start,
                    VERB_REGISTERED,
                    &learning.course,
                    None,
                    false,
                );
            }
            OutcomeKind::Mooc | OutcomeKind::AcademicCourse => {
                emit(
                    &mut rng,
                    start,
                    VERB_REGISTERED,
                    &learning.course,
                    None,
                    false,
                );
                let units = between(&mut rng, 2, 6);
                for unit in 1..=units {
                    let object = json!({
                        "objectType": "Activity",
                        "id": format!("{}/units/{unit}", learning.course["id"].as_str().unwrap_or_default()),
                        "definition": { "name": { "zh-CN": format!("第{unit}单元") }, "type": TYPE_MODULE },
                    });
                    let when = at(&mut rng, unit as f64 / (units + 1) as f64);
                    let result = json!({ "duration": duration(between(&mut rng, 3, 15) as u32) });
                    emit(
                        &mut rng,
                        when,
                        VERB_EXPERIENCED,
                        &object,
                        Some(result),
                        false,
                    );
                }
            }
            OutcomeKind::CommunityCourse | OutcomeKind::NonFormalTraining => {
                emit(
                    &mut rng,
                    start,
                    VERB_REGISTERED,
                    &learning.course,
                    None,
                    false,
                );
                let hours = submitted.hours.map_or(20, |h| h.tenths() / 10).max(1);
                let sessions = (hours / 2).clamp(2, 8);
                for session in 1..=sessions {
                    let when = at(&mut rng, f64::from(session) / f64::from(sessions + 1));
                    emit(&mut rng, when, VERB_ATTENDED, &learning.course, None, true);
                }
            }
        }
        if submitted.kind != OutcomeKind::VenueLearning
            && submitted.kind != OutcomeKind::VocationalCertificate
        {
            let tenths = submitted
                .hours
                .map_or(between(&mut rng, 20, 400) as u32, |h| h.tenths().max(1));
            let result = json!({ "completion": true, "duration": duration(tenths) });
            emit(
                &mut rng,
                end,
                VERB_COMPLETED,
                &learning.course,
                Some(result),
                false,
            );
        }
        if let Some(score) = submitted.score {
            let passed = score.is_pass();
            let mut result = json!({ "success": passed, "completion": true });
            if let Score::Marks(marks) = score {
                let raw = f64::from(marks.tenths()) / 10.0;
                result["score"] =
                    json!({ "raw": raw, "min": 0, "max": 100, "scaled": raw / 100.0 });
            }
            let when = end + Duration::minutes(between(&mut rng, 1, 30));
            let verb_id = if passed { VERB_PASSED } else { VERB_FAILED };
            emit(
                &mut rng,
                when,
                verb_id,
                &learning.course,
                Some(result),
                false,
            );
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn statement(
        &self,
        rng: &mut ChaCha8Rng,
        learning: &Learning<'_>,
        when: OffsetDateTime,
        verb_id: &str,
        object: &Value,
        result: Option<Value>,
        site_context: bool,
    ) -> Statement {
        let when = when.min(reference_end() - Duration::minutes(30));
        // Most apps send at once; some queue offline and send days later.
        let delay = if chance(rng, 0.08) {
            Duration::minutes(between(rng, 60, 4 * 24 * 60))
        } else {
            Duration::milliseconds(between(rng, 200, 120_000))
        };
        let stored = (when + delay).min(reference_end());
        let mut context_activities = json!({ "grouping": learning.grouping });
        if object["id"] != learning.course["id"] && object["definition"]["type"] == TYPE_MODULE {
            context_activities["parent"] =
                json!([{ "objectType": "Activity", "id": learning.course["id"] }]);
        }
        if let (true, Some(site)) = (site_context, &learning.site) {
            context_activities["other"] = json!([{ "objectType": "Activity", "id": site["id"] }]);
        }
        let mut body = json!({
            "id": random_uuid(rng),
            "actor": learning.actor,
            "verb": verb(verb_id),
            "object": object,
            "context": {
                "registration": learning.registration,
                "contextActivities": context_activities,
                "platform": "学城 xuecheng",
                "language": "zh-CN",
            },
            "timestamp": timestamp(when),
            "stored": timestamp(stored),
            "authority": learning.authority,
            "version": "1.0.3",
        });
        if let Some(result) = result {
            body["result"] = result;
        }
        xc_xapi::parse_statement(&body, xc_xapi::XapiVersion::LATEST_1_0).unwrap_or_else(|error| {
            panic!(
                "generated statement of outcome {} is invalid: {error}",
                learning.outcome.id
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashSet};

    use super::*;
    use crate::{BankStaff, CreditBank, GenerateOptions, OUTCOME_BATCH, Scale, generate_city};

    /// Every statement of the first `learners` learners of `city` (all for `u64::MAX`), with
    /// the outcomes they came from, generated in batches of `batch` outcomes.
    fn statements_of(city: &GeneratedCity, learners: u64, batch: usize) -> (usize, Vec<Statement>) {
        let bank = CreditBank::new(city);
        let mut outcomes = bank.outcomes(city, BankStaff::default());
        let generator = StatementGenerator::new(city);
        let (mut count, mut statements, mut done) = (0, Vec::new(), 0);
        while done < learners {
            let Some(next) = outcomes.next_batch(batch) else {
                break;
            };
            done = next.learners_done;
            count += next.outcomes.len();
            statements.extend(generator.statements(&next.outcomes));
        }
        (count, statements)
    }

    fn tiny(seed: u64) -> GeneratedCity {
        generate_city(&GenerateOptions::new(Scale::Tiny, seed))
    }

    fn as_json(statements: &[Statement]) -> Vec<Value> {
        statements.iter().map(Statement::to_json).collect()
    }

    #[test]
    fn the_same_seed_gives_the_same_statements_whatever_the_batches() {
        let city = tiny(7);
        let bank = CreditBank::new(&city);
        let batch = bank
            .outcomes(&city, BankStaff::default())
            .next_batch(OUTCOME_BATCH / 5)
            .unwrap();
        let generator = StatementGenerator::new(&city);
        let whole = generator.statements(&batch.outcomes);
        let pieces: Vec<Statement> = batch
            .outcomes
            .chunks(333)
            .flat_map(|chunk| generator.statements(chunk))
            .collect();
        assert!(whole.len() > 1_000, "{}", whole.len());
        assert_eq!(as_json(&whole), as_json(&pieces));
        assert_eq!(
            as_json(&whole),
            as_json(&StatementGenerator::new(&city).statements(&batch.outcomes))
        );
        let other = tiny(8);
        let (_, other) = statements_of(&other, 100, OUTCOME_BATCH / 10);
        assert_ne!(as_json(&whole[..10]), as_json(&other[..10]));
    }

    #[test]
    fn every_statement_passes_validation_and_reads_back_the_same() {
        let city = tiny(42);
        let (_, statements) = statements_of(&city, u64::MAX, OUTCOME_BATCH);
        let end = reference_end();
        let mut ids = HashSet::new();
        for statement in &statements {
            let json = statement.to_json();
            for version in [
                xc_xapi::XapiVersion::LATEST_1_0,
                xc_xapi::XapiVersion::LATEST_2_0,
            ] {
                let again = xc_xapi::parse_statement(&json, version)
                    .unwrap_or_else(|e| panic!("{json}: {e}"));
                assert_eq!(&again, statement);
            }
            assert!(
                ids.insert(statement.id.clone().unwrap()),
                "id twice: {json}"
            );
            let timestamp = statement.timestamp.as_ref().unwrap().datetime();
            let stored = statement.stored.as_ref().unwrap().datetime();
            assert!(timestamp <= stored && stored <= end, "{json}");
            assert!(statement.authority.is_some());
        }
        // A batch as a client would POST it is valid as a whole too.
        let batch: Vec<Value> = as_json(&statements[..100]);
        xc_xapi::parse_statements(&Value::Array(batch), xc_xapi::XapiVersion::LATEST_1_0).unwrap();
    }

    #[test]
    fn the_history_mixes_verbs_activities_and_unmappable_actors() {
        let city = tiny(2026);
        let (outcomes, statements) = statements_of(&city, u64::MAX, OUTCOME_BATCH);
        let mut verbs: BTreeMap<String, usize> = BTreeMap::new();
        let (mut accounts, mut unmapped, mut sites, mut scored) = (0, 0, 0, 0);
        let mut years: BTreeMap<i32, usize> = BTreeMap::new();
        for statement in &statements {
            let json = statement.to_json();
            *verbs
                .entry(json["verb"]["id"].as_str().unwrap().to_owned())
                .or_default() += 1;
            if json["actor"]["account"]["homePage"] == HOME_PAGE {
                accounts += 1;
            } else {
                assert!(
                    json["actor"].get("mbox").is_some()
                        || json["actor"].get("mbox_sha1sum").is_some()
                );
                unmapped += 1;
            }
            if json["object"]["id"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{HOME_PAGE}/sites/"))
            {
                sites += 1;
            }
            if json["result"]["score"]["raw"].is_number() {
                scored += 1;
            }
            *years
                .entry(statement.timestamp.as_ref().unwrap().datetime().year())
                .or_default() += 1;
        }
        for verb in [
            VERB_REGISTERED,
            VERB_EXPERIENCED,
            VERB_ATTENDED,
            VERB_COMPLETED,
            VERB_PASSED,
            VERB_FAILED,
        ] {
            assert!(
                verbs.get(verb).copied().unwrap_or(0) > 0,
                "{verb}: {verbs:?}"
            );
        }
        let share = unmapped as f64 / statements.len() as f64;
        assert!((0.05..0.2).contains(&share), "unmapped share {share}");
        assert!(accounts > unmapped);
        assert!(sites > 0 && scored > 0);
        // Next to none before platforms connected (2019: only the first registrations of
        // degree courses finished then), most in the last years.
        let early: usize = years.range(..2019).map(|(_, n)| n).sum();
        assert!(early * 100 < statements.len(), "{years:?}");
        assert!(years[&2025] > years[&2020], "{years:?}");
        // About half a statement per outcome: a tiny city's thousand learners report thousands.
        let per_outcome = statements.len() as f64 / outcomes as f64;
        assert!(
            (0.4..0.9).contains(&per_outcome),
            "{per_outcome} statements an outcome"
        );
    }

    /// The city scale holds at least ten million statements (issue 5 §7). Slow: run with
    /// `cargo test -p xc-gen --release --lib -- --ignored --nocapture statement_counts`.
    #[test]
    #[ignore]
    #[allow(clippy::print_stdout)] // run by hand with --nocapture to see each scale's counts
    fn statement_counts_per_scale() {
        for scale in [Scale::Tiny, Scale::District, Scale::City] {
            let started = std::time::Instant::now();
            let city = generate_city(&GenerateOptions::new(scale, 2026));
            let bank = CreditBank::new(&city);
            let mut outcomes = bank.outcomes(&city, BankStaff::default());
            let generator = StatementGenerator::new(&city);
            let (mut outcome_count, mut statement_count) = (0usize, 0usize);
            while let Some(batch) = outcomes.next_batch(OUTCOME_BATCH) {
                outcome_count += batch.outcomes.len();
                statement_count += generator.statements(&batch.outcomes).len();
            }
            println!(
                "{scale}: {outcome_count} outcomes, {statement_count} statements ({:.1} s)",
                started.elapsed().as_secs_f64()
            );
            if scale == Scale::City {
                assert!(statement_count >= 10_000_000, "{statement_count}");
            }
        }
    }

    #[test]
    fn durations_are_iso_8601() {
        assert_eq!(duration(5), "PT30M");
        assert_eq!(duration(20), "PT2H");
        assert_eq!(duration(25), "PT2H30M");
        for tenths in [1, 9, 10, 11, 400, 12_345] {
            xc_xapi::types::Duration::parse(&duration(tenths), "duration").unwrap();
        }
    }

    #[test]
    fn title_keys_are_stable_and_distinct() {
        assert_eq!(title_key("书法"), title_key("书法"));
        assert_ne!(title_key("书法"), title_key("书法入门"));
        assert_eq!(title_key("").len(), 16);
    }
}
