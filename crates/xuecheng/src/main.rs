//! The `xuecheng` binary: one program for operators and scripts. `serve` runs the platform,
//! `demo` runs it on a generated demo city, `generate` builds a demo city, `migrate`, `config`,
//! `backup`, `restore` and `admin` look after a deployment; `verify` checks an issued credential
//! offline and `audit` the stored transparency log. Every command that touches the store
//! takes `--data-dir`, `--database-url` and `--config` the same way (see [`StoreArgs`]).

#![allow(clippy::print_stdout)]
// A binary has no public API: `pub` marks what its modules share.
#![allow(unreachable_pub)]

mod audit;
mod commands;
mod config;
mod verify;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::config::Overrides;

/// mimalloc: batch imports and page rendering allocate many small strings on several threads,
/// where glibc's allocator spent a fifth of the import's time (see docs/benchmarks.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(
    name = "xuecheng",
    version,
    about = "学城 xuecheng: the lifelong-learning platform of a learning city",
    long_about = "学城 xuecheng: the lifelong-learning platform of a learning city.\n\n\
        Settings come from defaults, then a TOML file (--config, or ./xuecheng.toml when present), \
        then XUECHENG_* environment variables (nested keys joined by __, e.g. \
        XUECHENG_WEB__SECURE_COOKIES=true), then the flags given here."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the data is: the same flags on every command that reads or writes the store.
#[derive(Debug, Args, Clone)]
struct StoreArgs {
    /// The data directory: holds the SQLite database (xuecheng.db), the personal-data key
    /// (keys/pii.key, created on first start) and nothing else. Default: ./data
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Use this database instead of the SQLite file in the data directory:
    /// sqlite:PATH, or postgres://USER:PASSWORD@HOST:PORT/DATABASE for PostgreSQL.
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
    /// Read settings from this TOML file. Default: ./xuecheng.toml when it exists.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

impl StoreArgs {
    fn overrides(&self, listen: Option<SocketAddr>) -> Overrides {
        Overrides {
            data_dir: self.data_dir.clone(),
            listen,
            database_url: self.database_url.clone(),
        }
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the platform: web pages, JSON API, health and metrics. Applies pending migrations
    /// first; stops cleanly on Ctrl-C or SIGTERM.
    Serve {
        #[command(flatten)]
        store: StoreArgs,
        /// The address to listen on. Default: 127.0.0.1:8080
        #[arg(long, value_name = "ADDR")]
        listen: Option<SocketAddr>,
    },
    /// Run the platform on a demo city: generates the `district` scale on first start (when the
    /// store is empty), then serves, printing the address and one demo sign-in per role.
    Demo {
        #[command(flatten)]
        store: StoreArgs,
        /// The address to listen on. Default: 127.0.0.1:8080
        #[arg(long, value_name = "ADDR")]
        listen: Option<SocketAddr>,
    },
    /// Build a synthetic demo city into an empty store: Shanghai's real districts, subdistricts
    /// and neighbourhoods with generated sites, teachers and learners. The same seed always gives
    /// the same city.
    Generate {
        #[command(flatten)]
        store: StoreArgs,
        /// tiny: one district, about 1,000 learners (tests); district: the whole city
        /// geography, about 50,000 learners (the demo); city: 1,000,000 learners (benchmarks).
        #[arg(long, value_name = "SCALE", value_parser = parse_scale)]
        scale: xc_gen::Scale,
        /// The random seed; the same seed gives the same city.
        #[arg(long, value_name = "N", default_value_t = 2026)]
        seed: u64,
        /// Also write the learners' xAPI statement history into the learning record store
        /// (about 0.7 statements an outcome: some 700,000 at the district scale).
        #[arg(long)]
        statements: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Print the effective configuration (defaults, file, environment, flags) with secrets
    /// masked, and warn about settings that are not recognised.
    Config {
        #[command(flatten)]
        store: StoreArgs,
        /// The listen address, as `serve --listen` would take it.
        #[arg(long, value_name = "ADDR")]
        listen: Option<SocketAddr>,
    },
    /// Write a consistent copy of the SQLite database to FILE while the platform keeps running.
    /// (PostgreSQL: use pg_dump, see docs/operations.md.)
    Backup {
        #[command(flatten)]
        store: StoreArgs,
        /// Where to write the copy; it must not exist yet.
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Replace the SQLite database in the data directory with a backup. Stop the server first.
    /// The database it replaces is kept beside it as xuecheng.db.before-restore-TIMESTAMP.
    Restore {
        #[command(flatten)]
        store: StoreArgs,
        /// A file written by `xuecheng backup`.
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Check a credential the credit bank issued, offline: every proof, the validity period,
    /// the status and the log inclusion. Exit code 0 valid, 1 not valid, 2 unreadable input.
    Verify(verify::VerifyArgs),
    /// Recompute the transparency log from the stored entries and name every stored row that
    /// was changed or removed (entries, Merkle nodes, signed tree heads, issued credentials).
    /// Exit code 0 clean, 1 findings, 2 the store or key file cannot be read.
    Audit(audit::AuditArgs),
    /// Administration: accounts and roles.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Clients of the learning record store (/xapi/): learning platforms with HTTP Basic
    /// credentials.
    LrsClient {
        #[command(subcommand)]
        command: LrsClientCommand,
    },
    /// Actors of the learning record store: erasing everything about one on request.
    LrsActor {
        #[command(subcommand)]
        command: LrsActorCommand,
    },
}

#[derive(Debug, Subcommand)]
enum LrsActorCommand {
    /// Delete everything the learning record store holds about one actor (its statements,
    /// documents, attachments only they listed, links; docs/privacy.md), audited without the
    /// identifier in clear. Prints what was deleted.
    Erase {
        #[command(flatten)]
        store: StoreArgs,
        /// The actor as an xAPI Agent with one identifier, e.g. '{"mbox": "mailto:ann@example.com"}'.
        #[arg(long, value_name = "JSON")]
        agent: String,
    },
}

#[derive(Debug, Subcommand)]
enum LrsClientCommand {
    /// Create a client and print its key and secret (the secret is shown only now), as
    /// `key: …` and `secret: …` lines.
    Create {
        #[command(flatten)]
        store: StoreArgs,
        /// The platform's name, as staff see it and as the statements' authority names it.
        #[arg(long, value_name = "NAME")]
        name: String,
        /// The institution the platform belongs to (its id).
        #[arg(long, value_name = "ID", value_parser = parse_institution)]
        institution: Option<xc_domain::InstitutionId>,
        /// What the credentials may do: all, statements/write, statements/read,
        /// statements/read/mine, state or profile (repeat, or separate with commas).
        /// Default: all.
        #[arg(
            long = "scope",
            value_name = "SCOPE",
            value_parser = parse_scope,
            value_delimiter = ','
        )]
        scopes: Vec<xc_xapi::scope::Scope>,
    },
}

fn parse_scope(text: &str) -> Result<xc_xapi::scope::Scope, String> {
    xc_xapi::scope::Scope::parse(text, "--scope").map_err(|e| e.reason)
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Create a sign-in account with a role; the password is read from standard input
    /// (`echo "$PASSWORD" | xuecheng admin create-user ... --password-stdin`).
    CreateUser {
        #[command(flatten)]
        store: StoreArgs,
        /// 3 to 32 characters: lower-case letters, digits, '.', '_', '-'.
        #[arg(long, value_name = "U")]
        username: String,
        /// citizen, provider_staff, credit_bank_staff, district_admin, city_admin or auditor.
        #[arg(long, value_name = "ROLE", value_parser = parse_role)]
        role: xc_domain::Role,
        /// The district a district_admin is scoped to (6-digit code, e.g. 310101).
        #[arg(long, value_name = "CODE", value_parser = parse_district)]
        district: Option<xc_domain::DistrictCode>,
        /// The institution provider_staff belong to (its id).
        #[arg(long, value_name = "ID", value_parser = parse_institution)]
        institution: Option<xc_domain::InstitutionId>,
        /// The name shown for the account. Default: the user name.
        #[arg(long, value_name = "NAME")]
        display_name: Option<String>,
        /// Read the password from the first line of standard input (required: passwords are never
        /// taken as flags, which other users of the machine could see).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

fn parse_scale(text: &str) -> Result<xc_gen::Scale, String> {
    xc_gen::Scale::parse(text).map_err(|e| e.reason)
}

fn parse_role(text: &str) -> Result<xc_domain::Role, String> {
    xc_domain::Role::parse(text).map_err(|e| e.reason)
}

fn parse_district(text: &str) -> Result<xc_domain::DistrictCode, String> {
    xc_domain::DistrictCode::parse(text).map_err(|e| e.reason)
}

fn parse_institution(text: &str) -> Result<xc_domain::InstitutionId, String> {
    xc_domain::InstitutionId::parse(text).map_err(|e| e.reason)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // verify and audit end with their own exit codes.
            if let Some(exit) = error.downcast_ref::<verify::Exit>() {
                if let Some(message) = &exit.message {
                    eprintln!("error: {message}");
                }
                return ExitCode::from(exit.code);
            }
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
