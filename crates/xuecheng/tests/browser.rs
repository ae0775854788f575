//! End-to-end browser test: the real `xuecheng` binary generates the tiny demo city and serves
//! it; Debian's Chromium, driven through chromedriver (WebDriver, plain HTTP on loopback), walks
//! through the pages as a citizen would: the home page, the one-tap elder mode, registration and
//! signing in, then the demo citizen's archive and printable transcript, the learner code and a
//! staff check-in with it, sharing a credential and a verifier opening the share. Screenshots (and the
//! transcript printed as a PDF) land in `target/screenshots/` for a person to look at.
//!
//! Without Chromium and chromedriver the test prints "skipped: …" and passes, unless
//! `XUECHENG_BROWSER_TESTS=1` (CI sets it), when it fails and names `scripts/install-browser.sh`.
//! Every wait has a deadline, and every child process (the server, chromedriver and the browser
//! chromedriver starts) is stopped by a drop guard, also when the test panics.

#![cfg(unix)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use fantoccini::wd::{PrintConfiguration, PrintSize};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// Set to "1" to make a missing browser a failure instead of a skip.
const REQUIRE_VAR: &str = "XUECHENG_BROWSER_TESTS";

const DESKTOP: (u32, u32) = (1280, 900);
const PHONE: (u32, u32) = (390, 844);
/// The home page's heading in Chinese, the default language.
const HOME_TITLE: &str = "全市终身学习一览";

/// How long generating the tiny city may take (a debug build on a busy 2-core machine).
const GENERATE_DEADLINE: Duration = Duration::from_secs(180);
/// How long the server and chromedriver may take to come up.
const START_DEADLINE: Duration = Duration::from_secs(30);
/// How long the whole browser walk may take.
const BROWSER_DEADLINE: Duration = Duration::from_secs(300);
/// How long the server may take to issue the demo citizen's first credential after it starts.
const ISSUANCE_DEADLINE: Duration = Duration::from_secs(60);
/// How long one page may take to reach the state a step waits for.
const STEP_DEADLINE: Duration = Duration::from_secs(20);

#[test]
fn a_citizen_walks_through_the_pages_in_chromium() {
    let required = std::env::var(REQUIRE_VAR).is_ok_and(|v| v == "1");
    let missing: Vec<&str> = [CHROMIUM, CHROMEDRIVER]
        .into_iter()
        .filter(|path| !Path::new(path).exists())
        .collect();
    if !missing.is_empty() {
        let missing = missing.join(" and ");
        assert!(
            !required,
            "{REQUIRE_VAR}=1 but {missing} is not installed: run scripts/install-browser.sh \
             (as root) to install Chromium, chromedriver and Chinese fonts"
        );
        eprintln!(
            "skipped: {missing} is not installed (run scripts/install-browser.sh; \
             set {REQUIRE_VAR}=1 to make this a failure)"
        );
        return;
    }
    run();
}

/// Fails the test with the whole chain of causes.
fn or_fail<T>(result: Result<T>) -> T {
    result.unwrap_or_else(|error| panic!("browser test failed: {error:#}"))
}

/// Sets everything up and walks through the pages. Failures panic while the guards are still
/// alive, so that they print the logs of the server and of chromedriver as they stop them.
fn run() {
    let started = Instant::now();
    // Declared first so that it is removed last, after the guards below have stopped the
    // processes using it.
    let work = or_fail(tempfile::tempdir().context("creating a temporary directory"));
    let data_dir = work.path().join("data");
    let profile_dir = work.path().join("chromium-profile");
    or_fail(std::fs::create_dir_all(&profile_dir).context("creating the browser profile"));
    let shots = or_fail(screenshot_dir());

    or_fail(generate_tiny_city(work.path(), &data_dir));
    eprintln!(
        "browser: generated the tiny city ({:.1} s)",
        started.elapsed().as_secs_f64()
    );

    let (server, base) = or_fail(start_server(work.path(), &data_dir));
    let driver_port = or_fail(free_port());
    let driver = or_fail(start_chromedriver(work.path(), driver_port));
    eprintln!(
        "browser: server at {base}, chromedriver on port {driver_port} ({:.1} s)",
        started.elapsed().as_secs_f64()
    );

    let runtime = or_fail(
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("starting a tokio runtime"),
    );
    or_fail(runtime.block_on(async {
        let client = connect(driver_port, &profile_dir).await?;
        let walk = tokio::time::timeout(BROWSER_DEADLINE, walk_through(&client, &base, &shots))
            .await
            .unwrap_or_else(|_| bail!("the browser walk took longer than {BROWSER_DEADLINE:?}"));
        // Ending the session makes chromedriver close the browser; the guard stops it otherwise.
        let closed = tokio::time::timeout(Duration::from_secs(10), client.close()).await;
        walk?;
        closed
            .context("closing the WebDriver session timed out")?
            .context("closing the WebDriver session")
    }));
    drop(driver);
    drop(server);
    eprintln!(
        "browser: passed in {:.1} s; screenshots in {}",
        started.elapsed().as_secs_f64(),
        shots.display()
    );
}

/// The walk itself: what a citizen does, with what they should see checked at every step.
async fn walk_through(client: &Client, base: &str, shots: &Path) -> Result<()> {
    // The home page, at desktop size.
    set_viewport(client, DESKTOP).await?;
    client.goto(base).await?;
    wait_until(
        client,
        "the home page",
        "return document.readyState === 'complete'",
    )
    .await?;
    let title = client.title().await?;
    ensure!(
        title.contains(HOME_TITLE),
        "the title is {title:?}, not {HOME_TITLE:?}"
    );
    let heading = client.find(Locator::Css("h1")).await?.text().await?;
    ensure!(
        heading == HOME_TITLE,
        "the heading is {heading:?}, not {HOME_TITLE:?}"
    );
    ensure!(
        !has_elder_class(client).await?,
        "a new visitor starts in elder mode"
    );
    let normal_size = body_font_px(client).await?;
    save_screenshot(client, shots, "home-desktop.png").await?;

    // One tap on the elder-mode control: the page comes back larger.
    client
        .find(Locator::Id("elder-toggle"))
        .await?
        .click()
        .await?;
    wait_until(
        client,
        "the home page in elder mode (html.elder)",
        "return document.readyState === 'complete' \
            && document.documentElement.classList.contains('elder')",
    )
    .await?;
    let elder_size = body_font_px(client).await?;
    eprintln!("browser: body text {normal_size} px, in elder mode {elder_size} px");
    ensure!(
        elder_size > normal_size,
        "elder mode should enlarge the text: {normal_size} px before, {elder_size} px after"
    );
    let pressed = client
        .find(Locator::Id("elder-toggle"))
        .await?
        .attr("aria-pressed")
        .await?;
    ensure!(
        pressed.as_deref() == Some("true"),
        "the elder-mode control should report aria-pressed=true, not {pressed:?}"
    );
    save_screenshot(client, shots, "home-elder-desktop.png").await?;

    // The same page on a phone: the elder-mode choice is remembered (a cookie).
    set_viewport(client, PHONE).await?;
    client.goto(base).await?;
    wait_until(
        client,
        "the home page on a phone",
        "return document.readyState === 'complete'",
    )
    .await?;
    ensure!(
        has_elder_class(client).await?,
        "elder mode was not remembered"
    );
    check_fits_phone(client, "the home page in elder mode").await?;
    save_screenshot(client, shots, "home-elder-phone.png").await?;
    save_full_page_screenshot(client, shots, "home-elder-phone-full.png", PHONE).await?;

    // Back to normal text, then register.
    client
        .find(Locator::Id("elder-toggle"))
        .await?
        .click()
        .await?;
    wait_until(
        client,
        "the home page without elder mode",
        "return document.readyState === 'complete' \
            && !document.documentElement.classList.contains('elder')",
    )
    .await?;

    let national_id =
        xc_domain::NationalId::from_parts("310101", time::macros::date!(1958 - 03 - 15), 731)
            .map_err(|e| anyhow::anyhow!("building a test ID number: {}", e.reason))?;
    let national_id = national_id.expose().to_owned();
    let display_name = "李秀英";
    let username = "li.xiuying";
    let password = "learn-calligraphy-2026";

    client.goto(&format!("{base}register")).await?;
    wait_until(
        client,
        "the registration page",
        "return document.readyState === 'complete'",
    )
    .await?;
    check_fits_phone(client, "the registration page").await?;
    type_into(client, "display_name", display_name).await?;
    type_into(client, "national_id", &national_id).await?;
    client
        .find(Locator::Id("district_code"))
        .await?
        .select_by_value("310101")
        .await
        .context("choosing the district 310101")?;
    type_into(client, "username", username).await?;
    type_into(client, "password", password).await?;
    client.find(Locator::Id("consent")).await?.click().await?;
    let consent = client
        .find(Locator::Id("consent"))
        .await?
        .is_selected()
        .await?;
    ensure!(consent, "the consent box did not get ticked");
    // Scroll back up so the screenshot shows the top of the filled-in form.
    client
        .execute("window.scrollTo(0, 0); return true;", vec![])
        .await?;
    save_screenshot(client, shots, "register-phone.png").await?;
    save_full_page_screenshot(client, shots, "register-phone-full.png", PHONE).await?;
    client.find(Locator::Id("register")).await?.click().await?;
    if let Err(error) = wait_until(
        client,
        "the sign-in page after registering",
        "return document.readyState === 'complete' && location.pathname === '/login'",
    )
    .await
    {
        let text = page_text(client).await;
        return Err(error.context(format!("registration failed; the page says: {text}")));
    }
    let notice = client.find(Locator::Css("p.notice")).await?.text().await?;
    ensure!(!notice.is_empty(), "no notice after registering");

    // Sign in: the account page shows the name and only a masked ID number.
    type_into(client, "username", username).await?;
    type_into(client, "password", password).await?;
    client.find(Locator::Id("sign-in")).await?.click().await?;
    wait_until(
        client,
        "the account page after signing in",
        "return document.readyState === 'complete' && location.pathname === '/account'",
    )
    .await?;
    check_fits_phone(client, "the account page").await?;
    let heading = client.find(Locator::Css("h1")).await?.text().await?;
    ensure!(
        heading.contains(display_name),
        "the account page greets {heading:?}, without the name {display_name:?}"
    );
    let masked = client.find(Locator::Id("masked-id")).await?.text().await?;
    ensure!(
        masked.contains("**********"),
        "the ID number should be masked, the page shows {masked:?}"
    );
    let source = client.source().await?;
    ensure!(
        !source.contains(&national_id),
        "the account page contains the full ID number"
    );
    save_screenshot(client, shots, "account-phone.png").await?;
    save_full_page_screenshot(client, shots, "account-phone-full.png", PHONE).await?;

    // The demo citizen's learning archive, in elder mode on a phone: totals in words, a page of
    // the timeline, nothing wider than the screen.
    sign_in(client, base, "demo-citizen").await?;
    client
        .find(Locator::Id("elder-toggle"))
        .await?
        .click()
        .await?;
    wait_until(
        client,
        "elder mode on",
        "return document.readyState === 'complete' \
            && document.documentElement.classList.contains('elder')",
    )
    .await?;
    client.goto(&format!("{base}me/archive")).await?;
    wait_until(
        client,
        "the learning archive",
        "return document.readyState === 'complete' && location.pathname === '/me/archive'",
    )
    .await?;
    ensure!(
        has_elder_class(client).await?,
        "elder mode was not kept on the archive"
    );
    check_fits_phone(client, "the learning archive in elder mode").await?;
    let text = page_text(client).await;
    ensure!(
        text.contains("学习档案"),
        "the archive page does not say 学习档案: {text}"
    );
    let older = client.find(Locator::Id("older-records")).await?;
    ensure!(
        older.is_displayed().await?,
        "the link to older records is not shown"
    );
    save_screenshot(client, shots, "archive-elder-phone.png").await?;
    save_full_page_screenshot(client, shots, "archive-elder-phone-full.png", PHONE).await?;

    // The transcript from the archive's link: still elder mode, still a phone's width (each row
    // a card), and printed on A4 as a PDF for a person to look at.
    client
        .find(Locator::Id("transcript-link"))
        .await?
        .click()
        .await?;
    wait_until(
        client,
        "the transcript",
        "return document.readyState === 'complete' && location.pathname === '/me/transcript'",
    )
    .await?;
    ensure!(
        has_elder_class(client).await?,
        "elder mode was not kept on the transcript"
    );
    check_fits_phone(client, "the transcript in elder mode").await?;
    let text = page_text(client).await;
    ensure!(
        text.contains("成绩单") && text.contains("XC-"),
        "the transcript does not say 成绩单 with its reference: {text}"
    );
    save_screenshot(client, shots, "transcript-elder-phone.png").await?;
    save_full_page_screenshot(client, shots, "transcript-elder-phone-full.png", PHONE).await?;
    let a4 = PrintConfiguration::builder()
        .size(PrintSize::A4)
        .build()
        .map_err(|error| anyhow::anyhow!("an A4 print configuration: {error:?}"))?;
    let pdf = client.print(a4).await.context("printing the transcript")?;
    ensure!(
        pdf.starts_with(b"%PDF"),
        "printing the transcript gave no PDF"
    );
    std::fs::write(shots.join("transcript-print.pdf"), &pdf)
        .context("saving the printed transcript")?;

    walk_code_check_in_and_share(client, base, shots).await
}

/// The learner code and what it is for (issue 4): the demo citizen shows the code on a phone in
/// elder mode, the demo provider's staff types it in at one of their sites and sees the check-in
/// recorded; the citizen then shares a credential, and a verifier with no account opens the
/// share and the verify page.
async fn walk_code_check_in_and_share(client: &Client, base: &str, shots: &Path) -> Result<()> {
    // Still signed in as the demo citizen, in elder mode, on a phone.
    client.goto(&format!("{base}me/code")).await?;
    wait_until(
        client,
        "the learner code with its QR code",
        "return document.readyState === 'complete' \
            && document.querySelector('#learner-code-qr svg') !== null",
    )
    .await?;
    ensure!(
        has_elder_class(client).await?,
        "elder mode was not kept on the learner code"
    );
    check_fits_phone(client, "the learner code in elder mode").await?;
    let token = client
        .find(Locator::Id("learner-code"))
        .await?
        .attr("data-token")
        .await?
        .context("the learner code carries no token")?;
    save_screenshot(client, shots, "learner-code-elder-phone.png").await?;

    // The provider's staff check the citizen in with the code, on a phone, while it is fresh.
    sign_in(client, base, "demo-provider").await?;
    client.goto(&format!("{base}check-in")).await?;
    wait_until(
        client,
        "the check-in page's list of sites",
        "return document.readyState === 'complete' \
            && document.querySelector('.check-in-sites a') !== null",
    )
    .await?;
    check_fits_phone(client, "the list of sites to check in at").await?;
    client
        .find(Locator::Css(".check-in-sites a"))
        .await?
        .click()
        .await?;
    wait_until(
        client,
        "a site's check-in form",
        "return document.readyState === 'complete' \
            && document.getElementById('check-in-code') !== null",
    )
    .await?;
    type_into(client, "check-in-code", &token).await?;
    client
        .find(Locator::Css("#check-in-form button"))
        .await?
        .click()
        .await?;
    wait_until(
        client,
        "the check-in's verdict",
        "return document.readyState === 'complete' \
            && document.querySelector('.check-in-result') !== null",
    )
    .await?;
    let verdict = client.find(Locator::Css(".check-in-result")).await?;
    let class = verdict.attr("class").await?.unwrap_or_default();
    ensure!(
        class.split_whitespace().any(|c| c == "ok"),
        "the check-in was refused: {}",
        page_text(client).await
    );
    check_fits_phone(client, "the check-in verdict").await?;
    save_screenshot(client, shots, "check-in-phone.png").await?;

    // The citizen shares the first credential issued to them (the server issues the demo
    // city's credentials in the background after it starts).
    sign_in(client, base, "demo-citizen").await?;
    let deadline = Instant::now() + ISSUANCE_DEADLINE;
    loop {
        client.goto(&format!("{base}me/credentials")).await?;
        wait_until(
            client,
            "the learner's credentials",
            "return document.readyState === 'complete' \
                && location.pathname === '/me/credentials'",
        )
        .await?;
        let boxes = client
            .find_all(Locator::Css("#share-form input[name=credential]"))
            .await?;
        if let Some(first) = boxes.first() {
            first.click().await?;
            break;
        }
        ensure!(
            Instant::now() < deadline,
            "no credential was issued to the demo citizen within {ISSUANCE_DEADLINE:?}: {}",
            page_text(client).await
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    check_fits_phone(client, "the learner's credentials").await?;
    save_full_page_screenshot(client, shots, "credentials-phone-full.png", PHONE).await?;
    client
        .find(Locator::Css("#share-form button[type=submit]"))
        .await?
        .click()
        .await?;
    wait_until(
        client,
        "the new share",
        "return document.readyState === 'complete' \
            && location.pathname.startsWith('/me/shares/')",
    )
    .await?;
    let link = client
        .find(Locator::Css("figure.share-qr a"))
        .await?
        .attr("href")
        .await?
        .context("the share shows no link")?;
    let share_token = link
        .rsplit_once("/s/")
        .map(|(_, token)| token.to_owned())
        .with_context(|| format!("the share's link {link} is not a /s/ link"))?;
    check_fits_phone(client, "the new share").await?;
    save_screenshot(client, shots, "share-phone.png").await?;

    // A verifier, with no account, opens the link on a phone.
    client.delete_all_cookies().await?;
    client.goto(&format!("{base}s/{share_token}")).await?;
    wait_until(
        client,
        "the shared credential",
        "return document.readyState === 'complete' \
            && document.querySelector('.shared-credential') !== null",
    )
    .await?;
    ensure!(
        client
            .find_all(Locator::Css(".shared-credential h2 .badge.recognised"))
            .await?
            .len()
            == 1,
        "the shared credential is not shown as valid: {}",
        client
            .find(Locator::Css(".shared-credential"))
            .await?
            .text()
            .await?
    );
    check_fits_phone(client, "the shared credential").await?;
    save_full_page_screenshot(client, shots, "shared-phone-full.png", PHONE).await?;
    client.goto(&format!("{base}verify")).await?;
    wait_until(
        client,
        "the verify page",
        "return document.readyState === 'complete' && location.pathname === '/verify'",
    )
    .await?;
    check_fits_phone(client, "the verify page").await?;
    save_screenshot(client, shots, "verify-phone.png").await?;
    Ok(())
}

/// Signs in as one of the demo accounts (signing out whoever was signed in) and waits for the
/// account page.
async fn sign_in(client: &Client, base: &str, username: &str) -> Result<()> {
    client.delete_all_cookies().await?;
    client.goto(&format!("{base}login")).await?;
    wait_until(
        client,
        "the sign-in page",
        "return document.readyState === 'complete'",
    )
    .await?;
    type_into(client, "username", username).await?;
    type_into(client, "password", xc_gen::DEMO_PASSWORD).await?;
    client.find(Locator::Id("sign-in")).await?.click().await?;
    wait_until(
        client,
        &format!("the account page of {username}"),
        "return document.readyState === 'complete' && location.pathname === '/account'",
    )
    .await
}

/// Opens a WebDriver session with headless Chromium.
async fn connect(driver_port: u16, profile_dir: &Path) -> Result<Client> {
    let options = json!({
        "binary": CHROMIUM,
        "args": [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            format!("--user-data-dir={}", profile_dir.display()),
            format!("--window-size={},{}", DESKTOP.0, DESKTOP.1),
            // Phones draw no scroll bar beside the page; neither do the screenshots.
            "--hide-scrollbars",
        ],
    });
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("browserName".into(), json!("chrome"));
    capabilities.insert("goog:chromeOptions".into(), options);
    capabilities.insert(
        "timeouts".into(),
        json!({ "pageLoad": 30_000, "script": 10_000, "implicit": 0 }),
    );
    let url = format!("http://127.0.0.1:{driver_port}");
    let mut builder = ClientBuilder::new(HttpConnector::new());
    builder.capabilities(capabilities);
    let session = builder.connect(&url);
    tokio::time::timeout(START_DEADLINE, session)
        .await
        .context("starting Chromium through chromedriver timed out")?
        .context("starting Chromium through chromedriver")
}

/// Polls `script` (which returns a boolean) until it returns true or the step deadline passes.
/// Errors while a page is being replaced are expected and retried.
async fn wait_until(client: &Client, what: &str, script: &str) -> Result<()> {
    let deadline = Instant::now() + STEP_DEADLINE;
    let mut last_error = None;
    loop {
        match client.execute(script, vec![]).await {
            Ok(Value::Bool(true)) => return Ok(()),
            Ok(_) => {}
            Err(error) => last_error = Some(error.to_string()),
        }
        if Instant::now() >= deadline {
            let url = client
                .current_url()
                .await
                .map_or_else(|e| format!("unknown ({e})"), |u| u.to_string());
            bail!(
                "waited {STEP_DEADLINE:?} for {what}; the browser is at {url}{}",
                last_error.map_or_else(String::new, |e| format!(" (last error: {e})"))
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn type_into(client: &Client, id: &str, text: &str) -> Result<()> {
    let field = client
        .find(Locator::Id(id))
        .await
        .with_context(|| format!("finding the field #{id}"))?;
    field.clear().await?;
    field
        .send_keys(text)
        .await
        .with_context(|| format!("typing into #{id}"))
}

async fn has_elder_class(client: &Client) -> Result<bool> {
    let value = client
        .execute(
            "return document.documentElement.classList.contains('elder');",
            vec![],
        )
        .await?;
    Ok(value == Value::Bool(true))
}

/// The computed font size of the body text, in CSS pixels.
async fn body_font_px(client: &Client) -> Result<f64> {
    let value = client
        .execute("return getComputedStyle(document.body).fontSize;", vec![])
        .await?;
    let text = value.as_str().unwrap_or_default();
    text.strip_suffix("px")
        .and_then(|n| n.parse().ok())
        .with_context(|| format!("the body font size is {value}, not a pixel size"))
}

/// The page is laid out for a phone-wide viewport and needs no sideways scrolling.
async fn check_fits_phone(client: &Client, what: &str) -> Result<()> {
    let value = client
        .execute(
            "return [window.innerWidth, document.documentElement.scrollWidth];",
            vec![],
        )
        .await?;
    let widths: Vec<u64> = value
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_u64).collect())
        .unwrap_or_default();
    let [viewport, content] = widths[..] else {
        bail!("could not read the page width: {value}");
    };
    ensure!(
        viewport == u64::from(PHONE.0),
        "the viewport is {viewport} px wide, not a {} px phone",
        PHONE.0
    );
    ensure!(
        content <= viewport,
        "{what} is {content} px wide on a {viewport} px phone: it scrolls sideways"
    );
    Ok(())
}

/// Sizes the window so that the page itself (the viewport) is `width` × `height` CSS pixels:
/// the window's size includes the browser's own bars, even when headless.
async fn set_viewport(client: &Client, (width, height): (u32, u32)) -> Result<()> {
    client.set_window_size(width, height).await?;
    let (inner_width, inner_height) = inner_size(client).await?;
    let outer_width = 2 * width - inner_width.min(width);
    let outer_height = 2 * height - inner_height.min(height);
    if (outer_width, outer_height) != (width, height) {
        client.set_window_size(outer_width, outer_height).await?;
    }
    let inner = inner_size(client).await?;
    ensure!(
        inner == (width, height),
        "could not size the viewport to {width} × {height}: it is {} × {}",
        inner.0,
        inner.1
    );
    Ok(())
}

async fn inner_size(client: &Client) -> Result<(u32, u32)> {
    let value = client
        .execute("return [window.innerWidth, window.innerHeight];", vec![])
        .await?;
    let sizes: Vec<u32> = value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_u64().and_then(|n| u32::try_from(n).ok()))
                .collect()
        })
        .unwrap_or_default();
    match sizes[..] {
        [width, height] => Ok((width, height)),
        _ => bail!("could not read the viewport size: {value}"),
    }
}

/// The tallest full-page screenshot: the top of a longer page (a person looks at the top).
const MAX_SCREENSHOT_HEIGHT: u32 = 8_000;

/// The whole page, not only what fits on the screen: the viewport is made as tall as the page
/// (at most [`MAX_SCREENSHOT_HEIGHT`]: the top of a longer page) for the screenshot, then set
/// back to `viewport`.
async fn save_full_page_screenshot(
    client: &Client,
    dir: &Path,
    name: &str,
    viewport: (u32, u32),
) -> Result<()> {
    let height = client
        .execute("return document.documentElement.scrollHeight;", vec![])
        .await?
        .as_u64()
        .and_then(|h| u32::try_from(h).ok())
        .context("reading the page height")?;
    let height = height.min(MAX_SCREENSHOT_HEIGHT).max(viewport.1);
    if let Err(error) = set_viewport(client, (viewport.0, height)).await {
        // Headless Chromium sometimes stops a tall window short of the height asked (by the
        // browser's bars, 143 px here, in some runs and not others): the screenshot then shows
        // the top of the page as tall as the window got, as long as it is the phone's width.
        let (width, _) = inner_size(client).await?;
        ensure!(width == viewport.0, "{error:#}");
    }
    let saved = save_screenshot(client, dir, name).await;
    set_viewport(client, viewport).await?;
    saved
}

async fn save_screenshot(client: &Client, dir: &Path, name: &str) -> Result<()> {
    let png = client
        .screenshot()
        .await
        .with_context(|| format!("taking the screenshot {name}"))?;
    let path = dir.join(name);
    std::fs::write(&path, png).with_context(|| format!("writing {}", path.display()))?;
    eprintln!("browser: saved {}", path.display());
    Ok(())
}

/// The visible text of the page, shortened, for failure messages (best effort).
async fn page_text(client: &Client) -> String {
    let text = client
        .execute("return document.body.innerText;", vec![])
        .await
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_default();
    text.chars().take(600).collect()
}

/// `target/screenshots/` of the workspace (or of `CARGO_TARGET_DIR`), created if need be.
fn screenshot_dir() -> Result<PathBuf> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        // A relative CARGO_TARGET_DIR is taken from the workspace root.
        Some(dir) => workspace.join(dir),
        None => workspace.join("target"),
    };
    let dir = target.join("screenshots");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir.canonicalize()?)
}

/// The `xuecheng` binary, run in `dir` with no `XUECHENG_*` settings from the environment
/// (a developer's settings must not change what the test sees).
fn xuecheng(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_xuecheng"));
    command.current_dir(dir);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("XUECHENG_") {
            command.env_remove(name);
        }
    }
    command.env("XUECHENG_LOG", "warn");
    command
}

fn generate_tiny_city(dir: &Path, data_dir: &Path) -> Result<()> {
    let mut command = xuecheng(dir);
    command
        .args(["generate", "--scale", "tiny", "--data-dir"])
        .arg(data_dir)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(dir.join("generate.out.log"))?);
    let mut generate = Running::spawn("xuecheng generate", command, dir, false)?;
    let deadline = Instant::now() + GENERATE_DEADLINE;
    loop {
        if let Some(status) = generate.child.try_wait()? {
            ensure!(
                status.success(),
                "xuecheng generate failed ({status}): {}",
                tail(&generate.log)
            );
            return Ok(());
        }
        ensure!(
            Instant::now() < deadline,
            "xuecheng generate took longer than {GENERATE_DEADLINE:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Starts `xuecheng serve` on a free port; returns it with its base URL (ending in `/`) once
/// it answers `/healthz`.
fn start_server(dir: &Path, data_dir: &Path) -> Result<(Running, String)> {
    let mut command = xuecheng(dir);
    command
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped());
    let mut server = Running::spawn("xuecheng serve", command, dir, false)?;
    let stdout = server.child.stdout.take().context("no stdout")?;
    let (lines, receiver) = mpsc::channel();
    // Reads every line, so that the server never blocks on a full pipe.
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            // Once nobody listens any more, keep draining.
            let _ = lines.send(line);
        }
    });
    let deadline = Instant::now() + START_DEADLINE;
    let marker = "xuecheng is serving at ";
    let base = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match receiver.recv_timeout(left) {
            Ok(line) => {
                if let Some(rest) = line.split_once(marker).map(|(_, rest)| rest) {
                    let url = rest.split_whitespace().next().unwrap_or_default();
                    break url.to_owned();
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                bail!("xuecheng serve did not print its address within {START_DEADLINE:?}")
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => bail!(
                "xuecheng serve exited before serving: {}",
                tail(&server.log)
            ),
        }
    };
    let address: SocketAddr = base
        .strip_prefix("http://")
        .and_then(|rest| rest.strip_suffix('/'))
        .and_then(|addr| addr.parse().ok())
        .with_context(|| format!("cannot read the address in {base:?}"))?;
    poll_until_ready(
        &mut server,
        "/healthz",
        deadline,
        || matches!(http_get(address, "/healthz"), Ok((200, body)) if body.trim() == "ok"),
    )?;
    Ok((server, base))
}

/// Starts chromedriver on `port` in a process group of its own (the browser it starts joins
/// that group, so the guard can stop both); returns once it reports itself ready.
fn start_chromedriver(dir: &Path, port: u16) -> Result<Running> {
    let mut command = Command::new(CHROMEDRIVER);
    command
        .arg(format!("--port={port}"))
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(dir.join("chromedriver.out.log"))?);
    let mut driver = Running::spawn("chromedriver", command, dir, true)?;
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + START_DEADLINE;
    poll_until_ready(
        &mut driver,
        "/status",
        deadline,
        || matches!(http_get(address, "/status"), Ok((200, body)) if body.contains("\"ready\":true")),
    )?;
    Ok(driver)
}

/// Polls `ready` until it holds; fails early if `process` exits, and at the deadline.
fn poll_until_ready(
    process: &mut Running,
    what: &str,
    deadline: Instant,
    mut ready: impl FnMut() -> bool,
) -> Result<()> {
    loop {
        if ready() {
            return Ok(());
        }
        if let Some(status) = process.child.try_wait()? {
            bail!(
                "{} exited ({status}) before {what} answered: {}",
                process.name,
                tail(&process.log)
            );
        }
        ensure!(
            Instant::now() < deadline,
            "{} did not answer {what} before the deadline: {}",
            process.name,
            tail(&process.log)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A port that was free a moment ago: bind port 0, read it, let it go.
fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("binding a free port")?;
    Ok(listener.local_addr()?.port())
}

/// A minimal HTTP/1.1 GET on loopback: the status code and the body. Reads to the end of the
/// body by its Content-Length (chromedriver keeps the connection open despite `close`).
fn http_get(address: SocketAddr, path: &str) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.set_write_timeout(Some(Duration::from_secs(5)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = Vec::new();
    let mut chunk = [0_u8; 4096];
    loop {
        let read = stream.read(&mut chunk)?;
        if read == 0 {
            break;
        }
        response.extend_from_slice(&chunk[..read]);
        let text = String::from_utf8_lossy(&response);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head.lines().find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse::<usize>().ok())
                    .flatten()
            });
            if length.is_some_and(|length| body.len() >= length) {
                break;
            }
        }
    }
    let response = String::from_utf8_lossy(&response);
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    Ok((status, body.to_owned()))
}

/// The last lines of a log file, for failure messages.
fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

/// A child process that is stopped when this is dropped, also during a panic. Its standard
/// error goes to a log file, shown when the test fails.
#[derive(Debug)]
struct Running {
    name: &'static str,
    child: Child,
    /// The child leads a process group whose other members must be stopped too.
    group: bool,
    log: PathBuf,
}

impl Running {
    fn spawn(name: &'static str, mut command: Command, dir: &Path, group: bool) -> Result<Self> {
        let log = dir.join(format!("{}.log", name.replace(' ', "-")));
        command.stderr(std::fs::File::create(&log)?);
        if group {
            command.process_group(0);
        }
        let child = command
            .spawn()
            .with_context(|| format!("starting {name}"))?;
        Ok(Running {
            name,
            child,
            group,
            log,
        })
    }

    /// Sends `signal` to the whole process group; false once no process of it is left.
    fn signal_group(&self, signal: &str) -> bool {
        Command::new("kill")
            .args([signal, "--", &format!("-{}", self.child.id())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if self.group {
            // Ask politely first, so the browser can clean up; then insist.
            self.signal_group("-TERM");
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline && self.signal_group("-0") {
                let _ = self.child.try_wait();
                std::thread::sleep(Duration::from_millis(50));
            }
            if self.signal_group("-0") {
                self.signal_group("-KILL");
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!(
                "--- last lines of {} ({}):\n{}",
                self.name,
                self.log.display(),
                tail(&self.log)
            );
        }
    }
}
