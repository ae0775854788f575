//! The `xuecheng` binary as operators and scripts use it: flags, help, errors, exit codes,
//! backup and restore, user creation, graceful shutdown.

mod audit;
mod verify;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn xuecheng() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_xuecheng"));
    // Tests must not pick up the environment of whoever runs them.
    for (key, _) in std::env::vars() {
        if key.starts_with("XUECHENG_") {
            command.env_remove(key);
        }
    }
    command.env("XUECHENG_LOG__LEVEL", "warn");
    command
}

fn run(args: &[&str], dir: &Path) -> Output {
    xuecheng()
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run xuecheng")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn generate_tiny(dir: &Path) {
    let output = run(&["generate", "--scale", "tiny", "--data-dir", "data"], dir);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("1000 learners"),
        "{}",
        stdout(&output)
    );
    assert!(
        stdout(&output).contains(" xAPI statements"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn every_store_command_explains_the_data_flags() {
    let dir = tempfile::tempdir().unwrap();
    for command in [
        &["serve"][..],
        &["demo"],
        &["generate"],
        &["migrate"],
        &["config"],
        &["backup"],
        &["restore"],
        &["admin", "create-user"],
        &["lrs-client", "create"],
        &["lrs-actor", "erase"],
    ] {
        let mut args = command.to_vec();
        args.push("--help");
        let output = run(&args, dir.path());
        assert!(output.status.success(), "{command:?}");
        let help = stdout(&output);
        for flag in ["--data-dir", "--database-url", "--config"] {
            assert!(
                help.contains(flag),
                "{command:?} --help does not mention {flag}:\n{help}"
            );
        }
    }
    let top = stdout(&run(&["--help"], dir.path()));
    for command in [
        "serve", "demo", "generate", "migrate", "config", "backup", "restore", "admin",
    ] {
        assert!(top.contains(command), "{top}");
    }
}

#[test]
fn bad_flags_are_refused_with_the_flag_and_the_choices() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(
        &["generate", "--scale", "galaxy", "--data-dir", "data"],
        dir.path(),
    );
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.contains("--scale") && message.contains("tiny, district, city"),
        "{message}"
    );
    assert!(!dir.path().join("data").exists(), "nothing was created");
    let output = run(&["serve", "--listen", "localhost-ish"], dir.path());
    assert!(!output.status.success());
    assert!(stderr(&output).contains("--listen"), "{}", stderr(&output));
    let output = run(
        &["migrate", "--database-url", "mysql://root@localhost/x"],
        dir.path(),
    );
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("unknown database URL scheme 'mysql'"),
        "{}",
        stderr(&output)
    );
    let output = run(&["config", "--config", "missing.toml"], dir.path());
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("missing.toml"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn generate_refuses_a_store_that_already_has_a_city() {
    let dir = tempfile::tempdir().unwrap();
    generate_tiny(dir.path());
    let key = dir.path().join("data/keys/pii.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let again = run(
        &["generate", "--scale", "tiny", "--data-dir", "data"],
        dir.path(),
    );
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("already holds a city"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn config_prints_layers_with_secrets_masked_and_warns_about_unknown_settings() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("xuecheng.toml"),
        "listen = \"127.0.0.1:9999\"\n[web]\nsecure_cookies = true\ncolour = \"red\"\n",
    )
    .unwrap();
    let output = xuecheng()
        .args(["config"])
        .env(
            "XUECHENG_DATABASE_URL",
            "postgres://app:hunter2@db.internal/xuecheng",
        )
        .env("XUECHENG_NOT_A_SETTING", "1")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let printed = stdout(&output);
    assert!(printed.contains("listen = \"127.0.0.1:9999\""), "{printed}");
    assert!(printed.contains("secure_cookies = true"), "{printed}");
    assert!(
        printed.contains("postgres://app:****@db.internal/xuecheng"),
        "{printed}"
    );
    assert!(!printed.contains("hunter2") && !stderr(&output).contains("hunter2"));
    let warnings = stderr(&output);
    assert!(warnings.contains("web.colour"), "{warnings}");
    assert!(warnings.contains("XUECHENG_NOT_A_SETTING"), "{warnings}");
    let bad = xuecheng()
        .args(["config"])
        .env("XUECHENG_WEB__SESSION_TTL_HOURS", "forever")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(
        stderr(&bad).contains("web.session_ttl_hours"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn backup_and_restore_keep_everything_and_refuse_what_is_not_a_backup() {
    let dir = tempfile::tempdir().unwrap();
    generate_tiny(dir.path());
    let output = run(&["backup", "--data-dir", "data", "copy.db"], dir.path());
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(dir.path().join("copy.db").metadata().unwrap().len() > 100_000);
    let again = run(&["backup", "--data-dir", "data", "copy.db"], dir.path());
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );

    std::fs::write(dir.path().join("junk.db"), "this is not a database").unwrap();
    let refused = run(&["restore", "--data-dir", "data", "junk.db"], dir.path());
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("not a xuecheng backup"),
        "{}",
        stderr(&refused)
    );
    let on_postgres = run(
        &[
            "restore",
            "--database-url",
            "postgres://postgres@127.0.0.1:1/xc",
            "copy.db",
        ],
        dir.path(),
    );
    assert!(!on_postgres.status.success());
    assert!(
        stderr(&on_postgres).contains("pg_restore"),
        "{}",
        stderr(&on_postgres)
    );
    let missing = run(&["restore", "--data-dir", "data", "nowhere.db"], dir.path());
    assert!(!missing.status.success());

    let restored = run(&["restore", "--data-dir", "data", "copy.db"], dir.path());
    assert!(restored.status.success(), "{}", stderr(&restored));
    let kept = std::fs::read_dir(dir.path().join("data"))
        .unwrap()
        .filter_map(Result::ok)
        .any(|e| e.file_name().to_string_lossy().contains("before-restore"));
    assert!(kept, "the replaced database is kept");
    // The restored store still holds the city.
    let again = run(
        &["generate", "--scale", "tiny", "--data-dir", "data"],
        dir.path(),
    );
    assert!(
        stderr(&again).contains("already holds a city"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn admin_create_user_reads_the_password_from_stdin_and_checks_the_scope() {
    let dir = tempfile::tempdir().unwrap();
    generate_tiny(dir.path());
    let create = |args: &[&str], password: &str| {
        let mut child = xuecheng()
            .args([
                "admin",
                "create-user",
                "--data-dir",
                "data",
                "--password-stdin",
            ])
            .args(args)
            .current_dir(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{password}\n").as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let ok = create(
        &[
            "--username",
            "zhang.admin",
            "--role",
            "district_admin",
            "--district",
            "310101",
        ],
        "a good long password",
    );
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(stdout(&ok).contains("created user zhang.admin"));
    let taken = create(
        &["--username", "zhang.admin", "--role", "city_admin"],
        "a good long password",
    );
    assert!(
        stderr(&taken).contains("already taken"),
        "{}",
        stderr(&taken)
    );
    let no_district = create(
        &["--username", "li.admin", "--role", "district_admin"],
        "a good long password",
    );
    assert!(
        stderr(&no_district).contains("--district"),
        "{}",
        stderr(&no_district)
    );
    let unknown_district = create(
        &[
            "--username",
            "li.admin",
            "--role",
            "district_admin",
            "--district",
            "310104",
        ],
        "a good long password",
    );
    assert!(
        stderr(&unknown_district).contains("no district 310104"),
        "{}",
        stderr(&unknown_district)
    );
    let short = create(&["--username", "li.admin", "--role", "auditor"], "short");
    assert!(stderr(&short).contains("at least 8"), "{}", stderr(&short));
    let bad_role = create(
        &["--username", "li.admin", "--role", "root"],
        "a good long password",
    );
    assert!(
        stderr(&bad_role).contains("--role"),
        "{}",
        stderr(&bad_role)
    );
    let no_stdin_flag = run(
        &[
            "admin",
            "create-user",
            "--data-dir",
            "data",
            "--username",
            "x.y",
            "--role",
            "auditor",
        ],
        dir.path(),
    );
    assert!(!no_stdin_flag.status.success());
    assert!(stderr(&no_stdin_flag).contains("--password-stdin"));
}

/// A running server that is killed if the test fails.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn http_get(address: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {address}\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

/// Starts `xuecheng COMMAND --data-dir data --listen 127.0.0.1:0` in `dir` and reads what it
/// prints until `ready` says enough has been printed (within `wait`).
fn start(
    dir: &Path,
    command: &str,
    wait: Duration,
    ready: impl Fn(&[String]) -> bool,
) -> (Server, Vec<String>) {
    let child = xuecheng()
        .args([command, "--data-dir", "data", "--listen", "127.0.0.1:0"])
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut server = Server(child);
    let mut lines = BufReader::new(server.0.stdout.take().unwrap()).lines();
    let deadline = Instant::now() + wait;
    let mut printed = Vec::new();
    while !ready(&printed) {
        assert!(
            Instant::now() < deadline,
            "xuecheng {command} did not finish starting: {printed:?}"
        );
        printed.push(lines.next().expect("output").unwrap());
    }
    (server, printed)
}

/// The address from the `serving at http://ADDR/` line.
fn address_in(printed: &[String]) -> String {
    let line = printed
        .iter()
        .find_map(|line| line.split("serving at http://").nth(1))
        .expect("the address is printed");
    line.split('/').next().unwrap().to_owned()
}

#[test]
fn serve_binds_serves_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    generate_tiny(dir.path());
    let (mut server, printed) = start(dir.path(), "serve", Duration::from_secs(30), |printed| {
        printed
            .iter()
            .any(|line| line.contains("serving at http://"))
    });
    let address = address_in(&printed);
    let health = http_get(&address, "/healthz");
    assert!(
        health.starts_with("HTTP/1.0 200") || health.starts_with("HTTP/1.1 200"),
        "{health}"
    );
    let home = http_get(&address, "/");
    assert!(home.contains("黄浦区"), "the tiny city is served");
    // Listening on port 0 without issuer.base_url: the DID names the port actually bound.
    let did = http_get(&address, "/.well-known/did.json");
    let port = address.rsplit(':').next().unwrap();
    assert!(
        did.contains(&format!("\"did:web:127.0.0.1%3A{port}\"")),
        "{did}"
    );
    let status = Command::new("kill")
        .args(["-TERM", &server.0.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(exit) = server.0.try_wait().unwrap() {
            assert!(exit.success(), "graceful shutdown exits 0, got {exit}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn migrate_applies_the_schema_and_is_repeatable() {
    let dir = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        let output = run(&["migrate", "--data-dir", "data"], dir.path());
        assert!(output.status.success(), "{}", stderr(&output));
        assert!(stdout(&output).contains("migrations applied (sqlite)"));
    }
    assert!(dir.path().join("data/xuecheng.db").exists());
}

#[test]
fn demo_generates_the_city_on_first_start_and_prints_a_sign_in_per_role() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, printed) = start(dir.path(), "demo", Duration::from_secs(300), |printed| {
        printed
            .iter()
            .filter(|line| line.trim_start().starts_with("demo-"))
            .count()
            == 6
    });
    let output = printed.join("\n");
    assert!(
        output.contains("generated the district-scale city"),
        "{output}"
    );
    assert!(output.contains("50000 learners"), "{output}");
    for login in [
        "demo-citizen",
        "demo-provider",
        "demo-bank",
        "demo-district",
        "demo-admin",
        "demo-auditor",
    ] {
        assert!(output.contains(login), "{login} is not printed: {output}");
    }
    assert!(
        output.contains("xuecheng-demo"),
        "the password is printed: {output}"
    );
    let address = address_in(&printed);
    let body = r#"{"username":"demo-district","password":"xuecheng-demo"}"#;
    let mut stream = TcpStream::connect(&address).unwrap();
    write!(
        stream,
        "POST /api/v1/session HTTP/1.0\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(
        response.contains("\"role\":\"district_admin\""),
        "the demo sign-in works: {response}"
    );
}

#[test]
fn lrs_client_create_prints_the_key_and_secret_scripts_read() {
    let dir = tempfile::tempdir().unwrap();
    let created = run(
        &[
            "lrs-client",
            "create",
            "--data-dir",
            "data",
            "--name",
            "上海学习网",
            "--scope",
            "statements/write",
            "--scope",
            "statements/read/mine",
        ],
        dir.path(),
    );
    assert!(created.status.success(), "{}", stderr(&created));
    let out = stdout(&created);
    let line = |prefix: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(prefix))
            .unwrap_or_else(|| panic!("no {prefix:?} line in:\n{out}"))
            .to_owned()
    };
    assert!(line("key: ").starts_with("xcl_"), "{out}");
    assert!(line("secret: ").len() >= 43, "{out}");
    assert_eq!(line("scopes: "), "statements/write statements/read/mine");
    // Scopes separated with commas, as the help says.
    let commas = run(
        &[
            "lrs-client",
            "create",
            "--data-dir",
            "data",
            "--name",
            "电视大学",
            "--scope",
            "state,profile",
        ],
        dir.path(),
    );
    assert!(commas.status.success(), "{}", stderr(&commas));
    assert!(
        stdout(&commas).contains("scopes: state profile"),
        "{}",
        stdout(&commas)
    );
    // Without --scope: all.
    let default = run(
        &[
            "lrs-client",
            "create",
            "--data-dir",
            "data",
            "--name",
            "博物馆",
        ],
        dir.path(),
    );
    assert!(default.status.success(), "{}", stderr(&default));
    assert!(
        stdout(&default).contains("scopes: all"),
        "{}",
        stdout(&default)
    );
    // Refusals name the flag.
    for (args, flag) in [
        (
            &["--name", "x", "--scope", "statements/delete"][..],
            "--scope",
        ),
        (&["--name", "x", "--institution", "99"][..], "--institution"),
        (&["--name", "  "][..], "--name"),
    ] {
        let mut all = vec!["lrs-client", "create", "--data-dir", "data"];
        all.extend_from_slice(args);
        let refused = run(&all, dir.path());
        assert!(!refused.status.success(), "{args:?}");
        assert!(
            stderr(&refused).contains(flag),
            "{args:?}: {}",
            stderr(&refused)
        );
    }
}

#[test]
fn lrs_actor_erase_names_a_bad_agent_and_reports_what_it_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let refused = run(
        &[
            "lrs-actor",
            "erase",
            "--data-dir",
            "data",
            "--agent",
            r#"{"mbox": "ann"}"#,
        ],
        dir.path(),
    );
    assert!(!refused.status.success());
    assert!(stderr(&refused).contains("--agent"), "{}", stderr(&refused));
    let erased = run(
        &[
            "lrs-actor",
            "erase",
            "--data-dir",
            "data",
            "--agent",
            r#"{"mbox": "mailto:ann@example.com"}"#,
        ],
        dir.path(),
    );
    assert!(erased.status.success(), "{}", stderr(&erased));
    assert!(
        stdout(&erased).contains("erased: 0 statements"),
        "{}",
        stdout(&erased)
    );
}
