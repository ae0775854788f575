//! What each subcommand does. Start-up is the same everywhere: load the configuration, set up
//! logging, open the store (which applies migrations) and the personal-data key.

use std::io::BufRead;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use tokio::net::TcpListener;
use xc_domain::{DisplayName, Password, Role, Scope, Username};
use xc_privacy::PiiVault;
use xc_store::{Actor, AuditEvent, NewUser, RoleAssignment, Store};

use crate::config::Config;
use crate::{AdminCommand, Command, LrsActorCommand, LrsClientCommand, StoreArgs};

pub(crate) async fn run(command: Command) -> Result<()> {
    match command {
        Command::Serve { store, listen } => {
            let config = load(&store, listen)?;
            serve(&config, false).await
        }
        Command::Demo { store, listen } => {
            let config = load(&store, listen)?;
            serve(&config, true).await
        }
        Command::Generate {
            store,
            scale,
            seed,
            statements,
        } => {
            let config = load(&store, None)?;
            let (store, vault) = open(&config).await?;
            let options = xc_gen::GenerateOptions::new(scale, seed);
            let options = if statements {
                options.with_statements()
            } else {
                options
            };
            generate(&*store, &vault, options).await
        }
        Command::Migrate { store } => {
            let config = load(&store, None)?;
            let store = open_store(&config).await?;
            println!("migrations applied ({})", store.engine());
            Ok(())
        }
        Command::Config { store, listen } => {
            let config = load(&store, listen)?;
            print!("{}", config.masked());
            Ok(())
        }
        Command::Backup { store, file } => {
            let config = load(&store, None)?;
            let store = open_store(&config).await?;
            store
                .backup_to(&file)
                .await
                .map_err(|e| anyhow::anyhow!("backup: {e}"))?;
            let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
            println!("backup written to {} ({size} bytes)", file.display());
            Ok(())
        }
        Command::Verify(args) => crate::verify::run(args).await,
        Command::Audit(args) => crate::audit::run(args).await,
        Command::Restore { store, file } => {
            let config = load(&store, None)?;
            restore(&config, &file).await
        }
        Command::Admin {
            command:
                AdminCommand::CreateUser {
                    store,
                    username,
                    role,
                    district,
                    institution,
                    display_name,
                    password_stdin,
                },
        } => {
            let config = load(&store, None)?;
            let username = Username::parse_new(&username)
                .map_err(|e| anyhow::anyhow!("--username: {}", e.reason))?;
            let scope = Scope::for_role(role, district.clone(), institution)
                .map_err(|e| anyhow::anyhow!("--{}: {}", e.field, e.reason))?;
            let display_name =
                DisplayName::parse(display_name.as_deref().unwrap_or(username.as_str()))
                    .map_err(|e| anyhow::anyhow!("--display-name: {}", e.reason))?;
            debug_assert!(password_stdin, "clap requires --password-stdin");
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .context("reading the password from standard input")?;
            let password = Password::parse(line.trim_end_matches(['\r', '\n']))
                .map_err(|e| anyhow::anyhow!("password (standard input): {}", e.reason))?;
            let store = open_store(&config).await?;
            create_user(&*store, username, display_name, role, scope, password).await
        }
        Command::LrsClient {
            command:
                LrsClientCommand::Create {
                    store,
                    name,
                    institution,
                    scopes,
                },
        } => {
            let config = load(&store, None)?;
            let store = open_store(&config).await?;
            create_lrs_client(&*store, name, institution, scopes).await
        }
        Command::LrsActor {
            command: LrsActorCommand::Erase { store, agent },
        } => {
            let config = load(&store, None)?;
            let agent = xc_bank::learning_records::parse_agent(&agent)
                .map_err(|e| anyhow::anyhow!("--agent: {}", e.reason))?;
            let (store, vault) = open(&config).await?;
            let counts = xc_bank::learning_records::erase_actor(
                &*store,
                &vault,
                &agent,
                Actor::System("cli:lrs-actor erase".into()),
            )
            .await
            .map_err(|e| anyhow::anyhow!("erasing the actor: {e}"))?;
            println!(
                "erased: {} statements, {} documents, {} attachments, {} agents, {} links",
                counts.statements,
                counts.documents,
                counts.attachments,
                counts.agents,
                counts.links
            );
            Ok(())
        }
    }
}

/// `xuecheng lrs-client create`: prints `key: …` and `secret: …` (scripts read these lines).
async fn create_lrs_client(
    store: &dyn Store,
    name: String,
    institution: Option<xc_domain::InstitutionId>,
    mut scopes: Vec<xc_xapi::scope::Scope>,
) -> Result<()> {
    if scopes.is_empty() {
        scopes.push(xc_xapi::scope::Scope::All);
    }
    let request = xc_web::xapi::clients::ClientRequest {
        name,
        institution,
        scopes: scopes.clone(),
    };
    let created = xc_web::xapi::clients::create_client(
        store,
        &request,
        None,
        Actor::System("cli:lrs-client create".into()),
    )
    .await
    .map_err(|error| match error.field() {
        Some(field) => anyhow::anyhow!("--{field}: {error}"),
        None => anyhow::anyhow!("{error}"),
    })?;
    println!(
        "created LRS client {} (id {})",
        request.name.trim(),
        created.id
    );
    println!("scopes: {}", xc_xapi::scope::Scope::join(&scopes));
    println!("key: {}", created.key);
    println!("secret: {}", created.secret);
    Ok(())
}

pub(crate) fn load(args: &StoreArgs, listen: Option<SocketAddr>) -> Result<Config> {
    let (config, warnings) = Config::load(args.config.as_deref(), &args.overrides(listen))?;
    init_logging(&config);
    for warning in warnings {
        tracing::warn!("{warning}");
    }
    Ok(config)
}

fn init_logging(config: &Config) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("XUECHENG_LOG")
        .unwrap_or_else(|_| EnvFilter::new(&config.log.level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if config.log.format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

pub(crate) async fn open_store(config: &Config) -> Result<Arc<dyn Store>> {
    xc_backend::open(
        config.database_url(),
        &config.data_dir,
        config.database.max_connections,
    )
    .await
    .map_err(|e| anyhow::anyhow!("opening the store: {e}"))
}

fn open_vault(config: &Config) -> Result<PiiVault> {
    use secrecy::ExposeSecret;
    let key = config.privacy.key.expose_secret();
    if key.is_empty() {
        PiiVault::open_or_create_key_file(&config.key_file())
            .map_err(|e| anyhow::anyhow!("privacy.key_file: {e}"))
    } else {
        PiiVault::from_hex(key).map_err(|e| anyhow::anyhow!("privacy.key: {e}"))
    }
}

async fn open(config: &Config) -> Result<(Arc<dyn Store>, PiiVault)> {
    let vault = open_vault(config)?;
    Ok((open_store(config).await?, vault))
}

async fn generate(
    store: &dyn Store,
    vault: &PiiVault,
    options: xc_gen::GenerateOptions,
) -> Result<()> {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg:>16} [{bar:40}] {pos}/{len} ({elapsed})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    let report = xc_gen::generate(store, vault, &options, &|progress| {
        bar.set_message(progress.stage);
        bar.set_length(progress.total);
        bar.set_position(progress.done);
    })
    .await
    .map_err(|e| anyhow::anyhow!("generate: {e}"))?;
    bar.finish_and_clear();
    println!(
        "generated the {}-scale city (seed {}) in {:.1} s: {} districts, {} subdistricts, {} neighbourhoods, {} institutions, {} sites, {} teachers, {} learners, {} demo logins; credit bank: {} specifications, {} outcomes ({} in review), {} recognition decisions, {} points awards, {} accredited providers; learning records: {} xAPI statements",
        report.scale,
        report.seed,
        report.elapsed.as_secs_f64(),
        report.districts,
        report.subdistricts,
        report.neighbourhoods,
        report.institutions,
        report.sites,
        report.teachers,
        report.learners,
        report.demo_logins,
        report.specifications,
        report.outcomes,
        report.outcomes_in_review,
        report.decisions,
        report.points_awards,
        report.accredited_providers,
        report.statements
    );
    Ok(())
}

async fn serve(config: &Config, demo: bool) -> Result<()> {
    // First, so a bad `[mutual]` setting fails before the store is opened or a demo generated.
    let web_config = config.web_config()?;
    let (store, vault) = open(config).await?;
    if demo && store.is_empty().await.map_err(|e| anyhow::anyhow!("{e}"))? {
        println!("first start: generating the demo city (district scale) …");
        generate(
            &*store,
            &vault,
            xc_gen::GenerateOptions::new(xc_gen::Scale::District, 2026),
        )
        .await?;
    }
    // Bind first, so a taken port fails before anything else starts.
    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let address = listener.local_addr()?;
    // Without `issuer.base_url` the issuer's address is the one served: the bound one, so
    // `--listen 127.0.0.1:0` names the port actually taken in the DID and share links.
    let served = Config {
        listen: address,
        ..config.clone()
    };
    let issuer = xc_issuer::Issuer::open(&config.issuer_key_dir(), served.issuer_profile())
        .map_err(|e| anyhow::anyhow!("issuer keys: {e}"))?;
    tracing::info!(issuer.did = issuer.keys().did(), "issuing as");
    let state = xc_web::AppState::new(store.clone(), vault, web_config, Arc::new(issuer))
        .await
        .map_err(|e| anyhow::anyhow!("loading the credit bank's standards: {e}"))?;
    let app = xc_web::router(state);
    println!(
        "xuecheng is serving at http://{address}/ (store: {})",
        store.engine()
    );
    if demo {
        println!(
            "demo sign-ins (password for all: {}):",
            xc_gen::DEMO_PASSWORD
        );
        for login in xc_gen::demo_logins() {
            println!(
                "  {:<14} {:<18} {}",
                login.username,
                login.role.as_str(),
                login.scope
            );
        }
    }
    let sweeper = tokio::spawn(sweep_sessions(store.clone()));
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .context("serving")?;
    sweeper.abort();
    tracing::info!("stopped");
    Ok(())
}

/// Removes expired sessions every hour.
async fn sweep_sessions(store: Arc<dyn Store>) {
    let mut every = tokio::time::interval(Duration::from_secs(3600));
    loop {
        every.tick().await;
        match store
            .delete_expired_sessions(time::OffsetDateTime::now_utc())
            .await
        {
            Ok(n) if n > 0 => tracing::info!(sessions.removed = n, "expired sessions removed"),
            Ok(_) => {}
            Err(error) => tracing::warn!(error = %error, "could not remove expired sessions"),
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

async fn create_user(
    store: &dyn Store,
    username: Username,
    display_name: DisplayName,
    role: Role,
    scope: Scope,
    password: Password,
) -> Result<()> {
    let (district, institution) = match &scope {
        Scope::District(code) => {
            store.get_district(code).await.map_err(|_| {
                anyhow::anyhow!("--district: there is no district {code} in the store")
            })?;
            (Some(code.clone()), None)
        }
        Scope::Institution(id) => {
            store.get_institution(*id).await.map_err(|_| {
                anyhow::anyhow!("--institution: there is no institution {id} in the store")
            })?;
            (None, Some(*id))
        }
        Scope::City | Scope::Own => (None, None),
    };
    let hash = tokio::task::spawn_blocking(move || xc_privacy::passwords::hash_password(&password))
        .await?;
    let user = NewUser {
        username: username.clone(),
        password_hash: Some(hash),
        display_name: display_name.as_str().to_owned(),
        role: RoleAssignment {
            role,
            district,
            institution,
        },
        learner: None,
    };
    let audit = AuditEvent::new(
        Actor::System("cli:admin create-user".into()),
        "user.create",
        "user",
        "new",
    )
    .with_detail(serde_json::json!({ "role": role.as_str() }));
    let id = store
        .create_user(&user, &audit)
        .await
        .map_err(|e| match e {
            xc_store::StoreError::Conflict { .. } => {
                anyhow::anyhow!("--username: '{username}' is already taken")
            }
            other => anyhow::anyhow!("{other}"),
        })?;
    println!(
        "created user {username} (id {id}) with role {}",
        role.as_str()
    );
    Ok(())
}

async fn restore(config: &Config, backup: &Path) -> Result<()> {
    if config
        .database_url()
        .is_some_and(|url| !url.starts_with("sqlite:"))
    {
        bail!(
            "restore works on the SQLite store; for PostgreSQL use pg_restore (see docs/operations.md)"
        );
    }
    if !backup.is_file() {
        bail!("FILE: {} does not exist or is not a file", backup.display());
    }
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("--data-dir: cannot create {}", config.data_dir.display()))?;
    let target = config.data_dir.join(xc_backend::SQLITE_FILE);
    let staging = config
        .data_dir
        .join(format!("{}.restoring", xc_backend::SQLITE_FILE));
    let _ = std::fs::remove_file(&staging);
    std::fs::copy(backup, &staging).with_context(|| format!("copying {}", backup.display()))?;
    // Open the copy as a store: proves it is a SQLite database of ours and brings its schema up
    // to date before it replaces anything.
    let check = async {
        let store = xc_store_sqlite_open(&staging).await?;
        store.ping().await.map_err(|e| anyhow::anyhow!("{e}"))?;
        store
            .list_districts()
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        anyhow::Ok(())
    };
    if let Err(error) = check.await {
        let _ = std::fs::remove_file(&staging);
        bail!(
            "FILE: {} is not a xuecheng backup: {error}",
            backup.display()
        );
    }
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(
            staging.with_file_name(format!("{}.restoring{suffix}", xc_backend::SQLITE_FILE)),
        );
    }
    if target.exists() {
        let stamp = time::OffsetDateTime::now_utc().unix_timestamp();
        let kept = config.data_dir.join(format!(
            "{}.before-restore-{stamp}",
            xc_backend::SQLITE_FILE
        ));
        std::fs::rename(&target, &kept)
            .with_context(|| format!("keeping the current database as {}", kept.display()))?;
        println!("the database it replaces is kept as {}", kept.display());
        for suffix in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(
                config
                    .data_dir
                    .join(format!("{}{suffix}", xc_backend::SQLITE_FILE)),
            );
        }
    }
    std::fs::rename(&staging, &target)
        .with_context(|| format!("moving the restored database to {}", target.display()))?;
    println!("restored {} into {}", backup.display(), target.display());
    Ok(())
}

async fn xc_store_sqlite_open(path: &Path) -> Result<Arc<dyn Store>> {
    let url = format!("sqlite:{}", path.display());
    let store = xc_backend::open(Some(&url), path.parent().unwrap_or(Path::new(".")), 1)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(store)
}
