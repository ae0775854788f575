//! `xuecheng verify` as a verifier runs it: a credential with the issuer's keys, a proof bundle
//! and a status list; the report in words and JSON; exit code 0 valid, 1 not valid, 2 an input
//! that cannot be read; a status list on loopback fetched when none is given.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use xc_credentials::{Canonicaliser, ContextLoader};
use xc_issuer::testing::{SampleIssuance, sample_issuance};

use super::{stderr, stdout, xuecheng};

const AT: &str = "2027-03-01T12:00:00Z";

struct Files {
    dir: tempfile::TempDir,
    sample: SampleIssuance,
}

impl Files {
    fn new(list_url: &str, revoked: bool) -> Files {
        let dir = tempfile::tempdir().unwrap();
        let canonicaliser = Canonicaliser::new(ContextLoader::bundled());
        let sample = sample_issuance(&dir.path().join("keys"), list_url, revoked, &canonicaliser);
        let files = Files { dir, sample };
        files.write("credential.json", &files.sample.credential.to_string());
        files.write("did.json", &files.sample.keys.did_document().to_string());
        files.write("bundle.json", &files.sample.bundle().to_json().to_string());
        files.write("list.json", &files.sample.status_list.to_string());
        files
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn verify(&self, args: &[&str]) -> Output {
        xuecheng()
            .arg("verify")
            .args(args)
            .args(["--at", AT])
            .current_dir(self.dir.path())
            .output()
            .expect("run xuecheng verify")
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

const FULL: [&str; 7] = [
    "credential.json",
    "--keys",
    "did.json",
    "--tree-head",
    "bundle.json",
    "--status-list",
    "list.json",
];

#[test]
fn a_valid_credential_is_reported_check_by_check_and_exits_zero() {
    let files = Files::new("https://bank.example.org/status/1", false);
    let output = files.verify(&FULL);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}{}", stderr(&output));
    for expected in [
        "credential urn:uuid:6f1c8d7e-0b0a-4c61-9a49-2d4f1f0a9c11",
        "proof 0     ok: eddsa-rdfc-2022 by did:web:bank.example.org#ed25519-1",
        "proof 2     ok: sm2-jcs-2025 by did:web:bank.example.org#sm2-1",
        "validity    ok: from 2026-11-29T09:30:15Z until 2031-06-30T23:59:59Z",
        "status      ok: active",
        "log         ok: entry 5 of 11",
        "VALID: everything checked holds",
    ] {
        assert!(text.contains(expected), "{expected:?} in {text}");
    }

    let output = files.verify(&[&FULL[..], &["--json"]].concat());
    assert_eq!(output.status.code(), Some(0));
    let report: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(report["valid"], true);
    assert_eq!(report["proofs"].as_array().unwrap().len(), 3);
    assert_eq!(report["logInclusion"]["leafIndex"], 5);
}

#[test]
fn reordered_respaced_and_bundled_credentials_verify() {
    let files = Files::new("https://bank.example.org/status/1", false);
    // Members in another order, other whitespace: the same credential to canonicalisation.
    let text = serde_json::to_string_pretty(&files.sample.credential).unwrap();
    let respaced = text.replace("\": ", "\"   :\t").replace(",\n", " ,\n\n");
    assert_ne!(respaced, text);
    files.write("respaced.json", &respaced);
    let output = files.verify(&[&["respaced.json"], &FULL[1..]].concat());
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));

    let mut members: Vec<(String, Value)> = files
        .sample
        .credential
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    members.reverse();
    let reordered = format!(
        "{{{}}}",
        members
            .iter()
            .map(|(k, v)| format!("{}: {}", json!(k), v))
            .collect::<Vec<_>>()
            .join(",\n ")
    );
    assert!(reordered.starts_with("{\"validUntil\""), "{reordered}");
    files.write("reordered.json", &reordered);
    let output = files.verify(&[&["reordered.json"], &FULL[1..]].concat());
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));

    // The credential carrying its own proof bundle: no --tree-head needed.
    let mut bundle = files.sample.bundle();
    bundle.credential = Some(files.sample.credential.clone());
    files.write("carried.json", &bundle.to_json().to_string());
    let output = files.verify(&["carried.json", "--keys", "did.json"]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(text.contains("log         ok: entry 5 of 11"), "{text}");
    assert!(text.contains("status      not checked"), "{text}");
}

#[test]
fn an_invalid_credential_exits_one_with_the_reason() {
    let files = Files::new("https://bank.example.org/status/1", false);
    let mut changed = files.sample.credential.clone();
    changed["credentialSubject"]["creditsEarned"] = json!(15);
    files.write("changed.json", &changed.to_string());
    let output = files.verify(&[&["changed.json"], &FULL[1..]].concat());
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("signature does not match the credential"),
        "{text}"
    );
    assert!(
        text.contains("log         INVALID: the inclusion proof does not hold"),
        "{text}"
    );
    assert!(text.contains("NOT VALID"), "{text}");

    // Expired at the time asked.
    let output = xuecheng()
        .args([
            "verify",
            "credential.json",
            "--keys",
            "did.json",
            "--at",
            "2032-01-01T00:00:00Z",
        ])
        .current_dir(files.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output)
            .contains("validity    INVALID: the credential expired at 2031-06-30T23:59:59Z")
    );

    // A key the verifier no longer trusts.
    let output =
        files.verify(&[&FULL[..], &["--distrust", "did:web:bank.example.org#sm2-1"]].concat());
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("is not trusted: distrusted with --distrust"),
        "{text}"
    );

    // No keys at all: every key unknown.
    let output = files.verify(&["credential.json"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("unknown key did:web:bank.example.org#ed25519-1"));

    // A forged tree head.
    let mut forged = files.sample.bundle().to_json();
    forged["treeHead"]["treeSize"] = json!(12);
    forged["inclusionProof"]["treeSize"] = json!(12);
    files.write("forged.json", &forged.to_string());
    let output = files.verify(&[
        "credential.json",
        "--keys",
        "did.json",
        "--tree-head",
        "forged.json",
    ]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("the tree head's signatures do not verify"),
        "{text}"
    );
}

#[test]
fn a_revoked_credential_exits_one() {
    let files = Files::new("https://bank.example.org/status/1", true);
    let output = files.verify(&FULL);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("status      INVALID: revoked"));
}

#[test]
fn unreadable_inputs_exit_two_naming_the_file_and_the_problem() {
    let files = Files::new("https://bank.example.org/status/1", false);
    let output = files.verify(&["missing.json"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("credential missing.json:"),
        "{}",
        stderr(&output)
    );

    files.write("broken.json", "{\n  \"id\": \"urn:x\",\n  oops\n}");
    let output = files.verify(&["broken.json"]);
    assert_eq!(output.status.code(), Some(2));
    let error = stderr(&output);
    assert!(
        error.contains("credential broken.json: not JSON: key must be a string at line 3 column 3"),
        "{error}"
    );

    files.write(
        "headless.json",
        r#"{"treeHead": {"rootHash": "00", "timestamp": 1, "signatures": []}}"#,
    );
    let output = files.verify(&["credential.json", "--tree-head", "headless.json"]);
    assert_eq!(output.status.code(), Some(2));
    let error = stderr(&output);
    assert!(
        error.contains("tree head headless.json: missing field `treeSize`"),
        "{error}"
    );

    files.write(
        "keys.txt",
        r#"{"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "AA"}]}"#,
    );
    let output = files.verify(&["credential.json", "--keys", "keys.txt"]);
    assert_eq!(output.status.code(), Some(2));
    let error = stderr(&output);
    assert!(
        error.contains("keys keys.txt: keys[0]: kid is missing or not a string"),
        "{error}"
    );

    let output = files.verify(&["credential.json", "--status-list", "nowhere.json"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("status list nowhere.json:"));
}

#[test]
fn a_status_list_on_loopback_is_fetched_and_others_are_not_checked() {
    // The list is signed for the URL it is served at: start the server, then make the sample.
    let (url, slot) = serve_slot();
    let files = Files::new(&url, true);
    *slot.lock().unwrap() = files.sample.status_list.to_string();
    let output = files.verify(&[
        "credential.json",
        "--keys",
        "did.json",
        "--tree-head",
        "bundle.json",
    ]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("status      INVALID: revoked"), "{text}");

    let remote = Files::new("http://bank.example.org/status/1", false);
    let output = remote.verify(&[
        "credential.json",
        "--keys",
        "did.json",
        "--tree-head",
        "bundle.json",
    ]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(
        text.contains("status      not checked: the status list http://bank.example.org/status/1 is not available: give it with --status-list"),
        "{text}"
    );
}

type Slot = Arc<Mutex<String>>;

/// A loopback server answering every GET with the slot's current text.
fn serve_slot() -> (String, Slot) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let slot: Slot = Default::default();
    let shared = slot.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let body = shared.lock().unwrap().clone();
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: application/vc+ld+json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (format!("http://{address}/status/revocation/1"), slot)
}
