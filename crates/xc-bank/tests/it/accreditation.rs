//! The register of accredited providers: a decision is in force once the standards are
//! reloaded, a withdrawal ends it from its day without changing earlier days, and bad input is
//! refused with the field and nothing recorded.

use time::macros::date;
use xc_bank::BankError;
use xc_bank::accreditation::{AccreditationInput, record_accreditation};
use xc_domain::InstitutionId;
use xc_domain::credit::AccreditationStatus;
use xc_store::StoreError;

use crate::support::{NOW, PROVIDER, audit, bank};

#[tokio::test]
async fn grants_and_withdrawals_are_in_force_after_reload_and_past_days_keep_their_answer() {
    let mut bank = bank().await;
    assert_eq!(
        bank.standards
            .accreditation(PROVIDER, date!(2026 - 06 - 30)),
        AccreditationStatus::Never
    );
    let grant = AccreditationInput::Grant {
        provider: PROVIDER,
        from: date!(2024 - 01 - 01),
        until: None,
        reason: "经审核符合非正规学习成果准入标准".into(),
    };
    let audit = audit("accreditation.record");
    record_accreditation(bank.store(), &grant, NOW, Some(bank.reviewer), &audit)
        .await
        .unwrap();
    bank.reload().await;
    assert!(
        bank.standards
            .accreditation(PROVIDER, date!(2026 - 06 - 30))
            .is_accredited()
    );
    let withdrawal = AccreditationInput::Withdraw {
        provider: PROVIDER,
        from: date!(2026 - 07 - 01),
        reason: "年度检查不合格".into(),
    };
    record_accreditation(bank.store(), &withdrawal, NOW, Some(bank.reviewer), &audit)
        .await
        .unwrap();
    bank.reload().await;
    assert!(
        bank.standards
            .accreditation(PROVIDER, date!(2026 - 06 - 30))
            .is_accredited()
    );
    assert_eq!(
        bank.standards
            .accreditation(PROVIDER, date!(2026 - 07 - 01)),
        AccreditationStatus::Withdrawn {
            from: date!(2026 - 07 - 01)
        }
    );
    let records = bank.store().list_accreditations().await.unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(records[1].decider.as_deref(), Some("reviewer"));
}

#[tokio::test]
async fn bad_decisions_are_refused_with_the_field_and_record_nothing() {
    let bank = bank().await;
    let audit = audit("accreditation.record");
    let backwards = AccreditationInput::Grant {
        provider: PROVIDER,
        from: date!(2026 - 01 - 02),
        until: Some(date!(2026 - 01 - 01)),
        reason: "审核通过".into(),
    };
    let blank = AccreditationInput::Withdraw {
        provider: PROVIDER,
        from: date!(2026 - 01 - 01),
        reason: "  ".into(),
    };
    for (input, field) in [(backwards, "until"), (blank, "reason")] {
        let error = record_accreditation(bank.store(), &input, NOW, None, &audit)
            .await
            .unwrap_err();
        assert!(
            matches!(&error, BankError::Invalid(invalid) if invalid.field == field),
            "{error:?}"
        );
    }
    let unknown = AccreditationInput::Withdraw {
        provider: InstitutionId::new(9_999),
        from: date!(2026 - 01 - 01),
        reason: "机构已注销".into(),
    };
    let error = record_accreditation(bank.store(), &unknown, NOW, None, &audit)
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            BankError::Store(StoreError::NotFound {
                what: "institution"
            })
        ),
        "{error:?}"
    );
    assert!(bank.store().list_accreditations().await.unwrap().is_empty());
}
