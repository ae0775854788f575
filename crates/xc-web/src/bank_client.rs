//! The one HTTP(S) client that fetches from other cities' credit banks (mutual recognition:
//! their DID documents, status lists, signed tree heads and inclusion proofs) and from this
//! machine (`xuecheng verify`'s status lists).
//!
//! - **HTTPS** through rustls (the `ring` provider) via hyper-rustls. The roots trusted are
//!   Mozilla's, bundled in the binary by `webpki-roots` (no OS trust store is read, nothing is
//!   downloaded), plus the [`ExtraRoots`] of the configuration (`mutual.extra_roots`: a PEM file
//!   of CA certificates, for banks on a government network's own PKI). A certificate that does
//!   not verify (unknown CA, another name, expired) is [`FetchError::Certificate`], saying so.
//! - **Plain HTTP** only to this machine (127.0.0.0/8, ::1, `localhost`: tests and the demo run
//!   two banks on loopback) unless [`PlainHttp::Allowed`] (`mutual.allow_plain_http`): keys
//!   pinned from a document anyone on the way could have swapped are worth nothing. The refusal
//!   is decided before any connection is made.
//! - Every fetch is a GET of JSON, [`FETCH_TIMEOUT`] and [`FETCH_LIMIT_BYTES`] at most.
//!
//! The client is built once (at start-up, in `WebConfig`) and shared: its connection pool and
//! TLS configuration serve every fetch.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Empty;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use rustls::RootCertStore;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, TrustAnchor};
use serde_json::Value;

/// How long one fetch from another bank may take.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest document fetched from another bank.
pub const FETCH_LIMIT_BYTES: usize = 4 * 1024 * 1024;

/// Why a document could not be fetched from another bank.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// A plain `http://` address of another machine while plain HTTP is for loopback only.
    #[error(
        "{url}: plain http:// is only fetched from this machine (127.0.0.1, ::1, localhost), since anyone on the way could swap the keys pinned from it: use the bank's https:// address (or set mutual.allow_plain_http on a closed network)"
    )]
    PlainHttp { url: String },
    /// The bank's TLS certificate did not verify.
    #[error("{url}: the bank's TLS certificate is not trusted: {reason}")]
    Certificate { url: String, reason: String },
    #[error("{url} is not reachable: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("{url} answered HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("{url} did not answer JSON: {reason}")]
    NotJson { url: String, reason: String },
}

/// Whether plain `http://` may be fetched from other machines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PlainHttp {
    /// Only from this machine (127.0.0.0/8, ::1, `localhost`); other banks over HTTPS.
    #[default]
    LoopbackOnly,
    /// From anywhere (`mutual.allow_plain_http`): only on a network where nobody can tamper.
    Allowed,
}

impl PlainHttp {
    /// Whether `uri` (whatever its scheme) may be fetched under this rule.
    fn permits(self, uri: &http::Uri) -> bool {
        match uri.scheme_str() {
            Some("http") => self == PlainHttp::Allowed || uri.host().is_some_and(is_loopback_host),
            _ => true,
        }
    }
}

/// True for a host that is this machine: `localhost`, 127.0.0.0/8 or ::1 (bracketed or not).
pub fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// CA certificates trusted besides the bundled roots (`mutual.extra_roots`).
#[derive(Debug, Clone, Default)]
pub struct ExtraRoots {
    anchors: Vec<TrustAnchor<'static>>,
}

/// Why the extra roots file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ExtraRootsError {
    #[error("cannot read {}: {reason}", path.display())]
    Unreadable { path: PathBuf, reason: String },
    #[error("{} is not PEM: {reason}", path.display())]
    NotPem { path: PathBuf, reason: String },
    #[error(
        "{} holds no certificate: give one or more PEM CA certificates (-----BEGIN CERTIFICATE-----)",
        path.display()
    )]
    NoCertificate { path: PathBuf },
    #[error("certificate {number} of {} cannot be a root: {reason}", path.display())]
    BadCertificate {
        path: PathBuf,
        number: usize,
        reason: String,
    },
}

impl ExtraRoots {
    /// Reads a PEM file of one or more CA certificates (other PEM sections, such as keys, are
    /// passed over).
    pub fn read(path: &Path) -> Result<Self, ExtraRootsError> {
        let pem = std::fs::read(path).map_err(|error| ExtraRootsError::Unreadable {
            path: path.to_owned(),
            reason: error.to_string(),
        })?;
        let certificates = CertificateDer::pem_slice_iter(&pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| ExtraRootsError::NotPem {
                path: path.to_owned(),
                reason: error.to_string(),
            })?;
        if certificates.is_empty() {
            return Err(ExtraRootsError::NoCertificate {
                path: path.to_owned(),
            });
        }
        let mut roots = RootCertStore::empty();
        for (index, certificate) in certificates.into_iter().enumerate() {
            roots
                .add(certificate)
                .map_err(|error| ExtraRootsError::BadCertificate {
                    path: path.to_owned(),
                    number: index + 1,
                    reason: error.to_string(),
                })?;
        }
        Ok(Self {
            anchors: roots.roots,
        })
    }

    /// How many certificates are trusted through this file.
    pub fn len(&self) -> usize {
        self.anchors.len()
    }

    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }
}

/// The client that fetches JSON from other banks (see the module doc). Cheap to clone: the
/// clones share one connection pool.
#[derive(Clone)]
pub struct BankClient {
    client: Client<HttpsConnector<HttpConnector>, Empty<Bytes>>,
    plain_http: PlainHttp,
    extra_roots: usize,
}

impl std::fmt::Debug for BankClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BankClient")
            .field("plain_http", &self.plain_http)
            .field("extra_roots", &self.extra_roots)
            .finish_non_exhaustive()
    }
}

impl Default for BankClient {
    /// The bundled roots only; plain HTTP to loopback only.
    fn default() -> Self {
        Self::new(&ExtraRoots::default(), PlainHttp::LoopbackOnly)
    }
}

impl BankClient {
    /// A client trusting the bundled Mozilla roots and `extra_roots`.
    pub fn new(extra_roots: &ExtraRoots, plain_http: PlainHttp) -> Self {
        let mut roots: RootCertStore = webpki_roots::TLS_SERVER_ROOTS.iter().cloned().collect();
        roots.extend(extra_roots.anchors.iter().cloned());
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("the ring provider supports rustls's default protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .build();
        Self {
            client: Client::builder(hyper_util::rt::TokioExecutor::new()).build(connector),
            plain_http,
            extra_roots: extra_roots.len(),
        }
    }

    /// Fetches a JSON document with a GET (see the module doc for what is fetched and the
    /// limits).
    pub async fn fetch_json(&self, url: &str) -> Result<Value, FetchError> {
        use http_body_util::BodyExt as _;
        let unreachable = |reason: String| FetchError::Unreachable {
            url: url.to_owned(),
            reason,
        };
        let uri: http::Uri = url
            .parse()
            .map_err(|error: http::uri::InvalidUri| unreachable(error.to_string()))?;
        if !matches!(uri.scheme_str(), Some("http" | "https")) {
            return Err(unreachable(
                "only http:// and https:// addresses are fetched".into(),
            ));
        }
        if !self.plain_http.permits(&uri) {
            return Err(FetchError::PlainHttp {
                url: url.to_owned(),
            });
        }
        let request = http::Request::get(uri)
            .header(
                http::header::ACCEPT,
                "application/did+json, application/vc+ld+json, application/json",
            )
            .body(Empty::new())
            .map_err(|error| unreachable(error.to_string()))?;
        let too_slow = || unreachable(format!("no answer within {} s", FETCH_TIMEOUT.as_secs()));
        let response = tokio::time::timeout(FETCH_TIMEOUT, self.client.request(request))
            .await
            .map_err(|_| too_slow())?
            .map_err(|error| match certificate_problem(&error) {
                Some(reason) => FetchError::Certificate {
                    url: url.to_owned(),
                    reason,
                },
                None => unreachable(error_chain(&error)),
            })?;
        if !response.status().is_success() {
            return Err(FetchError::Status {
                url: url.to_owned(),
                status: response.status().as_u16(),
            });
        }
        let body = http_body_util::Limited::new(response.into_body(), FETCH_LIMIT_BYTES);
        let bytes = tokio::time::timeout(FETCH_TIMEOUT, body.collect())
            .await
            .map_err(|_| too_slow())?
            .map_err(|error| unreachable(error.to_string()))?
            .to_bytes();
        serde_json::from_slice(&bytes).map_err(|error| FetchError::NotJson {
            url: url.to_owned(),
            reason: error.to_string(),
        })
    }
}

/// The error and its causes, as one line ("client error (Connect): tcp connect error: …").
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut next = error.source();
    while let Some(cause) = next {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        next = cause.source();
    }
    text
}

/// What was wrong with the server's certificate, when that is why the request failed. The
/// rustls error sits inside an `io::Error` (tokio-rustls) inside another (hyper-rustls), and an
/// `io::Error`'s `source` skips what it wraps, so each is looked into.
fn certificate_problem(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    if let Some(rustls::Error::InvalidCertificate(problem)) = error.downcast_ref::<rustls::Error>()
    {
        return Some(describe_certificate_problem(problem));
    }
    let wrapped = error
        .downcast_ref::<std::io::Error>()
        .and_then(std::io::Error::get_ref);
    if let Some(found) = wrapped.and_then(|inner| certificate_problem(inner)) {
        return Some(found);
    }
    error.source().and_then(certificate_problem)
}

fn describe_certificate_problem(problem: &rustls::CertificateError) -> String {
    use rustls::CertificateError as Problem;
    match problem {
        Problem::UnknownIssuer => {
            "it is issued by a certificate authority that is not trusted here \
             (neither a bundled root nor one of mutual.extra_roots)"
                .into()
        }
        Problem::NotValidForName | Problem::NotValidForNameContext { .. } => {
            format!("it is not issued for this host name ({problem})")
        }
        Problem::Expired | Problem::ExpiredContext { .. } => {
            format!("it has expired ({problem})")
        }
        Problem::NotValidYet | Problem::NotValidYetContext { .. } => {
            format!("it is not valid yet ({problem})")
        }
        Problem::Revoked => "it has been revoked".into(),
        other => format!("it does not verify ({other})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_for_this_machine_unless_allowed() {
        let uri = |text: &str| text.parse::<http::Uri>().unwrap();
        for here in [
            "http://127.0.0.1:8080/x",
            "http://127.9.9.9/x",
            "http://[::1]:9000/x",
            "http://localhost/x",
            "http://LOCALHOST:1/x",
        ] {
            assert!(PlainHttp::LoopbackOnly.permits(&uri(here)), "{here}");
        }
        for away in [
            "http://bank.example.org/x",
            "http://10.0.0.1/x",
            "http://0.0.0.0:1/x",
            "http://localhost.example.org/x",
        ] {
            assert!(!PlainHttp::LoopbackOnly.permits(&uri(away)), "{away}");
            assert!(PlainHttp::Allowed.permits(&uri(away)), "{away}");
        }
        assert!(PlainHttp::LoopbackOnly.permits(&uri("https://bank.example.org/x")));
    }

    /// `0.0.0.0` is not a loopback address, yet on Linux a connection to it reaches this
    /// machine: a listener on 127.0.0.1 sees whether a connection was attempted at all.
    #[tokio::test]
    async fn plain_http_elsewhere_is_refused_before_connecting_and_allowed_when_configured() {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let url = format!("http://0.0.0.0:{port}/.well-known/did.json");

        let refused = BankClient::default().fetch_json(&url).await;
        assert_eq!(refused, Err(FetchError::PlainHttp { url: url.clone() }));
        assert!(
            refused
                .unwrap_err()
                .to_string()
                .contains("mutual.allow_plain_http")
        );
        assert!(
            tokio::time::timeout(Duration::from_millis(200), listener.accept())
                .await
                .is_err(),
            "no connection was attempted"
        );

        let answering = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = Vec::new();
            let mut buffer = [0_u8; 1024];
            while !request.ends_with(b"\r\n\r\n") {
                let read = socket.read(&mut buffer).await.unwrap();
                assert!(read > 0, "the request ended early");
                request.extend_from_slice(&buffer[..read]);
            }
            let body = r#"{"id":"did:web:example"}"#;
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            socket.write_all(response.as_bytes()).await.unwrap();
        });
        let allowed = BankClient::new(&ExtraRoots::default(), PlainHttp::Allowed)
            .fetch_json(&url)
            .await
            .unwrap();
        assert_eq!(allowed["id"], "did:web:example");
        answering.await.unwrap();
    }

    #[tokio::test]
    async fn an_unreachable_bank_or_another_scheme_says_so() {
        // A port nothing listens on (bound, then closed).
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let client = BankClient::default();
        for url in [
            format!("http://127.0.0.1:{port}/.well-known/did.json"),
            format!("https://127.0.0.1:{port}/.well-known/did.json"),
            "ftp://bank.example.org/did.json".to_owned(),
        ] {
            assert!(
                matches!(
                    client.fetch_json(&url).await,
                    Err(FetchError::Unreachable { .. })
                ),
                "{url}"
            );
        }
    }

    #[test]
    fn extra_roots_refuse_a_file_without_a_certificate() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.pem");
        assert!(matches!(
            ExtraRoots::read(&missing),
            Err(ExtraRootsError::Unreadable { .. })
        ));
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let error = ExtraRoots::read(&empty).unwrap_err();
        assert!(matches!(error, ExtraRootsError::NoCertificate { .. }));
        assert!(error.to_string().contains("empty.pem"), "{error}");
        let garbled = dir.path().join("garbled.pem");
        std::fs::write(
            &garbled,
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let error = ExtraRoots::read(&garbled).unwrap_err();
        assert!(
            matches!(error, ExtraRootsError::BadCertificate { number: 1, .. }),
            "{error}"
        );
    }
}
