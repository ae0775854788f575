//! Published versions of the bank's standards (outcome specifications, the non-formal rule, the
//! grade mapping). A decision records the version it was made under; changing a standard
//! publishes a new version and never alters an old one.
//!
//! Architecture invariant: nothing hands out `&mut` to a published version. [`Published`] has
//! private fields and only `&`-getters, [`VersionHistory`] only appends, and the values it holds
//! have no interior mutability, so once a version is published the compiler guarantees that what
//! it says stays what it said:
//!
//! ```compile_fail
//! use xc_domain::credit::VersionHistory;
//! let mut history = VersionHistory::first(String::from("16 h = 1 credit"), time::macros::date!(2024-01-01));
//! history.current().value().push_str(" (changed)"); // error: `value()` is a shared reference
//! ```

use std::fmt;
use std::num::NonZeroU32;

use time::Date;

use crate::Invalid;

/// A version number: 1 for the first publication, then 2, 3 …
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version(NonZeroU32);

impl Version {
    pub const FIRST: Version = Version(NonZeroU32::MIN);

    pub fn new(number: u32) -> Result<Self, Invalid> {
        NonZeroU32::new(number)
            .map(Self)
            .ok_or_else(|| Invalid::new("version", "versions are numbered from 1"))
    }

    pub const fn get(self) -> u32 {
        self.0.get()
    }

    fn next(self) -> Option<Version> {
        self.0.checked_add(1).map(Version)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}", self.0)
    }
}

/// One published version of a standard: read-only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published<T> {
    version: Version,
    published_on: Date,
    value: T,
}

impl<T> Published<T> {
    pub fn version(&self) -> Version {
        self.version
    }

    pub fn published_on(&self) -> Date {
        self.published_on
    }

    pub fn value(&self) -> &T {
        &self.value
    }
}

/// Every published version of one standard, oldest first; never empty; append-only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionHistory<T> {
    versions: Vec<Published<T>>,
}

impl<T: PartialEq> VersionHistory<T> {
    /// Publishes version 1.
    pub fn first(value: T, published_on: Date) -> Self {
        Self {
            versions: vec![Published {
                version: Version::FIRST,
                published_on,
                value,
            }],
        }
    }

    /// Rebuilds a history from storage: versions 1, 2, 3 … in order, publication dates never
    /// going back.
    pub fn restore(versions: Vec<(Version, Date, T)>) -> Result<Self, Invalid> {
        let mut history: Option<Self> = None;
        for (version, published_on, value) in versions {
            match &mut history {
                None if version == Version::FIRST => {
                    history = Some(Self::first(value, published_on));
                }
                None => {
                    return Err(Invalid::new(
                        "version",
                        format!("a history starts at v1, not {version}"),
                    ));
                }
                Some(existing) => {
                    let expected = existing.current().version.next();
                    if expected != Some(version) {
                        return Err(Invalid::new(
                            "version",
                            format!("{version} does not follow {}", existing.current().version),
                        ));
                    }
                    existing.push(value, published_on)?;
                }
            }
        }
        history.ok_or_else(|| Invalid::new("version", "a history has at least one version"))
    }

    /// Publishes a new version and returns its number. Refused when nothing changed (an
    /// unchanged republication would only blur which version a decision used) and when dated
    /// before the current version.
    pub fn revise(&mut self, value: T, published_on: Date) -> Result<Version, Invalid> {
        if self.current().value == value {
            return Err(Invalid::new(
                "version",
                format!("nothing changed since {}", self.current().version),
            ));
        }
        self.push(value, published_on)
    }

    fn push(&mut self, value: T, published_on: Date) -> Result<Version, Invalid> {
        let current = self.current();
        if published_on < current.published_on {
            return Err(Invalid::new(
                "published_on",
                format!(
                    "a new version cannot be dated {published_on}, before {} of {}",
                    current.published_on, current.version
                ),
            ));
        }
        let version = current
            .version
            .next()
            .ok_or_else(|| Invalid::new("version", "no more version numbers"))?;
        self.versions.push(Published {
            version,
            published_on,
            value,
        });
        Ok(version)
    }

    pub fn current(&self) -> &Published<T> {
        // Never empty: built by `first` or `restore`, and only ever appended to.
        &self.versions[self.versions.len() - 1]
    }

    pub fn version(&self, version: Version) -> Option<&Published<T>> {
        self.versions.get(version.get() as usize - 1)
    }

    /// The version in force on `date`: the latest published on or before it.
    pub fn as_of(&self, date: Date) -> Option<&Published<T>> {
        self.versions.iter().rev().find(|v| v.published_on <= date)
    }

    /// Oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &Published<T>> {
        self.versions.iter()
    }

    pub fn len(&self) -> usize {
        self.versions.len()
    }

    /// Always false: a history has at least its first version.
    pub fn is_empty(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn revisions_append_and_old_versions_stay_as_published() {
        let mut history = VersionHistory::first("16 h = 1 credit", date!(2024 - 01 - 01));
        let v2 = history
            .revise("18 h = 1 credit", date!(2025 - 01 - 01))
            .unwrap();
        assert_eq!(v2.get(), 2);
        assert_eq!(v2.to_string(), "v2");
        assert_eq!(history.len(), 2);
        assert!(!history.is_empty());
        assert_eq!(
            *history.version(Version::FIRST).unwrap().value(),
            "16 h = 1 credit"
        );
        assert_eq!(*history.current().value(), "18 h = 1 credit");
        assert_eq!(history.current().published_on(), date!(2025 - 01 - 01));
        assert_eq!(history.version(Version::new(3).unwrap()), None);
        assert_eq!(
            history
                .iter()
                .map(|v| v.version().get())
                .collect::<Vec<_>>(),
            vec![1, 2]
        );
    }

    #[test]
    fn the_version_in_force_is_the_latest_published_by_then() {
        let mut history = VersionHistory::first(1, date!(2024 - 01 - 01));
        history.revise(2, date!(2025 - 01 - 01)).unwrap();
        assert_eq!(history.as_of(date!(2023 - 12 - 31)), None);
        assert_eq!(*history.as_of(date!(2024 - 06 - 01)).unwrap().value(), 1);
        assert_eq!(*history.as_of(date!(2025 - 01 - 01)).unwrap().value(), 2);
    }

    #[test]
    fn unchanged_or_backdated_revisions_are_refused() {
        let mut history = VersionHistory::first(1, date!(2024 - 01 - 01));
        let error = history.revise(1, date!(2024 - 02 - 01)).unwrap_err();
        assert!(error.reason.contains("nothing changed since v1"));
        let error = history.revise(2, date!(2023 - 12 - 31)).unwrap_err();
        assert_eq!(error.field, "published_on");
        assert_eq!(history.len(), 1, "a refused revision leaves no trace");
    }

    #[test]
    fn histories_restore_only_in_sequence() {
        let v = |n| Version::new(n).unwrap();
        let restored = VersionHistory::restore(vec![
            (v(1), date!(2024 - 01 - 01), "a"),
            (v(2), date!(2024 - 01 - 01), "b"),
        ])
        .unwrap();
        assert_eq!(restored.current().version(), v(2));
        assert!(VersionHistory::<&str>::restore(vec![]).is_err());
        assert!(VersionHistory::restore(vec![(v(2), date!(2024 - 01 - 01), "a")]).is_err());
        let gap = VersionHistory::restore(vec![
            (v(1), date!(2024 - 01 - 01), "a"),
            (v(3), date!(2024 - 01 - 02), "b"),
        ])
        .unwrap_err();
        assert!(gap.reason.contains("v3 does not follow v1"));
        assert!(
            VersionHistory::restore(vec![
                (v(1), date!(2024 - 01 - 02), "a"),
                (v(2), date!(2024 - 01 - 01), "b"),
            ])
            .is_err()
        );
        assert!(Version::new(0).is_err());
    }
}
