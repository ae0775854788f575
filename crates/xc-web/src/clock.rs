//! The time the web layer reads where time decides an answer (a learner code's minute, whether
//! a scanned code has expired): the system clock in a running server, a settable one in tests,
//! so a test can move a minute on without sleeping.

use std::sync::{Arc, Mutex};

use time::OffsetDateTime;

/// The system clock, or a manual one that moves only when told.
#[derive(Clone, Default)]
pub struct Clock {
    manual: Option<Arc<Mutex<OffsetDateTime>>>,
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.manual {
            None => formatter.write_str("Clock(system)"),
            Some(_) => write!(formatter, "Clock(manual at {})", self.now()),
        }
    }
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock standing at `at` until it is set or advanced (tests).
    pub fn manual(at: OffsetDateTime) -> Self {
        Self {
            manual: Some(Arc::new(Mutex::new(at))),
        }
    }

    pub fn now(&self) -> OffsetDateTime {
        match &self.manual {
            None => OffsetDateTime::now_utc(),
            Some(at) => *at.lock().unwrap_or_else(std::sync::PoisonError::into_inner),
        }
    }

    /// Moves a manual clock on by `by` (the system clock cannot be moved: nothing happens).
    pub fn advance(&self, by: time::Duration) {
        if let Some(at) = &self.manual {
            let mut at = at.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            *at += by;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_advanced_and_clones_share_it() {
        let start = OffsetDateTime::from_unix_timestamp(1_767_225_600).unwrap();
        let clock = Clock::manual(start);
        let shared = clock.clone();
        assert_eq!(clock.now(), start);
        shared.advance(time::Duration::minutes(1));
        assert_eq!(clock.now(), start + time::Duration::minutes(1));
        let system = Clock::system();
        system.advance(time::Duration::days(365));
        assert!(system.now() - OffsetDateTime::now_utc() < time::Duration::minutes(1));
    }
}
