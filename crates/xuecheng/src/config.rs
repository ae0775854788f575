//! The effective configuration: defaults, then a TOML file, then `XUECHENG_*` environment
//! variables (nested keys joined with `__`, e.g. `XUECHENG_WEB__SECURE_COOKIES=true`), then
//! command-line flags. Every setting has a safe default; secrets (`database_url`, `privacy.key`)
//! are `SecretString`s that `xuecheng config` prints masked. Unknown keys are reported, not
//! silently ignored.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// The configuration file looked for in the working directory when `--config` is not given.
pub const DEFAULT_CONFIG_FILE: &str = "xuecheng.toml";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Where the SQLite database, the personal-data key and backups live.
    pub data_dir: PathBuf,
    /// The address the web server listens on.
    pub listen: SocketAddr,
    /// `sqlite:PATH` or `postgres://USER:PASSWORD@HOST/DB`; empty for the SQLite file in
    /// `data_dir`.
    #[serde(serialize_with = "expose_for_layering")]
    pub database_url: SecretString,
    pub database: DatabaseConfig,
    pub web: WebSection,
    pub privacy: PrivacyConfig,
    pub issuer: IssuerConfig,
    pub mutual: MutualConfig,
    pub log: LogConfig,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct DatabaseConfig {
    /// Connections in the PostgreSQL pool.
    pub max_connections: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct WebSection {
    /// Mark cookies Secure; turn on when the site is served over HTTPS.
    pub secure_cookies: bool,
    pub session_ttl_hours: u32,
    /// Failed sign-ins allowed per user name (and per address) within the window.
    pub login_max_failures: u32,
    pub login_window_minutes: u32,
    /// How stale the city figures on the home page may be.
    pub overview_ttl_seconds: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct PrivacyConfig {
    /// The personal-data key file; empty for `DATA_DIR/keys/pii.key` (created on first start).
    pub key_file: PathBuf,
    /// The key itself as 128 hex digits, instead of a file (e.g. from a secret store).
    #[serde(serialize_with = "expose_for_layering")]
    pub key: SecretString,
}

/// The credit bank as issuer of credentials (issue 4).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct IssuerConfig {
    /// The public address of the site, `https://host[:port]` with no path; the issuer's DID
    /// is `did:web:<host>` of it (its document at `/.well-known/did.json`). Empty for
    /// `http://<listen>` (the address bound, when serving), which only suits a demo: set it
    /// before issuing for real, since every credential names the DID.
    pub base_url: String,
    /// The issuer's display name in every credential.
    pub name: String,
    /// The directory of the issuer's key files; empty for `DATA_DIR/keys/issuer` (created on
    /// first start).
    pub key_dir: PathBuf,
    /// Issue the credentials still owed (recognised outcomes without one, e.g. a freshly
    /// generated demo city) in the background from the start.
    pub issue_owed_at_start: bool,
}

/// Fetching from other cities' banks (mutual recognition, issue 4 §8; `xc_web::bank_client`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct MutualConfig {
    /// A PEM file of CA certificates trusted besides the bundled Mozilla roots (banks on a
    /// government network's own PKI); empty for none.
    pub extra_roots: PathBuf,
    /// Fetch plain `http://` from other machines too, not only from this one: anyone on the
    /// way could then swap the keys pinned. Only for a closed network.
    pub allow_plain_http: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct LogConfig {
    /// `info`, `debug`, or a tracing filter such as `xc_web=debug,info`.
    pub level: String,
    /// `text` or `json`.
    pub format: String,
}

fn expose_for_layering<S: serde::Serializer>(
    secret: &SecretString,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    // Only the defaults layer is serialised (an empty secret); printing goes through `masked`.
    serializer.serialize_str(secret.expose_secret())
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("./data"),
            listen: "127.0.0.1:8080".parse().expect("valid address"),
            database_url: SecretString::from(""),
            database: DatabaseConfig::default(),
            web: WebSection::default(),
            privacy: PrivacyConfig::default(),
            issuer: IssuerConfig::default(),
            mutual: MutualConfig::default(),
            log: LogConfig::default(),
        }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            max_connections: 16,
        }
    }
}

impl Default for WebSection {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            session_ttl_hours: 12,
            login_max_failures: 5,
            login_window_minutes: 15,
            overview_ttl_seconds: 10,
        }
    }
}

impl Default for PrivacyConfig {
    fn default() -> Self {
        Self {
            key_file: PathBuf::new(),
            key: SecretString::from(""),
        }
    }
}

impl Default for IssuerConfig {
    fn default() -> Self {
        Self {
            base_url: String::new(),
            name: "学城终身教育学分银行".into(),
            key_dir: PathBuf::new(),
            issue_owed_at_start: true,
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            level: "info".into(),
            format: "text".into(),
        }
    }
}

/// Flags that override the file and the environment.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub data_dir: Option<PathBuf>,
    pub listen: Option<SocketAddr>,
    pub database_url: Option<String>,
}

impl Config {
    /// Loads the layers. `file`: the `--config` flag; without it `./xuecheng.toml` is read if it
    /// exists. Returns the configuration and warnings about keys nobody reads.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<(Config, Vec<String>)> {
        Self::load_from(file, overrides, std::env::vars())
    }

    pub fn load_from(
        file: Option<&Path>,
        overrides: &Overrides,
        env: impl Iterator<Item = (String, String)>,
    ) -> Result<(Config, Vec<String>)> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        let file = match file {
            Some(path) => {
                if !path.exists() {
                    bail!("config file {} does not exist", path.display());
                }
                Some(path.to_path_buf())
            }
            None => Some(PathBuf::from(DEFAULT_CONFIG_FILE)).filter(|p| p.exists()),
        };
        let mut warnings = Vec::new();
        if let Some(path) = &file {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read config file {}", path.display()))?;
            let table: toml::Table = toml::from_str(&text)
                .map_err(|e| anyhow::anyhow!("config file {}: {e}", path.display()))?;
            warnings.extend(
                unknown_keys(&toml_to_json(toml::Value::Table(table)), &known_keys(), "")
                    .into_iter()
                    .map(|key| format!("{}: unknown key '{key}' is ignored", path.display())),
            );
            figment = figment.merge(Toml::file(path));
        }
        let mut env_layer = serde_json::Map::new();
        for (key, value) in env.filter(|(k, _)| k.starts_with("XUECHENG_")) {
            let path = key
                .trim_start_matches("XUECHENG_")
                .to_lowercase()
                .replace("__", ".");
            if !is_known_path(&path) {
                if !IGNORED_ENV.contains(&key.as_str()) {
                    warnings.push(format!(
                        "environment: {key} is not a setting and is ignored"
                    ));
                }
                continue;
            }
            insert_path(&mut env_layer, &path, env_value(&value));
        }
        figment = figment.merge(Serialized::defaults(serde_json::Value::Object(env_layer)));
        if let Some(dir) = &overrides.data_dir {
            figment = figment.merge(Serialized::default("data_dir", dir));
        }
        if let Some(listen) = overrides.listen {
            figment = figment.merge(Serialized::default("listen", listen));
        }
        if let Some(url) = &overrides.database_url {
            figment = figment.merge(Serialized::default("database_url", url));
        }
        let config: Config = figment
            .extract()
            .map_err(|error| anyhow::anyhow!(describe(error)))?;
        config.check()?;
        Ok((config, warnings))
    }

    fn check(&self) -> Result<()> {
        if !matches!(self.log.format.as_str(), "text" | "json") {
            bail!(
                "log.format: '{}' is not a log format: use text or json",
                self.log.format
            );
        }
        if self.database.max_connections == 0 {
            bail!("database.max_connections: must be at least 1");
        }
        if self.web.session_ttl_hours == 0 {
            bail!("web.session_ttl_hours: must be at least 1");
        }
        if self.web.login_max_failures == 0 {
            bail!("web.login_max_failures: must be at least 1");
        }
        xc_issuer::did_web_of(&self.issuer_base_url()).map_err(|e| anyhow::anyhow!("{e}"))?;
        if self.issuer.name.trim().is_empty() {
            bail!("issuer.name: must not be empty");
        }
        let url = self.database_url.expose_secret();
        if !url.is_empty() {
            xc_backend::Engine::of_url(url).map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        Ok(())
    }

    pub fn database_url(&self) -> Option<&str> {
        Some(self.database_url.expose_secret()).filter(|url| !url.is_empty())
    }

    pub fn key_file(&self) -> PathBuf {
        if self.privacy.key_file.as_os_str().is_empty() {
            self.data_dir.join("keys").join("pii.key")
        } else {
            self.privacy.key_file.clone()
        }
    }

    /// `issuer.base_url`, or `http://<listen>` when it is empty.
    pub fn issuer_base_url(&self) -> String {
        if self.issuer.base_url.is_empty() {
            format!("http://{}", self.listen)
        } else {
            self.issuer.base_url.clone()
        }
    }

    pub fn issuer_key_dir(&self) -> PathBuf {
        if self.issuer.key_dir.as_os_str().is_empty() {
            self.data_dir.join("keys").join("issuer")
        } else {
            self.issuer.key_dir.clone()
        }
    }

    pub fn issuer_profile(&self) -> xc_issuer::IssuerProfile {
        xc_issuer::IssuerProfile {
            name: self.issuer.name.clone(),
            base_url: self.issuer_base_url(),
        }
    }

    /// The web layer's settings, with the client for other banks built from `[mutual]` (its
    /// extra roots file read now: a file that cannot be used is an error naming the key).
    pub fn web_config(&self) -> Result<xc_web::WebConfig> {
        Ok(xc_web::WebConfig {
            secure_cookies: self.web.secure_cookies,
            session_ttl: time::Duration::hours(i64::from(self.web.session_ttl_hours)),
            login_max_failures: self.web.login_max_failures as usize,
            login_window: Duration::from_secs(u64::from(self.web.login_window_minutes) * 60),
            overview_ttl: Duration::from_secs(u64::from(self.web.overview_ttl_seconds)),
            upload_dir: Some(self.data_dir.join("uploads")),
            issue_owed_at_start: self.issuer.issue_owed_at_start,
            clock: xc_web::clock::Clock::system(),
            bank_client: self.bank_client()?,
        })
    }

    /// The client that fetches from other banks, as `[mutual]` says.
    pub fn bank_client(&self) -> Result<xc_web::bank_client::BankClient> {
        use xc_web::bank_client::{BankClient, ExtraRoots, PlainHttp};
        let extra_roots = if self.mutual.extra_roots.as_os_str().is_empty() {
            ExtraRoots::default()
        } else {
            ExtraRoots::read(&self.mutual.extra_roots)
                .map_err(|error| anyhow::anyhow!("mutual.extra_roots: {error}"))?
        };
        let plain_http = if self.mutual.allow_plain_http {
            PlainHttp::Allowed
        } else {
            PlainHttp::LoopbackOnly
        };
        Ok(BankClient::new(&extra_roots, plain_http))
    }

    /// The configuration as TOML with secrets masked.
    pub fn masked(&self) -> String {
        let mut value = serde_json::to_value(self).expect("config serialises");
        value["database_url"] =
            serde_json::Value::String(mask_url(self.database_url.expose_secret()));
        value["privacy"]["key"] =
            serde_json::Value::String(if self.privacy.key.expose_secret().is_empty() {
                String::new()
            } else {
                "********".into()
            });
        if self.privacy.key_file.as_os_str().is_empty() {
            value["privacy"]["key_file"] =
                serde_json::Value::String(format!("{} (default)", self.key_file().display()));
        }
        if self.issuer.key_dir.as_os_str().is_empty() {
            value["issuer"]["key_dir"] =
                serde_json::Value::String(format!("{} (default)", self.issuer_key_dir().display()));
        }
        if self.issuer.base_url.is_empty() {
            value["issuer"]["base_url"] =
                serde_json::Value::String(format!("{} (default)", self.issuer_base_url()));
        }
        toml::to_string_pretty(&value).expect("config as TOML")
    }
}

/// Environment variables of ours that are not settings.
const IGNORED_ENV: [&str; 3] = [
    "XUECHENG_LOG",
    "XUECHENG_TEST_DATABASE_URL",
    "XUECHENG_BROWSER_TESTS",
];

/// `postgres://user:secret@host/db` → `postgres://user:****@host/db`.
pub fn mask_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let rest = &url[scheme_end + 3..];
    let Some(at) = rest.find('@') else {
        return url.to_owned();
    };
    let userinfo = &rest[..at];
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{}{user}:****{}", &url[..scheme_end + 3], &rest[at..]),
        None => url.to_owned(),
    }
}

fn describe(error: figment::Error) -> String {
    let mut out = Vec::new();
    for e in error {
        let key = e.path.join(".");
        let source = e
            .metadata
            .as_ref()
            .map(|m| m.name.to_string())
            .unwrap_or_default();
        out.push(if key.is_empty() {
            format!("configuration: {}", e.kind)
        } else {
            format!("{key}: {} (from {source})", e.kind)
        });
    }
    out.join("; ")
}

fn known_keys() -> serde_json::Value {
    serde_json::to_value(Config::default()).expect("config serialises")
}

/// True for a setting (a leaf): `web.secure_cookies` is one, `web` is a section.
fn is_known_path(path: &str) -> bool {
    let keys = known_keys();
    let mut node = &keys;
    for part in path.split('.') {
        match node.get(part) {
            Some(next) => node = next,
            None => return false,
        }
    }
    !node.is_object()
}

fn unknown_keys(value: &serde_json::Value, known: &serde_json::Value, prefix: &str) -> Vec<String> {
    let mut unknown = Vec::new();
    if let (Some(map), Some(known_map)) = (value.as_object(), known.as_object()) {
        for (key, child) in map {
            let path = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            };
            match known_map.get(key) {
                Some(known_child) if known_child.is_object() => {
                    unknown.extend(unknown_keys(child, known_child, &path))
                }
                Some(_) => {}
                None => unknown.push(path),
            }
        }
    }
    unknown
}

/// An environment value as TOML would read it (`4` → number, `true` → boolean), else text.
fn env_value(text: &str) -> serde_json::Value {
    match toml::from_str::<toml::Table>(&format!("v = {text}")) {
        Ok(mut table) => table.remove("v").map(toml_to_json).unwrap_or_default(),
        Err(_) => serde_json::Value::String(text.to_owned()),
    }
}

fn insert_path(
    map: &mut serde_json::Map<String, serde_json::Value>,
    path: &str,
    value: serde_json::Value,
) {
    match path.split_once('.') {
        None => {
            map.insert(path.to_owned(), value);
        }
        Some((head, rest)) => {
            let child = map
                .entry(head.to_owned())
                .or_insert_with(|| serde_json::Value::Object(Default::default()));
            if let serde_json::Value::Object(child) = child {
                insert_path(child, rest, value);
            }
        }
    }
}

fn toml_to_json(value: toml::Value) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(
        toml_text: Option<&str>,
        env: &[(&str, &str)],
        overrides: Overrides,
    ) -> Result<(Config, Vec<String>)> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("xuecheng.toml");
        if let Some(text) = toml_text {
            std::fs::write(&path, text).unwrap();
        }
        let env = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<Vec<_>>();
        Config::load_from(
            toml_text.map(|_| path.as_path()),
            &overrides,
            env.into_iter(),
        )
    }

    #[test]
    fn defaults_are_safe() {
        let (config, warnings) = load(None, &[], Overrides::default()).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.data_dir, PathBuf::from("./data"));
        assert!(config.database_url().is_none());
        assert!(!config.web.secure_cookies);
        assert!(warnings.is_empty());
    }

    #[test]
    fn the_issuer_works_with_no_configuration() {
        let (config, _) = load(None, &[], Overrides::default()).unwrap();
        assert_eq!(config.issuer_base_url(), "http://127.0.0.1:8080");
        assert_eq!(
            config.issuer_key_dir(),
            PathBuf::from("./data").join("keys").join("issuer")
        );
        assert!(config.issuer.issue_owed_at_start);
        assert!(config.masked().contains("(default)"));
        let (config, warnings) = load(
            Some("[issuer]\nbase_url = \"https://bank.example.org\"\nkey_dir = \"/k\"\n"),
            &[("XUECHENG_ISSUER__ISSUE_OWED_AT_START", "false")],
            Overrides::default(),
        )
        .unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(config.issuer_profile().base_url, "https://bank.example.org");
        assert_eq!(config.issuer_key_dir(), PathBuf::from("/k"));
        assert!(!config.web_config().unwrap().issue_owed_at_start);
        let error = load(
            Some("[issuer]\nbase_url = \"https://bank.example.org/bank\"\n"),
            &[],
            Overrides::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("issuer.base_url"), "{error}");
    }

    #[test]
    fn the_mutual_section_builds_the_client_for_other_banks() {
        let (config, _) = load(None, &[], Overrides::default()).unwrap();
        assert!(config.mutual.extra_roots.as_os_str().is_empty());
        assert!(!config.mutual.allow_plain_http);
        let client = config.web_config().unwrap().bank_client;
        assert!(
            format!("{client:?}").contains("extra_roots: 0"),
            "{client:?}"
        );

        let dir = tempfile::tempdir().unwrap();
        let with_roots = |path: &Path| {
            load(
                Some(&format!(
                    "[mutual]\nextra_roots = {:?}\n",
                    path.display().to_string()
                )),
                &[],
                Overrides::default(),
            )
            .unwrap()
            .0
        };
        let ca = rcgen::CertificateParams::new(Vec::<String>::new())
            .unwrap()
            .self_signed(&rcgen::KeyPair::generate().unwrap())
            .unwrap();
        let good = dir.path().join("ca.pem");
        std::fs::write(&good, format!("# 政务外网根证书\n{}", ca.pem())).unwrap();
        let (config, warnings) = load(
            Some(&format!(
                "[mutual]\nextra_roots = {:?}\n",
                good.display().to_string()
            )),
            &[("XUECHENG_MUTUAL__ALLOW_PLAIN_HTTP", "true")],
            Overrides::default(),
        )
        .unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert!(config.mutual.allow_plain_http);
        let client = format!("{:?}", config.web_config().unwrap().bank_client);
        assert!(client.contains("extra_roots: 1"), "{client}");
        assert!(client.contains("Allowed"), "{client}");

        let missing = dir.path().join("missing.pem");
        let error = with_roots(&missing).web_config().unwrap_err().to_string();
        assert!(
            error.starts_with("mutual.extra_roots: cannot read"),
            "{error}"
        );
        assert!(error.contains(&missing.display().to_string()), "{error}");

        let key_only = dir.path().join("key.pem");
        std::fs::write(
            &key_only,
            rcgen::KeyPair::generate().unwrap().serialize_pem(),
        )
        .unwrap();
        let error = with_roots(&key_only).web_config().unwrap_err().to_string();
        assert!(error.starts_with("mutual.extra_roots: "), "{error}");
        assert!(error.contains(&key_only.display().to_string()), "{error}");
        assert!(error.contains("holds no certificate"), "{error}");
    }

    #[test]
    fn layers_apply_in_order_file_env_flags() {
        let file =
            "listen = \"127.0.0.1:9000\"\n[web]\nsession_ttl_hours = 2\nlogin_max_failures = 3\n";
        let env = [
            ("XUECHENG_WEB__SESSION_TTL_HOURS", "4"),
            ("XUECHENG_LISTEN", "127.0.0.1:9100"),
        ];
        let (config, _) = load(Some(file), &env, Overrides::default()).unwrap();
        assert_eq!(config.web.session_ttl_hours, 4, "environment beats file");
        assert_eq!(config.web.login_max_failures, 3, "file beats defaults");
        assert_eq!(config.listen.port(), 9100);
        let flags = Overrides {
            listen: Some("127.0.0.1:9200".parse().unwrap()),
            ..Default::default()
        };
        let (config, _) = load(Some(file), &env, flags).unwrap();
        assert_eq!(config.listen.port(), 9200, "flags beat everything");
    }

    #[test]
    fn unknown_keys_are_warned_about() {
        let file = "listen = \"127.0.0.1:9000\"\nlisten_port = 3\n[web]\nsecure_cookie = true\n";
        let (_, warnings) = load(
            Some(file),
            &[("XUECHENG_WEB__NOPE", "1")],
            Overrides::default(),
        )
        .unwrap();
        assert!(
            warnings.iter().any(|w| w.contains("'listen_port'")),
            "{warnings:?}"
        );
        assert!(
            warnings.iter().any(|w| w.contains("'web.secure_cookie'")),
            "{warnings:?}"
        );
        assert!(
            warnings.iter().any(|w| w.contains("XUECHENG_WEB__NOPE")),
            "{warnings:?}"
        );
    }

    #[test]
    fn bad_values_name_the_key() {
        let error = load(
            Some("listen = \"not an address\"\n"),
            &[],
            Overrides::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("listen"), "{error}");
        let error = load(
            None,
            &[("XUECHENG_WEB__SESSION_TTL_HOURS", "soon")],
            Overrides::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("web.session_ttl_hours"), "{error}");
        let error = load(Some("[log]\nformat = \"xml\"\n"), &[], Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(error.contains("log.format"), "{error}");
        let error = load(
            None,
            &[("XUECHENG_DATABASE_URL", "mysql://x")],
            Overrides::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("unknown database URL scheme"), "{error}");
        let error = load(Some("listen = [\n"), &[], Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(error.contains("xuecheng.toml"), "{error}");
    }

    #[test]
    fn secrets_are_masked_when_printed() {
        let env = [
            (
                "XUECHENG_DATABASE_URL",
                "postgres://app:hunter2@db.example/xc",
            ),
            ("XUECHENG_PRIVACY__KEY", "ab"),
        ];
        let (config, _) = load(None, &env, Overrides::default()).unwrap();
        let printed = config.masked();
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(
            printed.contains("postgres://app:****@db.example/xc"),
            "{printed}"
        );
        assert!(printed.contains("********"), "{printed}");
        assert!(!format!("{config:?}").contains("hunter2"));
        assert_eq!(mask_url("postgres://localhost/x"), "postgres://localhost/x");
    }
}
