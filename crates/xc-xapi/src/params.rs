//! Query parameters of the xAPI resources: one reader for every resource, so that unknown and
//! repeated parameters are refused the same way everywhere.

use crate::error::{Result, XapiError};

/// The decoded `(name, value)` pairs of one request, checked against the names a resource
/// takes.
#[derive(Debug, Clone)]
pub(crate) struct Params<'a> {
    pairs: Vec<(&'a str, &'a str)>,
}

impl<'a> Params<'a> {
    /// Refuses a name not in `allowed` (naming `resource` and the allowed names) and a name
    /// given twice.
    pub(crate) fn collect(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
        allowed: &[&str],
        resource: &str,
    ) -> Result<Self> {
        let mut seen: Vec<(&'a str, &'a str)> = Vec::new();
        for (name, value) in pairs {
            if !allowed.contains(&name) {
                return Err(XapiError::bad_request(
                    name,
                    format!(
                        "is not a parameter of {resource} (allowed: {})",
                        allowed.join(", ")
                    ),
                ));
            }
            if seen.iter().any(|(n, _)| *n == name) {
                return Err(XapiError::bad_request(name, "is given more than once"));
            }
            seen.push((name, value));
        }
        Ok(Params { pairs: seen })
    }

    /// The value of `name`, if given.
    pub(crate) fn get(&self, name: &str) -> Option<&'a str> {
        self.pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    }

    /// The value of `name`, which must be given.
    pub(crate) fn required(&self, name: &str) -> Result<&'a str> {
        self.get(name)
            .ok_or_else(|| XapiError::bad_request(name, "is required"))
    }

    /// The names given, in order.
    pub(crate) fn names(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.pairs.iter().map(|(n, _)| *n)
    }

    /// A boolean parameter: exactly `true` or `false` (as in JSON), `default` when absent.
    pub(crate) fn boolean(&self, name: &str, default: bool) -> Result<bool> {
        match self.get(name) {
            None => Ok(default),
            Some("true") => Ok(true),
            Some("false") => Ok(false),
            Some(other) => Err(XapiError::bad_request(
                name,
                format!("must be true or false, not {other:?}"),
            )),
        }
    }
}
