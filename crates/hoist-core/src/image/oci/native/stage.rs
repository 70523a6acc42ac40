//! One stage of a Dockerfile for the native builder: FROM (a base image,
//! an earlier stage or scratch), then each instruction in order: the ones
//! that change the config (ENV, ARG, WORKDIR, USER, LABEL, EXPOSE, CMD,
//! ENTRYPOINT, HEALTHCHECK, ...) and COPY/ADD, which add layers.

use super::*;

#[allow(clippy::too_many_arguments)]
pub(super) fn build_stage(
    stage: &Stage,
    outs: &[Option<StageOut>],
    globals: &Vars,
    req: &Request,
    net: &Net,
    cache: &BlobStore,
    created: &str,
) -> anyhow::Result<StageOut> {
    let (platform, out) = from_base(stage, outs, globals, req, net)?;
    let mut b = Building {
        out,
        args: platform_args(&platform),
        shell: vec!["/bin/sh".to_string(), "-c".to_string()],
        cmd_set_here: false,
    };
    for i in &stage.instructions {
        crate::interrupt::check()?;
        let mut vars = b.args.clone();
        vars.extend(env_map(&b.out.config));
        let empty_layer = if matches!(i.keyword.as_str(), "COPY" | "ADD") {
            // `--from` sees the global ARGs as `needed_stages` does,
            // under the stage's own ARG and ENV values.
            let mut from_vars = globals.clone();
            from_vars.extend(vars.clone());
            let layer = copy(
                i,
                &vars,
                &from_vars,
                &b.out,
                stage.index,
                outs,
                req,
                net,
                cache,
                &platform,
            )?;
            b.out.layers.push(layer);
            false
        } else {
            b.configure(i, &vars, globals, req)?;
            true
        };
        b.out.config.history.push(History {
            created: Some(created.to_string()),
            created_by: Some(format!("{} # hoist", i.original)),
            author: None,
            comment: None,
            empty_layer,
        });
    }
    Ok(b.out)
}

/// FROM: the stage's platform, and what it starts from (scratch, an
/// earlier stage or a base image).
fn from_base(
    stage: &Stage,
    outs: &[Option<StageOut>],
    globals: &Vars,
    req: &Request,
    net: &Net,
) -> anyhow::Result<(Platform, StageOut)> {
    let df = req.dockerfile;
    let from = &stage.from;
    let platform = match from.flag("platform") {
        Some(p) => {
            let p = parse::expand(p, globals, df.escape).map_err(|e| err(req, from, e))?;
            Platform::parse(&p).map_err(|e| err(req, from, e))?
        }
        None => req.platform.clone(),
    };
    let base_name =
        parse::expand(&stage.base, globals, df.escape).map_err(|e| err(req, from, e))?;
    let out = if base_name == "scratch" {
        StageOut {
            config: empty_config(&platform),
            layers: Vec::new(),
            base: None,
        }
    } else if let Some(j) = stage_index(df, &base_name.to_ascii_lowercase(), stage.index) {
        outs[j]
            .clone()
            .ok_or_else(|| err(req, from, format!("stage `{base_name}` was not built")))?
    } else {
        resolve_image(&base_name, &platform, net)
            .map_err(|e| e.context(format!("{}:{}: FROM {base_name}", req.file, from.line)))?
            .0
    };
    Ok((platform, out))
}

/// A stage as its instructions run: its output so far, the ARG values in
/// scope, the SHELL, and whether the stage set CMD itself (ENTRYPOINT
/// clears an inherited one).
struct Building {
    out: StageOut,
    args: Vars,
    shell: Vec<String>,
    cmd_set_here: bool,
}

impl Building {
    /// Apply an instruction that changes the config only (every one but
    /// COPY and ADD); one the native builder lacks is refused.
    fn configure(
        &mut self,
        i: &Instruction,
        vars: &Vars,
        globals: &Vars,
        req: &Request,
    ) -> anyhow::Result<()> {
        let esc = req.dockerfile.escape;
        let word = || parse::word(i.args.trim(), Some(vars), esc).map_err(|e| err(req, i, e));
        let words = || parse::words(&i.args, Some(vars), esc).map_err(|e| err(req, i, e));
        let c = &mut self.out.config;
        match i.keyword.as_str() {
            "ARG" => {
                for (k, default) in arg_pairs(i, vars, req, esc)? {
                    let v = req
                        .build_args
                        .get(&k)
                        .cloned()
                        .or(default)
                        .or_else(|| globals.get(&k).cloned())
                        // An ARG given no value anywhere is empty, as in docker.
                        .unwrap_or_else(String::new);
                    self.args.insert(k, v);
                }
            }
            "ENV" => {
                for (k, v) in env_pairs(i, vars, req)? {
                    set_env(c, &k, &v);
                }
            }
            "LABEL" => {
                let pairs = parse::pairs(words()?).map_err(|e| err(req, i, e))?;
                c.config.labels.extend(pairs);
            }
            "MAINTAINER" => c.author = Some(i.args.trim().to_string()),
            "WORKDIR" => {
                let w = word()?;
                let joined = if w.starts_with('/') {
                    w
                } else {
                    format!("{}/{w}", c.config.working_dir.trim_end_matches('/'))
                };
                c.config.working_dir = format!("/{}", clean(&joined).map_err(|e| err(req, i, e))?);
            }
            "USER" => c.config.user = word()?,
            "EXPOSE" => {
                for p in words()? {
                    let port = exposed_port(&p).ok_or_else(|| {
                        err(
                            req,
                            i,
                            format!("`{p}` is not a port (e.g. 8080 or 8080/udp)"),
                        )
                    })?;
                    c.config.exposed_ports.insert(port, serde_json::json!({}));
                }
            }
            "ENTRYPOINT" => {
                c.config.entrypoint = Some(command(i, &self.shell));
                if !self.cmd_set_here {
                    c.config.cmd = None;
                }
            }
            "CMD" => {
                c.config.cmd = Some(command(i, &self.shell));
                self.cmd_set_here = true;
            }
            "SHELL" => {
                self.shell = i.json.clone().filter(|v| !v.is_empty()).ok_or_else(|| {
                    err(
                        req,
                        i,
                        "SHELL takes a JSON array, e.g. [\"/bin/sh\", \"-c\"]",
                    )
                })?;
                let shell = serde_json::json!(self.shell);
                c.config.extra.insert("Shell".into(), shell);
            }
            "STOPSIGNAL" => c.config.stop_signal = word()?,
            "VOLUME" => {
                let vols = match &i.json {
                    Some(v) => v.clone(),
                    None => words()?,
                };
                for v in vols {
                    c.config.volumes.insert(v, serde_json::json!({}));
                }
            }
            "HEALTHCHECK" => c.config.healthcheck = Some(healthcheck(i, req)?),
            other => {
                return Err(err(
                    req,
                    i,
                    format!("{other} needs an external builder (docker, podman or buildah)"),
                ))
            }
        }
        Ok(())
    }
}

/// ENV's pairs: `key=value ...`, or the legacy `ENV key value with spaces`.
fn env_pairs(i: &Instruction, vars: &Vars, req: &Request) -> anyhow::Result<Vec<(String, String)>> {
    let esc = req.dockerfile.escape;
    let ws = parse::words(&i.args, Some(vars), esc).map_err(|e| err(req, i, e))?;
    if ws.first().is_none_or(|w| w.contains('=')) {
        return parse::pairs(ws).map_err(|e| err(req, i, e));
    }
    let (k, rest) = i
        .args
        .split_once(char::is_whitespace)
        .ok_or_else(|| err(req, i, "needs a value"))?;
    let value = parse::word(rest.trim_start(), Some(vars), esc).map_err(|e| err(req, i, e))?;
    Ok(vec![(k.to_string(), value)])
}

/// An EXPOSE word as the config's `port/proto` key (`tcp` by default);
/// `None` when it is not a port.
fn exposed_port(p: &str) -> Option<String> {
    let (port, proto) = p.split_once('/').unwrap_or((p, "tcp"));
    let proto = proto.to_ascii_lowercase();
    let valid = !port.is_empty()
        && port.chars().all(|c| c.is_ascii_digit() || c == '-')
        && matches!(proto.as_str(), "tcp" | "udp" | "sctp");
    valid.then(|| format!("{port}/{proto}"))
}

/// CMD/ENTRYPOINT: exec form as written, shell form through the shell.
pub(super) fn command(i: &Instruction, shell: &[String]) -> Vec<String> {
    match &i.json {
        Some(v) => v.clone(),
        None => {
            let mut v = shell.to_vec();
            v.push(i.args.clone());
            v
        }
    }
}

pub(super) fn healthcheck(i: &Instruction, req: &Request) -> anyhow::Result<Healthcheck> {
    let args = i.args.trim();
    if args.eq_ignore_ascii_case("none") {
        return Ok(Healthcheck {
            test: vec!["NONE".into()],
            ..Healthcheck::default()
        });
    }
    let (kw, rest) = args.split_once(char::is_whitespace).unwrap_or((args, ""));
    if !kw.eq_ignore_ascii_case("cmd") || rest.trim().is_empty() {
        return Err(err(
            req,
            i,
            "write HEALTHCHECK [flags] CMD <command>, or HEALTHCHECK NONE",
        ));
    }
    let rest = rest.trim();
    let test = match serde_json::from_str::<Vec<String>>(rest) {
        Ok(v) if rest.starts_with('[') => {
            let mut t = vec!["CMD".to_string()];
            t.extend(v);
            t
        }
        _ => vec!["CMD-SHELL".to_string(), rest.to_string()],
    };
    let dur = |name: &str| -> anyhow::Result<u64> {
        match i.flag(name) {
            Some(v) => parse::duration_ns(v).map_err(|e| err(req, i, format!("--{name}: {e}"))),
            None => Ok(0),
        }
    };
    let retries = match i.flag("retries") {
        Some(v) => v
            .parse::<u64>()
            .map_err(|_| err(req, i, format!("--retries=`{v}` is not a number")))?,
        None => 0,
    };
    Ok(Healthcheck {
        test,
        interval: dur("interval")?,
        timeout: dur("timeout")?,
        start_period: dur("start-period")?,
        start_interval: dur("start-interval")?,
        retries,
    })
}
