//! The storage test suite: one set of behaviours every backend must show. A backend's tests
//! expand [`store_suite!`](crate::store_suite) with an expression that yields a fresh, migrated,
//! empty store, and get one `#[tokio::test]` per check.

use time::OffsetDateTime;
use time::macros::{date, datetime};
use xc_domain::credit::{
    ApplicationId, BatchId, ContactHours, ConversionRuleId, Credits, DecisionId, Evidence,
    EvidenceKind, Field, FrameworkLevel, IncentiveCode, IncentiveId, OutcomeCategory, OutcomeId,
    OutcomeKind, OutcomeTitle, Points, ProgrammeId, Score, SpecificationId, SubmittedOutcome,
    ValidityTerm, Version, VocationalGrade,
};
use xc_domain::*;

use crate::*;

/// Expands to one test per check of the suite. `$make` is an async expression returning a value
/// that derefs to a fresh, empty store (the guard may drop the database when it goes out of
/// scope).
#[macro_export]
macro_rules! store_suite {
    ($make:expr) => {
        $crate::store_suite!(@tests $make;
            geography_round_trips,
            unknown_codes_are_not_found,
            overview_counts_city_and_district,
            sites_filter_and_page,
            learners_are_created_with_audit_and_found_by_lookup,
            duplicate_national_id_is_a_conflict_and_stores_nothing,
            learner_reads_respect_scope,
            learner_lists_respect_scope,
            contact_changes_are_audited,
            citizen_registration_is_all_or_nothing,
            usernames_are_unique_and_case_insensitive,
            role_changes_are_audited,
            sessions_expire_and_can_be_deleted,
            api_tokens_are_found_by_hash,
            audit_log_filters_and_pages,
            bulk_loaded_ids_do_not_collide_with_new_ones,
            emptiness_is_reported,
            points_balance_is_the_sum_of_the_ledger,
            specifications_are_versioned_and_old_versions_never_change,
            an_outcome_is_submitted_once_per_provider_and_external_id,
            automatic_recognition_stores_the_decision_and_the_grant,
            a_general_rule_decision_names_its_rule_and_version,
            review_queue_lists_in_review_outcomes_oldest_first,
            recording_a_decision_updates_status_and_grant_once,
            a_dropped_batch_stores_nothing,
            a_committed_batch_reports_totals_and_earlier_submissions,
            a_large_batch_answers_every_row_in_order,
            a_committed_batch_awaits_its_follow_up_until_recorded,
            a_batch_row_of_another_provider_is_invalid_and_writes_nothing,
            a_refused_batch_commit_stores_nothing,
            a_batch_total_below_the_rows_stored_is_invalid_and_keeps_nothing,
            an_external_id_twice_in_one_call_is_refused_whole,
            a_batch_that_failed_in_the_database_refuses_more_and_keeps_nothing,
            the_log_stores_the_tree_the_reference_computes,
            the_log_reads_back_in_order_for_the_audit,
            tree_heads_only_move_forward,
            issued_credentials_are_logged_once_per_outcome,
            outcomes_awaiting_credential_are_the_recognised_ones_not_issued,
            credential_status_changes_are_logged_audited_and_checked,
            shares_are_stored_with_their_items_and_audited,
            a_share_of_another_learners_credential_is_refused_whole,
            share_views_are_counted_only_while_open,
            a_share_is_revoked_once_by_its_learner,
            erasing_a_learner_closes_their_shares_and_drops_the_presentations,
            learners_are_matched_by_lookups_and_ids,
            bulk_loaded_outcomes_and_decisions_round_trip_and_new_ids_follow,
            programmes_are_created_once_per_code_and_listed,
            conversion_rules_are_versioned_and_old_versions_never_change,
            general_rules_are_versioned_per_kind_and_old_versions_never_change,
            a_refused_general_rule_publication_stores_nothing,
            accreditation_decisions_round_trip_in_order_with_their_audit,
            an_application_round_trips_and_one_is_open_per_programme,
            approving_keeps_the_chosen_lines_and_sums_their_credits,
            a_decided_application_never_changes_again,
            keeping_an_unknown_line_is_invalid_and_changes_nothing,
            kept_lines_past_the_credit_maximum_are_invalid_and_change_nothing,
            open_applications_are_listed_oldest_first_and_paged,
            spending_points_never_overdraws,
            the_points_ledger_lists_oldest_first,
            bulk_awards_append_each_event_once,
            bulk_awards_refuse_non_awards_whole,
            points_held_sums_one_activity_by_day_and_year,
            points_policy_versions_are_numbered_kept_and_audited,
            incentives_are_created_once_per_code_and_listed,
            an_incentive_ends_on_a_last_day_not_before_its_first,
            erasing_a_learner_scrubs_their_identity_and_keeps_their_records,
            erasing_a_learner_disables_their_account_and_ends_its_sessions,
            an_erasure_is_recorded_and_audited_once,
            erasing_twice_is_a_conflict_and_changes_nothing,
            erasing_an_unknown_learner_is_not_found,
            erasing_a_learner_leaves_others_untouched,
            xapi_statements_are_stored_once_and_read_back,
            xapi_voiding_hides_the_target_and_keeps_the_voiding_statement,
            xapi_filters_match_what_the_statement_is_about,
            xapi_bulk_loaded_statements_match_the_same_filters,
            xapi_bulk_load_stores_what_the_normal_path_stores,
            xapi_more_pages_neither_repeat_nor_skip_under_concurrent_writes,
            xapi_attachments_are_stored_once_by_hash,
            xapi_definitions_are_merged_and_agents_remembered,
            xapi_documents_are_written_with_their_preconditions,
            xapi_clients_are_found_by_key_and_read_only_their_own_statements,
            learner_handles_are_recorded_once_and_found,
            a_check_in_is_recorded_once_per_code,
            trusted_banks_are_listed_and_refreshing_only_adds_keys,
            trust_is_taken_back_by_appended_changes,
            an_external_outcome_is_stored_once_with_its_provenance,
            lrs_actor_links_name_one_learner_and_are_audited,
            lrs_learner_timelines_page_newest_first_through_their_rows,
            lrs_statement_rules_are_versioned_and_never_change,
            lrs_erasing_an_actor_deletes_what_is_about_them_and_nothing_else,
        );
    };
    (@tests $make:expr; $($name:ident,)+) => {
        $(
            #[tokio::test]
            async fn $name() {
                let store = $make.await;
                $crate::suite::$name(&*store).await;
            }
        )+
    };
}

pub fn district(code: &str) -> DistrictCode {
    DistrictCode::parse(code).unwrap()
}

fn subdistrict(code: &str) -> SubdistrictCode {
    SubdistrictCode::parse(code).unwrap()
}

fn point(lon: f64, lat: f64) -> GeoPoint {
    GeoPoint::new(lon, lat).unwrap()
}

const T0: OffsetDateTime = datetime!(2026-01-05 09:00 UTC);

/// Two districts, three subdistricts, four neighbourhoods, two institutions, four sites, two
/// teachers: the city every check starts from.
pub async fn load_fixture_city(store: &dyn Store) {
    store
        .load_districts(&[
            District {
                code: district("310101"),
                name: "黄浦区".into(),
                centroid: point(121.48, 31.23),
                residents: 662_030,
                residents_60_plus: 200_000,
            },
            District {
                code: district("310104"),
                name: "徐汇区".into(),
                centroid: point(121.43, 31.18),
                residents: 1_113_078,
                residents_60_plus: 280_000,
            },
        ])
        .await
        .unwrap();
    let sub = |code: &str, name: &str, d: &str, residents| Subdistrict {
        code: subdistrict(code),
        name: name.into(),
        district: district(d),
        kind: SubdistrictKind::from_name(name),
        centroid: point(121.45, 31.2),
        centroid_generated: true,
        residents,
        residents_60_plus: residents / 4,
    };
    store
        .load_subdistricts(&[
            sub("310101002", "南京东路街道", "310101", 50_000),
            sub("310101013", "外滩街道", "310101", 40_000),
            sub("310104003", "天平路街道", "310104", 60_000),
        ])
        .await
        .unwrap();
    let hood = |code: &str, name: &str, residents| Neighbourhood {
        code: NeighbourhoodCode::parse(code).unwrap(),
        name: name.into(),
        subdistrict: NeighbourhoodCode::parse(code).unwrap().subdistrict(),
        kind: NeighbourhoodKind::from_name(name),
        position: point(121.47, 31.23),
        position_generated: true,
        residents,
        residents_60_plus: residents / 3,
    };
    store
        .load_neighbourhoods(&[
            hood("310101002001", "云南中路居委会", 3_000),
            hood("310101002002", "龙泉园路居委会", 2_500),
            hood("310101013001", "金坛路居委会", 2_000),
            hood("310104003001", "天平居委会", 4_000),
        ])
        .await
        .unwrap();
    store
        .load_institutions(&[
            Institution {
                id: InstitutionId::new(1),
                name: "黄浦区社区学院".into(),
                kind: InstitutionKind::CommunityCollege,
                district: Some(district("310101")),
            },
            Institution {
                id: InstitutionId::new(2),
                name: "徐汇区老年大学".into(),
                kind: InstitutionKind::ElderUniversity,
                district: Some(district("310104")),
            },
        ])
        .await
        .unwrap();
    let site = |id, name: &str, kind, d: &str, sd: Option<&str>, institution: Option<i64>| Site {
        id: SiteId::new(id),
        name: name.into(),
        kind,
        institution: institution.map(InstitutionId::new),
        district: district(d),
        subdistrict: sd.map(subdistrict),
        neighbourhood: None,
        address: "上海市某路1号".into(),
        position: point(121.47, 31.22),
        capacity: 120,
        opening_hours: "Mo-Fr 08:30-17:00".into(),
        step_free: true,
        phone: Some("021-12345678".into()),
        topics: vec![Topic::CultureAndArts, Topic::Health],
    };
    store
        .load_sites(&[
            site(
                1,
                "黄浦区社区学院",
                SiteKind::CommunityCollege,
                "310101",
                None,
                Some(1),
            ),
            site(
                2,
                "南京东路街道社区学校",
                SiteKind::CommunitySchool,
                "310101",
                Some("310101002"),
                None,
            ),
            site(
                3,
                "外滩街道社区学校",
                SiteKind::CommunitySchool,
                "310101",
                Some("310101013"),
                None,
            ),
            site(
                4,
                "徐汇区老年大学",
                SiteKind::ElderUniversity,
                "310104",
                Some("310104003"),
                Some(2),
            ),
        ])
        .await
        .unwrap();
    store
        .load_teachers(&[
            Teacher {
                id: TeacherId::new(1),
                name: "李老师".into(),
                kind: TeacherKind::FullTime,
                subjects: vec![Topic::SmartLiving],
                district: district("310101"),
                institution: Some(InstitutionId::new(1)),
            },
            Teacher {
                id: TeacherId::new(2),
                name: "王老师".into(),
                kind: TeacherKind::Volunteer,
                subjects: vec![Topic::Health, Topic::CultureAndArts],
                district: district("310104"),
                institution: None,
            },
        ])
        .await
        .unwrap();
    store.finish_load().await.unwrap();
}

/// A learner whose sealed fields are recognisable fakes (the store never looks inside them).
pub fn new_learner(tag: u8, district_code: &str, registered_by: Option<i64>) -> NewLearner {
    NewLearner {
        display_name: format!("学员{tag}"),
        national_id: Sealed {
            ciphertext: vec![tag; 40],
            masked: format!("3101**********{tag:04}"),
        },
        national_id_lookup: vec![tag; 32],
        birth_year: 1950 + i32::from(tag),
        gender: if tag.is_multiple_of(2) {
            Gender::Female
        } else {
            Gender::Male
        },
        district: district(district_code),
        subdistrict: None,
        neighbourhood: None,
        phone: None,
        interests: vec![Topic::Health],
        registered_at: T0,
        registered_by: registered_by.map(InstitutionId::new),
    }
}

fn system(action: &str) -> AuditEvent {
    AuditEvent::new(Actor::System("suite".into()), action, "learner", "new")
}

fn citizen_user(name: &str, learner: Option<LearnerId>) -> NewUser {
    NewUser {
        username: Username::parse(name).unwrap(),
        password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into()),
        display_name: name.into(),
        role: RoleAssignment {
            role: Role::Citizen,
            district: None,
            institution: None,
        },
        learner,
    }
}

/// Consent to keep a learning archive, granted at [`T0`].
fn archive_consent() -> Consent {
    Consent {
        purpose: "learning_archive".into(),
        notice_version: "2026-01".into(),
        granted: true,
        at: T0,
    }
}

/// The audit entries of one action, newest first.
async fn audit_entries(store: &dyn Store, action: &str) -> Paged<AuditEntry> {
    let filter = AuditFilter {
        action: Some(action.into()),
        ..Default::default()
    };
    store
        .list_audit(&filter, PageRequest::default())
        .await
        .unwrap()
}

async fn audit_count(store: &dyn Store, action: &str) -> u64 {
    audit_entries(store, action).await.total
}

/// How many audit entries one action has, and their subjects, newest first.
async fn audited_subjects(store: &dyn Store, action: &str) -> (u64, Vec<String>) {
    let entries = audit_entries(store, action).await;
    let subjects = entries.items.into_iter().map(|e| e.subject_id).collect();
    (entries.total, subjects)
}

pub async fn geography_round_trips(store: &dyn Store) {
    load_fixture_city(store).await;
    let districts = store.list_districts().await.unwrap();
    assert_eq!(
        districts
            .iter()
            .map(|d| d.code.as_str())
            .collect::<Vec<_>>(),
        ["310101", "310104"]
    );
    assert_eq!(districts[0].name, "黄浦区");
    assert_eq!(districts[0].residents, 662_030);
    assert_eq!(districts[0].centroid, point(121.48, 31.23));
    let subs = store.list_subdistricts(&district("310101")).await.unwrap();
    assert_eq!(subs.len(), 2);
    assert_eq!(subs[0].kind, SubdistrictKind::Street);
    assert!(subs[0].centroid_generated);
    let hoods = store
        .list_neighbourhoods(&subdistrict("310101002"))
        .await
        .unwrap();
    assert_eq!(hoods.len(), 2);
    assert_eq!(hoods[0].name, "云南中路居委会");
    assert!(hoods[0].position_generated);
    assert_eq!(
        store
            .get_subdistrict(&subdistrict("310104003"))
            .await
            .unwrap()
            .name,
        "天平路街道"
    );
    assert_eq!(
        store
            .get_district(&district("310104"))
            .await
            .unwrap()
            .residents_60_plus,
        280_000
    );
}

pub async fn unknown_codes_are_not_found(store: &dyn Store) {
    load_fixture_city(store).await;
    assert!(matches!(
        store.get_district(&district("310199")).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.get_subdistrict(&subdistrict("310101999")).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(
        store
            .list_subdistricts(&district("310199"))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        store.get_site(SiteId::new(99)).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.get_institution(InstitutionId::new(99)).await,
        Err(StoreError::NotFound { .. })
    ));
}

pub async fn overview_counts_city_and_district(store: &dyn Store) {
    load_fixture_city(store).await;
    store
        .create_learner(&new_learner(1, "310101", None), &system("learner.create"))
        .await
        .unwrap();
    store
        .create_learner(&new_learner(2, "310104", None), &system("learner.create"))
        .await
        .unwrap();
    let mut old = new_learner(3, "310104", None);
    old.birth_year = 1940;
    store
        .create_learner(&old, &system("learner.create"))
        .await
        .unwrap();
    let city = store.overview(None, 2026).await.unwrap();
    assert_eq!(city.districts, 2);
    assert_eq!(city.subdistricts, 3);
    assert_eq!(city.neighbourhoods, 4);
    assert_eq!(city.residents, 662_030 + 1_113_078);
    assert_eq!(city.residents_60_plus, 480_000);
    assert_eq!(city.institutions, 2);
    assert_eq!(city.teachers, 2);
    assert_eq!(city.learners, 3);
    // Born 1951, 1952 and 1940: all 60 or older in 2026; none in 1990.
    assert_eq!(city.learners_60_plus, 3);
    assert_eq!(
        store.overview(None, 1990).await.unwrap().learners_60_plus,
        0
    );
    assert_eq!(city.sites(), 4);
    assert!(city.sites_by_kind.contains(&(SiteKind::CommunitySchool, 2)));
    let huangpu = store
        .overview(Some(&district("310101")), 2026)
        .await
        .unwrap();
    assert_eq!(huangpu.districts, 1);
    assert_eq!(huangpu.subdistricts, 2);
    assert_eq!(huangpu.neighbourhoods, 3);
    assert_eq!(huangpu.residents, 662_030);
    assert_eq!(huangpu.institutions, 1);
    assert_eq!(huangpu.teachers, 1);
    assert_eq!(huangpu.learners, 1);
    assert_eq!(huangpu.sites(), 3);
}

pub async fn sites_filter_and_page(store: &dyn Store) {
    load_fixture_city(store).await;
    let all = store
        .list_sites(&SiteFilter::default(), PageRequest::default())
        .await
        .unwrap();
    assert_eq!(all.total, 4);
    assert_eq!(all.items[3].name, "徐汇区老年大学");
    assert_eq!(
        all.items[3].topics,
        vec![Topic::CultureAndArts, Topic::Health]
    );
    let schools = SiteFilter {
        kind: Some(SiteKind::CommunitySchool),
        ..Default::default()
    };
    let page = store
        .list_sites(&schools, PageRequest::new(1, 1))
        .await
        .unwrap();
    assert_eq!(page.total, 2);
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].name, "外滩街道社区学校");
    let in_sub = SiteFilter {
        subdistrict: Some(subdistrict("310101002")),
        ..Default::default()
    };
    assert_eq!(
        store
            .list_sites(&in_sub, PageRequest::default())
            .await
            .unwrap()
            .total,
        1
    );
    let in_xuhui = SiteFilter {
        district: Some(district("310104")),
        ..Default::default()
    };
    let xuhui = store
        .list_sites(&in_xuhui, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(xuhui.items.len(), 1);
    assert_eq!(xuhui.items[0].institution, Some(InstitutionId::new(2)));
    let run_by_first = SiteFilter {
        institution: Some(InstitutionId::new(1)),
        ..Default::default()
    };
    let first = store
        .list_sites(&run_by_first, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(
        first.items.iter().map(|site| site.id).collect::<Vec<_>>(),
        vec![SiteId::new(1)]
    );
    assert_eq!(
        store.get_site(SiteId::new(2)).await.unwrap().subdistrict,
        Some(subdistrict("310101002"))
    );
    assert_eq!(
        store
            .get_institution(InstitutionId::new(1))
            .await
            .unwrap()
            .kind,
        InstitutionKind::CommunityCollege
    );
}

pub async fn learners_are_created_with_audit_and_found_by_lookup(store: &dyn Store) {
    load_fixture_city(store).await;
    let mut learner = new_learner(7, "310101", Some(1));
    learner.phone = Some(Sealed {
        ciphertext: vec![1, 2, 3],
        masked: "138****5678".into(),
    });
    learner.subdistrict = Some(subdistrict("310101002"));
    let id = store
        .create_learner(&learner, &system("learner.create"))
        .await
        .unwrap();
    let stored = store.get_learner(&LearnerScope::All, id).await.unwrap();
    assert_eq!(stored.display_name, "学员7");
    assert_eq!(stored.national_id, learner.national_id);
    assert_eq!(stored.phone, learner.phone);
    assert_eq!(stored.registered_at, T0);
    assert_eq!(stored.registered_by, Some(InstitutionId::new(1)));
    assert_eq!(stored.subdistrict, Some(subdistrict("310101002")));
    assert_eq!(
        store.find_learner_by_national_id(&[7; 32]).await.unwrap(),
        Some(id)
    );
    assert_eq!(
        store.find_learner_by_national_id(&[8; 32]).await.unwrap(),
        None
    );
    let entries = audit_entries(store, "learner.create").await;
    assert_eq!(entries.total, 1);
    assert_eq!(
        entries.items[0].subject_id,
        id.to_string(),
        "the audit entry names the new learner"
    );
    assert_eq!(entries.items[0].actor, "system:suite");
}

pub async fn duplicate_national_id_is_a_conflict_and_stores_nothing(store: &dyn Store) {
    load_fixture_city(store).await;
    store
        .create_learner(&new_learner(7, "310101", None), &system("learner.create"))
        .await
        .unwrap();
    let mut again = new_learner(7, "310104", None);
    again.display_name = "另一个人".into();
    let error = store
        .create_learner(&again, &system("learner.create"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            StoreError::Conflict {
                field: "national_id"
            }
        ),
        "{error:?}"
    );
    let all = store
        .list_learners(
            &LearnerScope::All,
            &LearnerFilter::default(),
            PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(all.total, 1);
    assert_eq!(
        audit_count(store, "learner.create").await,
        1,
        "no audit entry for a refused change"
    );
}

pub async fn learner_reads_respect_scope(store: &dyn Store) {
    load_fixture_city(store).await;
    let huangpu = store
        .create_learner(
            &new_learner(1, "310101", Some(1)),
            &system("learner.create"),
        )
        .await
        .unwrap();
    let xuhui = store
        .create_learner(&new_learner(2, "310104", None), &system("learner.create"))
        .await
        .unwrap();
    let in_huangpu = LearnerScope::District(district("310101"));
    assert!(store.get_learner(&in_huangpu, huangpu).await.is_ok());
    assert!(matches!(
        store.get_learner(&in_huangpu, xuhui).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(
        store
            .get_learner(&LearnerScope::Only(xuhui), xuhui)
            .await
            .is_ok()
    );
    assert!(matches!(
        store.get_learner(&LearnerScope::Only(xuhui), huangpu).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(
        store
            .get_learner(&LearnerScope::Institution(InstitutionId::new(1)), huangpu)
            .await
            .is_ok()
    );
    assert!(
        store
            .get_learner(&LearnerScope::Institution(InstitutionId::new(2)), huangpu)
            .await
            .is_err()
    );
    assert!(
        store
            .get_learner(&LearnerScope::Nobody, huangpu)
            .await
            .is_err()
    );
    assert!(matches!(
        store
            .get_learner(&LearnerScope::All, LearnerId::new(999))
            .await,
        Err(StoreError::NotFound { .. })
    ));
}

pub async fn learner_lists_respect_scope(store: &dyn Store) {
    load_fixture_city(store).await;
    for tag in 1..=5 {
        let d = if tag <= 3 { "310101" } else { "310104" };
        store
            .create_learner(
                &new_learner(tag, d, (tag == 1).then_some(2)),
                &system("learner.create"),
            )
            .await
            .unwrap();
    }
    let page = PageRequest::default();
    let no_filter = LearnerFilter::default();
    assert_eq!(
        store
            .list_learners(&LearnerScope::All, &no_filter, page)
            .await
            .unwrap()
            .total,
        5
    );
    let huangpu = store
        .list_learners(
            &LearnerScope::District(district("310101")),
            &no_filter,
            page,
        )
        .await
        .unwrap();
    assert_eq!(huangpu.total, 3);
    assert!(
        huangpu
            .items
            .iter()
            .all(|l| l.district.as_str() == "310101")
    );
    // A filter cannot widen a scope.
    let widen = LearnerFilter {
        district: Some(district("310104")),
        ..Default::default()
    };
    assert_eq!(
        store
            .list_learners(&LearnerScope::District(district("310101")), &widen, page)
            .await
            .unwrap()
            .total,
        0
    );
    assert_eq!(
        store
            .list_learners(&LearnerScope::All, &widen, page)
            .await
            .unwrap()
            .total,
        2
    );
    assert_eq!(
        store
            .list_learners(
                &LearnerScope::Institution(InstitutionId::new(2)),
                &no_filter,
                page
            )
            .await
            .unwrap()
            .total,
        1
    );
    assert_eq!(
        store
            .list_learners(&LearnerScope::Nobody, &no_filter, page)
            .await
            .unwrap()
            .total,
        0
    );
    let paged = store
        .list_learners(&LearnerScope::All, &no_filter, PageRequest::new(3, 10))
        .await
        .unwrap();
    assert_eq!(paged.items.len(), 2);
    assert_eq!(
        paged.items[0].display_name, "学员4",
        "learners are listed by id"
    );
}

pub async fn contact_changes_are_audited(store: &dyn Store) {
    load_fixture_city(store).await;
    let id = store
        .create_learner(&new_learner(1, "310101", None), &system("learner.create"))
        .await
        .unwrap();
    let change = ContactChange {
        display_name: Some("王秀英".into()),
        phone: Some(Some(Sealed {
            ciphertext: vec![9; 30],
            masked: "139****0000".into(),
        })),
        interests: Some(vec![Topic::SmartLiving, Topic::Health]),
    };
    let audit = AuditEvent::new(
        Actor::User(UserId::new(5)),
        "learner.contact_change",
        "learner",
        id,
    )
    .with_detail(serde_json::json!({"fields": ["display_name", "phone", "interests"]}));
    store.update_contact(id, &change, &audit).await.unwrap();
    let stored = store.get_learner(&LearnerScope::All, id).await.unwrap();
    assert_eq!(stored.display_name, "王秀英");
    assert_eq!(stored.phone.unwrap().masked, "139****0000");
    assert_eq!(stored.interests, vec![Topic::SmartLiving, Topic::Health]);
    let remove_phone = ContactChange {
        phone: Some(None),
        ..Default::default()
    };
    store
        .update_contact(id, &remove_phone, &audit)
        .await
        .unwrap();
    let stored = store.get_learner(&LearnerScope::All, id).await.unwrap();
    assert_eq!(stored.phone, None);
    assert_eq!(
        stored.display_name, "王秀英",
        "fields left out are unchanged"
    );
    assert_eq!(audit_count(store, "learner.contact_change").await, 2);
    let missing = store
        .update_contact(LearnerId::new(999), &change, &audit)
        .await
        .unwrap_err();
    assert!(matches!(missing, StoreError::NotFound { .. }));
    assert_eq!(
        audit_count(store, "learner.contact_change").await,
        2,
        "no audit for a failed change"
    );
}

pub async fn citizen_registration_is_all_or_nothing(store: &dyn Store) {
    load_fixture_city(store).await;
    let consent = archive_consent();
    let audit = AuditEvent::new(Actor::Anonymous, "citizen.register", "learner", "new");
    let (learner, user) = store
        .register_citizen(
            &new_learner(1, "310101", None),
            &citizen_user("wang.li", None),
            &consent,
            &audit,
        )
        .await
        .unwrap();
    let account = store.get_user(user).await.unwrap();
    assert_eq!(
        account.learner,
        Some(learner),
        "the account is linked to its learner"
    );
    assert_eq!(account.role.role, Role::Citizen);
    assert_eq!(
        store.list_consents(learner).await.unwrap(),
        vec![consent.clone()]
    );
    // Same user name, new person: refused, and the new learner is not left behind.
    let error = store
        .register_citizen(
            &new_learner(2, "310101", None),
            &citizen_user("wang.li", None),
            &consent,
            &audit,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(error, StoreError::Conflict { field: "username" }),
        "{error:?}"
    );
    assert_eq!(
        store.find_learner_by_national_id(&[2; 32]).await.unwrap(),
        None
    );
    // Same person, new user name: refused on the ID number.
    let error = store
        .register_citizen(
            &new_learner(1, "310101", None),
            &citizen_user("wang.li2", None),
            &consent,
            &audit,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            StoreError::Conflict {
                field: "national_id"
            }
        ),
        "{error:?}"
    );
    assert!(
        store
            .find_user_by_username(&Username::parse("wang.li2").unwrap())
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(audit_count(store, "citizen.register").await, 1);
}

pub async fn usernames_are_unique_and_case_insensitive(store: &dyn Store) {
    load_fixture_city(store).await;
    let audit = AuditEvent::new(Actor::System("suite".into()), "user.create", "user", "new");
    let staff = NewUser {
        role: RoleAssignment {
            role: Role::DistrictAdmin,
            district: Some(district("310101")),
            institution: None,
        },
        ..citizen_user("Admin.Huangpu", None)
    };
    let id = store.create_user(&staff, &audit).await.unwrap();
    let found = store
        .find_user_by_username(&Username::parse("ADMIN.huangpu").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, id);
    assert_eq!(found.role, staff.role);
    assert!(!found.disabled);
    let error = store.create_user(&staff, &audit).await.unwrap_err();
    assert!(
        matches!(error, StoreError::Conflict { field: "username" }),
        "{error:?}"
    );
    assert!(matches!(
        store.get_user(UserId::new(999)).await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(audit_count(store, "user.create").await, 1);
}

pub async fn role_changes_are_audited(store: &dyn Store) {
    load_fixture_city(store).await;
    let audit = AuditEvent::new(Actor::System("suite".into()), "user.create", "user", "new");
    let id = store
        .create_user(&citizen_user("zhang.wei", None), &audit)
        .await
        .unwrap();
    let new_role = RoleAssignment {
        role: Role::ProviderStaff,
        district: None,
        institution: Some(InstitutionId::new(2)),
    };
    let change = AuditEvent::new(Actor::User(UserId::new(1)), "user.role_change", "user", id)
        .with_detail(serde_json::json!({"from": "citizen", "to": "provider_staff"}));
    store.set_role(id, &new_role, &change).await.unwrap();
    assert_eq!(store.get_user(id).await.unwrap().role, new_role);
    let entries = audit_entries(store, "user.role_change").await;
    assert_eq!(entries.total, 1);
    assert_eq!(entries.items[0].detail["to"], "provider_staff");
    assert_eq!(entries.items[0].actor, "user:1");
    assert!(matches!(
        store.set_role(UserId::new(999), &new_role, &change).await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(audit_count(store, "user.role_change").await, 1);
}

pub async fn sessions_expire_and_can_be_deleted(store: &dyn Store) {
    load_fixture_city(store).await;
    let audit = AuditEvent::new(Actor::System("suite".into()), "user.create", "user", "new");
    let user = store
        .create_user(&citizen_user("li.na", None), &audit)
        .await
        .unwrap();
    let session = SessionRecord {
        token_hash: vec![42; 32],
        user_id: user,
        csrf_token: "csrf-token".into(),
        created_at: T0,
        expires_at: T0 + time::Duration::hours(12),
    };
    store.create_session(&session).await.unwrap();
    let (found, account) = store
        .find_session(&[42; 32], T0 + time::Duration::hours(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found, session);
    assert_eq!(account.id, user);
    assert!(
        store
            .find_session(&[42; 32], T0 + time::Duration::hours(13))
            .await
            .unwrap()
            .is_none(),
        "expired"
    );
    assert!(store.find_session(&[41; 32], T0).await.unwrap().is_none());
    assert_eq!(
        store
            .delete_expired_sessions(T0 + time::Duration::hours(13))
            .await
            .unwrap(),
        1
    );
    store.create_session(&session).await.unwrap();
    store.delete_session(&[42; 32]).await.unwrap();
    assert!(store.find_session(&[42; 32], T0).await.unwrap().is_none());
}

pub async fn api_tokens_are_found_by_hash(store: &dyn Store) {
    load_fixture_city(store).await;
    let token = NewApiToken {
        token_hash: vec![5; 32],
        institution: InstitutionId::new(1),
        name: "教务系统".into(),
        created_by: None,
        created_at: T0,
    };
    let audit = AuditEvent::new(
        Actor::System("suite".into()),
        "api_token.create",
        "api_token",
        "new",
    )
    .with_detail(serde_json::json!({"institution": 1}));
    let id = store.create_api_token(&token, &audit).await.unwrap();
    let found = store.find_api_token(&[5; 32]).await.unwrap().unwrap();
    assert_eq!(found.id, id);
    assert_eq!(found.institution, InstitutionId::new(1));
    assert_eq!(found.name, "教务系统");
    assert!(store.find_api_token(&[6; 32]).await.unwrap().is_none());
    let duplicate = store.create_api_token(&token, &audit).await.unwrap_err();
    assert!(
        matches!(duplicate, StoreError::Conflict { .. }),
        "{duplicate:?}"
    );
    assert_eq!(audit_count(store, "api_token.create").await, 1);
    let entry = &store
        .list_audit(&AuditFilter::default(), PageRequest::default())
        .await
        .unwrap()
        .items[0];
    assert_eq!(
        entry.subject_id,
        id.to_string(),
        "the audit entry names the new token"
    );
}

pub async fn audit_log_filters_and_pages(store: &dyn Store) {
    for n in 0..7 {
        let event = AuditEvent::new(
            Actor::User(UserId::new(3)),
            if n % 2 == 0 {
                "learner.read"
            } else {
                "learner.export"
            },
            "learner",
            n,
        )
        .with_detail(serde_json::json!({"n": n}));
        store.append_audit(&event).await.unwrap();
    }
    let all = store
        .list_audit(&AuditFilter::default(), PageRequest::new(0, 3))
        .await
        .unwrap();
    assert_eq!(all.total, 7);
    assert_eq!(all.items.len(), 3);
    assert_eq!(all.items[0].detail["n"], 6, "newest first");
    let reads = audit_entries(store, "learner.read").await;
    assert_eq!(reads.total, 4);
    let one = store
        .list_audit(
            &AuditFilter {
                subject_id: Some("3".into()),
                ..Default::default()
            },
            PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(one.total, 1);
    assert_eq!(one.items[0].action, "learner.export");
}

pub async fn bulk_loaded_ids_do_not_collide_with_new_ones(store: &dyn Store) {
    load_fixture_city(store).await;
    let rows: Vec<LearnerRecord> = (1..=300u16)
        .map(|n| {
            let template = new_learner((n % 250) as u8, "310101", None);
            LearnerRecord {
                id: LearnerId::new(i64::from(n) * 2),
                display_name: template.display_name,
                national_id: template.national_id,
                national_id_lookup: n.to_be_bytes().repeat(16),
                birth_year: template.birth_year,
                gender: template.gender,
                district: template.district,
                subdistrict: Some(subdistrict("310101002")),
                neighbourhood: Some(NeighbourhoodCode::parse("310101002001").unwrap()),
                phone: None,
                interests: vec![Topic::Health, Topic::Languages],
                registered_at: T0,
                registered_by: None,
            }
        })
        .collect();
    store.load_learners(&rows).await.unwrap();
    store.finish_load().await.unwrap();
    let id = store
        .create_learner(&new_learner(251, "310101", None), &system("learner.create"))
        .await
        .unwrap();
    assert!(
        id.get() > 600,
        "new id {id} must come after the loaded ones"
    );
    let loaded = store
        .get_learner(&LearnerScope::All, LearnerId::new(600))
        .await
        .unwrap();
    assert_eq!(loaded.interests, vec![Topic::Health, Topic::Languages]);
    assert_eq!(loaded.neighbourhood.unwrap().as_str(), "310101002001");
    assert_eq!(store.overview(None, 2026).await.unwrap().learners, 301);
}

pub async fn emptiness_is_reported(store: &dyn Store) {
    store.ping().await.unwrap();
    assert!(store.is_empty().await.unwrap());
    load_fixture_city(store).await;
    assert!(!store.is_empty().await.unwrap());
}

/// The points balance is the sum of the ledger (spending is negative); each row is audited in
/// its transaction, and a row for an unknown learner stores nothing, audit entry included.
pub async fn points_balance_is_the_sum_of_the_ledger(store: &dyn Store) {
    load_fixture_city(store).await;
    let learner = store
        .create_learner(
            &new_learner(7, "310101", Some(1)),
            &system("learner.create"),
        )
        .await
        .unwrap();
    assert_eq!(store.points_balance(learner).await.unwrap(), 0);
    let audited_before = store
        .list_audit(&AuditFilter::default(), PageRequest::default())
        .await
        .unwrap()
        .total;
    for (points, source) in [(10, "attendance"), (5, "check_in"), (-3, "incentive")] {
        let entry = PointsEntry {
            learner,
            at: T0,
            day: T0.date(),
            award: source.into(),
            points,
            source_kind: "test".into(),
            source_id: source.into(),
        };
        store
            .append_points(&entry, &system("points.append"))
            .await
            .unwrap();
    }
    assert_eq!(store.points_balance(learner).await.unwrap(), 12);
    let stranger = PointsEntry {
        learner: LearnerId::new(999_999),
        at: T0,
        day: T0.date(),
        award: "attendance".into(),
        points: 1,
        source_kind: "test".into(),
        source_id: "x".into(),
    };
    assert!(
        store
            .append_points(&stranger, &system("points.append"))
            .await
            .is_err()
    );
    let audited_after = store
        .list_audit(&AuditFilter::default(), PageRequest::default())
        .await
        .unwrap()
        .total;
    assert_eq!(audited_after, audited_before + 3);
    assert_eq!(
        store.points_balance(LearnerId::new(999_999)).await.unwrap(),
        0
    );
}

// ---- the credit bank's outcomes ---------------------------------------------------------------

fn bank_audit(action: &str, subject_kind: &str) -> AuditEvent {
    AuditEvent::new(Actor::System("suite".into()), action, subject_kind, "new")
}

async fn reviewer(store: &dyn Store, name: &str) -> UserId {
    let audit = AuditEvent::new(Actor::System("suite".into()), "user.create", "user", "new");
    store
        .create_user(&citizen_user(name, None), &audit)
        .await
        .unwrap()
}

async fn bank_learner(store: &dyn Store, tag: u8) -> LearnerId {
    store
        .create_learner(
            &new_learner(tag, "310101", Some(1)),
            &system("learner.create"),
        )
        .await
        .unwrap()
}

/// A community calligraphy course: 32 h, level 2, `credits` credits, valid 3 years.
fn calligraphy(credits: u32) -> SpecificationContent {
    SpecificationContent {
        kind: OutcomeKind::CommunityCourse,
        category: OutcomeCategory::CultureAndLeisure,
        title: OutcomeTitle::parse("书法入门").unwrap(),
        hours: ContactHours::whole(32),
        grade: None,
        level: FrameworkLevel::new(2).unwrap(),
        credits: Credits::whole(credits).unwrap(),
        field: Some(Field::Topic(Topic::CultureAndArts)),
        validity: ValidityTerm::years(3).unwrap(),
    }
}

/// A vocational certificate: a grade, no hours, a discipline field, valid for ever.
fn electrician() -> SpecificationContent {
    SpecificationContent {
        kind: OutcomeKind::VocationalCertificate,
        category: OutcomeCategory::VocationalTraining,
        title: OutcomeTitle::parse("电工").unwrap(),
        hours: None,
        grade: Some(VocationalGrade::Three),
        level: FrameworkLevel::new(4).unwrap(),
        credits: Credits::parse("4.5").unwrap(),
        field: Some(Field::parse("0806").unwrap()),
        validity: ValidityTerm::INDEFINITE,
    }
}

async fn publish_calligraphy(store: &dyn Store) -> SpecificationId {
    let (id, version) = store
        .publish_specification(
            &SpecificationTarget::New {
                provider: InstitutionId::new(1),
                code: "HP-SF-01".into(),
            },
            &calligraphy(2),
            T0,
            None,
            &bank_audit("specification.publish", "specification"),
        )
        .await
        .unwrap();
    assert_eq!(version, Version::FIRST);
    id
}

/// A calligraphy course of `provider` with every optional part filled in.
fn calligraphy_outcome(provider: i64) -> SubmittedOutcome {
    SubmittedOutcome {
        provider: InstitutionId::new(provider),
        kind: OutcomeKind::CommunityCourse,
        title: OutcomeTitle::parse("书法入门").unwrap(),
        hours: Some(ContactHours::parse("32.5").unwrap()),
        grade: None,
        field: Some(Field::Topic(Topic::CultureAndArts)),
        achieved_on: date!(2025 - 12 - 20),
        score: Some(Score::parse("85.5").unwrap()),
        evidence: vec![
            Evidence::parse(EvidenceKind::CertificateNumber, "HP-2025-0001").unwrap(),
            Evidence::parse(EvidenceKind::WebLink, "https://example.org/c/1").unwrap(),
        ],
    }
}

fn new_outcome(
    learner: LearnerId,
    provider: i64,
    external_id: &str,
    submitted_at: OffsetDateTime,
) -> NewOutcome {
    NewOutcome {
        learner,
        external_id: external_id.into(),
        submitted: calligraphy_outcome(provider),
        submitted_at,
        submitted_by: None,
        automatic: None,
    }
}

fn calligraphy_grant() -> Grant {
    Grant {
        category: OutcomeCategory::CultureAndLeisure,
        level: FrameworkLevel::new(2).unwrap(),
        credits: Credits::whole(2).unwrap(),
        valid_until: Some(date!(2028 - 12 - 19)),
    }
}

fn automatic(specification: SpecificationId) -> AutomaticRecognition {
    AutomaticRecognition {
        rule: AutomaticRule::Specification {
            specification,
            version: Version::FIRST,
        },
        grant: calligraphy_grant(),
        reason: "与认定标准 HP-SF-01 v1 完全一致".into(),
    }
}

fn stored(written: Written) -> OutcomeId {
    match written {
        Written::Stored(id) => id,
        other => panic!("expected the outcome to be stored now, got {other:?}"),
    }
}

/// Submits `outcome`, which must be stored now.
async fn submit_new_outcome(store: &dyn Store, outcome: &NewOutcome) -> OutcomeId {
    stored(
        store
            .submit_outcome(outcome, &bank_audit("outcome.submit", "outcome"))
            .await
            .unwrap(),
    )
}

/// The city, the calligraphy specification (provider 1's HP-SF-01) and a learner.
/// For other crates' tests: the fixture city with `count` recognised outcomes of one learner
/// (automatic recognition against the calligraphy specification of provider 1), as stored.
pub async fn recognised_outcomes_fixture(store: &dyn Store, count: usize) -> Vec<OutcomeRecord> {
    let (specification, learner) = outcome_setup(store).await;
    let mut outcomes = Vec::with_capacity(count);
    for n in 0..count {
        let mut outcome = new_outcome(learner, 1, &format!("FX-{n}"), T0);
        outcome.automatic = Some(automatic(specification));
        let id = submit_new_outcome(store, &outcome).await;
        outcomes.push(store.get_outcome(id).await.unwrap());
    }
    outcomes
}

async fn outcome_setup(store: &dyn Store) -> (SpecificationId, LearnerId) {
    load_fixture_city(store).await;
    let specification = publish_calligraphy(store).await;
    let learner = bank_learner(store, 1).await;
    (specification, learner)
}

/// Publishing makes the next version and leaves the earlier ones as they were; a provider's
/// codes are unique; each publication is audited with the specification's id.
pub async fn specifications_are_versioned_and_old_versions_never_change(store: &dyn Store) {
    load_fixture_city(store).await;
    let publisher = reviewer(store, "bank.staff").await;
    let audit = bank_audit("specification.publish", "specification");
    let new = SpecificationTarget::New {
        provider: InstitutionId::new(1),
        code: "HP-SF-01".into(),
    };
    let (id, first) = store
        .publish_specification(&new, &calligraphy(2), T0, Some(publisher), &audit)
        .await
        .unwrap();
    assert_eq!(first.get(), 1);
    let next_day = T0 + time::Duration::days(1);
    let (same, second) = store
        .publish_specification(
            &SpecificationTarget::Existing(id),
            &calligraphy(3),
            next_day,
            None,
            &audit,
        )
        .await
        .unwrap();
    assert_eq!(same, id);
    assert_eq!(second.get(), 2);
    // The same code is free for another provider.
    let (other, other_version) = store
        .publish_specification(
            &SpecificationTarget::New {
                provider: InstitutionId::new(2),
                code: "HP-SF-01".into(),
            },
            &electrician(),
            T0,
            None,
            &audit,
        )
        .await
        .unwrap();
    assert_ne!(other, id);
    assert_eq!(other_version, Version::FIRST);

    let taken = store
        .publish_specification(&new, &calligraphy(9), T0, None, &audit)
        .await
        .unwrap_err();
    assert!(
        matches!(taken, StoreError::Conflict { field: "code" }),
        "{taken:?}"
    );
    let unknown = SpecificationId::new(id.get().max(other.get()) + 100);
    let missing = store
        .publish_specification(
            &SpecificationTarget::Existing(unknown),
            &calligraphy(9),
            T0,
            None,
            &audit,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(missing, StoreError::NotFound { .. }),
        "{missing:?}"
    );
    assert!(matches!(
        store.specification_history(unknown).await,
        Err(StoreError::NotFound { .. })
    ));

    let history = store.specification_history(id).await.unwrap();
    assert_eq!(
        history,
        vec![
            SpecificationVersion {
                id,
                provider: InstitutionId::new(1),
                code: "HP-SF-01".into(),
                version: first,
                content: calligraphy(2),
                published_at: T0,
                published_by: Some(publisher),
            },
            SpecificationVersion {
                id,
                provider: InstitutionId::new(1),
                code: "HP-SF-01".into(),
                version: second,
                content: calligraphy(3),
                published_at: next_day,
                published_by: None,
            },
        ],
        "version 1 still says what it said when version 2 was published"
    );
    assert_eq!(history[0].content.title.as_str(), "书法入门");
    let all = store.list_specification_versions().await.unwrap();
    let mut expected_order = vec![(id, 1), (id, 2), (other, 1)];
    expected_order.sort();
    assert_eq!(
        all.iter()
            .map(|v| (v.id, v.version.get()))
            .collect::<Vec<_>>(),
        expected_order,
        "ordered by id, then version"
    );
    let electrician_version = all.iter().find(|v| v.id == other).unwrap();
    assert_eq!(electrician_version.content, electrician());
    assert_eq!(electrician_version.provider, InstitutionId::new(2));
    let (total, subjects) = audited_subjects(store, "specification.publish").await;
    assert_eq!(total, 3, "refused publications are not audited");
    assert_eq!(
        subjects,
        [other.to_string(), id.to_string(), id.to_string()]
    );
}

/// (provider, external id) identifies an outcome: a second submission stores nothing, changes
/// nothing, is not audited, and answers the id already held.
pub async fn an_outcome_is_submitted_once_per_provider_and_external_id(store: &dyn Store) {
    load_fixture_city(store).await;
    let learner = bank_learner(store, 1).await;
    let staff = reviewer(store, "provider.staff").await;
    let audit = bank_audit("outcome.submit", "outcome");
    let mut first = new_outcome(learner, 1, "HP-2025-0001", T0);
    first.submitted_by = Some(staff);
    let id = stored(store.submit_outcome(&first, &audit).await.unwrap());
    let expected = OutcomeRecord {
        id,
        learner,
        external_id: "HP-2025-0001".into(),
        submitted: first.submitted.clone(),
        status: OutcomeStatus::InReview,
        grant: None,
        submitted_at: T0,
        submitted_by: Some(staff),
        batch: None,
    };
    assert_eq!(store.get_outcome(id).await.unwrap(), expected);

    let mut again = first.clone();
    again.submitted.title = OutcomeTitle::parse("书法进阶").unwrap();
    again.submitted_at = T0 + time::Duration::hours(1);
    assert_eq!(
        store.submit_outcome(&again, &audit).await.unwrap(),
        Written::AlreadyStored(id)
    );
    let held = store.get_outcome(id).await.unwrap();
    assert_eq!(held, expected, "the outcome already held is unchanged");
    assert_eq!(held.submitted.title.as_str(), "书法入门");
    let entries = audit_entries(store, "outcome.submit").await;
    assert_eq!(entries.total, 1, "no audit entry when nothing was stored");
    assert_eq!(entries.items[0].subject_id, id.to_string());

    // The same external id of another provider is another outcome; this one has none of the
    // optional parts and was achieved earlier.
    let mut certificate = new_outcome(learner, 2, "HP-2025-0001", T0);
    certificate.submitted.kind = OutcomeKind::VocationalCertificate;
    certificate.submitted.title = OutcomeTitle::parse("电工").unwrap();
    certificate.submitted.grade = Some(VocationalGrade::Three);
    certificate.submitted.hours = None;
    certificate.submitted.field = None;
    certificate.submitted.score = None;
    certificate.submitted.achieved_on = date!(2024 - 06 - 01);
    certificate.submitted.evidence =
        vec![Evidence::parse(EvidenceKind::FileSha256, &"ab".repeat(32)).unwrap()];
    let other = stored(store.submit_outcome(&certificate, &audit).await.unwrap());
    assert_ne!(other, id);
    let listed = store.list_learner_outcomes(learner).await.unwrap();
    assert_eq!(
        listed.iter().map(|o| o.id).collect::<Vec<_>>(),
        [other, id],
        "oldest achievement first"
    );
    assert_eq!(listed[0].submitted, certificate.submitted);
    assert_eq!(listed[0].submitted_by, None);
    assert_eq!(
        store
            .find_outcomes_by_external_id(
                InstitutionId::new(1),
                &["HP-2025-0001".into(), "HP-2025-0002".into()]
            )
            .await
            .unwrap(),
        vec![("HP-2025-0001".to_owned(), id)]
    );
    assert_eq!(audit_count(store, "outcome.submit").await, 2);
    assert!(matches!(
        store
            .get_outcome(OutcomeId::new(other.get().max(id.get()) + 100))
            .await,
        Err(StoreError::NotFound { .. })
    ));
}

/// An outcome recognised on submission is stored recognised, with its grant and the decision
/// that names the specification version it matched.
pub async fn automatic_recognition_stores_the_decision_and_the_grant(store: &dyn Store) {
    let (specification, learner) = outcome_setup(store).await;
    let mut outcome = new_outcome(learner, 1, "HP-AUTO-1", T0);
    outcome.automatic = Some(automatic(specification));
    let audit = bank_audit("outcome.submit", "outcome");
    let id = stored(store.submit_outcome(&outcome, &audit).await.unwrap());
    let record = store.get_outcome(id).await.unwrap();
    assert_eq!(record.status, OutcomeStatus::Recognised);
    assert_eq!(record.grant, Some(calligraphy_grant()));
    let decisions = store.list_decisions(id).await.unwrap();
    assert_eq!(decisions.len(), 1);
    assert_eq!(
        decisions[0],
        DecisionRecord {
            id: decisions[0].id,
            outcome: id,
            decided_at: T0,
            basis: DecisionBasis::Specification {
                specification,
                version: Version::FIRST,
            },
            grant: Some(calligraphy_grant()),
            reason: "与认定标准 HP-SF-01 v1 完全一致".into(),
        }
    );
    assert_eq!(
        store.list_learner_decisions(learner).await.unwrap(),
        decisions
    );
    assert_eq!(
        store
            .review_queue(&ReviewFilter::default(), PageRequest::default())
            .await
            .unwrap()
            .total,
        0,
        "a recognised outcome does not wait for review"
    );
    assert_eq!(
        store.submit_outcome(&outcome, &audit).await.unwrap(),
        Written::AlreadyStored(id)
    );
    assert_eq!(
        store.list_decisions(id).await.unwrap().len(),
        1,
        "a re-submission decides nothing again"
    );
    assert_eq!(audit_count(store, "outcome.submit").await, 1);
}

/// An outcome recognised under a general rule (single submission or upload) is stored with a
/// decision that names the rule's kind and version (or the built-in rule), read back as such.
pub async fn a_general_rule_decision_names_its_rule_and_version(store: &dyn Store) {
    let (_, learner) = outcome_setup(store).await;
    let published = GeneralRuleRef {
        kind: OutcomeKind::CommunityCourse,
        version: Some(Version::new(3).unwrap()),
    };
    let built_in = GeneralRuleRef {
        kind: OutcomeKind::NonFormalTraining,
        version: None,
    };
    let under = |rule: GeneralRuleRef| AutomaticRecognition {
        rule: AutomaticRule::GeneralRule(rule),
        grant: calligraphy_grant(),
        reason: format!("一般规则 {}", rule.to_column()),
    };
    let mut single = new_outcome(learner, 1, "GR-1", T0);
    single.automatic = Some(under(published));
    let audit = bank_audit("outcome.submit", "outcome");
    let single = stored(store.submit_outcome(&single, &audit).await.unwrap());
    let mut writer = store.begin_batch(&upload(1, None)).await.unwrap();
    let mut in_batch = new_outcome(learner, 1, "GR-2", T0);
    in_batch.automatic = Some(under(built_in));
    let in_batch = stored(writer.write(&[in_batch]).await.unwrap()[0]);
    writer
        .commit(1, &bank_audit("outcome.batch_submit", "outcome_batch"))
        .await
        .unwrap();
    for (outcome, rule) in [(single, published), (in_batch, built_in)] {
        let record = store.get_outcome(outcome).await.unwrap();
        assert_eq!(record.status, OutcomeStatus::Recognised);
        assert_eq!(record.grant, Some(calligraphy_grant()));
        let decisions = store.list_decisions(outcome).await.unwrap();
        assert_eq!(decisions.len(), 1);
        assert_eq!(decisions[0].basis, DecisionBasis::GeneralRule(rule));
        assert_eq!(
            decisions[0].reason,
            format!("一般规则 {}", rule.to_column())
        );
    }
    assert_eq!(
        GeneralRuleRef::from_column(&published.to_column()),
        Some(published)
    );
    assert_eq!(GeneralRuleRef::from_column("community_course@0"), None);
    assert_eq!(GeneralRuleRef::from_column("no_such_kind"), None);
}

/// The queue holds only outcomes in review, oldest submission first (then by id), filtered by
/// provider and kind, paged with the total.
pub async fn review_queue_lists_in_review_outcomes_oldest_first(store: &dyn Store) {
    let (specification, learner) = outcome_setup(store).await;
    let hour = time::Duration::hours(1);
    let submit = async |mut outcome: NewOutcome, kind: OutcomeKind| {
        outcome.submitted.kind = kind;
        submit_new_outcome(store, &outcome).await
    };
    let a = submit(
        new_outcome(learner, 1, "Q-A", T0 + hour * 3),
        OutcomeKind::CommunityCourse,
    )
    .await;
    let b = submit(
        new_outcome(learner, 1, "Q-B", T0 + hour),
        OutcomeKind::CommunityCourse,
    )
    .await;
    let c = submit(
        new_outcome(learner, 2, "Q-C", T0 + hour * 2),
        OutcomeKind::CommunityCourse,
    )
    .await;
    let d = submit(new_outcome(learner, 1, "Q-D", T0 + hour), OutcomeKind::Mooc).await;
    let mut recognised = new_outcome(learner, 1, "Q-E", T0);
    recognised.automatic = Some(automatic(specification));
    submit(recognised, OutcomeKind::CommunityCourse).await;

    let queue = async |filter: ReviewFilter, page: PageRequest| {
        let paged = store.review_queue(&filter, page).await.unwrap();
        (
            paged.items.iter().map(|o| o.id).collect::<Vec<_>>(),
            paged.total,
        )
    };
    let everything = ReviewFilter::default();
    assert_eq!(
        queue(everything.clone(), PageRequest::default()).await,
        (vec![b, d, c, a], 4)
    );
    assert_eq!(
        queue(everything, PageRequest::new(1, 2)).await,
        (vec![d, c], 4)
    );
    let provider_1 = ReviewFilter {
        provider: Some(InstitutionId::new(1)),
        kind: None,
    };
    assert_eq!(
        queue(provider_1, PageRequest::default()).await,
        (vec![b, d, a], 3)
    );
    let moocs = ReviewFilter {
        provider: None,
        kind: Some(OutcomeKind::Mooc),
    };
    assert_eq!(queue(moocs, PageRequest::default()).await, (vec![d], 1));
    let both = ReviewFilter {
        provider: Some(InstitutionId::new(2)),
        kind: Some(OutcomeKind::CommunityCourse),
    };
    assert_eq!(queue(both, PageRequest::default()).await, (vec![c], 1));
    let first = store
        .review_queue(&ReviewFilter::default(), PageRequest::new(0, 1))
        .await
        .unwrap();
    assert_eq!(first.items[0].status, OutcomeStatus::InReview);
    assert_eq!(first.items[0].external_id, "Q-B");
}

/// A reviewer's decision recognises (with the grant) or rejects an outcome in review, with its
/// audit entry; a second decision finds it decided and writes nothing.
pub async fn recording_a_decision_updates_status_and_grant_once(store: &dyn Store) {
    let (specification, learner) = outcome_setup(store).await;
    let staff = reviewer(store, "bank.reviewer").await;
    let accepted = submit_new_outcome(store, &new_outcome(learner, 1, "R-1", T0)).await;
    let rejected = submit_new_outcome(store, &new_outcome(learner, 1, "R-2", T0)).await;
    let audit = AuditEvent::new(Actor::User(staff), "outcome.decide", "outcome", "pending");
    let acceptance = NewDecision {
        outcome: accepted,
        decided_at: T0 + time::Duration::days(1),
        basis: DecisionBasis::Reviewer {
            reviewer: staff,
            specification: Some((specification, Version::FIRST)),
        },
        grant: Some(calligraphy_grant()),
        reason: "符合认定标准".into(),
    };
    let decision = store.record_decision(&acceptance, &audit).await.unwrap();
    let outcome = store.get_outcome(accepted).await.unwrap();
    assert_eq!(outcome.status, OutcomeStatus::Recognised);
    assert_eq!(outcome.grant, Some(calligraphy_grant()));
    assert_eq!(
        store.list_decisions(accepted).await.unwrap(),
        vec![DecisionRecord {
            id: decision,
            outcome: accepted,
            decided_at: acceptance.decided_at,
            basis: acceptance.basis.clone(),
            grant: acceptance.grant,
            reason: acceptance.reason.clone(),
        }]
    );
    let entries = audit_entries(store, "outcome.decide").await;
    assert_eq!(entries.total, 1);
    assert_eq!(entries.items[0].subject_id, accepted.to_string());

    let rejection = NewDecision {
        outcome: rejected,
        decided_at: T0 + time::Duration::days(2),
        basis: DecisionBasis::Reviewer {
            reviewer: staff,
            specification: None,
        },
        grant: None,
        reason: "证据不足：请补充结业证书".into(),
    };
    let rejection_id = store.record_decision(&rejection, &audit).await.unwrap();
    assert_ne!(rejection_id, decision);
    let outcome = store.get_outcome(rejected).await.unwrap();
    assert_eq!(outcome.status, OutcomeStatus::Rejected);
    assert_eq!(outcome.grant, None);
    let decisions = store.list_learner_decisions(learner).await.unwrap();
    assert_eq!(
        decisions.iter().map(|d| d.id).collect::<Vec<_>>(),
        [decision, rejection_id]
    );
    assert_eq!(decisions[1].grant, None);
    assert_eq!(decisions[1].basis, rejection.basis);
    assert_eq!(
        store
            .review_queue(&ReviewFilter::default(), PageRequest::default())
            .await
            .unwrap()
            .total,
        0
    );

    let second = NewDecision {
        outcome: accepted,
        grant: None,
        ..rejection.clone()
    };
    let conflict = store.record_decision(&second, &audit).await.unwrap_err();
    assert!(
        matches!(conflict, StoreError::Conflict { field: "status" }),
        "{conflict:?}"
    );
    assert_eq!(store.list_decisions(accepted).await.unwrap().len(), 1);
    assert_eq!(
        store.get_outcome(accepted).await.unwrap().grant,
        Some(calligraphy_grant()),
        "the first decision stands"
    );
    let unknown = NewDecision {
        outcome: OutcomeId::new(accepted.get().max(rejected.get()) + 100),
        ..acceptance.clone()
    };
    assert!(matches!(
        store.record_decision(&unknown, &audit).await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(
        audit_count(store, "outcome.decide").await,
        2,
        "refused decisions are not audited"
    );
}

fn upload(provider: i64, submitted_by: Option<UserId>) -> NewBatch {
    NewBatch {
        provider: InstitutionId::new(provider),
        submitted_by,
        submitted_at: T0,
        file_name: "2025年秋季学习成果.csv".into(),
        all_or_nothing: false,
    }
}

/// A batch writer dropped without commit leaves neither the batch nor any of its outcomes or
/// decisions, and the store takes writes again afterwards.
pub async fn a_dropped_batch_stores_nothing(store: &dyn Store) {
    let (specification, learner) = outcome_setup(store).await;
    let mut recognised = new_outcome(learner, 1, "B-2", T0);
    recognised.automatic = Some(automatic(specification));
    let mut writer = store.begin_batch(&upload(1, None)).await.unwrap();
    let batch = writer.id();
    let written = writer
        .write(&[new_outcome(learner, 1, "B-1", T0), recognised])
        .await
        .unwrap();
    assert!(
        written.iter().all(|w| matches!(w, Written::Stored(_))),
        "{written:?}"
    );
    drop(writer);

    assert!(matches!(
        store.get_batch(batch).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(
        store
            .find_outcomes_by_external_id(InstitutionId::new(1), &["B-1".into(), "B-2".into()])
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .list_learner_outcomes(learner)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .list_learner_decisions(learner)
            .await
            .unwrap()
            .is_empty()
    );
    let id = submit_new_outcome(store, &new_outcome(learner, 1, "B-1", T0)).await;
    assert_eq!(store.get_outcome(id).await.unwrap().batch, None);
}

/// A committed batch holds what it stored (with the automatic decisions), answers the outcomes
/// submitted before as already stored, records its totals and is audited with its id.
pub async fn a_committed_batch_reports_totals_and_earlier_submissions(store: &dyn Store) {
    let (specification, learner) = outcome_setup(store).await;
    let staff = reviewer(store, "provider.staff").await;
    let earlier = submit_new_outcome(store, &new_outcome(learner, 1, "B-1", T0)).await;
    let mut writer = store.begin_batch(&upload(1, Some(staff))).await.unwrap();
    let id = writer.id();
    let mut recognised = new_outcome(learner, 1, "B-2", T0);
    recognised.automatic = Some(automatic(specification));
    let first = writer
        .write(&[
            new_outcome(learner, 1, "B-1", T0),
            recognised.clone(),
            new_outcome(learner, 1, "B-3", T0),
        ])
        .await
        .unwrap();
    assert_eq!(first[0], Written::AlreadyStored(earlier));
    let b2 = stored(first[1]);
    let b3 = stored(first[2]);
    let second = writer
        .write(&[new_outcome(learner, 1, "B-4", T0), recognised])
        .await
        .unwrap();
    let b4 = stored(second[0]);
    assert_eq!(
        second[1],
        Written::RepeatedInBatch(b2),
        "a row an earlier call of the same batch stored is a repeat, not an earlier submission"
    );
    let batch = writer
        .commit(6, &bank_audit("outcome.batch_submit", "outcome_batch"))
        .await
        .unwrap();
    assert_eq!(
        batch,
        BatchRecord {
            id,
            provider: InstitutionId::new(1),
            submitted_by: Some(staff),
            submitted_at: T0,
            file_name: "2025年秋季学习成果.csv".into(),
            all_or_nothing: false,
            rows_total: 6,
            rows_stored: 3,
        }
    );
    assert_eq!(store.get_batch(id).await.unwrap(), batch);
    for outcome in [b2, b3, b4] {
        assert_eq!(store.get_outcome(outcome).await.unwrap().batch, Some(id));
    }
    assert_eq!(store.get_outcome(earlier).await.unwrap().batch, None);
    let b2_record = store.get_outcome(b2).await.unwrap();
    assert_eq!(b2_record.status, OutcomeStatus::Recognised);
    assert_eq!(b2_record.grant, Some(calligraphy_grant()));
    assert_eq!(
        store.get_outcome(b3).await.unwrap().status,
        OutcomeStatus::InReview
    );
    let decisions = store.list_learner_decisions(learner).await.unwrap();
    assert_eq!(decisions.len(), 1, "{decisions:?}");
    assert_eq!(decisions[0].outcome, b2);
    let entries = audit_entries(store, "outcome.batch_submit").await;
    assert_eq!(entries.total, 1);
    assert_eq!(entries.items[0].subject_id, id.to_string());
    assert!(matches!(
        store.get_batch(BatchId::new(id.get() + 100)).await,
        Err(StoreError::NotFound { .. })
    ));
}

/// A committed batch waits for its follow-up (points, credentials) until it is recorded as
/// done; its recognised outcomes are listed a page at a time, in id order.
pub async fn a_committed_batch_awaits_its_follow_up_until_recorded(store: &dyn Store) {
    let (specification, learner) = outcome_setup(store).await;
    let mut writer = store.begin_batch(&upload(1, None)).await.unwrap();
    let id = writer.id();
    let mut rows: Vec<NewOutcome> = (0..5)
        .map(|n| new_outcome(learner, 1, &format!("F-{n}"), T0))
        .collect();
    for n in [0, 2, 3] {
        rows[n].automatic = Some(automatic(specification));
    }
    let written = writer.write(&rows).await.unwrap();
    writer
        .commit(5, &bank_audit("outcome.batch_submit", "outcome_batch"))
        .await
        .unwrap();
    assert_eq!(store.batches_awaiting_follow_up().await.unwrap(), vec![id]);
    let recognised: Vec<(LearnerId, OutcomeId)> = [0, 2, 3]
        .into_iter()
        .map(|n| (learner, stored(written[n])))
        .collect();
    assert_eq!(
        store.batch_recognised(id, None, 100).await.unwrap(),
        recognised
    );
    assert_eq!(
        store.batch_recognised(id, None, 2).await.unwrap(),
        recognised[..2]
    );
    assert_eq!(
        store
            .batch_recognised(id, Some(recognised[1].1), 2)
            .await
            .unwrap(),
        recognised[2..]
    );
    assert_eq!(
        store
            .batch_recognised(BatchId::new(id.get() + 100), None, 10)
            .await
            .unwrap(),
        vec![]
    );
    store.record_batch_follow_up(id, T0).await.unwrap();
    store.record_batch_follow_up(id, T0).await.unwrap();
    assert_eq!(store.batches_awaiting_follow_up().await.unwrap(), vec![]);
    assert!(matches!(
        store
            .record_batch_follow_up(BatchId::new(id.get() + 100), T0)
            .await,
        Err(StoreError::NotFound { .. })
    ));
}

/// Thousands of rows in one call (more than one INSERT statement holds on SQLite): every row is
/// answered in order with the id its external id is stored under.
pub async fn a_large_batch_answers_every_row_in_order(store: &dyn Store) {
    let (specification, learner) = outcome_setup(store).await;
    let row = |n: usize| {
        let mut outcome = new_outcome(learner, 1, &format!("L-{n:05}"), T0);
        if n.is_multiple_of(3) {
            outcome.automatic = Some(automatic(specification));
        }
        outcome
    };
    let mut writer = store.begin_batch(&upload(1, None)).await.unwrap();
    let first_rows: Vec<NewOutcome> = (0..3_000).map(row).collect();
    let first = writer.write(&first_rows).await.unwrap();
    assert_eq!(first.len(), 3_000);
    assert!(first.iter().all(|w| matches!(w, Written::Stored(_))));
    // Half of the second call was written by the first: repeats within the batch.
    let second_rows: Vec<NewOutcome> = (1_500..4_500).map(row).collect();
    let second = writer.write(&second_rows).await.unwrap();
    assert_eq!(second.len(), 3_000);
    assert_eq!(
        second[..1_500],
        first[1_500..]
            .iter()
            .map(|w| Written::RepeatedInBatch(w.id()))
            .collect::<Vec<_>>()[..]
    );
    assert!(
        second[1_500..]
            .iter()
            .all(|w| matches!(w, Written::Stored(_)))
    );
    let batch = writer
        .commit(6_000, &bank_audit("outcome.batch_submit", "outcome_batch"))
        .await
        .unwrap();
    assert_eq!((batch.rows_total, batch.rows_stored), (6_000, 4_500));

    let external_ids: Vec<String> = (0..4_500).map(|n| format!("L-{n:05}")).collect();
    let held: std::collections::HashMap<String, OutcomeId> = store
        .find_outcomes_by_external_id(InstitutionId::new(1), &external_ids)
        .await
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(held.len(), 4_500);
    for (rows, written) in [(&first_rows, &first), (&second_rows, &second)] {
        for (row, written) in rows.iter().zip(written.iter()) {
            assert_eq!(held[&row.external_id], written.id(), "{}", row.external_id);
        }
    }
    let distinct: std::collections::HashSet<OutcomeId> = held.values().copied().collect();
    assert_eq!(distinct.len(), 4_500);
    let decisions = store.list_learner_decisions(learner).await.unwrap();
    assert_eq!(decisions.len(), 1_500, "one decision per recognised row");
    let some_recognised = held["L-04299"];
    assert_eq!(
        store.get_outcome(some_recognised).await.unwrap().grant,
        Some(calligraphy_grant())
    );
    assert_eq!(
        store.list_decisions(some_recognised).await.unwrap().len(),
        1
    );
    assert_eq!(
        store
            .review_queue(&ReviewFilter::default(), PageRequest::new(0, 1))
            .await
            .unwrap()
            .total,
        3_000
    );
}

/// A row of another provider than the batch's refuses the whole call before anything of it is
/// written.
pub async fn a_batch_row_of_another_provider_is_invalid_and_writes_nothing(store: &dyn Store) {
    load_fixture_city(store).await;
    let learner = bank_learner(store, 1).await;
    let mut writer = store.begin_batch(&upload(1, None)).await.unwrap();
    let error = writer
        .write(&[
            new_outcome(learner, 1, "X-1", T0),
            new_outcome(learner, 2, "X-2", T0),
        ])
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            StoreError::Invalid {
                field: "provider",
                ..
            }
        ),
        "{error:?}"
    );
    let batch = writer
        .commit(2, &bank_audit("outcome.batch_submit", "outcome_batch"))
        .await
        .unwrap();
    assert_eq!(batch.rows_stored, 0);
    for provider in [1, 2] {
        assert!(
            store
                .find_outcomes_by_external_id(
                    InstitutionId::new(provider),
                    &["X-1".into(), "X-2".into()]
                )
                .await
                .unwrap()
                .is_empty()
        );
    }
    assert!(
        store
            .list_learner_outcomes(learner)
            .await
            .unwrap()
            .is_empty()
    );
}

/// A commit whose total cannot be stored is `Invalid { field: "rows_total" }` and keeps nothing
/// of the batch: not the batch, its outcomes or their decisions, nor an audit entry; the store
/// takes writes again afterwards.
pub async fn a_refused_batch_commit_stores_nothing(store: &dyn Store) {
    let (specification, learner) = outcome_setup(store).await;
    let mut recognised = new_outcome(learner, 1, "C-2", T0);
    recognised.automatic = Some(automatic(specification));
    let mut writer = store.begin_batch(&upload(1, None)).await.unwrap();
    let batch = writer.id();
    writer
        .write(&[new_outcome(learner, 1, "C-1", T0), recognised])
        .await
        .unwrap();
    let error = writer
        .commit(
            u64::MAX,
            &bank_audit("outcome.batch_submit", "outcome_batch"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            StoreError::Invalid {
                field: "rows_total",
                ..
            }
        ),
        "{error:?}"
    );

    assert!(matches!(
        store.get_batch(batch).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(
        store
            .list_learner_outcomes(learner)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .list_learner_decisions(learner)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(audit_count(store, "outcome.batch_submit").await, 0);
    let id = submit_new_outcome(store, &new_outcome(learner, 1, "C-1", T0)).await;
    assert_eq!(store.get_outcome(id).await.unwrap().batch, None);
}

/// A batch's total counts every row it held, so it is never below the rows stored: such a
/// total is `Invalid { field: "rows_total" }` and the refused batch keeps nothing.
pub async fn a_batch_total_below_the_rows_stored_is_invalid_and_keeps_nothing(store: &dyn Store) {
    let (_, learner) = outcome_setup(store).await;
    let mut writer = store.begin_batch(&upload(1, None)).await.unwrap();
    let batch = writer.id();
    let written = writer
        .write(&[
            new_outcome(learner, 1, "T-1", T0),
            new_outcome(learner, 1, "T-2", T0),
        ])
        .await
        .unwrap();
    assert_eq!(written.len(), 2);
    let error = writer
        .commit(1, &bank_audit("outcome.batch_submit", "outcome_batch"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            StoreError::Invalid {
                field: "rows_total",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(matches!(
        store.get_batch(batch).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(
        store
            .list_learner_outcomes(learner)
            .await
            .unwrap()
            .is_empty()
    );
}

/// The external ids of one write must differ: a call naming one twice is
/// `Invalid { field: "external_id" }`, keeps nothing, and leaves the upload usable.
pub async fn an_external_id_twice_in_one_call_is_refused_whole(store: &dyn Store) {
    let (_, learner) = outcome_setup(store).await;
    let mut writer = store.begin_batch(&upload(1, None)).await.unwrap();
    let error = writer
        .write(&[
            new_outcome(learner, 1, "D-1", T0),
            new_outcome(learner, 1, "D-2", T0),
            new_outcome(learner, 1, "D-1", T0),
        ])
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            StoreError::Invalid {
                field: "external_id",
                ..
            }
        ),
        "{error:?}"
    );
    let written = writer
        .write(&[new_outcome(learner, 1, "D-2", T0)])
        .await
        .unwrap();
    assert!(matches!(written[..], [Written::Stored(_)]), "{written:?}");
    let batch = writer
        .commit(3, &bank_audit("outcome.batch_submit", "outcome_batch"))
        .await
        .unwrap();
    assert_eq!(batch.rows_stored, 1, "nothing of the refused call is kept");
    let external_ids: Vec<String> = store
        .list_learner_outcomes(learner)
        .await
        .unwrap()
        .into_iter()
        .map(|outcome| outcome.external_id)
        .collect();
    assert_eq!(external_ids, ["D-2"]);
}

/// A write that fails in the database (here: a learner that does not exist) may have written
/// part of its rows, so the batch refuses further writes and its commit with `Conflict`, and
/// nothing of it is kept; the store takes writes again afterwards.
pub async fn a_batch_that_failed_in_the_database_refuses_more_and_keeps_nothing(store: &dyn Store) {
    let (_, learner) = outcome_setup(store).await;
    let mut writer = store.begin_batch(&upload(1, None)).await.unwrap();
    let batch = writer.id();
    writer
        .write(&[new_outcome(learner, 1, "F-1", T0)])
        .await
        .unwrap();
    let missing = LearnerId::new(learner.get() + 1_000_000);
    writer
        .write(&[
            new_outcome(learner, 1, "F-2", T0),
            new_outcome(missing, 1, "F-3", T0),
        ])
        .await
        .unwrap_err();
    let again = writer
        .write(&[new_outcome(learner, 1, "F-4", T0)])
        .await
        .unwrap_err();
    assert!(
        matches!(again, StoreError::Conflict { field: "batch" }),
        "{again:?}"
    );
    let commit = writer
        .commit(4, &bank_audit("outcome.batch_submit", "outcome_batch"))
        .await
        .unwrap_err();
    assert!(
        matches!(commit, StoreError::Conflict { field: "batch" }),
        "{commit:?}"
    );
    assert!(matches!(
        store.get_batch(batch).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(
        store
            .list_learner_outcomes(learner)
            .await
            .unwrap()
            .is_empty()
    );
    let id = submit_new_outcome(store, &new_outcome(learner, 1, "F-1", T0)).await;
    assert_eq!(store.get_outcome(id).await.unwrap().batch, None);
}

/// Upload matching: learners found by the keyed hashes of their ID numbers and by their ids,
/// unknown ones left out, in calls far larger than one statement's bound values.
pub async fn learners_are_matched_by_lookups_and_ids(store: &dyn Store) {
    load_fixture_city(store).await;
    let first = bank_learner(store, 1).await;
    bank_learner(store, 2).await;
    let third = bank_learner(store, 3).await;
    let mut lookups: Vec<Vec<u8>> = (0..35_000u32)
        .map(|n| {
            let mut lookup = vec![0xEE; 32];
            lookup[..4].copy_from_slice(&n.to_be_bytes());
            lookup
        })
        .collect();
    lookups.insert(17_000, vec![3; 32]);
    lookups.push(vec![1; 32]);
    lookups.push(vec![9; 32]);
    let mut found = store.find_learners_by_national_ids(&lookups).await.unwrap();
    found.sort();
    assert_eq!(found, vec![(vec![1; 32], first), (vec![3; 32], third)]);
    let mut ids: Vec<LearnerId> = (0..35_000).map(|n| LearnerId::new(1_000_000 + n)).collect();
    ids.insert(20_000, third);
    ids.push(first);
    let mut existing = store.existing_learners(&ids).await.unwrap();
    existing.sort();
    assert_eq!(existing, vec![first, third]);
    assert!(
        store
            .find_learners_by_national_ids(&[])
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.existing_learners(&[]).await.unwrap().is_empty());
}

/// The generator's bulk loads: outcomes and decisions read back as loaded, and after
/// `finish_load` new outcomes and decisions get ids after the loaded ones.
pub async fn bulk_loaded_outcomes_and_decisions_round_trip_and_new_ids_follow(store: &dyn Store) {
    let (specification, learner) = outcome_setup(store).await;
    let staff = reviewer(store, "bank.reviewer").await;
    let loaded = |id: i64, status: OutcomeStatus, grant: Option<Grant>| OutcomeRecord {
        id: OutcomeId::new(id),
        learner,
        external_id: format!("G-{id}"),
        submitted: calligraphy_outcome(1),
        status,
        grant,
        submitted_at: T0,
        submitted_by: Some(staff),
        batch: None,
    };
    let outcomes = vec![
        loaded(100, OutcomeStatus::Recognised, Some(calligraphy_grant())),
        loaded(102, OutcomeStatus::InReview, None),
        loaded(
            104,
            OutcomeStatus::Recognised,
            Some(Grant {
                valid_until: None,
                ..calligraphy_grant()
            }),
        ),
        loaded(106, OutcomeStatus::Rejected, None),
    ];
    store.load_outcomes(&outcomes).await.unwrap();
    let decisions = vec![
        DecisionRecord {
            id: DecisionId::new(50),
            outcome: OutcomeId::new(100),
            decided_at: T0,
            basis: DecisionBasis::Specification {
                specification,
                version: Version::FIRST,
            },
            grant: Some(calligraphy_grant()),
            reason: "generated".into(),
        },
        DecisionRecord {
            id: DecisionId::new(52),
            outcome: OutcomeId::new(104),
            decided_at: T0 + time::Duration::hours(1),
            basis: DecisionBasis::Reviewer {
                reviewer: staff,
                specification: Some((specification, Version::FIRST)),
            },
            grant: Some(Grant {
                valid_until: None,
                ..calligraphy_grant()
            }),
            reason: "generated".into(),
        },
        DecisionRecord {
            id: DecisionId::new(54),
            outcome: OutcomeId::new(106),
            decided_at: T0 + time::Duration::hours(2),
            basis: DecisionBasis::Reviewer {
                reviewer: staff,
                specification: None,
            },
            grant: None,
            reason: "generated".into(),
        },
    ];
    store.load_decisions(&decisions).await.unwrap();
    store.finish_load().await.unwrap();

    for outcome in &outcomes {
        assert_eq!(&store.get_outcome(outcome.id).await.unwrap(), outcome);
    }
    assert_eq!(
        store.list_learner_outcomes(learner).await.unwrap(),
        outcomes
    );
    assert_eq!(
        store.list_decisions(OutcomeId::new(104)).await.unwrap(),
        vec![decisions[1].clone()]
    );
    assert_eq!(
        store.list_learner_decisions(learner).await.unwrap(),
        decisions
    );

    let new = submit_new_outcome(store, &new_outcome(learner, 1, "G-NEW", T0)).await;
    assert!(
        new.get() > 106,
        "new outcome {new} must come after the loaded ones"
    );
    let decision = store
        .record_decision(
            &NewDecision {
                outcome: OutcomeId::new(102),
                decided_at: T0 + time::Duration::days(1),
                basis: DecisionBasis::Reviewer {
                    reviewer: staff,
                    specification: None,
                },
                grant: None,
                reason: "证据不足".into(),
            },
            &AuditEvent::new(Actor::User(staff), "outcome.decide", "outcome", "pending"),
        )
        .await
        .unwrap();
    assert!(
        decision.get() > 54,
        "new decision {decision} must come after the loaded ones"
    );
}

// ---- conversion into programmes -----------------------------------------------------------------

/// The open university's dual-system programme of `institution`, accepting up to 30 credits.
fn dual_system(institution: i64, code: &str) -> NewProgramme {
    NewProgramme {
        institution: InstitutionId::new(institution),
        code: code.into(),
        name: "开放大学双元制 · 社区教育管理".into(),
        max_credits: Credits::whole(30).unwrap(),
    }
}

async fn create_dual_system(store: &dyn Store, code: &str) -> ProgrammeId {
    store
        .create_programme(
            &dual_system(1, code),
            &bank_audit("programme.create", "programme"),
        )
        .await
        .unwrap()
}

/// A rule body as the use cases write one: nested, with Chinese text, a fraction and a null.
fn rule_body(credits: &str) -> serde_json::Value {
    serde_json::json!({
        "kind": "elective",
        "title": "社区书法实践 → 选修学分",
        "accepts": [{"category": "culture_and_leisure", "min_level": 2}],
        "credits": credits,
        "weight": 0.75,
        "cap": null,
    })
}

async fn publish_rule(store: &dyn Store, programme: ProgrammeId, code: &str) -> ConversionRuleId {
    let (id, version) = store
        .publish_conversion_rule(
            &RuleTarget::New {
                programme,
                code: code.into(),
            },
            &rule_body("2"),
            T0,
            None,
            &bank_audit("rule.publish", "rule"),
        )
        .await
        .unwrap();
    assert_eq!(version, Version::FIRST);
    id
}

fn proposal_line(
    rule: ConversionRuleId,
    outcomes: &[i64],
    course: &str,
    credits: &str,
) -> NewApplicationLine {
    NewApplicationLine {
        rule,
        rule_version: Version::FIRST,
        outcomes: outcomes.iter().copied().map(OutcomeId::new).collect(),
        grant: serde_json::json!({"exempt_course": course, "note": "免修"}),
        credits: Credits::parse(credits).unwrap(),
    }
}

/// An application of `learner` to `programme` with three lines of `rule`: 2 + 1.5 + 3 credits.
fn application_for(
    learner: LearnerId,
    programme: ProgrammeId,
    rule: ConversionRuleId,
    applied_at: OffsetDateTime,
) -> NewApplication {
    NewApplication {
        learner,
        programme,
        applied_at,
        made_on: applied_at.date(),
        proposal: serde_json::json!({
            "lines": 3,
            "misses": [{"rule": "OU-R-09", "reason": "等级不足", "needed": 3.5}],
            "unused_outcomes": [17],
            "excluded": null,
        }),
        proposed_credits: Credits::parse("6.5").unwrap(),
        lines: vec![
            proposal_line(rule, &[11, 12], "ENG101", "2"),
            proposal_line(rule, &[13], "ART110", "1.5"),
            proposal_line(rule, &[14, 15, 16], "MGT201", "3"),
        ],
    }
}

/// What `new`, stored under `id` and not decided yet, reads back as.
fn as_stored(id: ApplicationId, new: &NewApplication) -> ApplicationRecord {
    ApplicationRecord {
        id,
        learner: new.learner,
        programme: new.programme,
        status: ApplicationStatus::Proposed,
        applied_at: new.applied_at,
        made_on: new.made_on,
        proposal: new.proposal.clone(),
        proposed_credits: new.proposed_credits,
        decided_at: None,
        decided_by: None,
        approved_credits: None,
        decision_reason: None,
        lines: new
            .lines
            .iter()
            .zip(1..)
            .map(|(line, line_no)| ApplicationLine {
                line_no,
                rule: line.rule,
                rule_version: line.rule_version,
                outcomes: line.outcomes.clone(),
                grant: line.grant.clone(),
                credits: line.credits,
                kept: None,
            })
            .collect(),
    }
}

fn application_audit() -> AuditEvent {
    bank_audit("application.create", "application")
}

fn decision_audit(staff: UserId) -> AuditEvent {
    AuditEvent::new(
        Actor::User(staff),
        "application.decide",
        "application",
        "pending",
    )
}

fn rejection(application: ApplicationId, staff: UserId) -> ApplicationDecision {
    ApplicationDecision {
        application,
        decided_at: T0 + time::Duration::days(3),
        decided_by: staff,
        approve: false,
        kept_lines: Vec::new(),
        reason: "证据不足：请补充结业证书".into(),
    }
}

fn approval(application: ApplicationId, staff: UserId, kept_lines: &[u32]) -> ApplicationDecision {
    ApplicationDecision {
        approve: true,
        kept_lines: kept_lines.to_vec(),
        reason: "同意转换".into(),
        ..rejection(application, staff)
    }
}

/// Stores `new`, which must be accepted.
async fn apply(store: &dyn Store, new: &NewApplication) -> ApplicationId {
    store
        .create_application(new, &application_audit())
        .await
        .unwrap()
}

/// Records `decision` (audited as its staff member's), which must be accepted.
async fn decide(store: &dyn Store, decision: &ApplicationDecision) {
    store
        .decide_application(decision, &decision_audit(decision.decided_by))
        .await
        .unwrap();
}

/// A programme and one rule of it, with a learner who applies.
async fn conversion_setup(store: &dyn Store) -> (ProgrammeId, ConversionRuleId, LearnerId) {
    load_fixture_city(store).await;
    let programme = create_dual_system(store, "OU-DUAL-01").await;
    let rule = publish_rule(store, programme, "OU-R-01").await;
    let learner = bank_learner(store, 1).await;
    (programme, rule, learner)
}

/// An institution's programme codes are unique (another institution may use the same code);
/// programmes are listed by id and read back as written, each creation audited with its id.
pub async fn programmes_are_created_once_per_code_and_listed(store: &dyn Store) {
    load_fixture_city(store).await;
    let audit = bank_audit("programme.create", "programme");
    let first = store
        .create_programme(&dual_system(1, "OU-DUAL-01"), &audit)
        .await
        .unwrap();
    let fractional = NewProgramme {
        max_credits: Credits::parse("12.5").unwrap(),
        ..dual_system(2, "OU-DUAL-01")
    };
    let second = store.create_programme(&fractional, &audit).await.unwrap();
    assert_ne!(first, second);
    let renamed = NewProgramme {
        name: "另一个名字".into(),
        ..dual_system(1, "OU-DUAL-01")
    };
    let taken = store.create_programme(&renamed, &audit).await.unwrap_err();
    assert!(
        matches!(taken, StoreError::Conflict { field: "code" }),
        "{taken:?}"
    );

    let record = |id, new: &NewProgramme| ProgrammeRecord {
        id,
        institution: new.institution,
        code: new.code.clone(),
        name: new.name.clone(),
        max_credits: new.max_credits,
    };
    let mut expected = vec![
        record(first, &dual_system(1, "OU-DUAL-01")),
        record(second, &fractional),
    ];
    expected.sort_by_key(|programme| programme.id);
    assert_eq!(store.list_programmes().await.unwrap(), expected);
    assert_eq!(
        store.get_programme(second).await.unwrap(),
        record(second, &fractional)
    );
    let unknown = ProgrammeId::new(first.get().max(second.get()) + 100);
    let missing = store.get_programme(unknown).await.unwrap_err();
    assert!(
        matches!(missing, StoreError::NotFound { what: "programme" }),
        "{missing:?}"
    );
    let (total, subjects) = audited_subjects(store, "programme.create").await;
    assert_eq!(total, 2, "a refused creation is not audited");
    assert_eq!(subjects, [second.to_string(), first.to_string()]);
}

/// Publishing makes the next version of a rule and leaves the earlier ones as they were, bodies
/// read back exactly; a programme's rule codes are unique; an unknown programme or rule is
/// `NotFound`; each publication is audited with the rule's id.
pub async fn conversion_rules_are_versioned_and_old_versions_never_change(store: &dyn Store) {
    load_fixture_city(store).await;
    let programme = create_dual_system(store, "OU-DUAL-01").await;
    let second_programme = create_dual_system(store, "OU-DUAL-02").await;
    let publisher = reviewer(store, "bank.staff").await;
    let audit = bank_audit("rule.publish", "rule");
    let new = RuleTarget::New {
        programme,
        code: "OU-R-01".into(),
    };
    let (rule, first) = store
        .publish_conversion_rule(&new, &rule_body("2"), T0, Some(publisher), &audit)
        .await
        .unwrap();
    assert_eq!(first.get(), 1);
    let next_day = T0 + time::Duration::days(1);
    let (same, second) = store
        .publish_conversion_rule(
            &RuleTarget::Existing(rule),
            &rule_body("2.5"),
            next_day,
            None,
            &audit,
        )
        .await
        .unwrap();
    assert_eq!(same, rule);
    assert_eq!(second.get(), 2);
    // The same code is free for another programme; any JSON is kept whole.
    let odd_body = serde_json::json!([1, "二", {"三": [true, null, 4.5, -0.125]}, {}]);
    let (elsewhere, elsewhere_version) = store
        .publish_conversion_rule(
            &RuleTarget::New {
                programme: second_programme,
                code: "OU-R-01".into(),
            },
            &odd_body,
            T0,
            None,
            &audit,
        )
        .await
        .unwrap();
    assert_ne!(elsewhere, rule);
    assert_eq!(elsewhere_version, Version::FIRST);

    let taken = store
        .publish_conversion_rule(&new, &rule_body("9"), T0, None, &audit)
        .await
        .unwrap_err();
    assert!(
        matches!(taken, StoreError::Conflict { field: "code" }),
        "{taken:?}"
    );
    let unknown_programme = RuleTarget::New {
        programme: ProgrammeId::new(programme.get().max(second_programme.get()) + 100),
        code: "OU-R-09".into(),
    };
    let missing = store
        .publish_conversion_rule(&unknown_programme, &rule_body("9"), T0, None, &audit)
        .await
        .unwrap_err();
    assert!(
        matches!(missing, StoreError::NotFound { what: "programme" }),
        "{missing:?}"
    );
    let unknown_rule =
        RuleTarget::Existing(ConversionRuleId::new(rule.get().max(elsewhere.get()) + 100));
    let missing = store
        .publish_conversion_rule(&unknown_rule, &rule_body("9"), T0, None, &audit)
        .await
        .unwrap_err();
    assert!(
        matches!(missing, StoreError::NotFound { what: "rule" }),
        "{missing:?}"
    );

    let version = |id, programme, number, body: serde_json::Value, at, by| ConversionRuleVersion {
        id,
        programme,
        code: "OU-R-01".into(),
        version: Version::new(number).unwrap(),
        body,
        published_at: at,
        published_by: by,
    };
    let mut expected = vec![
        version(rule, programme, 1, rule_body("2"), T0, Some(publisher)),
        version(rule, programme, 2, rule_body("2.5"), next_day, None),
        version(elsewhere, second_programme, 1, odd_body, T0, None),
    ];
    expected.sort_by_key(|v| (v.id, v.version));
    assert_eq!(
        store.list_conversion_rule_versions().await.unwrap(),
        expected,
        "version 1 still says what it said when version 2 was published; by rule, then version"
    );
    let (total, subjects) = audited_subjects(store, "rule.publish").await;
    assert_eq!(total, 3, "refused publications are not audited");
    assert_eq!(
        subjects,
        [elsewhere.to_string(), rule.to_string(), rule.to_string()]
    );
}

/// Each non-formal kind's rule and the grade mapping count their own versions from 1; a
/// publication of several kinds is one transaction with one audit entry; earlier versions read
/// back as they were, with who published them; bodies are kept whole.
pub async fn general_rules_are_versioned_per_kind_and_old_versions_never_change(store: &dyn Store) {
    assert!(
        store
            .list_nonformal_rule_versions()
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .list_grade_mapping_versions()
            .await
            .unwrap()
            .is_empty()
    );
    let publisher = reviewer(store, "bank.staff").await;
    let audit = bank_audit("general_rules.publish", "general_rules");
    let body = |hours: u32| serde_json::json!({"hours_per_credit": hours, "step": "0.5"});
    let first = store
        .publish_nonformal_rules(
            &[
                ("community_course".into(), body(16)),
                ("mooc".into(), body(20)),
            ],
            T0,
            Some(publisher),
            &audit,
        )
        .await
        .unwrap();
    assert_eq!(first, [Version::FIRST, Version::FIRST]);
    let next_day = T0 + time::Duration::days(1);
    let second = store
        .publish_nonformal_rules(
            &[
                ("community_course".into(), body(18)),
                ("venue_learning".into(), serde_json::Value::Null),
            ],
            next_day,
            None,
            &audit,
        )
        .await
        .unwrap();
    assert_eq!(second, [Version::new(2).unwrap(), Version::FIRST]);
    let version = |kind: &str, number, body, at, by: Option<UserId>| GeneralRuleVersion {
        kind: Some(kind.into()),
        version: Version::new(number).unwrap(),
        body,
        published_at: at,
        published_by: by,
        publisher: by.map(|_| "bank.staff".to_owned()),
    };
    assert_eq!(
        store.list_nonformal_rule_versions().await.unwrap(),
        [
            version("community_course", 1, body(16), T0, Some(publisher)),
            version("community_course", 2, body(18), next_day, None),
            version("mooc", 1, body(20), T0, Some(publisher)),
            version("venue_learning", 1, serde_json::Value::Null, next_day, None),
        ],
        "by kind, then version; version 1 still says what it said"
    );
    assert_eq!(audit_count(store, "general_rules.publish").await, 2);

    let mapping = |levels: [u8; 5]| serde_json::json!(levels);
    let audit = bank_audit("grade_mapping.publish", "grade_mapping");
    let one = store
        .publish_grade_mapping(&mapping([2, 3, 4, 5, 6]), T0, Some(publisher), &audit)
        .await
        .unwrap();
    let two = store
        .publish_grade_mapping(&mapping([2, 3, 4, 5, 5]), next_day, None, &audit)
        .await
        .unwrap();
    assert_eq!((one.get(), two.get()), (1, 2));
    let versions = store.list_grade_mapping_versions().await.unwrap();
    assert_eq!(
        versions,
        [
            GeneralRuleVersion {
                kind: None,
                version: one,
                body: mapping([2, 3, 4, 5, 6]),
                published_at: T0,
                published_by: Some(publisher),
                publisher: Some("bank.staff".into()),
            },
            GeneralRuleVersion {
                kind: None,
                version: two,
                body: mapping([2, 3, 4, 5, 5]),
                published_at: next_day,
                published_by: None,
                publisher: None,
            },
        ]
    );
    let (total, subjects) = audited_subjects(store, "grade_mapping.publish").await;
    assert_eq!(total, 2);
    assert_eq!(subjects, ["2", "1"], "each entry names its version");
}

/// A publication the database refuses (here: an unknown publisher, refused by the foreign key)
/// stores no version and no audit entry, and uses up no version number.
pub async fn a_refused_general_rule_publication_stores_nothing(store: &dyn Store) {
    let audit = bank_audit("general_rules.publish", "general_rules");
    let body = serde_json::json!({"hours_per_credit": 16});
    let nobody = Some(UserId::new(424_242));
    store
        .publish_nonformal_rules(&[("mooc".into(), body.clone())], T0, nobody, &audit)
        .await
        .unwrap_err();
    store
        .publish_grade_mapping(&body, T0, nobody, &audit)
        .await
        .unwrap_err();
    assert!(
        store
            .list_nonformal_rule_versions()
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .list_grade_mapping_versions()
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(audit_count(store, "general_rules.publish").await, 0);
    let valid = store
        .publish_nonformal_rules(&[("mooc".into(), body)], T0, None, &audit)
        .await
        .unwrap();
    assert_eq!(
        valid,
        [Version::FIRST],
        "a refused publication used no number"
    );
}

/// Accreditation decisions read back as recorded, in the order made, with who decided; each is
/// audited with its id; an unknown institution is `NotFound` and records nothing; a period that
/// ends before it begins is refused by the database.
pub async fn accreditation_decisions_round_trip_in_order_with_their_audit(store: &dyn Store) {
    load_fixture_city(store).await;
    let staff = reviewer(store, "bank.staff").await;
    let audit = bank_audit("accreditation.record", "institution");
    let decision = |accredited, from, until, by: Option<UserId>| NewAccreditation {
        provider: InstitutionId::new(1),
        accredited,
        from,
        until,
        decided_at: T0,
        decided_by: by,
        reason: "经审核符合准入标准".into(),
    };
    let grant = decision(
        true,
        date!(2024 - 01 - 01),
        Some(date!(2026 - 12 - 31)),
        Some(staff),
    );
    let withdrawal = decision(false, date!(2025 - 07 - 01), None, None);
    let first = store.record_accreditation(&grant, &audit).await.unwrap();
    let second = store
        .record_accreditation(&withdrawal, &audit)
        .await
        .unwrap();
    assert!(second > first);
    let unknown = NewAccreditation {
        provider: InstitutionId::new(9_999),
        ..grant.clone()
    };
    let missing = store
        .record_accreditation(&unknown, &audit)
        .await
        .unwrap_err();
    assert!(
        matches!(
            missing,
            StoreError::NotFound {
                what: "institution"
            }
        ),
        "{missing:?}"
    );
    let backwards = decision(
        true,
        date!(2024 - 01 - 02),
        Some(date!(2024 - 01 - 01)),
        None,
    );
    store
        .record_accreditation(&backwards, &audit)
        .await
        .unwrap_err();
    assert_eq!(
        store.list_accreditations().await.unwrap(),
        [
            AccreditationRecord {
                id: first,
                decision: grant,
                decider: Some("bank.staff".into()),
            },
            AccreditationRecord {
                id: second,
                decision: withdrawal,
                decider: None,
            },
        ]
    );
    let (total, subjects) = audited_subjects(store, "accreditation.record").await;
    assert_eq!(total, 2, "refused decisions are not audited");
    assert_eq!(subjects, [second.to_string(), first.to_string()]);
}

/// An application reads back with its proposal and numbered lines; a learner has one open
/// application per programme (a second is a `Conflict` that stores nothing), and may apply again
/// once the first is decided; a learner's applications are listed oldest first.
pub async fn an_application_round_trips_and_one_is_open_per_programme(store: &dyn Store) {
    let (programme, rule, learner) = conversion_setup(store).await;
    let other_learner = bank_learner(store, 2).await;
    let staff = reviewer(store, "bank.reviewer").await;
    let new = application_for(learner, programme, rule, T0);
    let id = apply(store, &new).await;
    assert_eq!(
        store.get_application(id).await.unwrap(),
        as_stored(id, &new)
    );

    let again = NewApplication {
        proposal: serde_json::json!({"lines": 1}),
        proposed_credits: Credits::whole(2).unwrap(),
        lines: vec![proposal_line(rule, &[11], "ENG101", "2")],
        ..application_for(learner, programme, rule, T0 + time::Duration::hours(1))
    };
    let open = store
        .create_application(&again, &application_audit())
        .await
        .unwrap_err();
    assert!(
        matches!(open, StoreError::Conflict { field: "programme" }),
        "{open:?}"
    );
    assert_eq!(
        store.list_learner_applications(learner).await.unwrap(),
        vec![as_stored(id, &new)],
        "the refused application stored nothing"
    );
    assert_eq!(audit_count(store, "application.create").await, 1);

    // Another learner for the same programme, and the same learner for another programme.
    apply(store, &application_for(other_learner, programme, rule, T0)).await;
    let second_programme = create_dual_system(store, "OU-DUAL-02").await;
    let second_rule = publish_rule(store, second_programme, "OU-R-01").await;
    let elsewhere_new = application_for(
        learner,
        second_programme,
        second_rule,
        T0 + time::Duration::hours(2),
    );
    let elsewhere = apply(store, &elsewhere_new).await;

    decide(store, &rejection(id, staff)).await;
    let renewed = apply(store, &again).await;
    let listed = store.list_learner_applications(learner).await.unwrap();
    assert_eq!(
        listed.iter().map(|a| a.id).collect::<Vec<_>>(),
        [id, renewed, elsewhere],
        "oldest first: applied at T0, T0 + 1 h, T0 + 2 h"
    );
    assert_eq!(listed[1], as_stored(renewed, &again));
    assert_eq!(listed[2], as_stored(elsewhere, &elsewhere_new));
    assert_eq!(listed[0].status, ApplicationStatus::Rejected);
    assert_eq!(audit_count(store, "application.create").await, 4);
    let entries = audit_entries(store, "application.create").await;
    assert_eq!(entries.items[0].subject_id, renewed.to_string());

    let unknown = ApplicationId::new(id.get().max(renewed.get()).max(elsewhere.get()) + 100);
    let missing = store.get_application(unknown).await.unwrap_err();
    assert!(
        matches!(
            missing,
            StoreError::NotFound {
                what: "application"
            }
        ),
        "{missing:?}"
    );
}

/// Approving keeps exactly the chosen lines, approves the sum of their credits and records the
/// decision with its audit entry; rejecting keeps no line (whatever `kept_lines` says) and
/// approves no credits.
pub async fn approving_keeps_the_chosen_lines_and_sums_their_credits(store: &dyn Store) {
    let (programme, rule, learner) = conversion_setup(store).await;
    let staff = reviewer(store, "bank.reviewer").await;
    let new = application_for(learner, programme, rule, T0);
    let id = apply(store, &new).await;
    let decision = ApplicationDecision {
        reason: "第2行课程已停开，其余同意".into(),
        ..approval(id, staff, &[3, 1])
    };
    decide(store, &decision).await;
    let mut expected = as_stored(id, &new);
    expected.status = ApplicationStatus::Approved;
    expected.decided_at = Some(decision.decided_at);
    expected.decided_by = Some(staff);
    expected.approved_credits = Some(Credits::whole(5).unwrap());
    expected.decision_reason = Some(decision.reason.clone());
    for (line, kept) in expected.lines.iter_mut().zip([true, false, true]) {
        line.kept = Some(kept);
    }
    assert_eq!(store.get_application(id).await.unwrap(), expected);
    let entries = audit_entries(store, "application.decide").await;
    assert_eq!(entries.total, 1);
    assert_eq!(entries.items[0].subject_id, id.to_string());
    assert_eq!(entries.items[0].actor, Actor::User(staff).label());

    let other_learner = bank_learner(store, 2).await;
    let other_new = application_for(other_learner, programme, rule, T0);
    let other = apply(store, &other_new).await;
    let refusal = ApplicationDecision {
        kept_lines: vec![1, 99],
        ..rejection(other, staff)
    };
    decide(store, &refusal).await;
    let mut expected = as_stored(other, &other_new);
    expected.status = ApplicationStatus::Rejected;
    expected.decided_at = Some(refusal.decided_at);
    expected.decided_by = Some(staff);
    expected.decision_reason = Some(refusal.reason.clone());
    for line in &mut expected.lines {
        line.kept = Some(false);
    }
    assert_eq!(store.get_application(other).await.unwrap(), expected);
    assert_eq!(audit_count(store, "application.decide").await, 2);
}

/// A decided application is no longer open: a second decision is a `Conflict` that changes
/// nothing and is not audited; an unknown application is `NotFound`.
pub async fn a_decided_application_never_changes_again(store: &dyn Store) {
    let (programme, rule, learner) = conversion_setup(store).await;
    let staff = reviewer(store, "bank.reviewer").await;
    let id = apply(store, &application_for(learner, programme, rule, T0)).await;
    decide(store, &approval(id, staff, &[1])).await;
    let decided = store.get_application(id).await.unwrap();
    for second in [rejection(id, staff), approval(id, staff, &[1, 2, 3])] {
        let conflict = store
            .decide_application(&second, &decision_audit(staff))
            .await
            .unwrap_err();
        assert!(
            matches!(conflict, StoreError::Conflict { field: "status" }),
            "{conflict:?}"
        );
    }
    assert_eq!(
        store.get_application(id).await.unwrap(),
        decided,
        "the first decision stands"
    );
    assert_eq!(audit_count(store, "application.decide").await, 1);
    let unknown = ApplicationId::new(id.get() + 100);
    let missing = store
        .decide_application(&rejection(unknown, staff), &decision_audit(staff))
        .await
        .unwrap_err();
    assert!(
        matches!(
            missing,
            StoreError::NotFound {
                what: "application"
            }
        ),
        "{missing:?}"
    );
    assert_eq!(audit_count(store, "application.decide").await, 1);
}

/// Keeping a line the application does not have is `Invalid { field: "lines" }` and leaves the
/// application open and unaudited; a correct decision afterwards still goes through.
pub async fn keeping_an_unknown_line_is_invalid_and_changes_nothing(store: &dyn Store) {
    let (programme, rule, learner) = conversion_setup(store).await;
    let staff = reviewer(store, "bank.reviewer").await;
    let new = application_for(learner, programme, rule, T0);
    let id = apply(store, &new).await;
    for kept_lines in [&[1, 4][..], &[0]] {
        let invalid = store
            .decide_application(&approval(id, staff, kept_lines), &decision_audit(staff))
            .await
            .unwrap_err();
        assert!(
            matches!(invalid, StoreError::Invalid { field: "lines", .. }),
            "{kept_lines:?}: {invalid:?}"
        );
    }
    assert_eq!(
        store.get_application(id).await.unwrap(),
        as_stored(id, &new)
    );
    assert_eq!(audit_count(store, "application.decide").await, 0);

    decide(store, &approval(id, staff, &[2])).await;
    let decided = store.get_application(id).await.unwrap();
    assert_eq!(decided.approved_credits, Credits::parse("1.5").ok());
    assert_eq!(
        decided.lines.iter().map(|l| l.kept).collect::<Vec<_>>(),
        [Some(false), Some(true), Some(false)]
    );
}

/// Keeping lines whose credits add up past [`Credits::MAX`] is `Invalid { field: "lines" }` and
/// leaves the application open and unaudited; keeping one of them still goes through.
pub async fn kept_lines_past_the_credit_maximum_are_invalid_and_change_nothing(store: &dyn Store) {
    let (programme, rule, learner) = conversion_setup(store).await;
    let staff = reviewer(store, "bank.reviewer").await;
    let at_most = |line: NewApplicationLine| NewApplicationLine {
        credits: Credits::MAX,
        ..line
    };
    let new = NewApplication {
        proposed_credits: Credits::MAX,
        lines: vec![
            at_most(proposal_line(rule, &[11], "ENG101", "1")),
            at_most(proposal_line(rule, &[12], "ART110", "1")),
        ],
        ..application_for(learner, programme, rule, T0)
    };
    let id = apply(store, &new).await;
    let invalid = store
        .decide_application(&approval(id, staff, &[1, 2]), &decision_audit(staff))
        .await
        .unwrap_err();
    assert!(
        matches!(invalid, StoreError::Invalid { field: "lines", .. }),
        "{invalid:?}"
    );
    assert_eq!(
        store.get_application(id).await.unwrap(),
        as_stored(id, &new)
    );
    assert_eq!(audit_count(store, "application.decide").await, 0);

    decide(store, &approval(id, staff, &[2])).await;
    let decided = store.get_application(id).await.unwrap();
    assert_eq!(decided.status, ApplicationStatus::Approved);
    assert_eq!(decided.approved_credits, Some(Credits::MAX));
}

/// The open applications are listed oldest first (then by id), paged, with their lines, and
/// without the decided ones.
pub async fn open_applications_are_listed_oldest_first_and_paged(store: &dyn Store) {
    let (programme, rule, _) = conversion_setup(store).await;
    let staff = reviewer(store, "bank.reviewer").await;
    let hour = time::Duration::hours(1);
    // Created in this order; applied at these times.
    let mut created = Vec::new();
    for (tag, applied_at) in [
        (11, T0 + hour * 3),
        (12, T0 + hour),
        (13, T0 + hour * 2),
        (14, T0),
        (15, T0 + hour),
    ] {
        let learner = bank_learner(store, tag).await;
        let new = application_for(learner, programme, rule, applied_at);
        let id = apply(store, &new).await;
        created.push((id, new));
    }
    // The oldest is decided, so it is no longer open.
    decide(store, &rejection(created[3].0, staff)).await;
    let expected = |index: usize| as_stored(created[index].0, &created[index].1);

    let first = store
        .list_open_applications(PageRequest::new(0, 2))
        .await
        .unwrap();
    assert_eq!(first.total, 4);
    assert_eq!(
        first.items,
        vec![expected(1), expected(4)],
        "T0 + 1 h twice (by id), with their lines"
    );
    let second = store
        .list_open_applications(PageRequest::new(2, 2))
        .await
        .unwrap();
    assert_eq!(second.total, 4);
    assert_eq!(second.items, vec![expected(2), expected(0)]);
    let past_the_end = store
        .list_open_applications(PageRequest::new(4, 2))
        .await
        .unwrap();
    assert_eq!((past_the_end.total, past_the_end.items.len()), (4, 0));
}

// ---- points spent and incentives --------------------------------------------------------------

fn ledger_entry(learner: LearnerId, at: OffsetDateTime, points: i64, source: &str) -> PointsEntry {
    PointsEntry {
        learner,
        at,
        day: at.date(),
        award: if points < 0 {
            "incentive"
        } else {
            "attendance"
        }
        .into(),
        points,
        source_kind: if points < 0 { "incentive" } else { "course" }.into(),
        source_id: source.into(),
    }
}

fn event_award(
    learner: LearnerId,
    day: time::Date,
    award: &str,
    points: i64,
    reference: &str,
) -> PointsEntry {
    PointsEntry {
        learner,
        at: T0,
        day,
        award: award.into(),
        points,
        source_kind: "event".into(),
        source_id: reference.into(),
    }
}

/// Many awards append in one call with one audit entry; an event reference a learner already
/// holds (from an earlier call, single or bulk) is skipped, so a repeated call appends nothing
/// and writes no audit entry, while the same reference for another learner is appended.
pub async fn bulk_awards_append_each_event_once(store: &dyn Store) {
    load_fixture_city(store).await;
    let ann = store
        .create_learner(
            &new_learner(7, "310101", Some(1)),
            &system("learner.create"),
        )
        .await
        .unwrap();
    let ben = store
        .create_learner(
            &new_learner(8, "310101", Some(2)),
            &system("learner.create"),
        )
        .await
        .unwrap();
    let day = T0.date();
    store
        .append_points(
            &event_award(ann, day, "recognised_outcome", 5, "outcome:1"),
            &system("points.award"),
        )
        .await
        .unwrap();
    // More rows than one multi-row INSERT holds on SQLite.
    let mut entries: Vec<PointsEntry> = (1..=1_200)
        .map(|n| event_award(ann, day, "recognised_outcome", 5, &format!("outcome:{n}")))
        .collect();
    entries.push(event_award(ben, day, "recognised_outcome", 5, "outcome:1"));
    let appended = store
        .append_points_many(&entries, &system("points.award_many"))
        .await
        .unwrap();
    assert_eq!(appended, 1_200, "outcome:1 of ann was held already");
    assert_eq!(store.points_balance(ann).await.unwrap(), 1_200 * 5);
    assert_eq!(store.points_balance(ben).await.unwrap(), 5);
    assert_eq!(audit_count(store, "points.award_many").await, 1);
    let again = store
        .append_points_many(&entries, &system("points.award_many"))
        .await
        .unwrap();
    assert_eq!(again, 0);
    assert_eq!(store.points_balance(ann).await.unwrap(), 1_200 * 5);
    assert_eq!(audit_count(store, "points.award_many").await, 1);
    let wanted = vec![
        (ann, "outcome:7".to_owned()),
        (ben, "outcome:7".to_owned()),
        (ben, "outcome:1".to_owned()),
    ];
    let mut held = store.points_sources_held(&wanted, "event").await.unwrap();
    held.sort();
    assert_eq!(
        held,
        vec![(ann, "outcome:7".to_owned()), (ben, "outcome:1".to_owned())]
    );
    assert!(
        store
            .points_sources_held(&wanted, "incentive")
            .await
            .unwrap()
            .is_empty()
    );
}

/// A bulk call holding a spending (or any row that is not a positive event award) is `Invalid`
/// and writes nothing, not even its valid rows.
pub async fn bulk_awards_refuse_non_awards_whole(store: &dyn Store) {
    load_fixture_city(store).await;
    let learner = store
        .create_learner(
            &new_learner(7, "310101", Some(1)),
            &system("learner.create"),
        )
        .await
        .unwrap();
    let day = T0.date();
    let entries = vec![
        event_award(learner, day, "attendance", 1, "a:1"),
        ledger_entry(learner, T0, -1, "priority"),
    ];
    let refused = store
        .append_points_many(&entries, &system("points.award_many"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            refused,
            StoreError::Invalid {
                field: "points",
                ..
            }
        ),
        "{refused:?}"
    );
    assert!(store.list_points(learner).await.unwrap().is_empty());
    assert_eq!(audit_count(store, "points.award_many").await, 0);
}

/// What a learner holds for one activity: on the day, and in the day's year (other years, other
/// activities and spending left out); learners holding nothing are not listed.
pub async fn points_held_sums_one_activity_by_day_and_year(store: &dyn Store) {
    load_fixture_city(store).await;
    let ann = store
        .create_learner(
            &new_learner(7, "310101", Some(1)),
            &system("learner.create"),
        )
        .await
        .unwrap();
    let ben = store
        .create_learner(
            &new_learner(8, "310101", Some(2)),
            &system("learner.create"),
        )
        .await
        .unwrap();
    let day = date!(2026 - 03 - 10);
    let earlier = date!(2026 - 01 - 02);
    let last_year = date!(2025 - 12 - 31);
    let entries = vec![
        event_award(ann, day, "attendance", 3, "a:1"),
        event_award(ann, day, "attendance", 2, "a:2"),
        event_award(ann, earlier, "attendance", 4, "a:3"),
        event_award(ann, last_year, "attendance", 100, "a:4"),
        event_award(ann, day, "check_in", 1, "c:1"),
    ];
    store
        .append_points_many(&entries, &system("points.award_many"))
        .await
        .unwrap();
    store
        .spend_points(
            &ledger_entry(ann, T0, -1, "priority"),
            &system("points.spend"),
        )
        .await
        .unwrap();
    let held = store
        .points_held(&[ann, ben], "attendance", day)
        .await
        .unwrap();
    assert_eq!(
        held,
        vec![PointsHeld {
            learner: ann,
            on_day: 5,
            in_year: 9
        }]
    );
    assert!(
        store
            .points_held(&[], "attendance", day)
            .await
            .unwrap()
            .is_empty()
    );
}

/// Each publication of the points policy is the next version, with its audit entry; every
/// version is kept as published, oldest first.
pub async fn points_policy_versions_are_numbered_kept_and_audited(store: &dyn Store) {
    load_fixture_city(store).await;
    assert!(
        store
            .list_points_policy_versions()
            .await
            .unwrap()
            .is_empty()
    );
    let first = serde_json::json!({"rules": [{"activity": "attendance", "points": 1}]});
    let second =
        serde_json::json!({"rules": [{"activity": "attendance", "points": 2, "daily_cap": 4}]});
    let one = store
        .publish_points_policy(&first, T0, None, &system("points_policy.publish"))
        .await
        .unwrap();
    let two = store
        .publish_points_policy(
            &second,
            T0 + time::Duration::hours(1),
            None,
            &system("points_policy.publish"),
        )
        .await
        .unwrap();
    assert_eq!((one.get(), two.get()), (1, 2));
    let versions = store.list_points_policy_versions().await.unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0].body, first);
    assert_eq!(versions[1].body, second);
    assert_eq!(versions[1].published_at, T0 + time::Duration::hours(1));
    assert_eq!(audit_count(store, "points_policy.publish").await, 2);
}

/// A spend is refused (`Conflict { field: "points" }`, nothing stored, nothing audited) when the
/// balance does not cover it, accepted when it does exactly, and `Invalid` unless negative.
pub async fn spending_points_never_overdraws(store: &dyn Store) {
    load_fixture_city(store).await;
    let learner = bank_learner(store, 1).await;
    let later = T0 + time::Duration::hours(1);
    store
        .append_points(
            &ledger_entry(learner, T0, 10, "HP-2026-01"),
            &system("points.append"),
        )
        .await
        .unwrap();
    let audit = bank_audit("points.spend", "points");

    let overdraw = store
        .spend_points(
            &ledger_entry(learner, later, -11, "enrolment_priority"),
            &audit,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(overdraw, StoreError::Conflict { field: "points" }),
        "{overdraw:?}"
    );
    assert_eq!(store.points_balance(learner).await.unwrap(), 10);
    assert_eq!(store.list_points(learner).await.unwrap().len(), 1);
    assert_eq!(audit_count(store, "points.spend").await, 0);

    let exact = ledger_entry(learner, later, -10, "enrolment_priority");
    let id = store.spend_points(&exact, &audit).await.unwrap();
    assert_eq!(store.points_balance(learner).await.unwrap(), 0);
    let entries = audit_entries(store, "points.spend").await;
    assert_eq!(entries.total, 1);
    assert_eq!(entries.items[0].subject_id, id.to_string());
    assert_eq!(
        store.list_points(learner).await.unwrap().last(),
        Some(&PointsRecord { id, entry: exact })
    );

    let empty = store
        .spend_points(&ledger_entry(learner, later, -1, "museum_ticket"), &audit)
        .await
        .unwrap_err();
    assert!(
        matches!(empty, StoreError::Conflict { field: "points" }),
        "{empty:?}"
    );
    for points in [0, 5] {
        let invalid = store
            .spend_points(&ledger_entry(learner, later, points, "x"), &audit)
            .await
            .unwrap_err();
        assert!(
            matches!(invalid, StoreError::Invalid { .. }),
            "{points}: {invalid:?}"
        );
    }
    assert_eq!(store.points_balance(learner).await.unwrap(), 0);
    assert_eq!(store.list_points(learner).await.unwrap().len(), 2);
    assert_eq!(audit_count(store, "points.spend").await, 1);
}

/// A learner's ledger is listed oldest first, then by id, every field as written, and only
/// theirs.
pub async fn the_points_ledger_lists_oldest_first(store: &dyn Store) {
    load_fixture_city(store).await;
    let learner = bank_learner(store, 1).await;
    let other = bank_learner(store, 2).await;
    let hour = time::Duration::hours(1);
    let day = time::Duration::days(1);
    let mut records = Vec::new();
    for entry in [
        ledger_entry(learner, T0 + day + hour * 2, 8, "a"),
        ledger_entry(learner, T0, 5, "b"),
        ledger_entry(learner, T0 + day + hour * 2, -3, "c"),
        ledger_entry(learner, T0 + hour, 2, "d"),
    ] {
        let id = if entry.points < 0 {
            store
                .spend_points(&entry, &bank_audit("points.spend", "points"))
                .await
                .unwrap()
        } else {
            store
                .append_points(&entry, &system("points.append"))
                .await
                .unwrap()
        };
        records.push(PointsRecord { id, entry });
    }
    let theirs = ledger_entry(other, T0, 1, "e");
    let theirs_id = store
        .append_points(&theirs, &system("points.append"))
        .await
        .unwrap();

    let listed = store.list_points(learner).await.unwrap();
    assert_eq!(
        listed,
        vec![
            records[1].clone(),
            records[3].clone(),
            records[0].clone(),
            records[2].clone(),
        ]
    );
    assert_eq!(
        store.list_points(other).await.unwrap(),
        vec![PointsRecord {
            id: theirs_id,
            entry: theirs,
        }]
    );
    assert_eq!(
        store
            .list_points(LearnerId::new(other.get().max(learner.get()) + 100))
            .await
            .unwrap(),
        Vec::new()
    );
}

/// Incentive codes are unique; incentives are listed by id as written, each creation audited
/// with its id; an incentive costs at least one point.
pub async fn incentives_are_created_once_per_code_and_listed(store: &dyn Store) {
    load_fixture_city(store).await;
    let audit = bank_audit("incentive.create", "incentive");
    let priority = NewIncentive {
        code: IncentiveCode::parse("enrolment_priority").unwrap(),
        name: "老年大学报名优先".into(),
        cost: Points::new(200).unwrap(),
        available_from: date!(2026 - 01 - 01),
        available_until: Some(date!(2026 - 06 - 30)),
    };
    let ticket = NewIncentive {
        code: IncentiveCode::parse("museum_ticket").unwrap(),
        name: "博物馆门票".into(),
        cost: Points::new(50).unwrap(),
        available_from: date!(2025 - 09 - 01),
        available_until: None,
    };
    let priority_id = store.create_incentive(&priority, &audit).await.unwrap();
    let ticket_id = store.create_incentive(&ticket, &audit).await.unwrap();
    assert_ne!(priority_id, ticket_id);
    let taken = store
        .create_incentive(
            &NewIncentive {
                name: "另一个名字".into(),
                ..priority.clone()
            },
            &audit,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(taken, StoreError::Conflict { field: "code" }),
        "{taken:?}"
    );
    let free = store
        .create_incentive(
            &NewIncentive {
                code: IncentiveCode::parse("free_tea").unwrap(),
                cost: Points::ZERO,
                ..ticket.clone()
            },
            &audit,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(free, StoreError::Invalid { field: "cost", .. }),
        "{free:?}"
    );

    let record = |id, new: &NewIncentive| IncentiveRecord {
        id,
        code: new.code.clone(),
        name: new.name.clone(),
        cost: new.cost,
        available_from: new.available_from,
        available_until: new.available_until,
    };
    let mut expected = vec![record(priority_id, &priority), record(ticket_id, &ticket)];
    expected.sort_by_key(|incentive| incentive.id);
    assert_eq!(store.list_incentives().await.unwrap(), expected);
    let (total, subjects) = audited_subjects(store, "incentive.create").await;
    assert_eq!(total, 2, "refused creations are not audited");
    assert_eq!(subjects, [ticket_id.to_string(), priority_id.to_string()]);
}

/// Ending an incentive sets its last day, audited with its id; a last day before its first day
/// or an unknown incentive is refused, writes nothing and audits nothing.
pub async fn an_incentive_ends_on_a_last_day_not_before_its_first(store: &dyn Store) {
    load_fixture_city(store).await;
    let create = bank_audit("incentive.create", "incentive");
    let end = bank_audit("incentive.end", "incentive");
    let ticket = NewIncentive {
        code: IncentiveCode::parse("museum_ticket").unwrap(),
        name: "博物馆门票".into(),
        cost: Points::new(50).unwrap(),
        available_from: date!(2025 - 09 - 01),
        available_until: None,
    };
    let id = store.create_incentive(&ticket, &create).await.unwrap();
    let before = store
        .end_incentive(id, date!(2025 - 08 - 31), &end)
        .await
        .unwrap_err();
    assert!(
        matches!(
            before,
            StoreError::Invalid {
                field: "available_until",
                ..
            }
        ),
        "{before:?}"
    );
    let unknown = store
        .end_incentive(
            IncentiveId::new(id.get() + 1000),
            date!(2026 - 01 - 01),
            &end,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(unknown, StoreError::NotFound { what: "incentive" }),
        "{unknown:?}"
    );
    assert_eq!(
        store.list_incentives().await.unwrap()[0].available_until,
        None
    );
    assert_eq!(audited_subjects(store, "incentive.end").await.0, 0);

    // The first day itself is a valid last day: offered for one day.
    store
        .end_incentive(id, date!(2025 - 09 - 01), &end)
        .await
        .unwrap();
    store
        .end_incentive(id, date!(2026 - 03 - 31), &end)
        .await
        .unwrap();
    let stored = &store.list_incentives().await.unwrap()[0];
    assert_eq!(stored.available_until, Some(date!(2026 - 03 - 31)));
    assert_eq!(stored.name, ticket.name, "only the last day changes");
    let (total, subjects) = audited_subjects(store, "incentive.end").await;
    assert_eq!(total, 2);
    assert_eq!(subjects[0], id.to_string());
}

// ---- erasure ------------------------------------------------------------------------------------

/// When the suite's erasures happen.
const ERASED_AT: OffsetDateTime = datetime!(2026-02-04 10:00 UTC);

/// What the suite calls an erased learner.
const ERASED_NAME: &str = "已注销学习者";

/// An erasure at [`ERASED_AT`] whose replacement look-up hash is `lookup` repeated.
fn erasure(lookup: u8) -> Erasure {
    Erasure {
        at: ERASED_AT,
        display_name: ERASED_NAME.into(),
        replacement_lookup: vec![lookup; 32],
    }
}

/// The erasure's audit event, with a subject the store must replace by the learner's id.
fn erasure_audit() -> AuditEvent {
    AuditEvent::new(
        Actor::User(UserId::new(1)),
        "learner.erase",
        "learner",
        "pending",
    )
    .with_detail(serde_json::json!({"kept": "learning records"}))
}

/// Erases `learner` by [`erasure`]`(201)`, which must be accepted.
async fn erase(store: &dyn Store, learner: LearnerId) {
    store
        .erase_learner(learner, &erasure(201), &erasure_audit())
        .await
        .unwrap();
}

/// The credit bank's side of the erasure checks: a specification, and a programme with a rule.
struct ErasureBank {
    specification: SpecificationId,
    programme: ProgrammeId,
    rule: ConversionRuleId,
}

async fn erasure_bank(store: &dyn Store) -> ErasureBank {
    load_fixture_city(store).await;
    let specification = publish_calligraphy(store).await;
    let programme = create_dual_system(store, "OU-DUAL-01").await;
    let rule = publish_rule(store, programme, "OU-R-01").await;
    ErasureBank {
        specification,
        programme,
        rule,
    }
}

/// A citizen registered with everything that identifies a person (ID, phone, subdistrict,
/// neighbourhood, interests), with an account and a session, a recognised outcome, points and
/// a conversion application: what an erasure must scrub and what it must keep.
struct Enrolled {
    learner: LearnerId,
    user: UserId,
    /// The token hash of the account's session.
    session: Vec<u8>,
}

/// A session of `user` opened at [`T0`] for 60 days.
async fn open_session(store: &dyn Store, user: UserId, token_hash: &[u8], csrf_token: &str) {
    store
        .create_session(&SessionRecord {
            token_hash: token_hash.to_vec(),
            user_id: user,
            csrf_token: csrf_token.into(),
            created_at: T0,
            expires_at: T0 + time::Duration::days(60),
        })
        .await
        .unwrap();
}

async fn enrol(store: &dyn Store, bank: &ErasureBank, tag: u8, username: &str) -> Enrolled {
    let learner = NewLearner {
        subdistrict: Some(subdistrict("310101002")),
        neighbourhood: Some(NeighbourhoodCode::parse("310101002001").unwrap()),
        phone: Some(Sealed {
            ciphertext: vec![tag; 28],
            masked: format!("139****{tag:04}"),
        }),
        interests: vec![Topic::Health, Topic::CultureAndArts],
        ..new_learner(tag, "310101", Some(1))
    };
    let (learner, user) = store
        .register_citizen(
            &learner,
            &citizen_user(username, None),
            &archive_consent(),
            &AuditEvent::new(Actor::Anonymous, "citizen.register", "learner", "new"),
        )
        .await
        .unwrap();
    let session = vec![tag; 16];
    open_session(store, user, &session, &format!("csrf-{tag}")).await;
    let mut outcome = new_outcome(learner, 1, &format!("HP-ERASE-{tag}"), T0);
    outcome.automatic = Some(automatic(bank.specification));
    submit_new_outcome(store, &outcome).await;
    store
        .append_points(
            &ledger_entry(learner, T0, 10, "HP-2026-01"),
            &system("points.append"),
        )
        .await
        .unwrap();
    apply(
        store,
        &application_for(learner, bank.programme, bank.rule, T0),
    )
    .await;
    Enrolled {
        learner,
        user,
        session,
    }
}

/// Everything the store holds about an enrolled learner, as read back.
#[derive(Debug, PartialEq)]
struct Held {
    learner: LearnerRecord,
    user: UserRecord,
    session: Option<(SessionRecord, UserRecord)>,
    consents: Vec<Consent>,
    outcomes: Vec<OutcomeRecord>,
    decisions: Vec<DecisionRecord>,
    points: Vec<PointsRecord>,
    applications: Vec<ApplicationRecord>,
    erasure: Option<ErasureRecord>,
}

async fn held(store: &dyn Store, enrolled: &Enrolled) -> Held {
    let id = enrolled.learner;
    Held {
        learner: store.get_learner(&LearnerScope::All, id).await.unwrap(),
        user: store.get_user(enrolled.user).await.unwrap(),
        session: store
            .find_session(&enrolled.session, ERASED_AT)
            .await
            .unwrap(),
        consents: store.list_consents(id).await.unwrap(),
        outcomes: store.list_learner_outcomes(id).await.unwrap(),
        decisions: store.list_learner_decisions(id).await.unwrap(),
        points: store.list_points(id).await.unwrap(),
        applications: store.list_learner_applications(id).await.unwrap(),
        erasure: store.learner_erasure(id).await.unwrap(),
    }
}

/// Erasing scrubs what identifies the person (name, sealed ID and its look-up hash, phone,
/// subdistrict, neighbourhood, interests) and keeps the learner under its id with birth year,
/// gender, district and registration, and every learning record, consent and point.
pub async fn erasing_a_learner_scrubs_their_identity_and_keeps_their_records(store: &dyn Store) {
    let bank = erasure_bank(store).await;
    let erased = enrol(store, &bank, 1, "wang.li").await;
    let before = held(store, &erased).await;
    assert_eq!(before.outcomes.len(), 1);
    assert_eq!(before.decisions.len(), 1);
    assert_eq!(before.applications.len(), 1);

    erase(store, erased.learner).await;
    let after = held(store, &erased).await;
    assert_eq!(
        after.learner,
        LearnerRecord {
            display_name: ERASED_NAME.into(),
            national_id: Sealed {
                ciphertext: Vec::new(),
                masked: "已删除".into(),
            },
            national_id_lookup: vec![201; 32],
            subdistrict: None,
            neighbourhood: None,
            phone: None,
            interests: Vec::new(),
            ..before.learner.clone()
        }
    );
    assert_eq!(
        store.find_learner_by_national_id(&[1; 32]).await.unwrap(),
        None,
        "the old look-up hash finds nobody"
    );
    assert_eq!(
        store
            .find_learners_by_national_ids(&[vec![1; 32]])
            .await
            .unwrap(),
        Vec::new()
    );
    assert_eq!(
        store.find_learner_by_national_id(&[201; 32]).await.unwrap(),
        Some(erased.learner)
    );
    assert_eq!(
        store
            .get_learner(&LearnerScope::District(district("310101")), erased.learner)
            .await
            .unwrap(),
        after.learner,
        "the district still sees the learner for its statistics"
    );
    assert_eq!(after.consents, before.consents);
    assert_eq!(after.outcomes, before.outcomes);
    assert_eq!(after.decisions, before.decisions);
    assert_eq!(after.points, before.points);
    assert_eq!(store.points_balance(erased.learner).await.unwrap(), 10);
    assert_eq!(after.applications, before.applications);
}

/// The learner's account is disabled, loses its password, is renamed `erased-<user id>` with the
/// new display name (and found by that name), and every session of it is gone.
pub async fn erasing_a_learner_disables_their_account_and_ends_its_sessions(store: &dyn Store) {
    let bank = erasure_bank(store).await;
    // An account created first, so that the learner's account id is not the learner's id.
    reviewer(store, "bank.staff").await;
    let erased = enrol(store, &bank, 1, "wang.li").await;
    assert_ne!(erased.user.get(), erased.learner.get());
    let second_session = vec![7; 16];
    open_session(store, erased.user, &second_session, "csrf-second").await;
    let before = store.get_user(erased.user).await.unwrap();
    assert!(before.password_hash.is_some() && !before.disabled);

    erase(store, erased.learner).await;
    let renamed = Username::parse(&format!("erased-{}", erased.user)).unwrap();
    let account = store.get_user(erased.user).await.unwrap();
    assert_eq!(
        account,
        UserRecord {
            username: renamed.clone(),
            password_hash: None,
            display_name: ERASED_NAME.into(),
            disabled: true,
            ..before
        },
        "role, learner link and creation time stay"
    );
    assert_eq!(
        store.find_user_by_username(&renamed).await.unwrap(),
        Some(account)
    );
    assert_eq!(
        store
            .find_user_by_username(&Username::parse("wang.li").unwrap())
            .await
            .unwrap(),
        None,
        "the old user name is gone"
    );
    for session in [&erased.session, &second_session] {
        assert_eq!(
            store.find_session(session, ERASED_AT).await.unwrap(),
            None,
            "session {session:?} is deleted"
        );
    }
}

/// The erasure is recorded with its time and audited once, under the learner's id.
pub async fn an_erasure_is_recorded_and_audited_once(store: &dyn Store) {
    let bank = erasure_bank(store).await;
    let erased = enrol(store, &bank, 1, "wang.li").await;
    assert_eq!(store.learner_erasure(erased.learner).await.unwrap(), None);
    assert_eq!(audit_count(store, "learner.erase").await, 0);

    erase(store, erased.learner).await;
    assert_eq!(
        store.learner_erasure(erased.learner).await.unwrap(),
        Some(ErasureRecord {
            learner: erased.learner,
            erased_at: ERASED_AT,
        })
    );
    let entries = audit_entries(store, "learner.erase").await;
    assert_eq!(entries.total, 1);
    let entry = &entries.items[0];
    assert_eq!(entry.subject_kind, "learner");
    assert_eq!(
        entry.subject_id,
        erased.learner.to_string(),
        "the audit entry names the erased learner"
    );
    assert_eq!(entry.actor, "user:1");
    assert_eq!(entry.detail, erasure_audit().detail);
}

/// A second erasure of the same learner is `Conflict { field: "learner" }` and changes nothing:
/// not the learner, the account, the recorded erasure nor the audit log.
pub async fn erasing_twice_is_a_conflict_and_changes_nothing(store: &dyn Store) {
    let bank = erasure_bank(store).await;
    let erased = enrol(store, &bank, 1, "wang.li").await;
    erase(store, erased.learner).await;
    let first = held(store, &erased).await;

    let again = Erasure {
        at: ERASED_AT + time::Duration::days(1),
        display_name: "另一个名字".into(),
        replacement_lookup: vec![202; 32],
    };
    let error = store
        .erase_learner(erased.learner, &again, &erasure_audit())
        .await
        .unwrap_err();
    assert!(
        matches!(error, StoreError::Conflict { field: "learner" }),
        "{error:?}"
    );
    assert_eq!(held(store, &erased).await, first);
    assert_eq!(
        store.find_learner_by_national_id(&[202; 32]).await.unwrap(),
        None
    );
    assert_eq!(audit_count(store, "learner.erase").await, 1);
}

/// Erasing a learner who does not exist is `NotFound`, records nothing and audits nothing.
pub async fn erasing_an_unknown_learner_is_not_found(store: &dyn Store) {
    let bank = erasure_bank(store).await;
    let learner = enrol(store, &bank, 1, "wang.li").await;
    let before = held(store, &learner).await;
    let unknown = LearnerId::new(learner.learner.get() + 100);

    let error = store
        .erase_learner(unknown, &erasure(201), &erasure_audit())
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::NotFound { .. }), "{error:?}");
    assert_eq!(store.learner_erasure(unknown).await.unwrap(), None);
    assert_eq!(audit_count(store, "learner.erase").await, 0);
    assert_eq!(
        store.find_learner_by_national_id(&[201; 32]).await.unwrap(),
        None
    );
    assert_eq!(held(store, &learner).await, before);
}

/// Erasing one learner leaves every other learner, account and session as it was, including a
/// staff account linked to no learner.
pub async fn erasing_a_learner_leaves_others_untouched(store: &dyn Store) {
    let bank = erasure_bank(store).await;
    let erased = enrol(store, &bank, 1, "wang.li").await;
    let other = enrol(store, &bank, 2, "li.na").await;
    let staff = reviewer(store, "bank.staff").await;
    let other_before = held(store, &other).await;
    let staff_before = store.get_user(staff).await.unwrap();

    erase(store, erased.learner).await;
    assert_eq!(held(store, &other).await, other_before);
    assert!(other_before.session.is_some());
    assert_eq!(other_before.erasure, None);
    assert_eq!(
        store.find_learner_by_national_id(&[2; 32]).await.unwrap(),
        Some(other.learner)
    );
    assert_eq!(store.get_user(staff).await.unwrap(), staff_before);
    assert_eq!(
        store
            .find_user_by_username(&Username::parse("li.na").unwrap())
            .await
            .unwrap()
            .map(|user| user.id),
        Some(other.user)
    );
}

// ---- the transparency log ---------------------------------------------------------------------

fn log_entry(n: u64) -> NewLogEntry {
    NewLogEntry {
        kind: if n % 5 == 4 {
            LogEntryKind::StatusChange
        } else {
            LogEntryKind::Issuance
        },
        subject: format!("urn:uuid:credential-{n}"),
        entry: format!("entry {n}").into_bytes(),
    }
}

/// Appends in batches of uneven sizes: every append answers the root the reference tree
/// (`xc_merkle::MemoryTree`) computes, and every root, inclusion proof and consistency proof
/// read back from the stored nodes equals the reference's; the entries read back as appended.
pub async fn the_log_stores_the_tree_the_reference_computes(store: &dyn Store) {
    assert_eq!(store.log_size().await.unwrap(), 0);
    assert!(matches!(
        store.append_log_entries(&[], T0).await,
        Err(StoreError::Invalid {
            field: "entries",
            ..
        })
    ));
    let mut reference = xc_merkle::MemoryTree::new();
    let mut next = 0u64;
    for batch in [1u64, 1, 2, 5, 13, 1, 100, 3, 64, 1_200] {
        let entries: Vec<NewLogEntry> = (next..next + batch).map(log_entry).collect();
        let appended = store.append_log_entries(&entries, T0).await.unwrap();
        reference.append_batch(entries.iter().map(|entry| entry.entry.as_slice()));
        assert_eq!(appended.first_index, next);
        next += batch;
        assert_eq!(appended.new_size, next);
        assert_eq!(
            appended.new_root,
            reference.current_root(),
            "root at {next}"
        );
    }
    assert_eq!(store.log_size().await.unwrap(), next);
    for size in [1, 2, 3, 7, 8, 9, 22, 123, 190, next] {
        assert_eq!(
            log_root(store, size).await.unwrap(),
            reference.root(size).unwrap(),
            "root of {size}"
        );
        for index in [0, size / 2, size - 1] {
            let proof = log_inclusion_proof(store, index, size).await.unwrap();
            assert_eq!(proof, reference.inclusion_proof(index, size).unwrap());
            proof
                .verify(
                    &reference.leaf_hash(index).unwrap(),
                    &reference.root(size).unwrap(),
                )
                .unwrap();
        }
        for old in [1, size / 3, size] {
            if old == 0 {
                continue;
            }
            let proof = log_consistency_proof(store, old, size).await.unwrap();
            assert_eq!(proof, reference.consistency_proof(old, size).unwrap());
        }
    }
    assert!(matches!(
        log_inclusion_proof(store, next, next).await,
        Err(StoreError::Invalid { .. })
    ));
    assert!(matches!(
        log_root(store, next + 1).await,
        Err(StoreError::NotFound { .. })
    ));
    let entries = store.log_entries(2, 3).await.unwrap();
    assert_eq!(
        entries
            .iter()
            .map(|entry| (
                entry.index,
                entry.kind,
                entry.subject.clone(),
                entry.entry.clone()
            ))
            .collect::<Vec<_>>(),
        (2..5)
            .map(|n| {
                let entry = log_entry(n);
                (n, entry.kind, entry.subject, entry.entry)
            })
            .collect::<Vec<_>>()
    );
    assert!(entries.iter().all(|entry| entry.appended_at == T0));
}

fn signed_head(size: u64, root: xc_merkle::Hash, timestamp_ms: u64) -> SignedTreeHead {
    SignedTreeHead {
        head: xc_merkle::TreeHead {
            size,
            root_hash: root,
            timestamp_ms,
        },
        signatures: vec![
            TreeHeadSignature {
                key_id: "did:web:bank.example#ed25519-1".into(),
                algorithm: "Ed25519".into(),
                signature: vec![size as u8; 64],
            },
            TreeHeadSignature {
                key_id: "did:web:bank.example#sm2-1".into(),
                algorithm: "SM2-SM3".into(),
                signature: vec![7; 64],
            },
        ],
    }
}

/// Tree heads are recorded in order of size and time: a smaller size, an earlier time or
/// another root at the same size is `Conflict { field: "tree_head" }`; the same head again is
/// accepted and recorded once; heads are found by size, and the latest is the largest.
pub async fn tree_heads_only_move_forward(store: &dyn Store) {
    assert_eq!(store.latest_tree_head().await.unwrap(), None);
    let entries: Vec<NewLogEntry> = (0..10).map(log_entry).collect();
    let appended = store.append_log_entries(&entries[..4], T0).await.unwrap();
    let first = signed_head(4, appended.new_root, 1_000);
    store.record_tree_head(&first).await.unwrap();
    store.record_tree_head(&first).await.unwrap();
    assert_eq!(store.latest_tree_head().await.unwrap(), Some(first.clone()));

    let appended = store.append_log_entries(&entries[4..], T0).await.unwrap();
    for refused in [
        signed_head(3, appended.new_root, 2_000),
        signed_head(10, appended.new_root, 999),
        signed_head(4, appended.new_root, 1_000),
    ] {
        assert!(
            matches!(
                store.record_tree_head(&refused).await,
                Err(StoreError::Conflict { field: "tree_head" })
            ),
            "{refused:?}"
        );
    }
    let second = signed_head(10, appended.new_root, 2_000);
    store.record_tree_head(&second).await.unwrap();
    assert_eq!(
        store.latest_tree_head().await.unwrap(),
        Some(second.clone())
    );
    assert_eq!(store.tree_head_of_size(4).await.unwrap(), first);
    assert_eq!(store.tree_head_of_size(10).await.unwrap(), second);
    assert!(matches!(
        store.tree_head_of_size(5).await,
        Err(StoreError::NotFound { .. })
    ));
}

/// Issuing records each credential with its issuance entry at the end of the log, in one
/// transaction; a second credential for the same outcome is a `Conflict` that keeps nothing of
/// its call (no entry appended either).
pub async fn issued_credentials_are_logged_once_per_outcome(store: &dyn Store) {
    let (_, learner) = outcome_setup(store).await;
    let first = submit_new_outcome(store, &new_outcome(learner, 1, "V-1", T0)).await;
    let second = submit_new_outcome(store, &new_outcome(learner, 1, "V-2", T0)).await;
    store.append_log_entries(&[log_entry(0)], T0).await.unwrap();
    let credential = |n: u32, outcome: OutcomeId| NewIssuedCredential {
        id: format!("urn:uuid:00000000-0000-4000-8000-00000000000{n}"),
        outcome,
        learner,
        document: format!("{{\"id\":\"{n}\"}}"),
        log_entry: format!("issued {n}").into_bytes(),
        prepared_for: None,
    };
    assert!(matches!(
        store.issue_credentials(&[], T0).await,
        Err(StoreError::Invalid {
            field: "credentials",
            ..
        })
    ));
    let appended = store
        .issue_credentials(&[credential(1, first), credential(2, second)], T0)
        .await
        .unwrap();
    assert_eq!((appended.first_index, appended.new_size), (1, 3));
    let stored = store
        .get_issued_credential("urn:uuid:00000000-0000-4000-8000-000000000002")
        .await
        .unwrap();
    assert_eq!(
        (
            stored.outcome,
            stored.learner,
            stored.log_index,
            stored.issued_at
        ),
        (second, learner, 2, T0)
    );
    assert_eq!(stored.document, "{\"id\":\"2\"}");
    let entries = store.log_entries(1, 10).await.unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(
        entries[0].subject,
        "urn:uuid:00000000-0000-4000-8000-000000000001"
    );
    assert_eq!(entries[0].kind, LogEntryKind::Issuance);
    assert_eq!(entries[1].entry, b"issued 2");
    assert_eq!(
        store
            .learner_credentials(learner)
            .await
            .unwrap()
            .iter()
            .map(|c| c.log_index)
            .collect::<Vec<_>>(),
        [1, 2]
    );
    assert_eq!(
        store
            .outcome_credential(first)
            .await
            .unwrap()
            .unwrap()
            .log_index,
        1
    );

    let third = submit_new_outcome(store, &new_outcome(learner, 1, "V-3", T0)).await;
    let error = store
        .issue_credentials(&[credential(3, third), credential(4, first)], T0)
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::Conflict { .. }), "{error:?}");
    assert_eq!(store.log_size().await.unwrap(), 3);
    assert_eq!(store.outcome_credential(third).await.unwrap(), None);
    // Signed for position 2 (as if nothing had been appended since position 1 was read): the
    // store refuses it whole rather than leave its status entries pointing at another's place.
    let misplaced = NewIssuedCredential {
        prepared_for: Some(2),
        ..credential(3, third)
    };
    assert!(matches!(
        store.issue_credentials(&[misplaced], T0).await,
        Err(StoreError::Conflict { field: "log_index" })
    ));
    assert_eq!(store.log_size().await.unwrap(), 3);
    assert_eq!(store.outcome_credential(third).await.unwrap(), None);
    let placed = NewIssuedCredential {
        prepared_for: Some(3),
        ..credential(3, third)
    };
    assert_eq!(
        store
            .issue_credentials(&[placed], T0)
            .await
            .unwrap()
            .first_index,
        3
    );
    assert!(matches!(
        store.get_issued_credential("urn:uuid:nothing").await,
        Err(StoreError::NotFound { what: "credential" })
    ));
}

/// What the issuer still owes: recognised outcomes without a credential, in id order, walked by
/// the last id answered; an outcome in review is never listed, an issued one no longer.
pub async fn outcomes_awaiting_credential_are_the_recognised_ones_not_issued(store: &dyn Store) {
    let recognised = recognised_outcomes_fixture(store, 3).await;
    let learner = recognised[0].learner;
    submit_new_outcome(store, &new_outcome(learner, 1, "IN-REVIEW", T0)).await;
    let ids = |records: Vec<OutcomeRecord>| records.into_iter().map(|r| r.id).collect::<Vec<_>>();
    let all: Vec<OutcomeId> = recognised.iter().map(|r| r.id).collect();
    assert_eq!(
        ids(store.outcomes_awaiting_credential(None, 10).await.unwrap()),
        all
    );
    assert_eq!(
        ids(store.outcomes_awaiting_credential(None, 2).await.unwrap()),
        all[..2]
    );
    assert_eq!(
        ids(store
            .outcomes_awaiting_credential(Some(all[1]), 10)
            .await
            .unwrap()),
        all[2..]
    );
    store
        .issue_credentials(
            &[NewIssuedCredential {
                id: "urn:uuid:00000000-0000-4000-8000-00000000aaaa".into(),
                outcome: all[1],
                learner,
                document: "{}".into(),
                log_entry: b"issued".to_vec(),
                prepared_for: None,
            }],
            T0,
        )
        .await
        .unwrap();
    assert_eq!(
        ids(store.outcomes_awaiting_credential(None, 10).await.unwrap()),
        [all[0], all[2]]
    );
}

/// A status change is recorded with its log entry and audit entry in one transaction, only when
/// it applies to the status now (a revocation is final), and read back with the credential's
/// position in the status lists (its issuance entry's log index).
pub async fn credential_status_changes_are_logged_audited_and_checked(store: &dyn Store) {
    let outcomes = recognised_outcomes_fixture(store, 2).await;
    let staff = reviewer(store, "status-staff").await;
    let credentials: Vec<NewIssuedCredential> = outcomes
        .iter()
        .enumerate()
        .map(|(n, outcome)| NewIssuedCredential {
            id: format!("urn:uuid:00000000-0000-4000-8000-00000000000{n}"),
            outcome: outcome.id,
            learner: outcome.learner,
            document: "{}".into(),
            log_entry: format!("issued {n}").into_bytes(),
            prepared_for: None,
        })
        .collect();
    store.issue_credentials(&credentials, T0).await.unwrap();
    let second = credentials[1].id.clone();
    let change = |action: StatusAction, reason: &str| NewStatusChange {
        credential: second.clone(),
        action,
        reason: reason.into(),
        decided_by: Some(staff),
        decided_at: T0,
        log_entry: format!("{} {reason}", action.as_str()).into_bytes(),
    };
    let audit = || {
        AuditEvent::new(
            Actor::System("suite".into()),
            "credential.status",
            "credential",
            "new",
        )
    };

    let suspended = store
        .change_credential_status(&change(StatusAction::Suspend, "under review"), &audit())
        .await
        .unwrap();
    assert_eq!((suspended.log_index, suspended.status_index), (2, 1));
    for (action, what) in [
        (StatusAction::Suspend, "suspended twice"),
        (StatusAction::Reinstate, "reinstated twice"),
    ] {
        if action == StatusAction::Reinstate {
            store
                .change_credential_status(&change(StatusAction::Reinstate, "cleared"), &audit())
                .await
                .unwrap();
        } else {
            let refused = store
                .change_credential_status(&change(action, "again"), &audit())
                .await;
            assert!(
                matches!(
                    refused,
                    Err(StoreError::Invalid {
                        field: "action",
                        ..
                    })
                ),
                "{what}: {refused:?}"
            );
        }
    }
    let refused = store
        .change_credential_status(&change(StatusAction::Reinstate, "not suspended"), &audit())
        .await;
    assert!(
        matches!(
            refused,
            Err(StoreError::Invalid {
                field: "action",
                ..
            })
        ),
        "{refused:?}"
    );
    store
        .change_credential_status(&change(StatusAction::Revoke, "issued in error"), &audit())
        .await
        .unwrap();
    for action in [StatusAction::Suspend, StatusAction::Revoke] {
        let refused = store
            .change_credential_status(&change(action, "after revocation"), &audit())
            .await;
        assert!(
            matches!(
                refused,
                Err(StoreError::Invalid {
                    field: "action",
                    ..
                })
            ),
            "{refused:?}"
        );
    }
    let unknown = NewStatusChange {
        credential: "urn:uuid:nothing".into(),
        ..change(StatusAction::Revoke, "x")
    };
    assert!(matches!(
        store.change_credential_status(&unknown, &audit()).await,
        Err(StoreError::NotFound { what: "credential" })
    ));

    // Three changes kept, each with its log entry; nothing of the refused ones.
    let changes = store
        .credential_status_changes(Some(&second))
        .await
        .unwrap();
    assert_eq!(
        changes.iter().map(|c| c.action).collect::<Vec<_>>(),
        [
            StatusAction::Suspend,
            StatusAction::Reinstate,
            StatusAction::Revoke
        ]
    );
    assert_eq!(
        changes.iter().map(|c| c.log_index).collect::<Vec<_>>(),
        [2, 3, 4]
    );
    assert!(
        changes
            .iter()
            .all(|c| c.status_index == 1 && c.decided_by == Some(staff))
    );
    assert_eq!(changes[2].reason, "issued in error");
    assert_eq!(
        CredentialStatus::of(&changes),
        CredentialStatus {
            revoked: true,
            suspended: false
        }
    );
    assert_eq!(
        store.credential_status_changes(None).await.unwrap(),
        changes
    );
    assert!(
        store
            .credential_status_changes(Some(&credentials[0].id))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.log_size().await.unwrap(), 5);
    let entries = store.log_entries(2, 10).await.unwrap();
    assert!(
        entries
            .iter()
            .all(|e| e.kind == LogEntryKind::StatusChange && e.subject == second)
    );
    assert_eq!(entries[2].entry, b"revoke issued in error");
    let audited = store
        .list_audit(
            &AuditFilter {
                subject_kind: Some("credential".into()),
                ..AuditFilter::default()
            },
            PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(audited.total, 3);
    assert!(audited.items.iter().all(|entry| entry.subject_id == second));
}

/// `LogAuditStore` reads every row of the log in order, page by page: each level's nodes as
/// the reference tree has them, the tree heads by size, the issued credentials by position.
pub async fn the_log_reads_back_in_order_for_the_audit(store: &dyn Store) {
    let entries: Vec<NewLogEntry> = (0..13).map(log_entry).collect();
    let appended = store.append_log_entries(&entries[..4], T0).await.unwrap();
    let first = signed_head(4, appended.new_root, 1_000);
    store.record_tree_head(&first).await.unwrap();
    let appended = store.append_log_entries(&entries[4..], T0).await.unwrap();
    let second = signed_head(13, appended.new_root, 2_000);
    store.record_tree_head(&second).await.unwrap();
    let mut reference = xc_merkle::MemoryTree::new();
    reference.append_batch(entries.iter().map(|entry| entry.entry.as_slice()));
    for level in 0..=4u8 {
        let mut read = Vec::new();
        let mut from = 0;
        loop {
            let page = store.log_nodes_at_level(level, from, 2).await.unwrap();
            let Some((last, _)) = page.last() else { break };
            from = last + 1;
            read.extend(page);
        }
        let expected: Vec<(u64, xc_merkle::Hash)> = (0..13u64 >> level)
            .map(|index| {
                let node = xc_merkle::NodeId::new(level, index);
                (index, reference.node(node).unwrap())
            })
            .collect();
        assert_eq!(read, expected, "level {level}");
    }
    assert_eq!(
        store.tree_heads(0, 1).await.unwrap(),
        std::slice::from_ref(&first)
    );
    assert_eq!(
        store.tree_heads(5, 10).await.unwrap(),
        std::slice::from_ref(&second)
    );
    assert_eq!(store.tree_heads(0, 10).await.unwrap(), [first, second]);

    let (_, learner) = outcome_setup(store).await;
    let outcomes = [
        submit_new_outcome(store, &new_outcome(learner, 1, "A-1", T0)).await,
        submit_new_outcome(store, &new_outcome(learner, 1, "A-2", T0)).await,
        submit_new_outcome(store, &new_outcome(learner, 1, "A-3", T0)).await,
    ];
    let credentials: Vec<NewIssuedCredential> = outcomes
        .iter()
        .enumerate()
        .map(|(n, outcome)| NewIssuedCredential {
            id: format!("urn:uuid:00000000-0000-4000-8000-0000000000a{n}"),
            outcome: *outcome,
            learner,
            document: format!("{{\"n\":{n}}}"),
            log_entry: format!("issued {n}").into_bytes(),
            prepared_for: None,
        })
        .collect();
    store.issue_credentials(&credentials, T0).await.unwrap();
    let page = store.issued_credentials_in_log_order(0, 2).await.unwrap();
    assert_eq!(
        page.iter().map(|c| c.log_index).collect::<Vec<_>>(),
        [13, 14]
    );
    let rest = store.issued_credentials_in_log_order(15, 2).await.unwrap();
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0].id, "urn:uuid:00000000-0000-4000-8000-0000000000a2");
    assert_eq!(rest[0].document, "{\"n\":2}");
}

// ---------------------------------------------------------------------------------------------
// The learning record store (LrsStore, issue 5)
// ---------------------------------------------------------------------------------------------

const LRS_T0: OffsetDateTime = datetime!(2026-03-01 08:00 UTC);

/// The id of the `n`th test statement.
fn xapi_id(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

/// A statement from JSON (validated like a 1.0.3 request), with its id and `stored` set.
fn xapi_statement(
    n: u32,
    stored: OffsetDateTime,
    mut body: serde_json::Value,
) -> xc_xapi::Statement {
    body["id"] = serde_json::json!(xapi_id(n));
    body["stored"] =
        serde_json::json!(xc_xapi::types::Timestamp::from_datetime(stored).to_rfc3339());
    let version = if body["version"] == "2.0.0" {
        xc_xapi::XapiVersion::LATEST_2_0
    } else {
        xc_xapi::XapiVersion::LATEST_1_0
    };
    xc_xapi::parse_statement(&body, version).unwrap()
}

/// `actor` did `verb` to activity `activity`.
fn xapi_simple(
    n: u32,
    stored: OffsetDateTime,
    actor: &str,
    verb: &str,
    activity: &str,
) -> xc_xapi::Statement {
    xapi_statement(
        n,
        stored,
        serde_json::json!({
            "actor": {"mbox": format!("mailto:{actor}@example.com")},
            "verb": {"id": format!("http://adlnet.gov/expapi/verbs/{verb}")},
            "object": {"id": format!("http://example.com/activities/{activity}")},
        }),
    )
}

fn xapi_voiding(n: u32, stored: OffsetDateTime, target: u32) -> xc_xapi::Statement {
    xapi_statement(
        n,
        stored,
        serde_json::json!({
            "actor": {"mbox": "mailto:admin@example.com"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/voided"},
            "object": {"objectType": "StatementRef", "id": xapi_id(target)},
        }),
    )
}

fn xapi_uuid(n: u32) -> xc_xapi::types::Uuid {
    xc_xapi::types::Uuid::parse(&xapi_id(n), "id").unwrap()
}

fn xapi_ids(page: &StatementPage) -> Vec<String> {
    page.statements
        .iter()
        .map(|s| s.statement.id.as_ref().unwrap().as_str().to_string())
        .collect()
}

fn xapi_filter(query: &[(&str, &str)]) -> xc_xapi::query::Filter {
    match xc_xapi::query::StatementQuery::parse(query.iter().copied())
        .unwrap()
        .selection
    {
        xc_xapi::query::Selection::Filter(filter) => *filter,
        other => panic!("not a list query: {other:?}"),
    }
}

async fn xapi_query_ids(store: &dyn Store, query: &[(&str, &str)]) -> Vec<String> {
    xapi_ids(
        &store
            .query_statements(&xapi_filter(query), None)
            .await
            .unwrap(),
    )
}

fn minutes(n: i64) -> time::Duration {
    time::Duration::minutes(n)
}

pub async fn xapi_statements_are_stored_once_and_read_back(store: &dyn Store) {
    let first = xapi_simple(1, LRS_T0, "ann", "completed", "course-1");
    let second = xapi_simple(2, LRS_T0 + minutes(1), "bob", "attempted", "course-1");
    let inserted = store
        .insert_statements(&[first.clone(), second.clone()], &[])
        .await
        .unwrap();
    assert_eq!(
        inserted,
        vec![StatementInsert::Stored, StatementInsert::Stored]
    );
    let read = store.get_statement(&xapi_uuid(1), false).await.unwrap();
    assert!(!read.voided);
    assert!(xc_xapi::compare::equivalent(&read.statement, &first));
    assert_eq!(read.statement.stored, first.stored);
    assert_eq!(read.statement.to_json(), first.to_json());
    // The same statement again (a retried POST): accepted, nothing written.
    let again = store
        .insert_statements(
            &[first.clone(), xapi_simple(3, LRS_T0, "cat", "passed", "x")],
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        again,
        vec![StatementInsert::AlreadyStored, StatementInsert::Stored]
    );
    // The same id with other content: 409 naming the id, and nothing of the batch is kept.
    let other = xapi_simple(1, LRS_T0, "ann", "failed", "course-1");
    match store
        .insert_statements(&[xapi_simple(4, LRS_T0, "dan", "passed", "x"), other], &[])
        .await
    {
        Err(StoreError::Xapi(error)) => {
            assert_eq!(error.status, xc_xapi::Status::Conflict);
            assert!(error.reason.contains(&xapi_id(1)), "{}", error.reason);
            assert!(error.reason.contains("verb"), "{}", error.reason);
        }
        other => panic!("expected a 409, got {other:?}"),
    }
    assert!(matches!(
        store.get_statement(&xapi_uuid(4), false).await,
        Err(StoreError::NotFound { what: "statement" })
    ));
    assert!(matches!(
        store.get_statement(&xapi_uuid(9), false).await,
        Err(StoreError::NotFound { what: "statement" })
    ));
    // Bad input: nothing, no id, no stored, an id twice.
    assert!(matches!(
        store.insert_statements(&[], &[]).await,
        Err(StoreError::Invalid {
            field: "statements",
            ..
        })
    ));
    let mut no_id = xapi_simple(5, LRS_T0, "eve", "passed", "x");
    no_id.id = None;
    let mut no_stored = xapi_simple(6, LRS_T0, "eve", "passed", "x");
    no_stored.stored = None;
    let twice = xapi_simple(7, LRS_T0, "eve", "passed", "x");
    for batch in [vec![no_id], vec![no_stored], vec![twice.clone(), twice]] {
        match store.insert_statements(&batch, &[]).await {
            Err(StoreError::Invalid {
                field: "statements",
                reason,
            }) => {
                assert!(reason.contains("statement ["), "{reason}")
            }
            other => panic!("expected Invalid, got {other:?}"),
        }
    }
    assert_eq!(
        xapi_query_ids(store, &[("ascending", "true")]).await,
        vec![xapi_id(1), xapi_id(3), xapi_id(2)]
    );
}

pub async fn xapi_voiding_hides_the_target_and_keeps_the_voiding_statement(store: &dyn Store) {
    store
        .insert_statements(
            &[
                xapi_simple(1, LRS_T0, "ann", "completed", "course-1"),
                xapi_simple(2, LRS_T0, "bob", "completed", "course-1"),
            ],
            &[],
        )
        .await
        .unwrap();
    // Voids 1; a voiding statement of a voiding statement voids nothing; a voiding statement
    // of an unknown id is stored all the same.
    store
        .insert_statements(
            &[
                xapi_voiding(10, LRS_T0 + minutes(1), 1),
                xapi_voiding(11, LRS_T0 + minutes(2), 10),
                xapi_voiding(12, LRS_T0 + minutes(3), 99),
            ],
            &[],
        )
        .await
        .unwrap();
    assert!(matches!(
        store.get_statement(&xapi_uuid(1), false).await,
        Err(StoreError::NotFound { .. })
    ));
    let voided = store.get_statement(&xapi_uuid(1), true).await.unwrap();
    assert!(voided.voided);
    for live in [2, 10, 11, 12] {
        assert!(
            !store
                .get_statement(&xapi_uuid(live), false)
                .await
                .unwrap()
                .voided
        );
        assert!(matches!(
            store.get_statement(&xapi_uuid(live), true).await,
            Err(StoreError::NotFound { .. })
        ));
    }
    assert_eq!(
        xapi_query_ids(store, &[("ascending", "true")]).await,
        vec![xapi_id(2), xapi_id(10), xapi_id(11), xapi_id(12)]
    );
    // The StatementRef rule: the voided statement matches `agent`, so the statement voiding it
    // is returned (and the one voiding that, in turn); the voided one itself is not.
    assert_eq!(
        xapi_query_ids(
            store,
            &[
                ("agent", r#"{"mbox":"mailto:ann@example.com"}"#),
                ("ascending", "true")
            ]
        )
        .await,
        vec![xapi_id(10), xapi_id(11)]
    );
    // A voiding statement in the same batch as its target voids it.
    store
        .insert_statements(
            &[
                xapi_voiding(21, LRS_T0 + minutes(5), 20),
                xapi_simple(20, LRS_T0 + minutes(4), "cat", "completed", "course-2"),
            ],
            &[],
        )
        .await
        .unwrap();
    assert!(
        store
            .get_statement(&xapi_uuid(20), true)
            .await
            .unwrap()
            .voided
    );
}

/// Query parameters and the statements (by number) they return, oldest first.
type XapiQueryCase = (Vec<(&'static str, &'static str)>, Vec<u32>);

pub async fn xapi_filters_match_what_the_statement_is_about(store: &dyn Store) {
    xapi_check_filters(store, false).await;
}

/// The same statements and filters through the bulk path (`load_statements`), the statement
/// referring to another stored by the normal path before its target arrives by bulk.
pub async fn xapi_bulk_loaded_statements_match_the_same_filters(store: &dyn Store) {
    xapi_check_filters(store, true).await;
}

async fn xapi_check_filters(store: &dyn Store, bulk: bool) {
    let registration = "11111111-2222-4333-8444-555555555555";
    let rich = xapi_statement(
        1,
        LRS_T0,
        serde_json::json!({
            "actor": {"objectType": "Group", "member": [{"mbox": "mailto:ann@example.com"}], "account": {"homePage": "http://example.com", "name": "team-a"}},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
            "object": {"id": "http://example.com/activities/course-1"},
            "version": "2.0.0",
            "context": {
                "registration": registration,
                "instructor": {"mbox": "mailto:teacher@example.com"},
                "contextActivities": {"parent": {"id": "http://example.com/activities/programme"}},
                "contextAgents": [{"objectType": "contextAgent", "agent": {"mbox": "mailto:mentor@example.com"}}],
                "contextGroups": [{"objectType": "contextGroup", "group": {"objectType": "Group", "member": [{"mbox": "mailto:peer@example.com"}]}}]
            }
        }),
    );
    let about_agent = xapi_statement(
        2,
        LRS_T0 + minutes(1),
        serde_json::json!({
            "actor": {"mbox": "mailto:teacher@example.com"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/mentored"},
            "object": {"objectType": "Agent", "mbox": "mailto:bob@example.com"},
        }),
    );
    let sub = xapi_statement(
        3,
        LRS_T0 + minutes(2),
        serde_json::json!({
            "actor": {"mbox": "mailto:cat@example.com"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/planned"},
            "object": {"objectType": "SubStatement",
                "actor": {"mbox": "mailto:dan@example.com"},
                "verb": {"id": "http://adlnet.gov/expapi/verbs/attended"},
                "object": {"id": "http://example.com/activities/course-1"}},
        }),
    );
    let referring = xapi_statement(
        4,
        LRS_T0 + minutes(3),
        serde_json::json!({
            "actor": {"mbox": "mailto:eve@example.com"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/commented"},
            "object": {"objectType": "StatementRef", "id": xapi_id(2)},
        }),
    );
    let plain = xapi_simple(5, LRS_T0 + minutes(4), "bob", "completed", "course-2");
    if bulk {
        store.insert_statements(&[referring], &[]).await.unwrap();
        let loaded = store
            .load_statements(&[rich, about_agent, sub, plain])
            .await
            .unwrap();
        assert_eq!(loaded, 4);
    } else {
        store
            .insert_statements(&[rich, about_agent, sub, referring, plain], &[])
            .await
            .unwrap();
    }
    let asc = ("ascending", "true");
    let cases: Vec<XapiQueryCase> = vec![
        // agent: actor, group members and the group's IFI, Agent objects; StatementRef rule.
        (
            vec![("agent", r#"{"mbox":"mailto:ann@example.com"}"#)],
            vec![1],
        ),
        (
            vec![(
                "agent",
                r#"{"objectType":"Group","account":{"homePage":"http://example.com","name":"team-a"}}"#,
            )],
            vec![1],
        ),
        (
            vec![("agent", r#"{"mbox":"mailto:bob@example.com"}"#)],
            vec![2, 4, 5],
        ),
        (
            vec![("agent", r#"{"mbox":"mailto:teacher@example.com"}"#)],
            vec![2, 4],
        ),
        (
            vec![
                ("agent", r#"{"mbox":"mailto:teacher@example.com"}"#),
                ("related_agents", "true"),
            ],
            vec![1, 2, 4],
        ),
        (
            vec![("agent", r#"{"mbox":"mailto:dan@example.com"}"#)],
            vec![],
        ),
        // 2.0's context agents and context groups (members) are related agents only.
        (
            vec![("agent", r#"{"mbox":"mailto:mentor@example.com"}"#)],
            vec![],
        ),
        (
            vec![
                ("agent", r#"{"mbox":"mailto:mentor@example.com"}"#),
                ("related_agents", "true"),
            ],
            vec![1],
        ),
        (
            vec![
                ("agent", r#"{"mbox":"mailto:peer@example.com"}"#),
                ("related_agents", "true"),
            ],
            vec![1],
        ),
        (
            vec![
                ("agent", r#"{"mbox":"mailto:dan@example.com"}"#),
                ("related_agents", "true"),
            ],
            vec![3],
        ),
        // activity: the object; with related_activities also context and SubStatement.
        (
            vec![("activity", "http://example.com/activities/course-1")],
            vec![1],
        ),
        (
            vec![
                ("activity", "http://example.com/activities/course-1"),
                ("related_activities", "true"),
            ],
            vec![1, 3],
        ),
        (
            vec![("activity", "http://example.com/activities/programme")],
            vec![],
        ),
        (
            vec![
                ("activity", "http://example.com/activities/programme"),
                ("related_activities", "true"),
            ],
            vec![1],
        ),
        // verb, registration, and combinations (all must hold for the same statement).
        (
            vec![("verb", "http://adlnet.gov/expapi/verbs/completed")],
            vec![1, 5],
        ),
        (
            vec![("verb", "http://adlnet.gov/expapi/verbs/mentored")],
            vec![2, 4],
        ),
        (vec![("registration", registration)], vec![1]),
        (
            vec![
                ("verb", "http://adlnet.gov/expapi/verbs/completed"),
                ("agent", r#"{"mbox":"mailto:bob@example.com"}"#),
            ],
            vec![5],
        ),
        (
            vec![
                ("verb", "http://adlnet.gov/expapi/verbs/commented"),
                ("agent", r#"{"mbox":"mailto:bob@example.com"}"#),
            ],
            vec![],
        ),
        (
            vec![
                ("verb", "http://adlnet.gov/expapi/verbs/mentored"),
                ("agent", r#"{"mbox":"mailto:bob@example.com"}"#),
            ],
            vec![2, 4],
        ),
        (
            vec![
                ("agent", r#"{"mbox":"mailto:bob@example.com"}"#),
                ("activity", "http://example.com/activities/course-2"),
            ],
            vec![5],
        ),
        (
            vec![
                ("agent", r#"{"mbox":"mailto:bob@example.com"}"#),
                ("activity", "http://example.com/activities/course-1"),
            ],
            vec![],
        ),
        (
            vec![
                ("activity", "http://example.com/activities/course-1"),
                ("related_activities", "true"),
                ("verb", "http://adlnet.gov/expapi/verbs/planned"),
            ],
            vec![3],
        ),
        (
            vec![
                ("registration", registration),
                ("verb", "http://adlnet.gov/expapi/verbs/completed"),
            ],
            vec![1],
        ),
        // since (exclusive) and until (inclusive) on stored, also for referring statements.
        (vec![("since", "2026-03-01T08:01:00Z")], vec![3, 4, 5]),
        (vec![("until", "2026-03-01T08:01:00Z")], vec![1, 2]),
        (
            vec![
                ("since", "2026-03-01T08:01:00Z"),
                ("verb", "http://adlnet.gov/expapi/verbs/mentored"),
            ],
            vec![4],
        ),
        (
            vec![
                ("since", "2026-03-01T08:00:00Z"),
                ("until", "2026-03-01T08:02:00Z"),
            ],
            vec![2, 3],
        ),
    ];
    for (mut query, expected) in cases {
        let label = format!("{query:?}");
        query.push(asc);
        let expected: Vec<String> = expected.into_iter().map(xapi_id).collect();
        assert_eq!(xapi_query_ids(store, &query).await, expected, "{label}");
    }
    // Pages of one, mixing direct matches and a statement matched through its StatementRef.
    let bob = xapi_filter(&[
        ("agent", r#"{"mbox":"mailto:bob@example.com"}"#),
        ("limit", "1"),
        asc,
    ]);
    assert_eq!(
        xapi_page_through(store, &bob, async |_| {}).await,
        [2, 4, 5].map(xapi_id).to_vec()
    );
    let bob = xapi_filter(&[
        ("agent", r#"{"mbox":"mailto:bob@example.com"}"#),
        ("limit", "1"),
    ]);
    assert_eq!(
        xapi_page_through(store, &bob, async |_| {}).await,
        [5, 4, 2].map(xapi_id).to_vec()
    );
    // The StatementRef rule also when the targets arrive after the statements referring to
    // them: 8 → 6 → 7, stored in the order 8, 6, 7.
    let refers = |n: u32, target: u32| {
        xapi_statement(
            n,
            LRS_T0 + minutes(i64::from(n)),
            serde_json::json!({
                "actor": {"mbox": "mailto:gus@example.com"},
                "verb": {"id": "http://adlnet.gov/expapi/verbs/commented"},
                "object": {"objectType": "StatementRef", "id": xapi_id(target)},
            }),
        )
    };
    store.insert_statements(&[refers(8, 6)], &[]).await.unwrap();
    store.insert_statements(&[refers(6, 7)], &[]).await.unwrap();
    store
        .insert_statements(
            &[xapi_simple(
                7,
                LRS_T0 + minutes(7),
                "fay",
                "passed",
                "course-3",
            )],
            &[],
        )
        .await
        .unwrap();
    let fay = r#"{"mbox":"mailto:fay@example.com"}"#;
    assert_eq!(
        xapi_query_ids(store, &[("agent", fay), asc]).await,
        [6, 7, 8].map(xapi_id).to_vec()
    );
    assert_eq!(
        xapi_query_ids(
            store,
            &[
                ("agent", fay),
                ("verb", "http://adlnet.gov/expapi/verbs/passed"),
                asc
            ]
        )
        .await,
        [6, 7, 8].map(xapi_id).to_vec()
    );
    // Both filters must hold for the same statement: gus commented, but not on anything fay did
    // with that verb.
    assert_eq!(
        xapi_query_ids(
            store,
            &[
                ("agent", fay),
                ("verb", "http://adlnet.gov/expapi/verbs/commented"),
                asc
            ]
        )
        .await,
        Vec::<String>::new()
    );
    // Newest first by default; limit.
    assert_eq!(
        xapi_query_ids(store, &[]).await,
        [8, 7, 6, 5, 4, 3, 2, 1].map(xapi_id).to_vec()
    );
    let page = store
        .query_statements(&xapi_filter(&[("limit", "2")]), None)
        .await
        .unwrap();
    assert_eq!(xapi_ids(&page), [8, 7].map(xapi_id).to_vec());
    assert!(page.more.is_some());
    let all = store
        .query_statements(&xapi_filter(&[("limit", "8")]), None)
        .await
        .unwrap();
    assert_eq!(all.statements.len(), 8);
    assert_eq!(
        all.more, None,
        "no more page when exactly the limit matched"
    );
}

/// Pages through `filter` with `more`, calling `between` after each page.
async fn xapi_page_through(
    store: &dyn Store,
    filter: &xc_xapi::query::Filter,
    mut between: impl AsyncFnMut(usize),
) -> Vec<String> {
    let mut seen = Vec::new();
    let mut cursor: Option<StatementCursor> = None;
    for page_number in 0.. {
        let page = store
            .query_statements(filter, cursor.as_ref())
            .await
            .unwrap();
        seen.extend(xapi_ids(&page));
        let Some(more) = page.more else { break };
        // The cursor survives the `more` IRL.
        cursor = Some(StatementCursor::decode(&more.encode()).unwrap());
        between(page_number).await;
    }
    seen
}

pub async fn xapi_more_pages_neither_repeat_nor_skip_under_concurrent_writes(store: &dyn Store) {
    for (actor, ascending, base) in [("ann", "true", 0), ("zoe", "false", 1000)] {
        // base+1 ..= base+10, the last two at the same `stored` (ties broken by insertion
        // order), and one of another actor.
        let mut batch: Vec<xc_xapi::Statement> = (1..=10)
            .map(|n| {
                xapi_simple(
                    base + n,
                    LRS_T0 + minutes(i64::from(n.min(9))),
                    actor,
                    "completed",
                    "c",
                )
            })
            .collect();
        batch.push(xapi_simple(base + 50, LRS_T0, "bob", "completed", "c"));
        store.insert_statements(&batch, &[]).await.unwrap();
        let agent = format!(r#"{{"mbox":"mailto:{actor}@example.com"}}"#);
        let filter = xapi_filter(&[("agent", &agent), ("limit", "3"), ("ascending", ascending)]);
        // The statement read last, voided before it is read.
        let last = if ascending == "true" {
            base + 10
        } else {
            base + 1
        };
        let mut next = base + 100;
        let seen = xapi_page_through(store, &filter, async |page| {
            // Between pages: new statements before, among and after the ones already read.
            let earlier = xapi_simple(next, LRS_T0 - minutes(5), actor, "completed", "c");
            let among = xapi_simple(next + 1, LRS_T0 + minutes(4), actor, "completed", "c");
            let later = xapi_simple(next + 2, LRS_T0 + minutes(60), actor, "completed", "c");
            next += 3;
            store
                .insert_statements(&[earlier, among, later], &[])
                .await
                .unwrap();
            if page == 1 {
                store
                    .insert_statements(&[xapi_voiding(base + 300, LRS_T0 + minutes(61), last)], &[])
                    .await
                    .unwrap();
            }
        })
        .await;
        let mut expected: Vec<String> = (1..=10)
            .filter(|n| base + n != last)
            .map(|n| xapi_id(base + n))
            .collect();
        if ascending == "false" {
            expected.reverse();
        }
        assert_eq!(seen, expected, "ascending={ascending}");
    }
    // A cursor that this store did not give out.
    for bad in ["", "s1.2", "x1.2.3", "s1.2.3.4", "s1.2.5", "sa.b.c"] {
        assert!(
            matches!(
                StatementCursor::decode(bad),
                Err(StoreError::Invalid { field: "more", .. })
            ),
            "{bad:?}"
        );
    }
}

pub async fn xapi_attachments_are_stored_once_by_hash(store: &dyn Store) {
    let first = AttachmentContent {
        sha2: "AB".repeat(32),
        content_type: "text/plain".into(),
        content: b"first".to_vec(),
    };
    store
        .insert_statements(
            &[xapi_simple(1, LRS_T0, "ann", "completed", "c")],
            std::slice::from_ref(&first),
        )
        .await
        .unwrap();
    // The same hash again (a re-POST of a known attachment): the first bytes stay.
    let again = AttachmentContent {
        content: b"again".to_vec(),
        ..first.clone()
    };
    store
        .insert_statements(&[xapi_simple(2, LRS_T0, "ann", "completed", "c")], &[again])
        .await
        .unwrap();
    let found = store
        .attachments(&["ab".repeat(32), "cd".repeat(32)])
        .await
        .unwrap();
    assert_eq!(
        found,
        vec![AttachmentContent {
            sha2: "ab".repeat(32),
            ..first
        }]
    );
    // A refused batch keeps none of its attachments.
    let refused = AttachmentContent {
        sha2: "ef".repeat(32),
        content_type: "text/plain".into(),
        content: b"x".to_vec(),
    };
    assert!(
        store
            .insert_statements(&[xapi_simple(1, LRS_T0, "ann", "failed", "c")], &[refused])
            .await
            .is_err()
    );
    assert!(
        store
            .attachments(&["ef".repeat(32)])
            .await
            .unwrap()
            .is_empty()
    );
}

/// One statement stored by the normal path and the same statement (another id) by the bulk
/// path read back alike, match the same filters, give the same agents and definitions; a
/// statement referring to a bulk-loaded one takes its keys; voiding works across the paths; an
/// id already stored fails the whole load.
pub async fn xapi_bulk_load_stores_what_the_normal_path_stores(store: &dyn Store) {
    let body = |actor: &str| {
        serde_json::json!({
            "actor": {"objectType": "Agent", "name": "Ann", "account": {"homePage": "https://xuecheng.example", "name": actor}},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/passed", "display": {"zh-CN": "通过"}},
            "object": {"id": "http://example.com/courses/c1",
                "definition": {"name": {"zh-CN": "书法"}, "type": "http://adlnet.gov/expapi/activities/course"}},
            "result": {"score": {"scaled": 0.85, "raw": 85, "min": 0, "max": 100}, "success": true, "duration": "PT2H"},
            "context": {
                "registration": "11111111-2222-4333-8444-555555555555",
                "instructor": {"mbox": "mailto:teacher@example.com", "name": "Teacher"},
                "contextActivities": {"grouping": [{"id": "http://example.com/institutions/7",
                    "definition": {"name": {"zh-CN": "社区学校"}}}]}
            },
            "timestamp": "2025-05-04T10:00:00+08:00"
        })
    };
    let normal = xapi_statement(10, LRS_T0, body("1"));
    let bulk = xapi_statement(11, LRS_T0, body("1"));
    store
        .insert_statements(std::slice::from_ref(&normal), &[])
        .await
        .unwrap();
    assert_eq!(
        store
            .load_statements(std::slice::from_ref(&bulk))
            .await
            .unwrap(),
        1
    );
    let read_normal = store.get_statement(&xapi_uuid(10), false).await.unwrap();
    let read_bulk = store.get_statement(&xapi_uuid(11), false).await.unwrap();
    let mut normal_json = read_normal.statement.to_json();
    let mut bulk_json = read_bulk.statement.to_json();
    normal_json["id"] = serde_json::Value::Null;
    bulk_json["id"] = serde_json::Value::Null;
    assert_eq!(normal_json, bulk_json);
    assert_eq!(read_bulk.statement, bulk);
    assert_eq!((read_normal.client, read_bulk.client), (None, None));
    assert!(read_bulk.seq > read_normal.seq);
    let both = vec![xapi_id(10), xapi_id(11)];
    for query in [
        vec![(
            "agent",
            r#"{"account":{"homePage":"https://xuecheng.example","name":"1"}}"#,
        )],
        vec![
            ("agent", r#"{"mbox":"mailto:teacher@example.com"}"#),
            ("related_agents", "true"),
        ],
        vec![("activity", "http://example.com/courses/c1")],
        vec![
            ("activity", "http://example.com/institutions/7"),
            ("related_activities", "true"),
        ],
        vec![("verb", "http://adlnet.gov/expapi/verbs/passed")],
        vec![("registration", "11111111-2222-4333-8444-555555555555")],
        vec![
            ("verb", "http://adlnet.gov/expapi/verbs/passed"),
            ("activity", "http://example.com/courses/c1"),
            ("since", "2026-03-01T07:00:00Z"),
        ],
    ] {
        let mut query = query;
        query.push(("ascending", "true"));
        assert_eq!(xapi_query_ids(store, &query).await, both, "{query:?}");
    }
    for query in [
        vec![("agent", r#"{"mbox":"mailto:teacher@example.com"}"#)],
        vec![("activity", "http://example.com/institutions/7")],
    ] {
        assert!(xapi_query_ids(store, &query).await.is_empty(), "{query:?}");
    }
    let seen = store
        .agents_seen("mbox:mailto:teacher@example.com")
        .await
        .unwrap();
    assert_eq!(seen.len(), 1);
    let definition = store
        .activity_definition("http://example.com/institutions/7")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        serde_json::to_value(&definition).unwrap()["name"],
        serde_json::json!({"zh-CN": "社区学校"})
    );

    // The StatementRef rule both ways: a bulk statement referring to a normal one, and a normal
    // statement referring to one that arrives later by bulk.
    let refers = |n: u32, actor: &str, target: u32| {
        xapi_statement(
            n,
            LRS_T0 + minutes(i64::from(n)),
            serde_json::json!({
                "actor": {"mbox": format!("mailto:{actor}@example.com")},
                "verb": {"id": "http://adlnet.gov/expapi/verbs/commented"},
                "object": {"objectType": "StatementRef", "id": xapi_id(target)},
            }),
        )
    };
    store
        .load_statements(&[refers(12, "eve", 10)])
        .await
        .unwrap();
    store
        .insert_statements(&[refers(13, "fay", 14)], &[])
        .await
        .unwrap();
    store
        .load_statements(&[xapi_simple(14, LRS_T0, "gus", "attended", "c2")])
        .await
        .unwrap();
    let ann = [
        (
            "agent",
            r#"{"account":{"homePage":"https://xuecheng.example","name":"1"}}"#,
        ),
        ("ascending", "true"),
    ];
    assert_eq!(
        xapi_query_ids(store, &ann).await,
        [10, 11, 12].map(xapi_id).to_vec()
    );
    let gus = [
        ("agent", r#"{"mbox":"mailto:gus@example.com"}"#),
        ("ascending", "true"),
    ];
    assert_eq!(
        xapi_query_ids(store, &gus).await,
        [14, 13].map(xapi_id).to_vec()
    );

    // Voiding by bulk hides a statement stored by the normal path.
    store
        .load_statements(&[xapi_voiding(15, LRS_T0, 10)])
        .await
        .unwrap();
    assert!(store.get_statement(&xapi_uuid(10), false).await.is_err());
    assert!(store.get_statement(&xapi_uuid(10), true).await.is_ok());

    // An id already stored: the whole load is refused, nothing of it kept.
    let refused = store
        .load_statements(&[
            xapi_simple(16, LRS_T0, "hal", "attended", "c3"),
            xapi_simple(11, LRS_T0, "ann", "attended", "c3"),
        ])
        .await;
    assert!(
        matches!(refused, Err(StoreError::Conflict { field: "id" })),
        "{refused:?}"
    );
    assert!(store.get_statement(&xapi_uuid(16), false).await.is_err());
    assert_eq!(
        xapi_query_ids(store, &[("activity", "http://example.com/activities/c3")]).await,
        Vec::<String>::new()
    );
}

pub async fn xapi_definitions_are_merged_and_agents_remembered(store: &dyn Store) {
    let with_definition = |n: u32, name: &str, lang: &str, text: &str| {
        xapi_statement(
            n,
            LRS_T0,
            serde_json::json!({
                "actor": {"mbox": "mailto:ann@example.com", "name": name},
                "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
                "object": {"id": "http://example.com/activities/course-1",
                    "definition": {"name": {lang: text}}},
                "context": {"contextActivities": {"parent": [{"id": "http://example.com/p",
                    "definition": {"type": "http://adlnet.gov/expapi/activities/course"}}]}}
            }),
        )
    };
    store
        .insert_statements(&[with_definition(1, "Ann", "en", "Course one")], &[])
        .await
        .unwrap();
    store
        .insert_statements(
            &[
                with_definition(2, "Ann Lee", "zh-CN", "课程一"),
                with_definition(3, "Ann", "en", "Course 1"),
            ],
            &[],
        )
        .await
        .unwrap();
    let canonical = store
        .activity_definition("http://example.com/activities/course-1")
        .await
        .unwrap()
        .unwrap();
    let name = serde_json::to_value(&canonical).unwrap()["name"].clone();
    assert_eq!(
        name,
        serde_json::json!({"en": "Course 1", "zh-CN": "课程一"})
    );
    let parent = store
        .activity_definition("http://example.com/p")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        serde_json::to_value(&parent).unwrap()["type"],
        serde_json::json!("http://adlnet.gov/expapi/activities/course")
    );
    assert_eq!(
        store
            .activity_definition("http://example.com/none")
            .await
            .unwrap(),
        None
    );
    let seen = store
        .agents_seen("mbox:mailto:ann@example.com")
        .await
        .unwrap();
    let names: Vec<Option<String>> = seen.iter().map(|a| a.name.clone()).collect();
    assert_eq!(
        names,
        vec![Some("Ann".to_string()), Some("Ann Lee".to_string())]
    );
    assert!(
        store
            .agents_seen("mbox:mailto:nobody@example.com")
            .await
            .unwrap()
            .is_empty()
    );
}

fn xapi_document_scope(resource: xc_xapi::documents::DocumentResource) -> DocumentScope {
    use xc_xapi::documents::DocumentResource;
    DocumentScope {
        resource,
        activity_id: match resource {
            DocumentResource::AgentProfile => String::new(),
            _ => "http://example.com/activities/course-1".into(),
        },
        agent_key: match resource {
            DocumentResource::ActivityProfile => String::new(),
            _ => "mbox:mailto:ann@example.com".into(),
        },
        registration: String::new(),
    }
}

fn xapi_write(
    method: xc_xapi::documents::DocumentMethod,
    contents: &str,
    if_match: Option<&str>,
    if_none_match: Option<&str>,
    at: OffsetDateTime,
) -> DocumentWrite {
    DocumentWrite {
        method,
        version: xc_xapi::XapiVersion::LATEST_2_0,
        if_match: if_match.map(str::to_string),
        if_none_match: if_none_match.map(str::to_string),
        content_type: "application/json".into(),
        contents: contents.as_bytes().to_vec(),
        at,
    }
}

fn xapi_status(result: StoreResult<Option<DocumentRecord>>) -> u16 {
    match result {
        Err(StoreError::Xapi(error)) => error.status.code(),
        other => panic!("expected an xAPI refusal, got {other:?}"),
    }
}

pub async fn xapi_documents_are_written_with_their_preconditions(store: &dyn Store) {
    use xc_xapi::documents::{DocumentMethod::*, DocumentResource};
    let profile = xapi_document_scope(DocumentResource::AgentProfile);
    assert_eq!(store.document(&profile, "p1").await.unwrap(), None);
    // If-Match on a document that does not exist: 412, nothing written.
    assert_eq!(
        xapi_status(
            store
                .write_document(
                    &profile,
                    "p1",
                    &xapi_write(Put, "{}", Some("\"abc\""), None, LRS_T0)
                )
                .await
        ),
        412
    );
    let created = store
        .write_document(
            &profile,
            "p1",
            &xapi_write(Put, r#"{"a":1}"#, None, Some("*"), LRS_T0),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(created.etag, xc_xapi::documents::etag(br#"{"a":1}"#));
    assert_eq!(
        store.document(&profile, "p1").await.unwrap(),
        Some(created.clone())
    );
    // A PUT without preconditions over it: 409; with a stale ETag: 412; If-None-Match: 412.
    let later = LRS_T0 + minutes(1);
    assert_eq!(
        xapi_status(
            store
                .write_document(&profile, "p1", &xapi_write(Put, "{}", None, None, later))
                .await
        ),
        409
    );
    assert_eq!(
        xapi_status(
            store
                .write_document(
                    &profile,
                    "p1",
                    &xapi_write(Put, "{}", Some("\"0000\""), None, later)
                )
                .await
        ),
        412
    );
    assert_eq!(
        xapi_status(
            store
                .write_document(
                    &profile,
                    "p1",
                    &xapi_write(Put, "{}", None, Some("*"), later)
                )
                .await
        ),
        412
    );
    assert_eq!(
        store.document(&profile, "p1").await.unwrap(),
        Some(created.clone())
    );
    // POST merges JSON objects; a POST of something else onto JSON is 400.
    let merged = store
        .write_document(
            &profile,
            "p1",
            &xapi_write(Post, r#"{"b":2}"#, Some(&created.etag), None, later),
        )
        .await
        .unwrap()
        .unwrap();
    let value: serde_json::Value = serde_json::from_slice(&merged.contents).unwrap();
    assert_eq!(value, serde_json::json!({"a": 1, "b": 2}));
    assert_eq!(merged.updated, later);
    let mut text = xapi_write(Post, "plain", None, None, later);
    text.content_type = "text/plain".into();
    assert_eq!(
        xapi_status(store.write_document(&profile, "p1", &text).await),
        400
    );
    // Ids since a time; the State resource's delete-all; DELETE with the right ETag.
    let state = xapi_document_scope(DocumentResource::State);
    for (id, at) in [("s1", LRS_T0), ("s2", later)] {
        store
            .write_document(&state, id, &xapi_write(Put, "{}", None, None, at))
            .await
            .unwrap();
    }
    assert_eq!(
        store.document_ids(&state, None).await.unwrap(),
        vec!["s1", "s2"]
    );
    assert_eq!(
        store.document_ids(&state, Some(LRS_T0)).await.unwrap(),
        vec!["s2"]
    );
    assert_eq!(
        store.document_ids(&profile, None).await.unwrap(),
        vec!["p1"]
    );
    let activity_profile = xapi_document_scope(DocumentResource::ActivityProfile);
    assert!(
        store
            .document_ids(&activity_profile, None)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.delete_documents(&state).await.unwrap(), 2);
    assert!(store.document_ids(&state, None).await.unwrap().is_empty());
    assert_eq!(
        xapi_status(
            store
                .write_document(
                    &profile,
                    "p1",
                    &xapi_write(Delete, "", Some("\"0000\""), None, later)
                )
                .await
        ),
        412
    );
    assert_eq!(
        store
            .write_document(
                &profile,
                "p1",
                &xapi_write(Delete, "", Some(&merged.etag), None, later)
            )
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.document(&profile, "p1").await.unwrap(), None);
    // A GET writes nothing.
    assert!(matches!(
        store
            .write_document(&profile, "p1", &xapi_write(Get, "{}", None, None, later))
            .await,
        Err(StoreError::Invalid {
            field: "method",
            ..
        })
    ));
    assert_eq!(store.document(&profile, "p1").await.unwrap(), None);
}

pub async fn xapi_clients_are_found_by_key_and_read_only_their_own_statements(store: &dyn Store) {
    use xc_xapi::scope::Scope;
    load_fixture_city(store).await;
    let new_client = |key: &str, scopes: Vec<Scope>| NewLrsClient {
        key: key.into(),
        secret_hash: vec![7; 32],
        name: format!("平台 {key}"),
        institution: Some(xc_domain::InstitutionId::new(1)),
        scopes,
        created_by: None,
        created_at: LRS_T0,
    };
    let audit = AuditEvent::new(
        Actor::System("suite".into()),
        "lrs_client.create",
        "lrs_client",
        "new",
    );
    let mooc = store
        .create_lrs_client(
            &new_client(
                "mooc",
                vec![Scope::StatementsWrite, Scope::StatementsReadMine],
            ),
            &audit,
        )
        .await
        .unwrap();
    let museum = store
        .create_lrs_client(&new_client("museum", vec![Scope::All]), &audit)
        .await
        .unwrap();
    assert_eq!(
        audited_subjects(store, "lrs_client.create").await,
        (2, vec![museum.to_string(), mooc.to_string()])
    );
    let taken = store
        .create_lrs_client(&new_client("mooc", vec![Scope::All]), &audit)
        .await
        .unwrap_err();
    assert!(
        matches!(taken, StoreError::Conflict { field: "key" }),
        "{taken:?}"
    );
    assert_eq!(
        audit_count(store, "lrs_client.create").await,
        2,
        "nothing audited for a refusal"
    );

    let found = store.find_lrs_client("mooc").await.unwrap().unwrap();
    assert_eq!(
        (
            found.id,
            found.name.as_str(),
            found.secret_hash.clone(),
            found.scopes.clone()
        ),
        (
            mooc,
            "平台 mooc",
            vec![7; 32],
            vec![Scope::StatementsWrite, Scope::StatementsReadMine]
        )
    );
    assert_eq!(found.institution, Some(xc_domain::InstitutionId::new(1)));
    assert!(store.find_lrs_client("nobody").await.unwrap().is_none());
    let listed: Vec<i64> = store
        .list_lrs_clients()
        .await
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(listed, vec![museum, mooc]);

    store
        .insert_statements_from(
            Some(mooc),
            &[xapi_simple(1, LRS_T0, "ann", "completed", "c")],
            &[],
        )
        .await
        .unwrap();
    store
        .insert_statements_from(
            Some(museum),
            &[xapi_simple(2, LRS_T0 + minutes(1), "ann", "completed", "c")],
            &[],
        )
        .await
        .unwrap();
    store
        .insert_statements(
            &[xapi_simple(3, LRS_T0 + minutes(2), "ann", "completed", "c")],
            &[],
        )
        .await
        .unwrap();
    let read = store.get_statement(&xapi_uuid(1), false).await.unwrap();
    assert_eq!(read.client, Some(mooc), "a statement remembers its client");
    let read = store.get_statement(&xapi_uuid(3), false).await.unwrap();
    assert_eq!(read.client, None, "the platform's own statements have none");
    for query in [
        &[][..],
        &[("agent", "{\"mbox\":\"mailto:ann@example.com\"}")][..],
    ] {
        let filter = xapi_filter(query);
        let mine = store
            .query_statements_of(&filter, None, Some(mooc))
            .await
            .unwrap();
        assert_eq!(xapi_ids(&mine), vec![xapi_id(1)], "{query:?}");
        let theirs = store
            .query_statements_of(&filter, None, Some(museum))
            .await
            .unwrap();
        assert_eq!(xapi_ids(&theirs), vec![xapi_id(2)], "{query:?}");
        let all = store.query_statements(&filter, None).await.unwrap();
        assert_eq!(
            xapi_ids(&all),
            vec![xapi_id(3), xapi_id(2), xapi_id(1)],
            "{query:?}"
        );
    }

    // Revoking: the key opens nothing any more, the client is still listed (revoked), its
    // statements stay, and the revocation is audited once.
    let revoke = AuditEvent::new(
        Actor::System("suite".into()),
        "lrs_client.revoke",
        "lrs_client",
        "mooc",
    );
    let at = LRS_T0 + minutes(5);
    let revoked = store.revoke_lrs_client("mooc", at, &revoke).await.unwrap();
    assert_eq!((revoked.id, revoked.revoked_at), (mooc, Some(at)));
    assert!(store.find_lrs_client("mooc").await.unwrap().is_none());
    assert!(store.find_lrs_client("museum").await.unwrap().is_some());
    let listed: Vec<(i64, Option<OffsetDateTime>)> = store
        .list_lrs_clients()
        .await
        .unwrap()
        .iter()
        .map(|c| (c.id, c.revoked_at))
        .collect();
    assert_eq!(listed, vec![(museum, None), (mooc, Some(at))]);
    assert_eq!(
        store
            .get_statement(&xapi_uuid(1), false)
            .await
            .unwrap()
            .client,
        Some(mooc)
    );
    let again = store
        .revoke_lrs_client("mooc", at + minutes(1), &revoke)
        .await
        .unwrap_err();
    assert!(
        matches!(again, StoreError::Invalid { field: "key", .. }),
        "{again:?}"
    );
    let unknown = store
        .revoke_lrs_client("nobody", at, &revoke)
        .await
        .unwrap_err();
    assert!(
        matches!(unknown, StoreError::NotFound { what: "LRS client" }),
        "{unknown:?}"
    );
    assert_eq!(
        audited_subjects(store, "lrs_client.revoke").await,
        (1, vec![mooc.to_string()]),
        "one audit entry, for the revocation that happened"
    );
}

// ---- credential shares ------------------------------------------------------------------------

/// Two credentials of the fixture learner, issued (ids `urn:uuid:…-00000000000s0` and `…s1`),
/// and the learner.
async fn shared_credentials_fixture(store: &dyn Store) -> (LearnerId, Vec<String>) {
    let outcomes = recognised_outcomes_fixture(store, 2).await;
    let credentials: Vec<NewIssuedCredential> = outcomes
        .iter()
        .enumerate()
        .map(|(n, outcome)| NewIssuedCredential {
            id: format!("urn:uuid:00000000-0000-4000-8000-0000000000s{n}"),
            outcome: outcome.id,
            learner: outcome.learner,
            document: "{}".into(),
            log_entry: format!("issued {n}").into_bytes(),
            prepared_for: None,
        })
        .collect();
    store.issue_credentials(&credentials, T0).await.unwrap();
    (
        outcomes[0].learner,
        credentials.into_iter().map(|c| c.id).collect(),
    )
}

fn new_share(learner: LearnerId, token: &str, credentials: &[String]) -> NewShare {
    NewShare {
        token: token.into(),
        learner,
        fields: vec![ShareField::HolderName, ShareField::Achievement],
        created_at: T0,
        expires_at: T0 + time::Duration::days(7),
        items: credentials
            .iter()
            .map(|credential| ShareItem {
                credential: credential.clone(),
                presentation: format!("jwt~disclosure-of-{credential}~"),
            })
            .collect(),
    }
}

fn share_audit(action: &str) -> AuditEvent {
    AuditEvent::new(Actor::System("suite".into()), action, "share", "new")
}

async fn audit_subjects(store: &dyn Store, action: &str) -> Vec<String> {
    let filter = AuditFilter {
        action: Some(action.into()),
        ..Default::default()
    };
    store
        .list_audit(&filter, PageRequest::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|entry| entry.subject_id)
        .collect()
}

const SHARE_TOKEN: &str = "share-token-0123456789abcdef-ABCDEF";

/// A share is stored with its fields, times and items in order, read back newest first, audited
/// under its new id; a token used twice is a conflict; an empty share, a credential twice, no
/// fields, or an expiry not after its creation are refused and keep nothing.
pub async fn shares_are_stored_with_their_items_and_audited(store: &dyn Store) {
    let (learner, credentials) = shared_credentials_fixture(store).await;
    let reversed: Vec<String> = credentials.iter().rev().cloned().collect();
    let first = store
        .create_share(
            &new_share(learner, SHARE_TOKEN, &reversed),
            &share_audit("share.create"),
        )
        .await
        .unwrap();
    assert_eq!(first.token, SHARE_TOKEN);
    assert_eq!(first.learner, learner);
    assert_eq!(
        first.fields,
        [ShareField::HolderName, ShareField::Achievement]
    );
    assert_eq!(
        (first.created_at, first.expires_at, first.revoked_at),
        (T0, T0 + time::Duration::days(7), None)
    );
    assert_eq!((first.view_count, first.last_viewed_at), (0, None));
    assert_eq!(
        first
            .items
            .iter()
            .map(|item| item.credential.clone())
            .collect::<Vec<_>>(),
        reversed,
        "in the order given"
    );
    assert_eq!(
        first.items[0].presentation,
        format!("jwt~disclosure-of-{}~", reversed[0])
    );
    assert_eq!(
        audit_subjects(store, "share.create").await,
        [first.id.to_string()]
    );
    assert_eq!(first.state_at(T0), ShareState::Open);
    assert_eq!(
        first.state_at(T0 + time::Duration::days(7)),
        ShareState::Expired
    );

    let second = store
        .create_share(
            &new_share(learner, "second-token-0123456789abcdef", &credentials[..1]),
            &share_audit("share.create"),
        )
        .await
        .unwrap();
    let listed = store.learner_shares(learner).await.unwrap();
    assert_eq!(listed, [second.clone(), first.clone()], "newest first");

    let twice = store
        .create_share(
            &new_share(learner, SHARE_TOKEN, &credentials),
            &share_audit("share.create"),
        )
        .await;
    assert!(
        matches!(twice, Err(StoreError::Conflict { field: "token" })),
        "{twice:?}"
    );
    let refused = [
        (
            "credentials",
            NewShare {
                items: Vec::new(),
                ..new_share(learner, "empty-token-0123456789abcdef", &credentials)
            },
        ),
        (
            "credentials",
            new_share(
                learner,
                "twice-token-0123456789abcdef",
                &[credentials[0].clone(), credentials[0].clone()],
            ),
        ),
        (
            "fields",
            NewShare {
                fields: Vec::new(),
                ..new_share(learner, "nofield-token-0123456789abcdef", &credentials)
            },
        ),
        (
            "expires_at",
            NewShare {
                expires_at: T0,
                ..new_share(learner, "expiry-token-0123456789abcdef", &credentials)
            },
        ),
        ("token", new_share(learner, "short", &credentials)),
    ];
    for (field, share) in refused {
        let result = store
            .create_share(&share, &share_audit("share.create"))
            .await;
        assert!(
            matches!(&result, Err(StoreError::Invalid { field: f, .. }) if *f == field),
            "{field}: {result:?}"
        );
    }
    assert_eq!(store.learner_shares(learner).await.unwrap().len(), 2);
    assert_eq!(audit_subjects(store, "share.create").await.len(), 2);
}

/// A share naming a credential that is not the learner's (another's, or none) is refused whole:
/// no share, no item, no audit entry.
pub async fn a_share_of_another_learners_credential_is_refused_whole(store: &dyn Store) {
    let (learner, credentials) = shared_credentials_fixture(store).await;
    let other = bank_learner(store, 2).await;
    for (who, items) in [
        (other, credentials.clone()),
        (
            learner,
            vec![credentials[0].clone(), "urn:uuid:nothing".into()],
        ),
    ] {
        let result = store
            .create_share(
                &new_share(who, SHARE_TOKEN, &items),
                &share_audit("share.create"),
            )
            .await;
        assert!(
            matches!(
                result,
                Err(StoreError::Invalid {
                    field: "credentials",
                    ..
                })
            ),
            "{result:?}"
        );
    }
    assert!(store.learner_shares(learner).await.unwrap().is_empty());
    assert!(store.learner_shares(other).await.unwrap().is_empty());
    assert!(audit_subjects(store, "share.create").await.is_empty());
    assert!(matches!(
        store.view_share(SHARE_TOKEN, T0).await,
        Err(StoreError::NotFound { what: "share" })
    ));
}

/// Each view while open counts once (and records when); a view at or after the expiry, or of a
/// revoked share, answers the share without counting; an unknown token is `NotFound`.
pub async fn share_views_are_counted_only_while_open(store: &dyn Store) {
    let (learner, credentials) = shared_credentials_fixture(store).await;
    store
        .create_share(
            &new_share(learner, SHARE_TOKEN, &credentials),
            &share_audit("share.create"),
        )
        .await
        .unwrap();
    let at = |minutes: i64| T0 + time::Duration::minutes(minutes);
    for n in 1..=3 {
        let viewed = store.view_share(SHARE_TOKEN, at(n)).await.unwrap();
        assert_eq!(viewed.view_count, n as u64);
        assert_eq!(viewed.last_viewed_at, Some(at(n)));
        assert_eq!(viewed.items.len(), 2);
    }
    let expiry = T0 + time::Duration::days(7);
    let late = store.view_share(SHARE_TOKEN, expiry).await.unwrap();
    assert_eq!(late.view_count, 3, "not counted once expired");
    assert_eq!(late.state_at(expiry), ShareState::Expired);
    assert!(matches!(
        store
            .view_share("no-such-token-0123456789abcdef", at(1))
            .await,
        Err(StoreError::NotFound { what: "share" })
    ));
    let (a, b, c, d) = tokio::join!(
        store.view_share(SHARE_TOKEN, at(10)),
        store.view_share(SHARE_TOKEN, at(10)),
        store.view_share(SHARE_TOKEN, at(10)),
        store.view_share(SHARE_TOKEN, at(10)),
    );
    let mut counts: Vec<u64> = [a, b, c, d]
        .into_iter()
        .map(|view| view.unwrap().view_count)
        .collect();
    counts.sort_unstable();
    assert_eq!(counts, [4, 5, 6, 7], "views at once are each counted");
}

/// Only the share's learner revokes it, once, with an audit entry; afterwards its views are not
/// counted and its state is revoked, even before its expiry.
pub async fn a_share_is_revoked_once_by_its_learner(store: &dyn Store) {
    let (learner, credentials) = shared_credentials_fixture(store).await;
    let other = bank_learner(store, 2).await;
    let share = store
        .create_share(
            &new_share(learner, SHARE_TOKEN, &credentials),
            &share_audit("share.create"),
        )
        .await
        .unwrap();
    let at = T0 + time::Duration::hours(1);
    assert!(matches!(
        store
            .revoke_share(other, share.id, at, &share_audit("share.revoke"))
            .await,
        Err(StoreError::NotFound { what: "share" })
    ));
    assert!(audit_subjects(store, "share.revoke").await.is_empty());
    let revoked = store
        .revoke_share(learner, share.id, at, &share_audit("share.revoke"))
        .await
        .unwrap();
    assert_eq!(revoked.revoked_at, Some(at));
    assert_eq!(revoked.state_at(at), ShareState::Revoked);
    assert_eq!(
        audit_subjects(store, "share.revoke").await,
        [share.id.to_string()]
    );
    assert!(matches!(
        store
            .revoke_share(learner, share.id, at, &share_audit("share.revoke"))
            .await,
        Err(StoreError::Conflict { field: "share" })
    ));
    assert_eq!(audit_subjects(store, "share.revoke").await.len(), 1);
    let viewed = store.view_share(SHARE_TOKEN, at).await.unwrap();
    assert_eq!(viewed.view_count, 0);
    assert_eq!(viewed.state_at(at), ShareState::Revoked);
}

/// Erasure deletes the learner's shared presentations (they may carry the name) and revokes
/// every open share of theirs.
pub async fn erasing_a_learner_closes_their_shares_and_drops_the_presentations(store: &dyn Store) {
    let (learner, credentials) = shared_credentials_fixture(store).await;
    store
        .create_share(
            &new_share(learner, SHARE_TOKEN, &credentials),
            &share_audit("share.create"),
        )
        .await
        .unwrap();
    let erasure = Erasure {
        display_name: "已注销".into(),
        replacement_lookup: vec![0xee; 32],
        at: T0 + time::Duration::hours(2),
    };
    store
        .erase_learner(learner, &erasure, &system("learner.erase"))
        .await
        .unwrap();
    let after = store.view_share(SHARE_TOKEN, erasure.at).await.unwrap();
    assert_eq!(after.revoked_at, Some(erasure.at));
    assert!(after.items.is_empty());
    assert_eq!(after.view_count, 0);
}

// ---- learner codes (issue 4) ----------------------------------------------------------------

fn handle(text: &str) -> StoredHandle {
    StoredHandle::parse(text).unwrap()
}

fn code_id(text: &str) -> StoredCodeId {
    StoredCodeId::parse(text).unwrap()
}

/// A learner's handle is recorded once, found by look-up, and can belong to one learner only.
pub async fn learner_handles_are_recorded_once_and_found(store: &dyn Store) {
    load_fixture_city(store).await;
    let audit = system("learner.create");
    let first = store
        .create_learner(&new_learner(7, "310101", Some(1)), &audit)
        .await
        .unwrap();
    let second = store
        .create_learner(&new_learner(8, "310104", None), &audit)
        .await
        .unwrap();
    assert_eq!(store.learner_handle(first).await.unwrap(), None);
    let mine = handle("0123456789abcdef");
    store.record_learner_handle(first, &mine).await.unwrap();
    // The same handle again is a no-op.
    store.record_learner_handle(first, &mine).await.unwrap();
    assert_eq!(
        store.learner_handle(first).await.unwrap(),
        Some(mine.clone())
    );
    assert_eq!(
        store.find_learner_by_handle(&mine).await.unwrap(),
        Some(first)
    );
    assert_eq!(
        store
            .find_learner_by_handle(&handle("ffffffffffffffff"))
            .await
            .unwrap(),
        None
    );
    // Another learner cannot take the handle; the learner cannot get a second one.
    let taken = store
        .record_learner_handle(second, &mine)
        .await
        .unwrap_err();
    assert!(
        matches!(taken, StoreError::Conflict { field: "handle" }),
        "{taken:?}"
    );
    let other = store
        .record_learner_handle(first, &handle("aaaaaaaaaaaaaaaa"))
        .await
        .unwrap_err();
    assert!(
        matches!(other, StoreError::Conflict { field: "handle" }),
        "{other:?}"
    );
    assert_eq!(store.learner_handle(second).await.unwrap(), None);
    let unknown = store
        .record_learner_handle(
            LearnerId::new(first.get() + 100),
            &handle("bbbbbbbbbbbbbbbb"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(unknown, StoreError::NotFound { what: "learner" }),
        "{unknown:?}"
    );
    // Malformed handles and code ids cannot be made.
    for bad in [
        "",
        "0123456789ABCDEF",
        "0123456789abcde",
        "0123456789abcdeg",
    ] {
        assert!(StoredHandle::parse(bad).is_err(), "{bad}");
    }
    assert!(StoredCodeId::parse("0123456789abcdef").is_err());
}

/// A code id is recorded as a check-in once: a replay is a conflict that writes nothing, and
/// unknown sites or learners are not found.
pub async fn a_check_in_is_recorded_once_per_code(store: &dyn Store) {
    load_fixture_city(store).await;
    let learner = store
        .create_learner(
            &new_learner(7, "310101", Some(1)),
            &system("learner.create"),
        )
        .await
        .unwrap();
    let staff = reviewer(store, "site.staff").await;
    let audit = bank_audit("check_in.record", "learner").about(learner);
    let check_in = NewCheckIn {
        code: code_id("0123456789abcdef0000000100000002"),
        learner,
        site: SiteId::new(1),
        at: T0,
        recorded_by: Some(staff),
    };
    store.record_check_in(&check_in, &audit).await.unwrap();
    assert_eq!(audit_count(store, "check_in.record").await, 1);
    let again = NewCheckIn {
        site: SiteId::new(2),
        at: T0 + time::Duration::seconds(20),
        ..check_in.clone()
    };
    let replay = store.record_check_in(&again, &audit).await.unwrap_err();
    assert!(
        matches!(replay, StoreError::Conflict { field: "code" }),
        "{replay:?}"
    );
    assert_eq!(audit_count(store, "check_in.record").await, 1);
    let unknown_site = store
        .record_check_in(
            &NewCheckIn {
                code: code_id("0123456789abcdef0000000100000003"),
                site: SiteId::new(999),
                ..check_in.clone()
            },
            &audit,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(unknown_site, StoreError::NotFound { what: "site" }),
        "{unknown_site:?}"
    );
    let unknown_learner = store
        .record_check_in(
            &NewCheckIn {
                code: code_id("0123456789abcdef0000000100000004"),
                learner: LearnerId::new(learner.get() + 100),
                ..check_in.clone()
            },
            &audit,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(unknown_learner, StoreError::NotFound { what: "learner" }),
        "{unknown_learner:?}"
    );
    let later = NewCheckIn {
        code: code_id("fedcba98765432100000000100000005"),
        site: SiteId::new(4),
        at: T0 + time::Duration::hours(2),
        recorded_by: None,
        ..check_in.clone()
    };
    store.record_check_in(&later, &audit).await.unwrap();
    let stored = store.learner_check_ins(learner).await.unwrap();
    assert_eq!(
        stored,
        vec![
            CheckInRecord {
                code: check_in.code.clone(),
                learner,
                site: SiteId::new(1),
                at: T0,
                recorded_by: Some(staff),
            },
            CheckInRecord {
                code: later.code.clone(),
                learner,
                site: SiteId::new(4),
                at: later.at,
                recorded_by: None,
            },
        ]
    );
    assert_eq!(audit_count(store, "check_in.record").await, 2);
}

// ---- mutual recognition (issue 4 §8) --------------------------------------------------------

const ED_KEY: &str = "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";
const SM2_KEY: &str = "zEPh8Vq1nJ3FbAKqL5NvhCBXvVtYRfpHk3D5xXe3g2Wm1sHQ3";

fn pinned(key_id: &str, multikey: &str) -> PinnedKey {
    PinnedKey {
        key_id: key_id.into(),
        public_key_multibase: multikey.into(),
    }
}

fn hangzhou(keys: Vec<PinnedKey>) -> NewTrustedBank {
    NewTrustedBank {
        name: "杭州市学分银行".into(),
        did: "did:web:bank.hangzhou.example".into(),
        base_url: "https://bank.hangzhou.example".into(),
        keys,
        added_at: T0,
        added_by: None,
    }
}

fn trust_audit(action: &str) -> AuditEvent {
    AuditEvent::new(Actor::System("suite".into()), action, "trusted_bank", "new")
}

/// A bank is put on the list with its institution (kind credit_bank) and keys; its DID once; a
/// refresh pins new keys, keeps old ones, and refuses a key id whose key changed, changing
/// nothing; every change is audited with the entry's id.
pub async fn trusted_banks_are_listed_and_refreshing_only_adds_keys(store: &dyn Store) {
    load_fixture_city(store).await;
    let first_key = pinned("did:web:bank.hangzhou.example#ed25519-1", ED_KEY);
    let added = store
        .add_trusted_bank(
            &hangzhou(vec![first_key.clone()]),
            &trust_audit("trust_list.add"),
        )
        .await
        .unwrap();
    assert_eq!(
        (added.name.as_str(), added.did.as_str(), added.refreshed_at),
        ("杭州市学分银行", "did:web:bank.hangzhou.example", T0)
    );
    assert_eq!(added.keys.len(), 1);
    assert_eq!(
        (added.keys[0].key.clone(), added.keys[0].pinned_at),
        (first_key.clone(), T0)
    );
    let institution = store.get_institution(added.institution).await.unwrap();
    assert_eq!(
        (institution.name.as_str(), institution.kind),
        ("杭州市学分银行", InstitutionKind::CreditBank)
    );

    let twice = store
        .add_trusted_bank(
            &hangzhou(vec![first_key.clone()]),
            &trust_audit("trust_list.add"),
        )
        .await;
    assert!(
        matches!(twice, Err(StoreError::Conflict { field: "did" })),
        "{twice:?}"
    );
    let blank = store
        .add_trusted_bank(
            &NewTrustedBank {
                name: "  ".into(),
                did: "did:web:other.example".into(),
                ..hangzhou(vec![first_key.clone()])
            },
            &trust_audit("trust_list.add"),
        )
        .await;
    assert!(
        matches!(blank, Err(StoreError::Invalid { field: "name", .. })),
        "{blank:?}"
    );
    let keyless = store
        .add_trusted_bank(
            &NewTrustedBank {
                did: "did:web:other.example".into(),
                ..hangzhou(Vec::new())
            },
            &trust_audit("trust_list.add"),
        )
        .await;
    assert!(
        matches!(keyless, Err(StoreError::Invalid { field: "keys", .. })),
        "{keyless:?}"
    );
    assert_eq!(
        store.trusted_banks().await.unwrap(),
        std::slice::from_ref(&added),
        "nothing else kept"
    );
    assert_eq!(
        audit_subjects(store, "trust_list.add").await,
        [added.id.to_string()]
    );

    let later = T0 + time::Duration::days(30);
    let second_key = pinned("did:web:bank.hangzhou.example#sm2-1", SM2_KEY);
    let refreshed = store
        .pin_trusted_bank_keys(
            added.id,
            std::slice::from_ref(&second_key),
            later,
            &trust_audit("trust_list.refresh"),
        )
        .await
        .unwrap();
    assert_eq!(refreshed.refreshed_at, later);
    assert_eq!(
        refreshed
            .keys
            .iter()
            .map(|key| (key.key.clone(), key.pinned_at))
            .collect::<Vec<_>>(),
        [(first_key.clone(), T0), (second_key.clone(), later)],
        "a key no longer published is kept"
    );
    let substituted = store
        .pin_trusted_bank_keys(
            added.id,
            &[pinned("did:web:bank.hangzhou.example#ed25519-1", SM2_KEY)],
            later + time::Duration::days(1),
            &trust_audit("trust_list.refresh"),
        )
        .await;
    assert!(
        matches!(substituted, Err(StoreError::Conflict { field: "keys" })),
        "{substituted:?}"
    );
    assert_eq!(store.trusted_bank(added.id).await.unwrap(), refreshed);
    assert_eq!(
        store
            .trusted_bank_by_did("did:web:bank.hangzhou.example")
            .await
            .unwrap(),
        Some(refreshed.clone())
    );
    assert_eq!(
        store
            .trusted_bank_by_did("did:web:nobody.example")
            .await
            .unwrap(),
        None
    );
    assert!(matches!(
        store.trusted_bank(added.id + 100).await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(
        audit_subjects(store, "trust_list.refresh").await,
        [added.id.to_string()]
    );
}

/// A bank is removed (with its reason), restored, and one of its keys distrusted for good;
/// each change is appended with its audit entry and read back by every way of reading the
/// entry; refusals (blank reason, removing twice, restoring a listed bank, an unknown or
/// already distrusted key, an unknown entry) write nothing; a refresh keeps the distrust.
pub async fn trust_is_taken_back_by_appended_changes(store: &dyn Store) {
    load_fixture_city(store).await;
    let ed = pinned("did:web:bank.hangzhou.example#ed25519-1", ED_KEY);
    let sm2 = pinned("did:web:bank.hangzhou.example#sm2-1", SM2_KEY);
    let added = store
        .add_trusted_bank(
            &hangzhou(vec![ed.clone(), sm2.clone()]),
            &trust_audit("trust_list.add"),
        )
        .await
        .unwrap();
    assert_eq!(added.removed, None);
    assert_eq!(added.trusted_keys().count(), 2);
    let change = |change: TrustChange, reason: &str, days: i64| NewTrustChange {
        bank: added.id,
        change,
        reason: reason.into(),
        at: T0 + time::Duration::days(days),
        by: None,
    };

    let removed = store
        .change_trust(
            &change(TrustChange::Remove, " 对方停止运营 ", 1),
            &trust_audit("trust_list.remove"),
        )
        .await
        .unwrap();
    assert_eq!(
        removed.removed,
        Some(Withdrawal {
            at: T0 + time::Duration::days(1),
            by: None,
            reason: "对方停止运营".into(),
        }),
        "the reason is kept trimmed"
    );
    assert_eq!(
        store
            .trusted_bank_by_did("did:web:bank.hangzhou.example")
            .await
            .unwrap(),
        Some(removed.clone())
    );
    assert_eq!(
        store.trusted_banks().await.unwrap(),
        std::slice::from_ref(&removed)
    );
    for (refused, field) in [
        (change(TrustChange::Remove, "again", 2), "bank"),
        (change(TrustChange::Restore, "   ", 2), "reason"),
    ] {
        let answer = store
            .change_trust(&refused, &trust_audit("trust_list.refused"))
            .await;
        assert!(
            matches!(
                (&answer, field),
                (Err(StoreError::Conflict { field: "bank" }), "bank")
                    | (
                        Err(StoreError::Invalid {
                            field: "reason",
                            ..
                        }),
                        "reason"
                    )
            ),
            "{answer:?}"
        );
    }
    let restored = store
        .change_trust(
            &change(TrustChange::Restore, "恢复运营", 3),
            &trust_audit("trust_list.restore"),
        )
        .await
        .unwrap();
    assert_eq!(restored.removed, None);
    let twice = store
        .change_trust(
            &change(TrustChange::Restore, "again", 4),
            &trust_audit("trust_list.refused"),
        )
        .await;
    assert!(
        matches!(twice, Err(StoreError::Conflict { field: "bank" })),
        "{twice:?}"
    );

    let distrust = |key_id: &str| TrustChange::Distrust {
        key_id: key_id.into(),
    };
    let distrusted = store
        .change_trust(
            &change(distrust(&ed.key_id), "私钥泄露", 5),
            &trust_audit("trust_list.distrust_key"),
        )
        .await
        .unwrap();
    assert_eq!(
        distrusted
            .keys
            .iter()
            .map(|key| (key.key.key_id.as_str(), key.distrusted.clone()))
            .collect::<Vec<_>>(),
        [
            (
                ed.key_id.as_str(),
                Some(Withdrawal {
                    at: T0 + time::Duration::days(5),
                    by: None,
                    reason: "私钥泄露".into(),
                })
            ),
            (sm2.key_id.as_str(), None),
        ]
    );
    assert_eq!(
        distrusted
            .trusted_keys()
            .map(|key| key.key.clone())
            .collect::<Vec<_>>(),
        std::slice::from_ref(&sm2)
    );
    let again = store
        .change_trust(
            &change(distrust(&ed.key_id), "again", 6),
            &trust_audit("trust_list.refused"),
        )
        .await;
    assert!(
        matches!(again, Err(StoreError::Conflict { field: "key_id" })),
        "{again:?}"
    );
    let unknown = store
        .change_trust(
            &change(distrust("did:web:bank.hangzhou.example#nope"), "x", 6),
            &trust_audit("trust_list.refused"),
        )
        .await;
    assert!(
        matches!(
            unknown,
            Err(StoreError::Invalid {
                field: "key_id",
                ..
            })
        ),
        "{unknown:?}"
    );
    let nobody = store
        .change_trust(
            &NewTrustChange {
                bank: added.id + 100,
                ..change(TrustChange::Remove, "x", 6)
            },
            &trust_audit("trust_list.refused"),
        )
        .await;
    assert!(
        matches!(nobody, Err(StoreError::NotFound { .. })),
        "{nobody:?}"
    );
    // A refresh that lists the distrusted key again leaves it distrusted.
    let refreshed = store
        .pin_trusted_bank_keys(
            added.id,
            &[ed.clone(), sm2.clone()],
            T0 + time::Duration::days(7),
            &trust_audit("trust_list.refresh"),
        )
        .await
        .unwrap();
    assert_eq!(refreshed.keys[0].distrusted, distrusted.keys[0].distrusted);
    assert_eq!(store.trusted_bank(added.id).await.unwrap(), refreshed);

    assert!(
        audit_subjects(store, "trust_list.refused").await.is_empty(),
        "a refused change is not audited"
    );
    for action in [
        "trust_list.remove",
        "trust_list.restore",
        "trust_list.distrust_key",
    ] {
        assert_eq!(
            audit_subjects(store, action).await,
            [added.id.to_string()],
            "{action}"
        );
    }
}

/// An outcome brought from a trusted bank is stored with its provenance and its audit entry;
/// the same credential again stores nothing and answers the outcome that holds it; an outcome
/// not submitted under the bank's institution is refused whole.
pub async fn an_external_outcome_is_stored_once_with_its_provenance(store: &dyn Store) {
    load_fixture_city(store).await;
    let learner = bank_learner(store, 1).await;
    let bank = store
        .add_trusted_bank(
            &hangzhou(vec![pinned(
                "did:web:bank.hangzhou.example#ed25519-1",
                ED_KEY,
            )]),
            &trust_audit("trust_list.add"),
        )
        .await
        .unwrap();
    let credential_id = "urn:uuid:0b9f3c1e-6a53-4d1c-9a55-2f9a3e0c1d7e";
    let brought = |provider: InstitutionId| NewExternalOutcome {
        outcome: NewOutcome {
            learner,
            external_id: credential_id.into(),
            submitted: SubmittedOutcome {
                provider,
                hours: None,
                score: None,
                ..calligraphy_outcome(1)
            },
            submitted_at: T0,
            submitted_by: None,
            automatic: None,
        },
        bank: bank.id,
        provenance: Provenance {
            credential_id: credential_id.into(),
            credential_sha256: "ab".repeat(32),
            document: r#"{"id":"urn:uuid:0b9f3c1e-6a53-4d1c-9a55-2f9a3e0c1d7e"}"#.into(),
            verified_at: T0,
            verified_with: vec!["did:web:bank.hangzhou.example#ed25519-1".into()],
            status_check: "active".into(),
            inclusion_check: "not checked: no tree head".into(),
        },
    };
    let audit = || bank_audit("external_credential.accept", "outcome");

    let elsewhere = store
        .record_external_outcome(&brought(InstitutionId::new(1)), &audit())
        .await;
    assert!(
        matches!(
            elsewhere,
            Err(StoreError::Invalid {
                field: "provider",
                ..
            })
        ),
        "{elsewhere:?}"
    );
    assert!(
        store
            .learner_external_outcomes(learner)
            .await
            .unwrap()
            .is_empty()
    );

    let new = brought(bank.institution);
    let Written::Stored(id) = store.record_external_outcome(&new, &audit()).await.unwrap() else {
        panic!("stored the first time");
    };
    let outcome = store.get_outcome(id).await.unwrap();
    assert_eq!(
        (
            outcome.learner,
            outcome.submitted.provider,
            outcome.external_id.as_str()
        ),
        (learner, bank.institution, credential_id)
    );
    assert_eq!(outcome.status, OutcomeStatus::InReview);
    let record = store.external_outcome(id).await.unwrap().unwrap();
    assert_eq!(
        record,
        ExternalOutcomeRecord {
            outcome: id,
            learner,
            bank: bank.id,
            provenance: new.provenance.clone(),
        }
    );
    assert_eq!(
        store.learner_external_outcomes(learner).await.unwrap(),
        [record]
    );

    assert_eq!(
        store.record_external_outcome(&new, &audit()).await.unwrap(),
        Written::AlreadyStored(id)
    );
    assert_eq!(
        audit_subjects(store, "external_credential.accept").await,
        [id.to_string()],
        "bringing it again writes nothing"
    );
    let local = match store
        .submit_outcome(
            &new_outcome(learner, 1, "local-1", T0),
            &bank_audit("outcome.submit", "outcome"),
        )
        .await
    {
        Ok(Written::Stored(id)) => id,
        other => panic!("{other:?}"),
    };
    assert_eq!(store.external_outcome(local).await.unwrap(), None);
}

// ---------------------------------------------------------------------------------------------
// The learning record store joined to the credit bank (LrsIntegrationStore, issue 5 §4, §5)
// ---------------------------------------------------------------------------------------------

const ANN: &str = "mbox:mailto:ann@example.com";
const BOB: &str = "mbox:mailto:bob@example.com";

fn link_of(keys: &[&str], learner: LearnerId) -> NewActorLink {
    NewActorLink {
        keys: keys.iter().map(|k| k.to_string()).collect(),
        learner,
        linked_at: LRS_T0,
        linked_by: None,
    }
}

async fn two_learners(store: &dyn Store) -> (LearnerId, LearnerId) {
    load_fixture_city(store).await;
    let audit = system("learner.create");
    let first = store
        .create_learner(&new_learner(7, "310101", Some(1)), &audit)
        .await
        .unwrap();
    let second = store
        .create_learner(&new_learner(8, "310104", None), &audit)
        .await
        .unwrap();
    (first, second)
}

fn row_of(learner: LearnerId, statement: &StoredStatement) -> LearnerStatementRow {
    LearnerStatementRow {
        learner,
        stored: micros(statement.statement.stored.as_ref().unwrap().datetime()),
        seq: statement.seq,
    }
}

fn ids_of(statements: &[StoredStatement]) -> Vec<String> {
    statements
        .iter()
        .map(|s| s.statement.id.as_ref().unwrap().as_str().to_string())
        .collect()
}

pub async fn lrs_actor_links_name_one_learner_and_are_audited(store: &dyn Store) {
    let (ann, bob) = two_learners(store).await;
    let audit = system("xapi_actor.link");
    assert!(
        store
            .link_actor(&link_of(&[ANN, "mbox_sha1sum:aa"], ann), &audit)
            .await
            .unwrap()
    );
    // The same keys again: nothing new, nothing written.
    assert!(
        !store
            .link_actor(&link_of(&[ANN], ann), &audit)
            .await
            .unwrap()
    );
    assert_eq!(audit_count(store, "xapi_actor.link").await, 1);
    // A key of another learner refuses the whole link: the new key is not kept either.
    assert!(matches!(
        store.link_actor(&link_of(&[BOB, ANN], bob), &audit).await,
        Err(StoreError::Conflict { field: "agent" })
    ));
    assert_eq!(store.actor_links(&[BOB.into()]).await.unwrap(), vec![]);
    assert!(matches!(
        store
            .link_actor(&link_of(&[BOB], LearnerId::new(999_999)), &audit)
            .await,
        Err(StoreError::NotFound { what: "learner" })
    ));
    assert!(matches!(
        store.link_actor(&link_of(&[], bob), &audit).await,
        Err(StoreError::Invalid { field: "agent", .. })
    ));
    assert_eq!(audit_count(store, "xapi_actor.link").await, 1);
    let links = store.learner_actor_links(ann).await.unwrap();
    assert_eq!(
        links
            .iter()
            .map(|l| l.agent_key.as_str())
            .collect::<Vec<_>>(),
        [ANN, "mbox_sha1sum:aa"]
    );
    assert_eq!(
        store
            .actor_links(&[ANN.into(), BOB.into(), "mbox_sha1sum:aa".into()])
            .await
            .unwrap()
            .iter()
            .map(|l| (l.agent_key.as_str(), l.learner))
            .collect::<Vec<_>>(),
        [(ANN, ann), ("mbox_sha1sum:aa", ann)]
    );
    assert!(store.learner_actor_links(bob).await.unwrap().is_empty());
}

pub async fn lrs_learner_timelines_page_newest_first_through_their_rows(store: &dyn Store) {
    let (ann, bob) = two_learners(store).await;
    let statements: Vec<_> = (1..=5)
        .map(|n| xapi_simple(n, LRS_T0 + minutes(i64::from(n)), "ann", "completed", "c"))
        .chain([xapi_simple(6, LRS_T0, "bob", "completed", "c")])
        .collect();
    store.insert_statements(&statements, &[]).await.unwrap();
    store
        .insert_statements(&[xapi_voiding(7, LRS_T0 + minutes(9), 2)], &[])
        .await
        .unwrap();
    assert_eq!(store.integration_applied().await.unwrap(), 0);
    let all = store.statements_after(0, 100).await.unwrap();
    assert_eq!(all.len(), 7);
    assert!(all.windows(2).all(|w| w[0].seq < w[1].seq));
    assert!(all[1].voided);
    let after_three = store.statements_after(all[2].seq, 2).await.unwrap();
    assert_eq!(ids_of(&after_three), [xapi_id(4), xapi_id(5)]);

    let rows: Vec<_> = all[..5].iter().map(|s| row_of(ann, s)).collect();
    // An unknown learner refuses the step whole.
    let mut bad = rows.clone();
    bad.push(row_of(LearnerId::new(999_999), &all[5]));
    assert!(matches!(
        store.record_integration(&bad, Some(all[6].seq)).await,
        Err(StoreError::NotFound { what: "learner" })
    ));
    assert_eq!(store.integration_applied().await.unwrap(), 0);
    assert_eq!(
        store
            .record_integration(&rows, Some(all[4].seq))
            .await
            .unwrap(),
        5
    );
    // Again: nothing new, and the mark never moves down.
    assert_eq!(store.record_integration(&rows, Some(1)).await.unwrap(), 0);
    assert_eq!(store.integration_applied().await.unwrap(), all[4].seq);
    store
        .record_integration(&[row_of(bob, &all[5])], Some(all[6].seq))
        .await
        .unwrap();
    assert_eq!(store.integration_applied().await.unwrap(), all[6].seq);

    // Newest first, the voided statement left out, a page at a time.
    let first = store
        .learner_statements(ann, &TimelineWindow::default(), 2)
        .await
        .unwrap();
    assert_eq!(ids_of(&first), [xapi_id(5), xapi_id(4)]);
    let last = &first[1];
    let next = store
        .learner_statements(
            ann,
            &TimelineWindow {
                before: Some((
                    micros(last.statement.stored.as_ref().unwrap().datetime()),
                    last.seq,
                )),
                ..Default::default()
            },
            2,
        )
        .await
        .unwrap();
    assert_eq!(ids_of(&next), [xapi_id(3), xapi_id(1)]);
    let window = store
        .learner_statements(
            ann,
            &TimelineWindow {
                from: Some(micros(LRS_T0 + minutes(3))),
                until: Some(micros(LRS_T0 + minutes(5))),
                before: None,
            },
            10,
        )
        .await
        .unwrap();
    assert_eq!(ids_of(&window), [xapi_id(4), xapi_id(3)]);
    assert_eq!(
        ids_of(
            &store
                .learner_statements(bob, &TimelineWindow::default(), 10)
                .await
                .unwrap()
        ),
        [xapi_id(6)]
    );

    // An actor's own statements, oldest first: not those that only mention them.
    let mention = xapi_statement(
        8,
        LRS_T0 + minutes(10),
        serde_json::json!({
            "actor": {"mbox": "mailto:cat@example.com"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/mentored"},
            "object": {"id": "http://example.com/activities/c"},
            "context": {"instructor": {"mbox": "mailto:ann@example.com"}},
        }),
    );
    let about = xapi_statement(
        9,
        LRS_T0 + minutes(11),
        serde_json::json!({
            "actor": {"mbox": "mailto:cat@example.com"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/mentored"},
            "object": {"objectType": "Agent", "mbox": "mailto:ann@example.com"},
        }),
    );
    store
        .insert_statements(&[mention, about], &[])
        .await
        .unwrap();
    let own = store.statements_of_agent(ANN, None, 3).await.unwrap();
    assert_eq!(ids_of(&own), [xapi_id(1), xapi_id(2), xapi_id(3)]);
    let position = (
        micros(own[2].statement.stored.as_ref().unwrap().datetime()),
        own[2].seq,
    );
    let rest = store
        .statements_of_agent(ANN, Some(position), 10)
        .await
        .unwrap();
    assert_eq!(ids_of(&rest), [xapi_id(4), xapi_id(5), xapi_id(9)]);
}

pub async fn lrs_statement_rules_are_versioned_and_never_change(store: &dyn Store) {
    assert!(
        store
            .list_statement_rule_versions()
            .await
            .unwrap()
            .is_empty()
    );
    let audit = AuditEvent::new(
        Actor::System("suite".into()),
        "xapi_rules.publish",
        "xapi_rules",
        "new",
    );
    let first = serde_json::json!({"rules": [{"verb": "a"}]});
    let second = serde_json::json!({"rules": []});
    assert_eq!(
        store
            .publish_statement_rules(&first, LRS_T0, None, &audit)
            .await
            .unwrap(),
        Version::FIRST
    );
    let two = store
        .publish_statement_rules(&second, LRS_T0 + minutes(1), None, &audit)
        .await
        .unwrap();
    assert_eq!(two.get(), 2);
    let versions = store.list_statement_rule_versions().await.unwrap();
    assert_eq!(
        versions
            .iter()
            .map(|v| (v.version.get(), v.body.clone()))
            .collect::<Vec<_>>(),
        [(1, first), (2, second)]
    );
    assert_eq!(versions[1].published_at, LRS_T0 + minutes(1));
    assert_eq!(audit_count(store, "xapi_rules.publish").await, 2);
}

fn with_attachment(n: u32, actor: &str, sha2: &str) -> xc_xapi::Statement {
    xapi_statement(
        n,
        LRS_T0 + minutes(i64::from(n)),
        serde_json::json!({
            "actor": {"mbox": format!("mailto:{actor}@example.com")},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/attached"},
            "object": {"id": "http://example.com/activities/c"},
            "attachments": [{
                "usageType": "http://example.com/usage/certificate",
                "display": {"en-US": "certificate"},
                "contentType": "text/plain",
                "length": 5,
                "sha2": sha2,
            }],
        }),
    )
}

pub async fn lrs_erasing_an_actor_deletes_what_is_about_them_and_nothing_else(store: &dyn Store) {
    use xc_xapi::documents::{DocumentMethod, DocumentResource};
    let (ann, bob) = two_learners(store).await;
    let only_ann = "a1".repeat(32);
    let shared = "b2".repeat(32);
    let bytes = |sha2: &str| AttachmentContent {
        sha2: sha2.to_string(),
        content_type: "text/plain".into(),
        content: b"hello".to_vec(),
    };
    let instructed = xapi_statement(
        5,
        LRS_T0 + minutes(5),
        serde_json::json!({
            "actor": {"mbox": "mailto:bob@example.com"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/attended"},
            "object": {"id": "http://example.com/activities/c"},
            "context": {"instructor": {"mbox": "mailto:ann@example.com"}},
        }),
    );
    let in_team = xapi_statement(
        6,
        LRS_T0 + minutes(6),
        serde_json::json!({
            "actor": {"mbox": "mailto:cat@example.com"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/attended"},
            "object": {"id": "http://example.com/activities/c"},
            "context": {"team": {"objectType": "Group", "member": [
                {"mbox": "mailto:ann@example.com"}, {"mbox": "mailto:dan@example.com"}
            ]}},
        }),
    );
    store
        .insert_statements(
            &[
                xapi_simple(1, LRS_T0 + minutes(1), "ann", "completed", "c"),
                with_attachment(2, "ann", &only_ann),
                with_attachment(3, "ann", &shared),
                with_attachment(4, "bob", &shared),
                instructed,
                in_team,
                xapi_simple(7, LRS_T0 + minutes(7), "bob", "completed", "c"),
            ],
            &[bytes(&only_ann), bytes(&shared)],
        )
        .await
        .unwrap();
    // Someone else voids ann's first statement, and refers to bob's.
    store
        .insert_statements(&[xapi_voiding(8, LRS_T0 + minutes(8), 1)], &[])
        .await
        .unwrap();
    let link_audit = system("xapi_actor.link");
    store
        .link_actor(&link_of(&[ANN], ann), &link_audit)
        .await
        .unwrap();
    store
        .link_actor(&link_of(&[BOB], bob), &link_audit)
        .await
        .unwrap();
    let all = store.statements_after(0, 100).await.unwrap();
    // In insertion order: statements 1 to 3 are ann's, 7 is bob's.
    let rows: Vec<_> = all[..3]
        .iter()
        .map(|s| row_of(ann, s))
        .chain([row_of(bob, &all[6])])
        .collect();
    store.record_integration(&rows, None).await.unwrap();
    let at = LRS_T0;
    for (resource, agent) in [
        (DocumentResource::State, ANN),
        (DocumentResource::AgentProfile, ANN),
        (DocumentResource::State, BOB),
        (DocumentResource::ActivityProfile, ""),
    ] {
        let scope = DocumentScope {
            agent_key: agent.into(),
            ..xapi_document_scope(resource)
        };
        store
            .write_document(
                &scope,
                "doc",
                &xapi_write(DocumentMethod::Put, "{\"a\": 1}", None, Some("*"), at),
            )
            .await
            .unwrap();
    }
    let before_bob = ids_of(&store.statements_of_agent(BOB, None, 100).await.unwrap());
    assert_eq!(before_bob, [xapi_id(4), xapi_id(5), xapi_id(7)]);

    let audit = AuditEvent::new(
        Actor::System("suite".into()),
        "xapi_actor.erase",
        "xapi_actor",
        "keyed-hash",
    );
    assert!(matches!(
        store.erase_actor(&[], &audit).await,
        Err(StoreError::Invalid { field: "agent", .. })
    ));
    let counts = store.erase_actor(&[ANN.into()], &audit).await.unwrap();
    assert_eq!(
        counts,
        ActorErasureCounts {
            statements: 5,
            documents: 2,
            attachments: 1,
            agents: 1,
            links: 1,
        }
    );
    assert_eq!(audit_count(store, "xapi_actor.erase").await, 1);
    // What was about ann is gone, also from the filters and the timeline.
    for n in [1, 2, 3, 5, 6] {
        assert!(store.get_statement(&xapi_uuid(n), false).await.is_err());
        assert!(store.get_statement(&xapi_uuid(n), true).await.is_err());
    }
    assert!(
        xapi_query_ids(
            store,
            &[
                ("agent", "{\"mbox\": \"mailto:ann@example.com\"}"),
                ("related_agents", "true")
            ]
        )
        .await
        .is_empty()
    );
    assert!(
        store
            .learner_statements(ann, &TimelineWindow::default(), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.agents_seen(ANN).await.unwrap().is_empty());
    assert!(store.learner_actor_links(ann).await.unwrap().is_empty());
    assert_eq!(
        store
            .attachments(&[only_ann.clone(), shared.clone()])
            .await
            .unwrap()
            .len(),
        1
    );
    // Everything else stays: bob's statements, the voiding statement, documents, attachment.
    assert_eq!(
        ids_of(&store.statements_of_agent(BOB, None, 100).await.unwrap()),
        [xapi_id(4), xapi_id(7)]
    );
    store.get_statement(&xapi_uuid(8), false).await.unwrap();
    assert_eq!(
        ids_of(
            &store
                .learner_statements(bob, &TimelineWindow::default(), 10)
                .await
                .unwrap()
        ),
        [xapi_id(7)]
    );
    assert_eq!(store.learner_actor_links(bob).await.unwrap().len(), 1);
    assert!(!store.agents_seen(BOB).await.unwrap().is_empty());
    let bob_state = DocumentScope {
        agent_key: BOB.into(),
        ..xapi_document_scope(DocumentResource::State)
    };
    assert!(store.document(&bob_state, "doc").await.unwrap().is_some());
    let ann_state = DocumentScope {
        agent_key: ANN.into(),
        ..xapi_document_scope(DocumentResource::State)
    };
    assert!(store.document(&ann_state, "doc").await.unwrap().is_none());
    let activity_profile = xapi_document_scope(DocumentResource::ActivityProfile);
    assert!(
        store
            .document(&activity_profile, "doc")
            .await
            .unwrap()
            .is_some()
    );
    // Nothing of ann's is left to erase.
    assert_eq!(
        store.erase_actor(&[ANN.into()], &audit).await.unwrap(),
        ActorErasureCounts::default()
    );
}
