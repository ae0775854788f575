//! The `X-Experience-API-Version` header (Communication 3.3) and what differs between the two
//! versions this LRS speaks.
//!
//! Accepted: `1.0`, `1.0.0` … `1.0.3` and any later `1.0.x` patch (the spec requires accepting
//! every version starting with `1.0.`; authoring tools still send `1.0.2`), and `2.0`, `2.0.x`
//! (IEEE 9274.1.1, published as xAPI 2.0.0). Everything else — a missing header, `0.9`, `0.95`,
//! `1.1.0`, `2.1`, `3.0.0`, garbage — is `400 Bad Request` with a short description.

use crate::error::{Result, XapiError};

/// The header's name, as the spec writes it.
pub const VERSION_HEADER: &str = "X-Experience-API-Version";

/// The version family a request speaks. Within a family the statement model is the same; the
/// patch number is kept only for logs and for answering with the latest patch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum XapiVersion {
    /// xAPI 1.0.0 – 1.0.3 (and later 1.0.x patches).
    V1_0 {
        /// The patch number the client sent (`1.0` counts as `1.0.0`).
        patch: u32,
    },
    /// xAPI 2.0 (IEEE 9274.1.1-2023).
    V2_0 {
        /// The patch number the client sent (`2.0` counts as `2.0.0`).
        patch: u32,
    },
}

impl XapiVersion {
    /// xAPI 1.0.3, the latest 1.0.x patch.
    pub const LATEST_1_0: XapiVersion = XapiVersion::V1_0 { patch: 3 };
    /// xAPI 2.0.0.
    pub const LATEST_2_0: XapiVersion = XapiVersion::V2_0 { patch: 0 };

    /// Parses the header's value (`None` when the header is absent).
    pub fn from_header(value: Option<&str>) -> Result<Self> {
        let Some(value) = value else {
            return Err(XapiError::bad_request(
                VERSION_HEADER,
                "the header is required: send 1.0.3 or 2.0.0",
            ));
        };
        Self::parse(value.trim()).ok_or_else(|| {
            XapiError::bad_request(
                VERSION_HEADER,
                format!("version {value:?} is not supported: send 1.0.3 or 2.0.0"),
            )
        })
    }

    /// `1.0`, `1.0.N`, `2.0` or `2.0.N` (N decimal digits); `None` for anything else.
    pub fn parse(value: &str) -> Option<Self> {
        let (family, patch) = match value.strip_prefix("1.0") {
            Some(rest) => (1, rest),
            None => (2, value.strip_prefix("2.0")?),
        };
        let patch = if patch.is_empty() {
            0
        } else {
            let digits = patch.strip_prefix('.')?;
            if digits.is_empty() || digits.len() > 9 || !digits.bytes().all(|b| b.is_ascii_digit())
            {
                return None;
            }
            digits.parse().ok()?
        };
        Some(if family == 1 {
            XapiVersion::V1_0 { patch }
        } else {
            XapiVersion::V2_0 { patch }
        })
    }

    /// The value of `X-Experience-API-Version` on responses: the latest patch of the family
    /// the request spoke (Communication 3.3: "set this header to the latest patch version").
    pub fn response_header(self) -> &'static str {
        match self {
            XapiVersion::V1_0 { .. } => "1.0.3",
            XapiVersion::V2_0 { .. } => "2.0.0",
        }
    }

    /// True for the 2.0 family.
    pub fn is_2_0(self) -> bool {
        matches!(self, XapiVersion::V2_0 { .. })
    }

    /// The statement `version` property to store when the statement has none (Data 2.4.10:
    /// "if they lack a version, the version MUST be set to 1.0.0"; 2.0 likewise sets `2.0.0`).
    pub fn default_statement_version(self) -> &'static str {
        match self {
            XapiVersion::V1_0 { .. } => "1.0.0",
            XapiVersion::V2_0 { .. } => "2.0.0",
        }
    }

    /// Whether a statement's own `version` property is acceptable under this header. 1.0.x
    /// accepts only `1.0` / `1.0.x`; 2.0 accepts `1.0.x` too (a 1.0 statement is a valid 2.0
    /// statement) and `2.0` / `2.0.x`.
    pub fn accepts_statement_version(self, statement_version: &str) -> bool {
        match (self, XapiVersion::parse(statement_version)) {
            (_, None) => false,
            (XapiVersion::V1_0 { .. }, Some(v)) => matches!(v, XapiVersion::V1_0 { .. }),
            (XapiVersion::V2_0 { .. }, Some(_)) => true,
        }
    }

    /// 2.0 adds `context.contextAgents` and `context.contextGroups`.
    pub fn allows_context_agents_and_groups(self) -> bool {
        self.is_2_0()
    }

    /// 2.0 removed the alternate request syntax (`?method=` with a form body, Communication
    /// 1.3 of 1.0.3); the HTTP layer asks this before honouring it.
    pub fn allows_alternate_request_syntax(self) -> bool {
        !self.is_2_0()
    }

    /// The versions the About resource lists.
    pub fn supported() -> [&'static str; 2] {
        ["1.0.3", "2.0.0"]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_every_1_0_patch_and_2_0() {
        for (header, expected) in [
            ("1.0", XapiVersion::V1_0 { patch: 0 }),
            ("1.0.0", XapiVersion::V1_0 { patch: 0 }),
            ("1.0.1", XapiVersion::V1_0 { patch: 1 }),
            ("1.0.2", XapiVersion::V1_0 { patch: 2 }),
            ("1.0.3", XapiVersion::V1_0 { patch: 3 }),
            ("1.0.9", XapiVersion::V1_0 { patch: 9 }),
            (" 1.0.3 ", XapiVersion::V1_0 { patch: 3 }),
            ("2.0", XapiVersion::V2_0 { patch: 0 }),
            ("2.0.0", XapiVersion::V2_0 { patch: 0 }),
            ("2.0.1", XapiVersion::V2_0 { patch: 1 }),
        ] {
            assert_eq!(
                XapiVersion::from_header(Some(header)),
                Ok(expected),
                "{header}"
            );
        }
    }

    #[test]
    fn rejects_missing_old_future_and_malformed_versions() {
        for header in [
            "",
            "0.9",
            "0.95",
            "1",
            "1.1",
            "1.1.0",
            "1.0.",
            "1.0.x",
            "1.0.3.1",
            "1.00",
            "10.0",
            "2",
            "2.1",
            "2.1.0",
            "3.0.0",
            "2.0.0-beta",
            "1.0.-1",
            "1.0.99999999999",
        ] {
            let error = XapiVersion::from_header(Some(header)).unwrap_err();
            assert_eq!(error.status.code(), 400, "{header}");
            assert_eq!(error.path, VERSION_HEADER);
        }
        assert_eq!(
            XapiVersion::from_header(None).unwrap_err().status.code(),
            400
        );
    }

    #[test]
    fn answers_with_the_latest_patch_of_the_family() {
        assert_eq!(
            XapiVersion::parse("1.0.1").unwrap().response_header(),
            "1.0.3"
        );
        assert_eq!(
            XapiVersion::parse("2.0").unwrap().response_header(),
            "2.0.0"
        );
    }

    #[test]
    fn statement_versions_per_family() {
        let v1 = XapiVersion::LATEST_1_0;
        let v2 = XapiVersion::LATEST_2_0;
        assert!(v1.accepts_statement_version("1.0"));
        assert!(v1.accepts_statement_version("1.0.9"));
        assert!(!v1.accepts_statement_version("2.0.0"));
        assert!(!v1.accepts_statement_version("1.1.0"));
        assert!(!v1.accepts_statement_version("0.9.9"));
        assert!(v2.accepts_statement_version("2.0.0"));
        assert!(v2.accepts_statement_version("1.0.0"));
        assert!(!v2.accepts_statement_version("should fail"));
    }
}
