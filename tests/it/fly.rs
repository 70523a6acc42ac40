//! The Fly target end to end: the hoist binary against the Fly Machines
//! emulator (tests/support/fly, every request checked against the OpenAPI
//! spec), with images built by hoist and pushed to a real docker-registry
//! that the emulator checks them in. What a user would check: which image
//! every machine runs after each strategy, that no moment had fewer
//! healthy machines than the strategy allows, that a version whose checks
//! never pass leaves every machine on the previous one, that a killed or
//! concurrent deploy never leaves a mix, leases released, and clear errors
//! for bad tokens, taken names, capacity, rate limits and bad guests.
//! No timings are asserted.

use crate::fly_emulator;
use crate::support;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use fly_emulator::{Emulator, Options};
use serde_json::Value;
use support::registry::{have, hoist, stderr, write_files, Registry};

const APP: &str = "shop-api";

struct Setup {
    emu: Emulator,
    reg: Registry,
    dir: tempfile::TempDir,
    cache: tempfile::TempDir,
}

impl Setup {
    fn start(opts: Options) -> Option<Setup> {
        if !have("docker-registry") {
            return None;
        }
        let reg = Registry::start(None);
        let emu = Emulator::start(Options {
            registry: Some(format!("http://{}", reg.addr)),
            ..opts
        });
        Some(Setup {
            emu,
            reg,
            dir: tempfile::tempdir().unwrap(),
            cache: tempfile::tempdir().unwrap(),
        })
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Write the project: one function `api` whose image holds `content`.
    fn project(&self, fly: &str, env: &str, content: &str) {
        write_project(self.root(), fly, env, content);
    }

    fn env(&self) -> Vec<(String, String)> {
        vec![
            ("FLY_API_TOKEN".into(), self.emu.token()),
            ("FLY_FLAPS_BASE_URL".into(), self.emu.url()),
            ("FLY_API_BASE_URL".into(), self.emu.url()),
            ("FLY_REGISTRY_HOST".into(), self.reg.addr.clone()),
            (
                "HOIST_CACHE_DIR".into(),
                self.cache.path().display().to_string(),
            ),
            ("HOIST_FLY_LEASE_WAIT".into(), "20".into()),
        ]
    }

    fn run_in(&self, dir: &Path, args: &[&str], extra: &[(&str, &str)]) -> Output {
        let env = self.env();
        let mut all: Vec<(&str, &str)> =
            env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        all.extend_from_slice(extra);
        hoist(dir, args, &all)
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_in(self.root(), args, &[])
    }

    fn deploy(&self, version: &str) -> Output {
        self.run(&["deploy", "--version", version])
    }

    /// (region, hoist_version, image) of every machine.
    fn machines(&self) -> Vec<(String, String, String)> {
        let mut out: Vec<(String, String, String)> = self
            .emu
            .machines(APP)
            .iter()
            .map(|m| {
                (
                    m["region"].as_str().unwrap_or("").to_string(),
                    m["config"]["metadata"]["hoist_version"]
                        .as_str()
                        .unwrap_or("")
                        .to_string(),
                    m["config"]["image"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        out.sort();
        out
    }

    fn assert_all_on(&self, version: &str) -> String {
        let ms = self.machines();
        assert_eq!(ms.len(), 3, "machines: {ms:?}");
        let regions: Vec<&str> = ms.iter().map(|m| m.0.as_str()).collect();
        assert_eq!(regions, ["ams", "iad", "iad"], "machines: {ms:?}");
        assert!(
            ms.iter().all(|m| m.1 == version && m.2 == ms[0].2),
            "not every machine runs {version}: {ms:?}"
        );
        let image = ms[0].2.clone();
        let (repo, digest) = image.split_once('@').expect("pinned by digest");
        let repo = repo.split_once('/').unwrap().1;
        let found = ureq::get(&format!(
            "http://{}/v2/{repo}/manifests/{digest}",
            self.reg.addr
        ))
        .set(
            "Accept",
            "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json",
        )
        .call();
        assert!(found.is_ok(), "{image} is not in the registry: {found:?}");
        image
    }

    fn assert_clean(&self) {
        assert!(
            self.emu.leases_held(APP).is_empty(),
            "leases left: {:?}",
            self.emu.leases_held(APP)
        );
        assert!(
            self.emu.violations().is_empty(),
            "spec violations: {:#?}",
            self.emu.violations()
        );
    }
}

fn write_project(root: &Path, fly: &str, env: &str, content: &str) {
    write_files(
        root,
        &[
            (
                "hoist.yaml",
                &format!(
                    "project: shop\nfunctions:\n  api:\n    runtime: dockerfile\n    health_path: /healthz\n{env}    fly:\n      regions: {{iad: 2, ams: 1}}\n      wait_timeout: 5\n{fly}targets:\n  default: fly\n  fly:\n    org: personal\n"
                ),
            ),
            ("functions/api/Dockerfile", "FROM scratch\nCOPY app.txt /app.txt\n"),
            ("functions/api/app.txt", content),
        ],
    );
}

fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        stderr(out)
    );
}

/// What one strategy must show on the emulator's timeline while v2 rolls
/// out.
struct Expect {
    /// The fewest healthy machines at any moment.
    floor: usize,
    /// The most machines on their way up at one moment (None: not checked;
    /// bluegreen's greens are created one request after another).
    at_once: Option<usize>,
    /// An extra machine proves v2 first, healthy before any other machine
    /// is touched, and goes.
    canary: bool,
}

/// The canary of a rollout in `[t0, t1]`: a machine created and destroyed
/// in it. Returns when it first was healthy and when the first other
/// machine began to change (None when that never happened).
fn canary_of(s: &Setup, t0: u64, t1: u64) -> Option<(Option<u64>, Option<u64>)> {
    let tl: Vec<_> = s
        .emu
        .timeline(APP)
        .into_iter()
        .filter(|c| c.at_ms >= t0 && c.at_ms <= t1)
        .collect();
    let canary = tl
        .iter()
        .find(|c| {
            c.state == "created"
                && tl
                    .iter()
                    .any(|d| d.machine == c.machine && d.state == "destroyed")
        })?
        .machine
        .clone();
    let healthy = tl
        .iter()
        .find(|c| c.machine == canary && c.healthy)
        .map(|c| c.at_ms);
    let other = tl
        .iter()
        .find(|c| c.machine != canary && matches!(c.state.as_str(), "replacing" | "created"))
        .map(|c| c.at_ms);
    Some((healthy, other))
}

/// Deploy v1, then v2 under `strategy`; v2 must reach every machine as
/// `want` says; v3, whose checks never pass, must leave every machine on
/// v2.
fn strategy_round(strategy: &str, want: Expect) {
    let Some(s) = Setup::start(Options::default()) else {
        return;
    };
    let fly = format!("      strategy: {strategy}\n");
    s.project(&fly, "", "one");
    ok(&s.deploy("v1"));
    let v1 = s.assert_all_on("v1");

    s.project(&fly, "", "two");
    let t0 = s.emu.now_ms();
    ok(&s.deploy("v2"));
    let t1 = s.emu.now_ms();
    let v2 = s.assert_all_on("v2");
    assert_ne!(v1, v2);
    let min = s.emu.min_started_during(APP, t0, t1);
    assert!(
        min >= want.floor,
        "{strategy}: only {min} healthy machine(s) at one moment (allowed {})",
        want.floor
    );
    let most = s.emu.most_starting_during(APP, t0, t1);
    if let Some(at_once) = want.at_once {
        assert_eq!(
            most,
            at_once,
            "{strategy}: {most} machine(s) were on their way up at once (timeline: {:#?})",
            s.emu.timeline(APP)
        );
    }
    match canary_of(&s, t0, t1) {
        Some((healthy, other)) => {
            assert!(want.canary, "{strategy} made a canary machine");
            let healthy = healthy.expect("the canary was never healthy");
            let other = other.expect("no other machine changed after the canary");
            assert!(
                healthy < other,
                "{strategy}: a machine changed at {other} ms, before the canary was healthy at {healthy} ms"
            );
        }
        None => assert!(!want.canary, "{strategy}: no canary machine came and went"),
    }

    s.project(&fly, "    env:\n      EMULATOR_CHECKS: fail\n", "three");
    let out = s.run(&["deploy", "--version", "v3"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("machine "),
        "the failed machine is named: {err}"
    );
    assert!(err.contains("checks"), "why it failed: {err}");
    let back = s.assert_all_on("v2");
    assert_eq!(back, v2);
    s.assert_clean();
}

#[test]
fn rolling_replaces_one_machine_first_then_a_third_at_a_time() {
    strategy_round(
        "rolling",
        Expect {
            floor: 2,
            at_once: Some(1),
            canary: false,
        },
    );
}

#[test]
fn canary_proves_one_machine_then_rolls() {
    strategy_round(
        "canary",
        Expect {
            floor: 2,
            at_once: Some(1),
            canary: true,
        },
    );
}

#[test]
fn bluegreen_never_lowers_capacity() {
    strategy_round(
        "bluegreen",
        Expect {
            floor: 3,
            at_once: None,
            canary: false,
        },
    );
}

#[test]
fn immediate_replaces_everything_at_once() {
    strategy_round(
        "immediate",
        Expect {
            floor: 0,
            at_once: Some(3),
            canary: false,
        },
    );
}

#[test]
fn an_unchanged_redeploy_changes_nothing_and_rollback_restores_the_previous_image() {
    let Some(s) = Setup::start(Options::default()) else {
        return;
    };
    s.project("", "", "one");
    ok(&s.deploy("v1"));
    let v1 = s.assert_all_on("v1");
    s.project("", "", "two");
    ok(&s.deploy("v2"));
    s.assert_all_on("v2");

    let before = s.emu.mutating_requests();
    ok(&s.deploy("v2"));
    assert_eq!(
        s.emu.mutating_requests(),
        before,
        "an unchanged deploy made a change"
    );

    let out = s.run(&["rollback", "api"]);
    ok(&out);
    assert_eq!(s.assert_all_on("v1"), v1);

    let status = s.run(&["status", "api", "--output", "json"]);
    ok(&status);
    let doc: Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(doc["functions"][0]["active_version"], "v1", "{doc}");
    s.assert_clean();
}

#[test]
fn a_killed_rolling_deploy_is_finished_by_the_next_one() {
    let Some(s) = Setup::start(Options {
        boot_ms: 400,
        checks_pass_ms: 400,
        ..Options::default()
    }) else {
        return;
    };
    s.project("", "", "one");
    ok(&s.deploy("v1"));
    s.project("", "", "two");
    let env = s.env();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hoist"));
    cmd.current_dir(s.root())
        .args(["deploy", "--version", "v2"])
        .env("HOIST_CREDENTIALS", "file")
        .env("HOIST_CONFIG_DIR", s.root().join(".test-config"))
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in &env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    // Kill it once the first machine runs v2 and the others do not.
    let start = Instant::now();
    loop {
        let ms = s.machines();
        if ms.iter().any(|m| m.1 == "v2") {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "v2 never reached a machine"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let mixed = s.machines();
    assert!(
        mixed.iter().any(|m| m.1 != "v2"),
        "the deploy finished before the kill: {mixed:?}"
    );

    ok(&s.deploy("v2"));
    s.assert_all_on("v2");
    s.assert_clean();
}

#[test]
fn two_deploys_at_once_never_leave_a_mix() {
    let Some(s) = Setup::start(Options {
        boot_ms: 200,
        ..Options::default()
    }) else {
        return;
    };
    s.project("", "", "one");
    ok(&s.deploy("v1"));
    let other = tempfile::tempdir().unwrap();
    write_project(other.path(), "", "", "three");
    s.project("", "", "two");
    // Each deploy with the moment it ended.
    let (a, b) = std::thread::scope(|sc| {
        let a = sc.spawn(|| (s.deploy("v2"), Instant::now()));
        let b = sc.spawn(|| {
            let out = s.run_in(other.path(), &["deploy", "--version", "v3"], &[]);
            (out, Instant::now())
        });
        (a.join().unwrap(), b.join().unwrap())
    });
    let both = format!("v2:\n{}\nv3:\n{}", stderr(&a.0), stderr(&b.0));
    // The machines run what the deploy that reported success last sent.
    let winner = [("v2", &a), ("v3", &b)]
        .into_iter()
        .filter(|(_, (out, _))| out.status.success())
        .max_by_key(|(_, (_, ended))| *ended)
        .map(|(v, _)| v);
    let Some(winner) = winner else {
        panic!("neither deploy went through:\n{both}");
    };
    s.assert_all_on(winner);
    s.assert_clean();
}

#[test]
fn warmup_starts_stopped_machines_until_ready() {
    let Some(s) = Setup::start(Options::default()) else {
        return;
    };
    s.project("", "", "one");
    ok(&s.deploy("v1"));
    let agent = ureq::AgentBuilder::new().build();
    for m in s.emu.machines(APP) {
        let id = m["id"].as_str().unwrap();
        agent
            .post(&format!("{}/v1/apps/{APP}/machines/{id}/stop", s.emu.url()))
            .set("Authorization", &format!("Bearer {}", s.emu.token()))
            .send_json(serde_json::json!({}))
            .unwrap();
    }
    let start = Instant::now();
    while s.emu.machines(APP).iter().any(|m| m["state"] != "stopped") {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "machines did not stop"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = s.run(&["warmup", "api", "--count", "3", "--output", "json"]);
    ok(&out);
    let started = s
        .emu
        .machines(APP)
        .iter()
        .filter(|m| m["state"] == "started")
        .count();
    assert_eq!(started, 3);
    s.assert_clean();
}

#[test]
fn logs_cross_a_page_boundary_without_duplicates() {
    let Some(s) = Setup::start(Options::default()) else {
        return;
    };
    s.project("", "", "one");
    ok(&s.deploy("v1"));
    let id = s.emu.machines(APP)[0]["id"].as_str().unwrap().to_string();
    // Pages overlap (each starts at the last one's timestamp, inclusive)
    // and lines come in groups of three with one timestamp, so the client
    // must drop repeats by id, not by position or timestamp.
    s.emu.log_pages_overlap();
    let lines: Vec<String> = (0..250).map(|i| format!("request {i}")).collect();
    for group in lines.chunks(3) {
        let refs: Vec<&str> = group.iter().map(String::as_str).collect();
        s.emu.add_logs_tied(APP, &id, "iad", &refs);
    }
    let out = s.run(&["logs", "api", "--output", "json"]);
    ok(&out);
    let got: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["message"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .filter(|m| m.starts_with("request "))
        .collect();
    assert_eq!(got, lines, "every line once, in order");
    let overlapped = s.emu.fired_count("log_overlap", "/logs");
    assert!(overlapped >= 2, "only {overlapped} page(s) overlapped");

    // Following: lines added while `logs -f` polls arrive once each, across
    // the 100-line page boundary.
    let env = s.env();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hoist"));
    cmd.current_dir(s.root())
        .args(["logs", "api", "-f", "--output", "json"])
        .env("HOIST_CREDENTIALS", "file")
        .env("HOIST_CONFIG_DIR", s.root().join(".test-config"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (k, v) in &env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        use std::io::BufRead;
        let mut seen = Vec::new();
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let v: Value = serde_json::from_str(&line).unwrap();
            let m = v["message"].as_str().unwrap_or("").to_string();
            if m.starts_with("later ") {
                seen.push(m);
                if seen.len() == 150 {
                    break;
                }
            }
        }
        seen
    });
    std::thread::sleep(Duration::from_millis(300));
    let more: Vec<String> = (0..150).map(|i| format!("later {i}")).collect();
    let before = s.emu.fired_count("log_overlap", "/logs");
    for chunk in more.chunks(50) {
        for group in chunk.chunks(2) {
            let refs: Vec<&str> = group.iter().map(String::as_str).collect();
            s.emu.add_logs_tied(APP, &id, "iad", &refs);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let start = Instant::now();
    while !reader.is_finished() && start.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    let seen = reader.join().unwrap();
    assert_eq!(seen, more, "followed lines arrive once each, in order");
    assert!(
        s.emu.fired_count("log_overlap", "/logs") > before,
        "no page overlapped while following"
    );
}

#[test]
fn answers_hoist_cannot_read_are_errors_naming_the_field() {
    let Some(s) = Setup::start(Options::default()) else {
        return;
    };
    s.project("", "", "one");
    // A log page whose entry has a message that is not a string: an error,
    // not an empty page.
    s.emu.fail_next(
        "GET",
        "/logs",
        200,
        serde_json::json!({"data": [{"id": "1", "type": "logs", "attributes": {
            "timestamp": "2026-01-01T00:00:00Z", "message": 7}}], "meta": {"next_token": "1"}}),
        1,
    );
    let out = s.run(&["logs", "api"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("data[0].attributes.message"), "{err}");
    assert_eq!(s.emu.fired_count("fail_next", "/logs"), 1);
    // A machine list whose machine has no id: an error, not "no machines".
    s.emu.fail_next(
        "GET",
        "/machines",
        200,
        serde_json::json!([{"state": "started"}]),
        1,
    );
    let out = s.run(&["status", "api"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("`[0]`") && err.contains("id"), "{err}");
    // A `--since` that is neither a time nor a duration is refused.
    let out = s.run(&["logs", "api", "--since", "soon"]);
    let err = stderr(&out);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("--since `soon`"), "{err}");
}

#[test]
fn faults_on_the_way_are_retried() {
    let Some(s) = Setup::start(Options::default()) else {
        return;
    };
    s.project("", "", "one");
    s.emu.storm_429(6, Some(0));
    s.emu.fail_next(
        "GET",
        "/wait",
        408,
        serde_json::json!({"error": "deadline exceeded"}),
        3,
    );
    s.emu.fail_next_after_effect("POST", "/machines", 503, 1);
    ok(&s.deploy("v1"));
    s.assert_all_on("v1");
    s.assert_clean();
    // Every fault fired: the deploy went through them, not around them.
    let fired = s.emu.fired();
    assert_eq!(s.emu.fired_count("storm", ""), 6, "{fired:#?}");
    assert_eq!(s.emu.fired_count("fail_next", "/wait"), 3, "{fired:#?}");
    assert_eq!(
        s.emu.fired_count("after_effect", "/machines"),
        1,
        "{fired:#?}"
    );
}

#[test]
fn bad_tokens_taken_names_capacity_and_held_leases_are_clear_errors() {
    let Some(s) = Setup::start(Options::default()) else {
        return;
    };
    s.project("", "", "one");
    let secret = "fm2_not-a-real-token-value";
    let out = s.run_in(
        s.root(),
        &["deploy", "--version", "v1"],
        &[("FLY_API_TOKEN", secret)],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let all = format!("{}{}", stderr(&out), String::from_utf8_lossy(&out.stdout));
    assert!(all.contains("refused the credential"), "{all}");
    assert!(
        !all.contains("not-a-real-token"),
        "the token was printed: {all}"
    );

    s.emu.no_capacity("iad");
    let out = s.deploy("v1");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("capacity"), "{}", stderr(&out));
    s.assert_clean();

    s.emu.create_app(APP, "someone-else");
    let other = Setup::start(Options::default()).unwrap();
    other.emu.create_app(APP, "someone-else");
    other.project("", "", "one");
    let out = other.deploy("v1");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("taken"), "{}", stderr(&out));
}

#[test]
fn a_lease_held_elsewhere_stops_the_deploy_and_names_the_holder() {
    let Some(s) = Setup::start(Options::default()) else {
        return;
    };
    s.project("", "", "one");
    ok(&s.deploy("v1"));
    let id = s.emu.machines(APP)[0]["id"].as_str().unwrap().to_string();
    s.emu.hold_lease(APP, &id, "ops@example.com");
    s.project("", "", "two");
    let out = s.run_in(
        s.root(),
        &["deploy", "--version", "v2"],
        &[("HOIST_FLY_LEASE_WAIT", "1")],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("ops@example.com"), "{}", stderr(&out));
    s.assert_all_on("v1");
}

#[test]
fn an_image_missing_from_the_registry_fails_before_machines_change() {
    let Some(s) = Setup::start(Options::default()) else {
        return;
    };
    // The emulator checks images in another, empty registry.
    let empty = Registry::start(None);
    let emu = Emulator::start(Options {
        registry: Some(format!("http://{}", empty.addr)),
        ..Options::default()
    });
    s.project("", "", "one");
    let env = [
        ("FLY_FLAPS_BASE_URL", emu.url()),
        ("FLY_API_BASE_URL", emu.url()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let out = s.run_in(s.root(), &["deploy", "--version", "v1"], &env);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("manifest unknown"),
        "{}",
        stderr(&out)
    );
    assert!(emu.machines(APP).is_empty());
}

#[test]
fn an_impossible_guest_is_refused_before_any_api_call() {
    let Some(s) = Setup::start(Options::default()) else {
        return;
    };
    s.project(
        "      guest: {cpu_kind: performance, cpus: 1, memory_mb: 512}\n",
        "",
        "one",
    );
    let out = s.deploy("v1");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("512 MB"), "{}", stderr(&out));
    assert!(s.emu.requests().is_empty(), "an API call was made");
}

#[test]
fn invoke_sends_the_request_to_the_app_url() {
    let Some(s) = Setup::start(Options::default()) else {
        return;
    };
    s.project("", "", "one");
    // A stand-in for https://shop-api.fly.dev: one request, one answer.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        use std::io::{Read, Write};
        let (mut c, _) = listener.accept().unwrap();
        let mut buf = [0u8; 4096];
        let n = c.read(&mut buf).unwrap();
        let head = String::from_utf8_lossy(&buf[..n]).to_string();
        let body = "{\"hello\":\"fly\"}";
        write!(
            c,
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        head
    });
    let url = format!("http://{addr}/{{app}}");
    let out = s.run_in(
        s.root(),
        &["invoke", "api", "--path", "/hi", "--query", "x=1"],
        &[("HOIST_FLY_APP_URL", &url)],
    );
    ok(&out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"hello\":\"fly\""));
    let head = server.join().unwrap();
    assert!(head.starts_with("GET /shop-api/hi?x=1 "), "{head}");
}

/// A release that only changed `api`'s env is undone with the rest when
/// another function fails: every machine of `api` runs its old env again.
#[test]
fn an_env_only_change_is_undone_when_another_function_fails() {
    let Some(s) = Setup::start(Options::default()) else {
        return;
    };
    let yaml = |greeting: &str, worker_env: &str| {
        format!(
            "project: shop\nfunctions:\n  api:\n    runtime: dockerfile\n    health_path: /healthz\n    env:\n      GREETING: {greeting}\n    fly:\n      regions: {{iad: 2, ams: 1}}\n      wait_timeout: 5\n  worker:\n    runtime: dockerfile\n    health_path: /healthz\n{worker_env}    fly:\n      regions: {{iad: 1}}\n      wait_timeout: 5\ntargets:\n  default: fly\n  fly:\n    org: personal\n"
        )
    };
    write_files(
        s.root(),
        &[
            ("hoist.yaml", &yaml("first", "")),
            (
                "functions/api/Dockerfile",
                "FROM scratch\nCOPY app.txt /app.txt\n",
            ),
            ("functions/api/app.txt", "one"),
            (
                "functions/worker/Dockerfile",
                "FROM scratch\nCOPY app.txt /app.txt\n",
            ),
            ("functions/worker/app.txt", "one"),
        ],
    );
    ok(&s.run(&["deploy", "--version", "v1", "--jobs", "1"]));
    let greetings = |s: &Setup| -> Vec<String> {
        s.emu
            .machines(APP)
            .iter()
            .map(|m| {
                m["config"]["env"]["GREETING"]
                    .as_str()
                    .unwrap_or("")
                    .to_string()
            })
            .collect()
    };
    assert_eq!(greetings(&s), ["first", "first", "first"]);

    // Same version, new env for api; worker's checks fail.
    write_files(
        s.root(),
        &[(
            "hoist.yaml",
            &yaml("second", "    env:\n      EMULATOR_CHECKS: fail\n"),
        )],
    );
    let out = s.run(&["deploy", "--version", "v1", "--jobs", "1"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        greetings(&s),
        ["first", "first", "first"],
        "api kept the failed release's env: {}",
        stderr(&out)
    );
    // api really went to the new env and back: every machine's configs
    // end first, second, first.
    for m in s.emu.machines(APP) {
        let id = m["id"].as_str().unwrap();
        let history: Vec<String> = s
            .emu
            .config_history(APP, id)
            .iter()
            .map(|c| c["env"]["GREETING"].as_str().unwrap_or("").to_string())
            .collect();
        assert!(
            history.ends_with(&["first".into(), "second".into(), "first".into()]),
            "machine {id} of api did not get the new env and go back: {history:?}\n{}",
            stderr(&out)
        );
    }
    assert!(
        stderr(&out).contains("Rolling back api"),
        "the undo of api is not reported: {}",
        stderr(&out)
    );
    s.assert_clean();
    let rel = s.run(&["releases", "--output", "json"]);
    let doc: Value = serde_json::from_slice(&rel.stdout).unwrap();
    assert_eq!(doc["releases"][0]["status"], "rolled_back", "{doc}");
}

/// A failed deploy whose undo cannot put a machine back (the emulator
/// refuses only the update back to v1's config) ends its release `failed`,
/// says so, and the next deploy finishes the undo.
#[test]
fn a_failed_undo_ends_the_release_failed_and_the_next_deploy_finishes_it() {
    let Some(s) = Setup::start(Options::default()) else {
        return;
    };
    s.project("", "", "one");
    ok(&s.deploy("v1"));
    let v1 = s.assert_all_on("v1");

    s.emu.fail_next_where(
        "POST",
        "/machines/",
        ("/config/metadata/hoist_version", "v1"),
        422,
        serde_json::json!({"error": "update refused (injected)"}),
        1,
    );
    s.project("", "    env:\n      EMULATOR_CHECKS: fail\n", "two");
    let out = s.deploy("v2");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(
        s.emu.fired_count("fail_next", "/machines/"),
        1,
        "{:#?}",
        s.emu.fired()
    );
    assert!(err.contains("could not be put back"), "{err}");
    assert!(err.contains("run `hoist deploy` again"), "{err}");
    let ms = s.machines();
    assert!(
        ms.iter().any(|m| m.1 == "v2"),
        "the refused undo left no machine on v2: {ms:?}"
    );
    let rel = s.run(&["releases", "--output", "json"]);
    let doc: Value = serde_json::from_slice(&rel.stdout).unwrap();
    let failed = doc["releases"][0].clone();
    assert_eq!(failed["status"], "failed", "{doc}");

    // The next deploy finishes the undo first.
    s.project("", "", "one");
    let out = s.deploy("v1");
    ok(&out);
    assert!(stderr(&out).contains("left unfinished"), "{}", stderr(&out));
    assert_eq!(s.assert_all_on("v1"), v1);
    s.assert_clean();
    let rel = s.run(&["releases", "--output", "json"]);
    let doc: Value = serde_json::from_slice(&rel.stdout).unwrap();
    let again = doc["releases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == failed["id"])
        .cloned();
    assert_eq!(
        again.as_ref().map(|r| r["status"].clone()),
        Some(Value::from("rolled_back")),
        "{doc}"
    );
}
