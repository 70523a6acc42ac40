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
    let mut out = if base_name == "scratch" {
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
    let mut args: Vars = platform_args(&platform);
    let mut shell = vec!["/bin/sh".to_string(), "-c".to_string()];
    let mut cmd_set_here = false;
    for i in &stage.instructions {
        crate::interrupt::check()?;
        let mut vars = args.clone();
        vars.extend(env_map(&out.config));
        let esc = df.escape;
        let mut empty_layer = true;
        match i.keyword.as_str() {
            "ARG" => {
                for (k, default) in arg_pairs(i, &vars, req, esc)? {
                    let v = req
                        .build_args
                        .get(&k)
                        .cloned()
                        .or(default)
                        .or_else(|| globals.get(&k).cloned())
                        .unwrap_or_default();
                    args.insert(k, v);
                }
            }
            "ENV" => {
                let ws = parse::words(&i.args, Some(&vars), esc).map_err(|e| err(req, i, e))?;
                let pairs = if ws.first().is_some_and(|w| !w.contains('=')) {
                    // Legacy `ENV key value with spaces`.
                    let (k, rest) = i
                        .args
                        .split_once(char::is_whitespace)
                        .ok_or_else(|| err(req, i, "needs a value"))?;
                    vec![(
                        k.to_string(),
                        parse::word(rest.trim_start(), Some(&vars), esc)
                            .map_err(|e| err(req, i, e))?,
                    )]
                } else {
                    parse::pairs(ws).map_err(|e| err(req, i, e))?
                };
                for (k, v) in pairs {
                    set_env(&mut out.config, &k, &v);
                }
            }
            "LABEL" => {
                let ws = parse::words(&i.args, Some(&vars), esc).map_err(|e| err(req, i, e))?;
                for (k, v) in parse::pairs(ws).map_err(|e| err(req, i, e))? {
                    out.config.config.labels.insert(k, v);
                }
            }
            "MAINTAINER" => out.config.author = Some(i.args.trim().to_string()),
            "WORKDIR" => {
                let w = parse::word(i.args.trim(), Some(&vars), esc).map_err(|e| err(req, i, e))?;
                let joined = if w.starts_with('/') {
                    w
                } else {
                    format!(
                        "{}/{w}",
                        out.config.config.working_dir.trim_end_matches('/')
                    )
                };
                out.config.config.working_dir =
                    format!("/{}", clean(&joined).map_err(|e| err(req, i, e))?);
            }
            "USER" => {
                out.config.config.user =
                    parse::word(i.args.trim(), Some(&vars), esc).map_err(|e| err(req, i, e))?;
            }
            "EXPOSE" => {
                for p in parse::words(&i.args, Some(&vars), esc).map_err(|e| err(req, i, e))? {
                    let (port, proto) = p.split_once('/').unwrap_or((&p, "tcp"));
                    let proto = proto.to_ascii_lowercase();
                    if port.is_empty()
                        || !port.chars().all(|c| c.is_ascii_digit() || c == '-')
                        || !matches!(proto.as_str(), "tcp" | "udp" | "sctp")
                    {
                        return Err(err(
                            req,
                            i,
                            format!("`{p}` is not a port (e.g. 8080 or 8080/udp)"),
                        ));
                    }
                    out.config
                        .config
                        .exposed_ports
                        .insert(format!("{port}/{proto}"), serde_json::json!({}));
                }
            }
            "ENTRYPOINT" => {
                out.config.config.entrypoint = Some(command(i, &shell));
                if !cmd_set_here {
                    out.config.config.cmd = None;
                }
            }
            "CMD" => {
                out.config.config.cmd = Some(command(i, &shell));
                cmd_set_here = true;
            }
            "SHELL" => {
                shell = i.json.clone().filter(|v| !v.is_empty()).ok_or_else(|| {
                    err(
                        req,
                        i,
                        "SHELL takes a JSON array, e.g. [\"/bin/sh\", \"-c\"]",
                    )
                })?;
                out.config
                    .config
                    .extra
                    .insert("Shell".into(), serde_json::json!(shell));
            }
            "STOPSIGNAL" => {
                out.config.config.stop_signal =
                    parse::word(i.args.trim(), Some(&vars), esc).map_err(|e| err(req, i, e))?;
            }
            "VOLUME" => {
                let vols = match &i.json {
                    Some(v) => v.clone(),
                    None => parse::words(&i.args, Some(&vars), esc).map_err(|e| err(req, i, e))?,
                };
                for v in vols {
                    out.config.config.volumes.insert(v, serde_json::json!({}));
                }
            }
            "HEALTHCHECK" => out.config.config.healthcheck = Some(healthcheck(i, req)?),
            "COPY" | "ADD" => {
                // `--from` sees the global ARGs as `needed_stages` does,
                // under the stage's own ARG and ENV values.
                let mut from_vars = globals.clone();
                from_vars.extend(vars.clone());
                let layer = copy(
                    i,
                    &vars,
                    &from_vars,
                    &out,
                    stage.index,
                    outs,
                    req,
                    net,
                    cache,
                    &platform,
                )?;
                out.layers.push(layer);
                empty_layer = false;
            }
            other => {
                return Err(err(
                    req,
                    i,
                    format!("{other} needs an external builder (docker, podman or buildah)"),
                ))
            }
        }
        out.config.history.push(History {
            created: Some(created.to_string()),
            created_by: Some(format!("{} # hoist", i.original)),
            author: None,
            comment: None,
            empty_layer,
        });
    }
    Ok(out)
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
