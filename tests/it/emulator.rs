//! Tests of the Fly Machines API emulator itself, over HTTP: machine states
//! moving on timers, the wait long-poll and its 408, leases and nonces,
//! checks going critical -> passing, crash loops, the spec check, secrets,
//! faults and logs paging.

use crate::fly_emulator;

use fly_emulator::{Emulator, Options};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

fn fast() -> Options {
    Options {
        boot_ms: 50,
        checks_pass_ms: 150,
        ..Options::default()
    }
}

/// One request with the emulator's token; (status, JSON body or Null).
fn call(
    emu: &Emulator,
    method: &str,
    path: &str,
    body: Option<Value>,
    nonce: Option<&str>,
) -> (u16, Value) {
    call_as(
        emu,
        method,
        path,
        body,
        nonce,
        &format!("Bearer {}", emu.token()),
    )
}

fn call_as(
    emu: &Emulator,
    method: &str,
    path: &str,
    body: Option<Value>,
    nonce: Option<&str>,
    auth: &str,
) -> (u16, Value) {
    let mut req = ureq::request(method, &format!("{}{path}", emu.url())).set("Authorization", auth);
    if let Some(n) = nonce {
        req = req.set("fly-machine-lease-nonce", n);
    }
    let result = match body {
        Some(b) => req.send_json(b),
        None => req.call(),
    };
    let resp = match result {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{method} {path}: {e}"),
    };
    let status = resp.status();
    let text = resp.into_string().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn app(emu: &Emulator, name: &str) {
    let (s, b) = call(
        emu,
        "POST",
        "/v1/apps",
        Some(json!({"name": name, "org_slug": "personal"})),
        None,
    );
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["name"], name);
}

fn machine(emu: &Emulator, app: &str, extra: Value) -> Value {
    let mut body = json!({"config": {"image": "registry.fly.io/demo:deployment-01", "metadata": {"fly_platform_version": "v2"}},
                          "region": "iad", "skip_secrets": false});
    for (k, v) in extra.as_object().expect("object") {
        if k == "config" {
            for (ck, cv) in v.as_object().expect("config") {
                body["config"][ck] = cv.clone();
            }
        } else {
            body[k] = v.clone();
        }
    }
    let (s, b) = call(
        emu,
        "POST",
        &format!("/v1/apps/{app}/machines"),
        Some(body),
        None,
    );
    assert_eq!(s, 200, "{b}");
    b
}

fn get(emu: &Emulator, app: &str, id: &str) -> Value {
    let (s, b) = call(
        emu,
        "GET",
        &format!("/v1/apps/{app}/machines/{id}"),
        None,
        None,
    );
    assert_eq!(s, 200, "{b}");
    b
}

#[test]
fn machines_move_through_states_and_wait_long_polls() {
    let emu = Emulator::start(fast());
    app(&emu, "demo");
    let m = machine(&emu, "demo", json!({}));
    let id = m["id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 14);
    assert_eq!(m["state"], "created");
    assert_eq!(m["version"].as_str().unwrap().len(), 26);
    assert_eq!(m["image_ref"]["repository"], "demo");
    let base = format!("/v1/apps/demo/machines/{id}");

    let t = Instant::now();
    let (s, b) = call(
        &emu,
        "GET",
        &format!("{base}/wait?state=started&timeout=5"),
        None,
        None,
    );
    assert_eq!((s, b["state"].as_str()), (200, Some("started")), "{b}");
    assert!(t.elapsed() < Duration::from_secs(2));
    let states: Vec<String> = emu.timeline("demo").into_iter().map(|c| c.state).collect();
    assert_eq!(states, ["created", "starting", "started"]);

    let t = Instant::now();
    let (s, b) = call(
        &emu,
        "GET",
        &format!("{base}/wait?state=stopped&timeout=1"),
        None,
        None,
    );
    assert_eq!(s, 408, "{b}");
    assert!(t.elapsed() >= Duration::from_millis(900));

    // Update: new version, replacing -> started; the old version is "currently replaced".
    let old = m["version"].as_str().unwrap().to_string();
    let cfg = json!({"config": {"image": "registry.fly.io/demo:deployment-02"}});
    let (s, u) = call(&emu, "POST", &base, Some(cfg), None);
    assert_eq!(s, 200, "{u}");
    assert_eq!(u["state"], "replacing");
    assert_ne!(u["version"], old);
    let (s, b) = call(
        &emu,
        "GET",
        &format!("{base}/wait?state=started&version={old}&timeout=2"),
        None,
        None,
    );
    assert_eq!(s, 400);
    assert!(
        b["error"].as_str().unwrap().contains("currently replaced"),
        "{b}"
    );
    let (s, _) = call(
        &emu,
        "GET",
        &format!("{base}/wait?state=started&state=stopped&timeout=5"),
        None,
        None,
    );
    assert_eq!(s, 200);
    assert_eq!(
        get(&emu, "demo", &id)["config"]["image"],
        "registry.fly.io/demo:deployment-02"
    );

    let (s, b) = call(
        &emu,
        "POST",
        &format!("{base}/stop"),
        Some(json!({"signal": "SIGINT", "id": id})),
        None,
    );
    assert_eq!((s, b), (200, json!({"ok": true})));
    let (s, _) = call(
        &emu,
        "GET",
        &format!("{base}/wait?state=stopped&timeout=5"),
        None,
        None,
    );
    assert_eq!(s, 200);
    let (s, b) = call(&emu, "POST", &format!("{base}/start"), None, None);
    assert_eq!((s, b["previous_state"].as_str()), (200, Some("stopped")));
    call(
        &emu,
        "GET",
        &format!("{base}/wait?state=started&timeout=5"),
        None,
        None,
    );
    let states: Vec<String> = emu
        .timeline("demo")
        .into_iter()
        .map(|c| c.state)
        .skip(3)
        .collect();
    let tail = [
        "replacing",
        "starting",
        "started",
        "stopping",
        "stopped",
        "starting",
        "started",
    ];
    assert_eq!(states, tail);

    // skip_launch stays `created`, which satisfies a wait for `stopped`.
    let cold = machine(&emu, "demo", json!({"skip_launch": true}));
    let cold_id = cold["id"].as_str().unwrap();
    let (s, b) = call(
        &emu,
        "GET",
        &format!("/v1/apps/demo/machines/{cold_id}/wait?state=stopped&timeout=1"),
        None,
        None,
    );
    assert_eq!((s, b["state"].as_str()), (200, Some("created")));

    let (s, _) = call(&emu, "DELETE", &format!("{base}?kill=true"), None, None);
    assert_eq!(s, 200);
    let (s, _) = call(
        &emu,
        "GET",
        &format!("{base}/wait?state=destroyed&timeout=5"),
        None,
        None,
    );
    assert_eq!(s, 200);
    let (s, b) = call(&emu, "GET", &base, None, None);
    assert_eq!(s, 404);
    assert!(b["error"].as_str().unwrap().contains("machine not found"));
    assert_eq!(emu.machines("demo").len(), 1);
    let (_, all) = call(
        &emu,
        "GET",
        "/v1/apps/demo/machines?include_deleted=true",
        None,
        None,
    );
    assert_eq!(all.as_array().unwrap().len(), 2);
    assert!(emu.violations().is_empty(), "{:?}", emu.violations());
}

#[test]
fn leases_gate_every_mutation_by_nonce() {
    let emu = Emulator::start(fast());
    app(&emu, "demo");
    let m = machine(&emu, "demo", json!({"lease_ttl": 30}));
    let id = m["id"].as_str().unwrap();
    let nonce = m["nonce"]
        .as_str()
        .expect("nonce on create with lease_ttl")
        .to_string();
    assert_eq!(nonce.len(), 12);
    let base = format!("/v1/apps/demo/machines/{id}");
    assert_eq!(emu.leases_held("demo"), [id]);

    for verb in ["stop", "cordon", "restart"] {
        let (s, b) = call(&emu, "POST", &format!("{base}/{verb}"), None, None);
        assert_eq!(s, 409, "{verb}: {b}");
        assert!(
            b["error"]
                .as_str()
                .unwrap()
                .contains("lease currently held by"),
            "{b}"
        );
    }
    let (s, _) = call(
        &emu,
        "DELETE",
        &format!("{base}?kill=true"),
        None,
        Some("000000000000"),
    );
    assert_eq!(s, 409);
    let (s, _) = call(&emu, "POST", &format!("{base}/cordon"), None, Some(&nonce));
    assert_eq!(s, 200);
    assert_eq!(get(&emu, "demo", id)["cordoned"], true);

    // Acquire without the nonce: 409; with it: a refresh keeping the nonce.
    let (s, _) = call(&emu, "POST", &format!("{base}/lease?ttl=13"), None, None);
    assert_eq!(s, 409);
    let (s, b) = call(
        &emu,
        "POST",
        &format!("{base}/lease?ttl=13"),
        None,
        Some(&nonce),
    );
    assert_eq!((s, b["status"].as_str()), (201, Some("success")), "{b}");
    assert_eq!(b["data"]["nonce"], nonce.as_str());
    let (s, b) = call(&emu, "GET", &format!("{base}/lease"), None, None);
    assert_eq!(
        (s, b["data"]["nonce"].as_str()),
        (200, Some(nonce.as_str()))
    );

    let (s, _) = call(
        &emu,
        "DELETE",
        &format!("{base}/lease"),
        None,
        Some("ffffffffffff"),
    );
    assert_eq!(s, 409);
    let (s, _) = call(&emu, "DELETE", &format!("{base}/lease"), None, Some(&nonce));
    assert_eq!(s, 200);
    let (s, b) = call(&emu, "DELETE", &format!("{base}/lease"), None, Some(&nonce));
    assert_eq!(s, 404);
    assert!(b["error"].as_str().unwrap().contains("lease not found"));
    assert!(emu.leases_held("demo").is_empty());

    // A body-form acquire, then someone else's lease.
    let (s, b) = call(
        &emu,
        "POST",
        &format!("{base}/lease"),
        Some(json!({"ttl": 5, "description": "deploy"})),
        None,
    );
    assert_eq!(s, 201, "{b}");
    let mine = b["data"]["nonce"].as_str().unwrap().to_string();
    call(&emu, "DELETE", &format!("{base}/lease"), None, Some(&mine));
    emu.hold_lease("demo", id, "other@example.com");
    let (s, b) = call(&emu, "POST", &format!("{base}/uncordon"), None, None);
    assert_eq!(s, 409);
    assert!(
        b["error"]
            .as_str()
            .unwrap()
            .contains("held by other@example.com"),
        "{b}"
    );
    assert!(emu.violations().is_empty(), "{:?}", emu.violations());
}

#[test]
fn checks_go_critical_then_passing_unless_marked() {
    let emu = Emulator::start(fast());
    app(&emu, "demo");
    emu.checks_never_pass("broken");
    let checks = json!({"config": {"checks": {"alive": {"type": "tcp", "port": 8080, "interval": "15s", "timeout": "2s"}}}});
    let good = machine(&emu, "demo", checks.clone());
    let mut bad_cfg = checks.clone();
    bad_cfg["config"]["image"] = json!("registry.fly.io/demo:broken");
    let bad = machine(&emu, "demo", bad_cfg);
    let mut env_cfg = checks.clone();
    env_cfg["config"]["env"] = json!({"EMULATOR_CHECKS": "fail"});
    let by_env = machine(&emu, "demo", env_cfg);
    let plain = machine(&emu, "demo", json!({}));
    let id = |m: &Value| m["id"].as_str().unwrap().to_string();
    for m in [&good, &bad, &by_env, &plain] {
        let (s, _) = call(
            &emu,
            "GET",
            &format!(
                "/v1/apps/demo/machines/{}/wait?state=started&timeout=5",
                id(m)
            ),
            None,
            None,
        );
        assert_eq!(s, 200);
    }
    let started = emu.now_ms();
    let g = get(&emu, "demo", &id(&good));
    assert_eq!(g["checks"][0]["name"], "alive");
    assert_eq!(g["checks"][0]["status"], "critical");
    assert_eq!(g["checks"][0]["output"], "connection refused");
    assert_eq!(get(&emu, "demo", &id(&plain))["checks"], json!([]));
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(
        get(&emu, "demo", &id(&good))["checks"][0]["status"],
        "passing"
    );
    assert_eq!(
        get(&emu, "demo", &id(&bad))["checks"][0]["status"],
        "critical"
    );
    assert_eq!(
        get(&emu, "demo", &id(&by_env))["checks"][0]["status"],
        "critical"
    );
    // Healthy now: `good` and `plain`; right after start only `plain`.
    assert_eq!(
        emu.min_started_during("demo", emu.now_ms(), emu.now_ms()),
        2
    );
    assert_eq!(emu.min_started_during("demo", started, emu.now_ms()), 1);
    let service = json!({"config": {"services": [{"internal_port": 8080, "protocol": "tcp",
        "checks": [{"type": "http", "port": 8080, "path": "/health", "method": "GET"}]}]}});
    let s = machine(&emu, "demo", service);
    call(
        &emu,
        "GET",
        &format!(
            "/v1/apps/demo/machines/{}/wait?state=started&timeout=5",
            id(&s)
        ),
        None,
        None,
    );
    assert_eq!(
        get(&emu, "demo", &id(&s))["checks"][0]["name"],
        "servicecheck-00-http-8080"
    );
    assert!(emu.violations().is_empty(), "{:?}", emu.violations());
}

#[test]
fn crash_loops_report_restarting_exits() {
    let emu = Emulator::start(fast());
    app(&emu, "demo");
    emu.crash_loop("crashy");
    let m = machine(
        &emu,
        "demo",
        json!({"config": {"image": "registry.fly.io/demo:crashy"}}),
    );
    let id = m["id"].as_str().unwrap();
    std::thread::sleep(Duration::from_millis(450));
    let g = get(&emu, "demo", id);
    let exits: Vec<&Value> = g["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "exit")
        .collect();
    assert!(exits.len() >= 2, "{g}");
    let latest = &exits[0]["request"];
    assert_eq!(latest["exit_event"]["exit_code"], 1);
    assert_eq!(latest["exit_event"]["restarting"], true);
    assert_eq!(latest["exit_event"]["requested_stop"], false);
    assert!(latest["restart_count"].as_u64().unwrap() > 1, "{latest}");
    let ts: Vec<u64> = g["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["timestamp"].as_u64().unwrap())
        .collect();
    assert!(
        ts.windows(2).all(|w| w[0] >= w[1]),
        "events newest first: {ts:?}"
    );
}

#[test]
fn the_spec_check_rejects_typos_and_accepts_flyctl_bodies() {
    let emu = Emulator::start(fast());
    app(&emu, "demo");
    let flyctl = json!({
        "config": {
            "image": "registry.fly.io/demo:deployment-01J5",
            "env": {"FLY_PROCESS_GROUP": "app", "PRIMARY_REGION": "iad"},
            "init": {"exec": null, "entrypoint": null, "cmd": ["bin/server"], "tty": false, "swap_size_mb": 512, "kernel_args": []},
            "guest": {"cpu_kind": "shared", "cpus": 1, "memory_mb": 256, "gpus": 0, "gpu_kind": "", "max_memory_mb": 0, "host_dedication_id": "", "kernel_args": []},
            "metadata": {"fly_platform_version": "v2", "fly_process_group": "app", "fly_release_id": "r1", "fly_release_version": "12", "fly_flyctl_version": "0.3.1"},
            "services": [{"protocol": "tcp", "internal_port": 8080, "autostop": true, "autostart": true, "min_machines_running": 0,
                "ports": [{"port": 80, "handlers": ["http"], "force_https": true}, {"port": 443, "handlers": ["http", "tls"]}],
                "concurrency": {"type": "connections", "hard_limit": 25, "soft_limit": 20},
                "checks": [{"type": "http", "port": 8080, "method": "GET", "path": "/health", "protocol": "http",
                            "interval": "15s", "timeout": "2s", "grace_period": "5s", "headers": [{"name": "X", "values": ["y"]}]}],
                "force_instance_key": null}],
            "checks": {"alive": {"type": "tcp", "port": 8080, "interval": "15s", "timeout": "2s", "grace_period": "1s", "kind": "readiness"}},
            "restart": {"policy": "on-failure", "max_retries": 10},
            "auto_destroy": false,
            "stop_config": {"signal": "SIGINT", "timeout": "5s"},
            "dns": {"skip_registration": false},
            "files": [{"guest_path": "/etc/x", "raw_value": "eA==", "secret_name": null, "mode": 420}],
            "processes": [], "schedule": "", "standbys": [], "statics": [], "metrics": {"port": 9091, "path": "/metrics"},
            "rootfs": {"persist": "never", "size_gb": 0}, "containers": [], "cache_drive": {"size_mb": 0}, "spot": {}
        },
        "region": "iad", "skip_launch": false, "skip_service_registration": false, "skip_secrets": false, "lease_ttl": 300
    });
    let (s, b) = call(&emu, "POST", "/v1/apps/demo/machines", Some(flyctl), None);
    assert_eq!(s, 200, "{b}");
    let id = b["id"].as_str().unwrap();
    let nonce = b["nonce"].as_str().unwrap();
    let (s, b) = call(
        &emu,
        "POST",
        &format!("/v1/apps/demo/machines/{id}/signal"),
        Some(json!({"signal": 9})),
        Some(nonce),
    );
    assert_eq!(s, 200, "{b}");
    assert!(emu.violations().is_empty(), "{:?}", emu.violations());

    let typo =
        json!({"config": {"image": "registry.fly.io/demo:x", "guest": {"cpus": 1, "cpuz": 2}}});
    let (s, b) = call(&emu, "POST", "/v1/apps/demo/machines", Some(typo), None);
    assert_eq!(s, 400);
    let msg = b["error"].as_str().unwrap();
    assert!(
        msg.starts_with("request breaks the Machines API spec")
            && msg.contains("cpuz")
            && msg.contains("$.config.guest"),
        "{msg}"
    );
    let wrong_type = json!({"config": {"image": "registry.fly.io/demo:x", "guest": {"cpus": "1"}}});
    let (s, _) = call(
        &emu,
        "POST",
        "/v1/apps/demo/machines",
        Some(wrong_type),
        None,
    );
    assert_eq!(s, 400);
    let (s, _) = call(&emu, "GET", "/v1/apps/demo/machines?regoin=iad", None, None);
    assert_eq!(s, 400);
    let (s, _) = call(&emu, "POST", "/v1/apps/demo/machinez", None, None);
    assert_eq!(s, 400);
    assert_eq!(emu.violations().len(), 4, "{:?}", emu.violations());
    assert_eq!(emu.machines("demo").len(), 1);
}

#[test]
fn auth_apps_secrets_and_faults() {
    let emu = Emulator::start(fast());
    let (s, b) = call_as(&emu, "GET", "/v1/apps", None, None, "Bearer nope");
    assert_eq!(
        (s, b),
        (
            401,
            json!({"error": "Authenticate: token validation error"})
        )
    );
    for auth in [
        "FlyV1 test-token",
        "Bearer FlyV1 test-token",
        "FlyV1 fm2_other,test-token",
    ] {
        assert_eq!(
            call_as(&emu, "GET", "/v1/apps?org_slug=personal", None, None, auth).0,
            200,
            "{auth}"
        );
    }
    emu.create_app("theirs", "other-org");
    assert_eq!(call(&emu, "GET", "/v1/apps/theirs", None, None).0, 403);
    let (s, b) = call(
        &emu,
        "POST",
        "/v1/apps",
        Some(json!({"app_name": "theirs", "org_slug": "personal"})),
        None,
    );
    assert_eq!((s, b["status"].as_str()), (422, Some("name_taken")));
    assert_eq!(
        call(&emu, "GET", "/v1/apps/nope", None, None).1["error"],
        "Could not find App"
    );
    app(&emu, "demo");

    // Secrets: versions, digests, values only on request, min_secrets_version.
    let (s, b) = call(
        &emu,
        "POST",
        "/v1/apps/demo/secrets",
        Some(json!({"values": {"A": "1", "B": "2"}})),
        None,
    );
    assert_eq!(
        (s, b["version"].as_u64(), b["Version"].as_u64()),
        (200, Some(1), Some(1))
    );
    let (_, b) = call(
        &emu,
        "POST",
        "/v1/apps/demo/secrets",
        Some(json!({"values": {"B": null}})),
        None,
    );
    assert_eq!(b["version"], 2);
    let (_, b) = call(&emu, "GET", "/v1/apps/demo/secrets", None, None);
    assert_eq!(b["secrets"].as_array().unwrap().len(), 1);
    assert!(b["secrets"][0].get("value").is_none());
    assert_eq!(b["secrets"][0]["digest"].as_str().unwrap().len(), 64);
    assert_eq!(
        call(
            &emu,
            "GET",
            "/v1/apps/demo/secrets?show_secrets=true",
            None,
            None
        )
        .1["secrets"][0]["value"],
        "1"
    );
    let (s, _) = call(
        &emu,
        "POST",
        "/v1/apps/demo/machines",
        Some(json!({"config": {"image": "registry.fly.io/demo:1"}, "min_secrets_version": 5})),
        None,
    );
    assert_eq!(s, 400);
    let m = machine(&emu, "demo", json!({"min_secrets_version": 2}));
    let id = m["id"].as_str().unwrap();
    call(
        &emu,
        "GET",
        &format!("/v1/apps/demo/machines/{id}/wait?state=started&timeout=5"),
        None,
        None,
    );
    assert_eq!(emu.machine_secrets_version("demo", id), Some(2));

    // Faults.
    emu.fail_next("POST", "/machines", 503, json!({"error": "try later"}), 1);
    let (s, b) = call(
        &emu,
        "POST",
        "/v1/apps/demo/machines",
        Some(json!({"config": {"image": "registry.fly.io/demo:1"}})),
        None,
    );
    assert_eq!((s, b), (503, json!({"error": "try later"})));
    emu.fail_next_after_effect("POST", "/v1/apps/demo/machines", 408, 1);
    let before = emu.machines("demo").len();
    let (s, _) = call(
        &emu,
        "POST",
        "/v1/apps/demo/machines",
        Some(json!({"config": {"image": "registry.fly.io/demo:1"}})),
        None,
    );
    assert_eq!(s, 408);
    assert_eq!(
        emu.machines("demo").len(),
        before + 1,
        "the side effect happened"
    );
    emu.no_capacity("ams");
    let (s, b) = call(
        &emu,
        "POST",
        "/v1/apps/demo/machines",
        Some(json!({"config": {"image": "registry.fly.io/demo:1"}, "region": "ams"})),
        None,
    );
    assert_eq!(
        (s, b["status"].as_str()),
        (422, Some("insufficient_capacity"))
    );
    emu.storm_429(2, Some(3));
    let resp = ureq::get(&format!("{}/v1/apps/demo", emu.url()))
        .set("Authorization", "Bearer test-token")
        .call();
    match resp {
        Err(ureq::Error::Status(429, r)) => assert_eq!(r.header("retry-after"), Some("3")),
        other => panic!("expected 429, got {other:?}"),
    }
    assert_eq!(call(&emu, "GET", "/v1/apps/demo", None, None).0, 429);
    assert_eq!(call(&emu, "GET", "/v1/apps/demo", None, None).0, 200);
    assert!(emu.mutating_requests() >= 8);
    assert!(emu.violations().is_empty(), "{:?}", emu.violations());
}

#[test]
fn list_filters_and_pages() {
    let emu = Emulator::start(fast());
    app(&emu, "demo");
    for (i, region) in ["iad", "ord", "iad"].iter().enumerate() {
        machine(
            &emu,
            "demo",
            json!({"region": region, "skip_launch": true,
            "config": {"metadata": {"fly_platform_version": "v2", "n": i.to_string()}}}),
        );
    }
    let (_, b) = call(&emu, "GET", "/v1/apps/demo/machines?region=iad", None, None);
    assert_eq!(b.as_array().unwrap().len(), 2);
    let (_, b) = call(
        &emu,
        "GET",
        "/v1/apps/demo/machines?metadata.n=1&metadata.fly_platform_version=v2",
        None,
        None,
    );
    assert_eq!(b.as_array().unwrap().len(), 1);
    assert_eq!(b[0]["region"], "ord");
    let (_, b) = call(
        &emu,
        "GET",
        "/v1/apps/demo/machines?state=started",
        None,
        None,
    );
    assert_eq!(b.as_array().unwrap().len(), 0);
    let first = ureq::get(&format!("{}/v1/apps/demo/machines?limit=2", emu.url()))
        .set("Authorization", "Bearer test-token")
        .call()
        .unwrap();
    let cursor = first
        .header("fly-next-cursor")
        .expect("a next cursor")
        .to_string();
    assert_eq!(
        first
            .into_json::<Value>()
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let (_, b) = call(
        &emu,
        "GET",
        &format!("/v1/apps/demo/machines?limit=2&cursor={cursor}"),
        None,
        None,
    );
    assert_eq!(b.as_array().unwrap().len(), 1);
    let (_, b) = call(
        &emu,
        "GET",
        "/v1/apps/demo/machines?summary=true",
        None,
        None,
    );
    assert!(b[0].get("config").is_none());
    assert!(emu.violations().is_empty(), "{:?}", emu.violations());
}

/// With `log_pages_overlap`, a page starts at the token's timestamp: tied
/// lines and the previous page's last come again (the fault is recorded);
/// nothing after the token is an empty page.
#[test]
fn overlapping_log_pages_send_the_token_timestamp_again() {
    let emu = Emulator::start(fast());
    app(&emu, "demo");
    emu.log_pages_overlap();
    emu.add_logs_tied("demo", "m1", "iad", &["a", "b", "c"]);
    emu.add_logs("demo", "m1", "iad", &["d"]);
    let logs = |token: &str| {
        let page = call(
            &emu,
            "GET",
            &format!("/api/v1/apps/demo/logs?next_token={token}"),
            None,
            None,
        )
        .1;
        let msgs: Vec<String> = page["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["attributes"]["message"].as_str().unwrap().to_string())
            .collect();
        let ids: Vec<String> = page["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].as_str().unwrap().to_string())
            .collect();
        (
            msgs,
            ids,
            page["meta"]["next_token"].as_str().unwrap().to_string(),
        )
    };
    let (msgs, ids, end) = logs("");
    assert_eq!(msgs, ["a", "b", "c", "d"]);
    let unique: std::collections::BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), 4, "tied lines keep ids of their own: {ids:?}");
    assert_eq!(emu.fired_count("log_overlap", ""), 0);
    // The token of `a`..`c`'s timestamp: all three again, then `d`.
    let tied = ids[0].split('-').next().unwrap().to_string();
    let (msgs, _, _) = logs(&tied);
    assert_eq!(msgs, ["a", "b", "c", "d"]);
    assert_eq!(emu.fired_count("log_overlap", "/logs"), 1);
    // Nothing after the last line: an empty page, no fault.
    let (msgs, _, token) = logs(&end);
    assert!(msgs.is_empty(), "{msgs:?}");
    assert_eq!(token, end);
    assert_eq!(emu.fired_count("log_overlap", "/logs"), 1);
}

#[test]
fn logs_page_by_next_token() {
    let emu = Emulator::start(fast());
    app(&emu, "demo");
    let lines: Vec<String> = (0..150).map(|i| format!("line {i}")).collect();
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    emu.add_logs("demo", "m1", "iad", &refs);
    emu.add_logs("demo", "m2", "ord", &["other"]);
    let logs = |q: &str| {
        call(
            &emu,
            "GET",
            &format!("/api/v1/apps/demo/logs?{q}"),
            None,
            None,
        )
        .1
    };
    let page = logs("next_token=");
    assert_eq!(page["data"].as_array().unwrap().len(), 100);
    assert_eq!(page["data"][0]["attributes"]["message"], "line 0");
    assert_eq!(page["data"][0]["type"], "logs");
    let token = page["meta"]["next_token"].as_str().unwrap().to_string();
    let page = logs(&format!("next_token={token}&instance=m1"));
    assert_eq!(page["data"].as_array().unwrap().len(), 50);
    assert_eq!(page["data"][0]["attributes"]["message"], "line 100");
    let token = page["meta"]["next_token"].as_str().unwrap().to_string();
    let page = logs(&format!("next_token={token}&instance=m1"));
    assert_eq!(page["data"], json!([]));
    assert_eq!(page["meta"]["next_token"], token.as_str());
    let page = logs("next_token=&region=ord");
    assert_eq!(page["data"][0]["attributes"]["message"], "other");
    // The emulator writes its own lines on start.
    let m = machine(&emu, "demo", json!({}));
    let id = m["id"].as_str().unwrap();
    call(
        &emu,
        "GET",
        &format!("/v1/apps/demo/machines/{id}/wait?state=started&timeout=5"),
        None,
        None,
    );
    let page = logs(&format!("next_token=&instance={id}"));
    assert!(page["data"][0]["attributes"]["message"]
        .as_str()
        .unwrap()
        .starts_with("Machine started in"));
    assert_eq!(
        call(
            &emu,
            "GET",
            "/api/v1/apps/nope/logs?next_token=",
            None,
            None
        )
        .0,
        404
    );
}

/// A stand-in registry: 200 for manifests of `demo:good`, 404 otherwise.
fn tiny_registry() -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut first = String::new();
            let _ = reader.read_line(&mut first);
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let found = first.starts_with("GET /v2/demo/manifests/good ");
            let status = if found { "200 OK" } else { "404 Not Found" };
            let _ = write!(
                &stream,
                "HTTP/1.1 {status}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"
            );
        }
    });
    url
}

#[test]
fn images_are_checked_in_the_registry_when_one_is_set() {
    let emu = Emulator::start(Options {
        registry: Some(tiny_registry()),
        ..fast()
    });
    app(&emu, "demo");
    let m = machine(
        &emu,
        "demo",
        json!({"config": {"image": "registry.fly.io/demo:good"}}),
    );
    let id = m["id"].as_str().unwrap();
    let bad = json!({"config": {"image": "registry.fly.io/demo:missing"}});
    let (s, b) = call(
        &emu,
        "POST",
        &format!("/v1/apps/demo/machines/{id}"),
        Some(bad.clone()),
        None,
    );
    assert_eq!(s, 422);
    assert_eq!(
        b["error"],
        "failed to resolve image registry.fly.io/demo:missing: manifest unknown"
    );
    assert_eq!(
        get(&emu, "demo", id)["config"]["image"],
        "registry.fly.io/demo:good"
    );
    assert_eq!(
        call(&emu, "POST", "/v1/apps/demo/machines", Some(bad), None).0,
        422
    );
    assert_eq!(emu.machines("demo").len(), 1);
}

#[test]
fn rate_limits_and_unreachable_hosts() {
    let emu = Emulator::start(Options {
        rate_limit: true,
        ..fast()
    });
    app(&emu, "demo");
    let m = machine(&emu, "demo", json!({"skip_launch": true}));
    let id = m["id"].as_str().unwrap();
    let cordon = format!("/v1/apps/demo/machines/{id}/cordon");
    let codes: Vec<u16> = (0..4)
        .map(|_| call(&emu, "POST", &cordon, None, None).0)
        .collect();
    assert_eq!(codes, [200, 200, 200, 429]);
    let gets: Vec<u16> = (0..15)
        .map(|_| {
            call(
                &emu,
                "GET",
                &format!("/v1/apps/demo/machines/{id}"),
                None,
                None,
            )
            .0
        })
        .collect();
    assert!(
        gets[..10].iter().all(|c| *c == 200) && gets.contains(&429),
        "{gets:?}"
    );
    std::thread::sleep(Duration::from_millis(1100));
    emu.unreachable("demo", id);
    let g = get(&emu, "demo", id);
    assert_eq!(
        (g["host_status"].as_str(), g["config"].is_null()),
        (Some("unreachable"), true)
    );
    assert_eq!(
        g["incomplete_config"]["image"],
        "registry.fly.io/demo:deployment-01"
    );
}
