//! `hoist login` and `hoist logout` with the OS keyring (the kernel
//! keyutils store), each test in a keyring of its own (see
//! `support::keyring`): the token goes to the keyring and nowhere else, a
//! later command finds it there and names the keyring as its source,
//! `logout` removes it, and it never shows in any output, encoded or not.
//! Where the machine has no usable kernel keyring, the rule of
//! `support::skip` applies.

use crate::support;

use std::path::Path;

use support::bearer::basic;
use support::keyring::{config_dir, isolated, Keyring, Refusing};
use support::leaks::{assert_output_clean, authorization_secrets, distinctive, text};
use support::registry::write_files;

/// A project whose one function is built on a base image in `registry`,
/// hoist.yaml's registry: building it asks that registry for the base
/// with hoist's registry token.
fn project(root: &Path, registry: &str) {
    write_files(
        root,
        &[
            (
                "hoist.yaml",
                &format!("project: demo\nfunctions:\n  hello:\n    runtime: dockerfile\nregistry:\n  url: {registry}\n"),
            ),
            (
                "functions/hello/Dockerfile",
                &format!("FROM {registry}/base:1\nCOPY . /app/\n"),
            ),
        ],
    );
}

fn credentials_file(root: &Path) -> std::path::PathBuf {
    config_dir(root).join("credentials.json")
}

/// Log in with `HOIST_CREDENTIALS=mode`, use the token, log out: the
/// checks a user would make, with the keyring read directly by keyctl.
fn keyring_round_trip(kr: &Keyring, mode: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let registry = Refusing::start();
    project(root, &registry.addr);
    let token = distinctive("kr");
    let secrets = [token.clone(), format!("x:{token}")];

    // It says where the token went; the keyring holds it, no file does.
    let out = kr.hoist(
        root,
        mode,
        &["login", "registry", "--token-stdin", "-vv"],
        &format!("{token}\n"),
    );
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains("Logged in to registry: token stored in the OS keyring"),
        "{said}"
    );
    assert!(!said.contains("Note"), "{said}");
    assert_output_clean(&out, &secrets);
    assert!(
        !credentials_file(root).exists(),
        "a credentials file was written"
    );
    assert_eq!(
        kr.stored("registry").as_deref(),
        Some(token.as_str()),
        "the session keyring does not hold the token as given"
    );
    let out = kr.hoist(
        root,
        mode,
        &["login", "registry", "--token-stdin", "--output", "json"],
        &format!("{token}\n"),
    );
    assert!(out.status.success(), "{}", text(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(doc["stored_in"], "keyring", "{doc}");
    assert!(
        doc["path"].is_null() && doc["why_not_keyring"].is_null(),
        "{doc}"
    );
    assert!(
        !credentials_file(root).exists(),
        "a credentials file was written"
    );

    // A later command finds it there, says so, and sends it as given.
    let out = kr.hoist(root, mode, &["build", "-vv"], "");
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains("with user `x` from hoist's registry token (OS keyring)"),
        "{said}"
    );
    let sent = registry.authorizations();
    assert!(sent.contains(&basic("x", &token)), "sent: {sent:?}");
    assert_output_clean(&out, &secrets);
    assert_output_clean(&out, &authorization_secrets(&sent));

    // Logout removes it from the keyring; the next build has nothing.
    let out = kr.hoist(root, mode, &["logout", "registry"], "");
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("Logged out of registry"),
        "{}",
        text(&out)
    );
    assert_eq!(kr.stored("registry"), None, "logout left the key");
    let out = kr.hoist(root, mode, &["build"], "");
    assert!(
        text(&out).contains("refused reading base without credentials"),
        "{}",
        text(&out)
    );
    let out = kr.hoist(root, mode, &["logout", "registry"], "");
    assert!(
        text(&out).contains("No stored token for registry"),
        "{}",
        text(&out)
    );
    assert!(
        !credentials_file(root).exists(),
        "a credentials file was written"
    );
}

#[test]
fn with_hoist_credentials_keyring_the_token_lives_in_the_keyring_only() {
    isolated(|kr| keyring_round_trip(kr, "keyring"));
}

#[test]
fn with_hoist_credentials_auto_the_keyring_is_used_when_it_works() {
    isolated(|kr| keyring_round_trip(kr, "auto"));
}

#[test]
fn an_unusable_keyring_fails_keyring_mode_and_auto_says_why_it_used_the_file() {
    isolated(|kr| {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        let token = distinctive("kr");
        kr.refuse_everyone();

        let out = kr.hoist(
            root,
            "keyring",
            &["login", "registry", "--token-stdin"],
            &format!("{token}\n"),
        );
        let said = text(&out);
        assert_eq!(out.status.code(), Some(1), "{said}");
        assert!(
            said.contains("the OS keyring is not usable here (the keyring refused access"),
            "{said}"
        );
        assert!(
            said.contains("HOIST_CREDENTIALS=keyring forbids the file fallback"),
            "{said}"
        );
        assert!(
            !credentials_file(root).exists(),
            "a credentials file was written"
        );
        assert_output_clean(&out, &[&token]);

        let out = kr.hoist(
            root,
            "auto",
            &["login", "registry", "--token-stdin"],
            &format!("{token}\n"),
        );
        let said = text(&out);
        assert!(out.status.success(), "{said}");
        assert!(said.contains("credentials.json (mode 0600)"), "{said}");
        assert!(
            said.contains("not in the OS keyring because the OS keyring is not usable here"),
            "{said}"
        );
        assert_output_clean(&out, &[&token]);
        let stored: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(credentials_file(root)).expect("credentials file"),
        )
        .expect("JSON");
        assert_eq!(stored["registry"], token.as_str());
    });
}
