//! What an LRS client's credentials allow: the scopes of Communication 4.2 ("OAuth
//! Authorization Scope"), which the LRS also grants to Basic credentials. A request is allowed
//! when one of the client's scopes covers what it does ([`Access`]).

use std::fmt;

use crate::error::{Result, XapiError};

/// One scope a client holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// Everything.
    All,
    /// Store statements (PUT, POST).
    StatementsWrite,
    /// Read every statement.
    StatementsRead,
    /// Read the statements this client stored.
    StatementsReadMine,
    /// The State resource, read and write.
    State,
    /// The Activity Profile and Agent Profile resources, read and write.
    Profile,
}

/// What a request does, for the scope check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    WriteStatements,
    ReadStatements,
    State,
    Profile,
    /// The Activities and Agents resources (definitions and Person objects): any client.
    Definitions,
}

/// How far a client may read statements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementReach {
    Every,
    OnlyMine,
}

impl Scope {
    /// Every scope, in the order the spec lists them.
    pub const ALL: [Scope; 6] = [
        Scope::All,
        Scope::StatementsWrite,
        Scope::StatementsRead,
        Scope::StatementsReadMine,
        Scope::State,
        Scope::Profile,
    ];

    /// The scope's name in the spec (`statements/read/mine`).
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::All => "all",
            Scope::StatementsWrite => "statements/write",
            Scope::StatementsRead => "statements/read",
            Scope::StatementsReadMine => "statements/read/mine",
            Scope::State => "state",
            Scope::Profile => "profile",
        }
    }

    /// Reads a scope's name; anything else is a 400 naming `field`.
    pub fn parse(text: &str, field: &str) -> Result<Self> {
        Scope::ALL
            .into_iter()
            .find(|scope| scope.as_str() == text.trim())
            .ok_or_else(|| {
                XapiError::bad_request(
                    field,
                    format!(
                        "{text:?} is not a scope: use one of {}",
                        Scope::ALL.map(Scope::as_str).join(", ")
                    ),
                )
            })
    }

    /// Reads a space- or comma-separated list of scopes (each kept once, sorted); an empty
    /// list is refused: a client without a scope could do nothing.
    pub fn parse_list(text: &str, field: &str) -> Result<Vec<Scope>> {
        let mut scopes = text
            .split([' ', ','])
            .filter(|part| !part.trim().is_empty())
            .map(|part| Scope::parse(part, field))
            .collect::<Result<Vec<_>>>()?;
        if scopes.is_empty() {
            return Err(XapiError::bad_request(
                field,
                "name at least one scope (all, statements/write, statements/read, …)",
            ));
        }
        scopes.sort();
        scopes.dedup();
        Ok(scopes)
    }

    /// The list as stored and shown: names separated by spaces.
    pub fn join(scopes: &[Scope]) -> String {
        scopes
            .iter()
            .map(|scope| scope.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether `scopes` allow `access`.
pub fn allows(scopes: &[Scope], access: Access) -> bool {
    scopes.iter().any(|scope| {
        matches!(
            (scope, access),
            (Scope::All, _)
                | (_, Access::Definitions)
                | (Scope::StatementsWrite, Access::WriteStatements)
                | (
                    Scope::StatementsRead | Scope::StatementsReadMine,
                    Access::ReadStatements
                )
                | (Scope::State, Access::State)
                | (Scope::Profile, Access::Profile)
        )
    })
}

/// How far `scopes` let a client read statements (`None`: not at all).
pub fn statement_reach(scopes: &[Scope]) -> Option<StatementReach> {
    if scopes
        .iter()
        .any(|s| matches!(s, Scope::All | Scope::StatementsRead))
    {
        Some(StatementReach::Every)
    } else if scopes.contains(&Scope::StatementsReadMine) {
        Some(StatementReach::OnlyMine)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back_and_unknown_names_are_refused() {
        for scope in Scope::ALL {
            assert_eq!(Scope::parse(scope.as_str(), "scope"), Ok(scope));
        }
        let error = Scope::parse("statements/delete", "scope").unwrap_err();
        assert_eq!(error.path, "scope");
        assert!(error.reason.contains("statements/read/mine"), "{error}");
        assert_eq!(
            Scope::parse_list("state, profile state", "scope").unwrap(),
            vec![Scope::State, Scope::Profile]
        );
        assert!(Scope::parse_list(" , ", "scope").is_err());
        assert_eq!(
            Scope::join(&[Scope::StatementsWrite, Scope::State]),
            "statements/write state"
        );
    }

    #[test]
    fn each_scope_allows_only_its_resources() {
        use Access::*;
        let cases: [(Scope, &[Access]); 6] = [
            (
                Scope::All,
                &[WriteStatements, ReadStatements, State, Profile, Definitions],
            ),
            (Scope::StatementsWrite, &[WriteStatements, Definitions]),
            (Scope::StatementsRead, &[ReadStatements, Definitions]),
            (Scope::StatementsReadMine, &[ReadStatements, Definitions]),
            (Scope::State, &[State, Definitions]),
            (Scope::Profile, &[Profile, Definitions]),
        ];
        for (scope, allowed) in cases {
            for access in [WriteStatements, ReadStatements, State, Profile, Definitions] {
                assert_eq!(
                    allows(&[scope], access),
                    allowed.contains(&access),
                    "{scope} {access:?}"
                );
            }
        }
        assert_eq!(
            statement_reach(&[Scope::StatementsReadMine]),
            Some(StatementReach::OnlyMine)
        );
        assert_eq!(
            statement_reach(&[Scope::StatementsReadMine, Scope::StatementsRead]),
            Some(StatementReach::Every)
        );
        assert_eq!(statement_reach(&[Scope::State]), None);
    }
}
