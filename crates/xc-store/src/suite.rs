//! The storage test suite: one set of behaviours every backend must show. A backend's tests
//! expand [`store_suite!`](crate::store_suite) with an expression that yields a fresh, migrated,
//! empty store, and get one `#[tokio::test]` per check.

use time::OffsetDateTime;
use time::macros::datetime;
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
    let consent = Consent {
        purpose: "learning_archive".into(),
        notice_version: "2026-01".into(),
        granted: true,
        at: T0,
    };
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
