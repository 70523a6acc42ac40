//! The extra CA file node workers start with. Node 20 builds its whole CA
//! store when a process starts with `NODE_EXTRA_CA_CERTS` set — about 25 ms
//! of CPU for its own 144 roots plus 0.2 ms a certificate in the file, 55 ms
//! for a system bundle on a 2-core machine — and only at its first TLS
//! connection otherwise. A system bundle mostly repeats node's own roots, so
//! the backend gives node workers a file of only the certificates this node
//! lacks (`<data>/ca/node-extra.pem`, or no variable when it lacks none):
//! each worker trusts exactly the same set, for less start-up. The shim puts
//! the machine's value back into `process.env`, so the function (and what it
//! starts) sees the documented variable. Worked out with `node-ca.mjs` once
//! per node binary and file (both by path, size and mtime), when the backend
//! starts and again at a deploy after either changed; a file node would read
//! differently from a list of certificates is passed as it is.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::Context;

/// What a node worker gets as `NODE_EXTRA_CA_CERTS`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NodeExtraCa {
    /// The machine's setting as the backend captured it (or none).
    AsIs,
    /// Only what node lacks of the machine's file: this file, or nothing.
    Lacking(Option<PathBuf>),
}

/// A file as of its size and modification time.
type Stamp = (u64, SystemTime);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Key {
    node: PathBuf,
    node_stamp: Stamp,
    file: PathBuf,
    file_stamp: Stamp,
}

/// The last answer, for the node binary and file it was worked out for.
#[derive(Default)]
pub(crate) struct NodeCa {
    last: tokio::sync::Mutex<Option<(Key, NodeExtraCa)>>,
}

fn stamp(p: &Path) -> std::io::Result<Stamp> {
    let m = std::fs::metadata(p)?;
    Ok((m.len(), m.modified()?))
}

impl NodeCa {
    /// What workers run by `node` get, when the machine's setting is
    /// `file` (`None`: nothing to reduce). A failure to work it out is said
    /// on stderr once per file and the setting passed as it is.
    pub(crate) async fn for_node(
        &self,
        node: &Path,
        file: Option<&Path>,
        data: &Path,
        shims: &Path,
    ) -> NodeExtraCa {
        let Some(file) = file else {
            return NodeExtraCa::AsIs;
        };
        // A file that cannot be read is node's to warn about, as before
        // (and a node that cannot be read fails to start anyway).
        let (Ok(node_stamp), Ok(file_stamp)) = (stamp(node), stamp(file)) else {
            return NodeExtraCa::AsIs;
        };
        let key = Key {
            node: node.to_path_buf(),
            node_stamp,
            file: file.to_path_buf(),
            file_stamp,
        };
        let mut last = self.last.lock().await;
        if let Some((k, answer)) = last.as_ref() {
            if *k == key {
                return answer.clone();
            }
        }
        let answer = match reduce(&key, data, shims).await {
            Ok(a) => a,
            Err(e) => {
                eprintln!(
                    "hoist backend: node workers get {} whole: {e:#}",
                    file.display()
                );
                NodeExtraCa::AsIs
            }
        };
        *last = Some((key, answer.clone()));
        answer
    }
}

/// Run `node-ca.mjs` and keep what it wrote.
async fn reduce(key: &Key, data: &Path, shims: &Path) -> anyhow::Result<NodeExtraCa> {
    let dir = data.join("ca");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let keep = dir.join("node-extra.pem");
    let tmp = dir.join(format!(".node-extra-{}.pem", crate::rand_hex(4)));
    let out = tokio::process::Command::new(&key.node)
        .arg(shims.join("node-ca.mjs"))
        .arg(&key.file)
        .arg(&tmp)
        .env_clear()
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .with_context(|| format!("cannot run {}", key.node.display()))?;
    let result = (|| -> anyhow::Result<NodeExtraCa> {
        if out.status.code() == Some(2) {
            return Ok(NodeExtraCa::AsIs);
        }
        if !out.status.success() {
            anyhow::bail!(
                "node-ca.mjs failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        let said = String::from_utf8_lossy(&out.stdout);
        let lacking = said.split_whitespace().next().unwrap_or("");
        if lacking == "0" {
            return Ok(NodeExtraCa::Lacking(None));
        }
        if lacking.parse::<u64>().is_err() {
            anyhow::bail!("node-ca.mjs answered `{}`", said.trim());
        }
        std::fs::rename(&tmp, &keep)
            .with_context(|| format!("cannot move {} into place", tmp.display()))?;
        Ok(NodeExtraCa::Lacking(Some(keep)))
    })();
    if tmp.exists() {
        if let Err(e) = hoist_core::fsx::remove_file(&tmp) {
            eprintln!("hoist backend: a temporary CA file is left behind: {e:#}");
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A self-signed certificate no CA store holds.
    const TEST_CA: &str = "-----BEGIN CERTIFICATE-----
MIIBhzCCAS2gAwIBAgIUatXmnRsqLbxR60hDJ+x7MGVmggYwCgYIKoZIzj0EAwIw
GDEWMBQGA1UEAwwNaG9pc3QgdGVzdCBDQTAgFw0yNjEyMDMxNTU2MzhaGA8yMTI2
MTEwOTE1NTYzOFowGDEWMBQGA1UEAwwNaG9pc3QgdGVzdCBDQTBZMBMGByqGSM49
AgEGCCqGSM49AwEHA0IABBVBogaJMEjjyEkRTo4y0nasICAmYLZnUahnpaeogKLM
fWTCL79T42fKOS9ldu1ic2uVMUi2l/7WdVgcsYdAKvajUzBRMB0GA1UdDgQWBBT7
MCartzPiHoA58G8V8NtJhu1FRzAfBgNVHSMEGDAWgBT7MCartzPiHoA58G8V8NtJ
hu1FRzAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0gAMEUCIQDKzE1D92qA
L8Dyw43NoBeA/S+/zDXiazXKFS795oNl/AIgXSVqKOIoLuIW+WcbgEhQKQ6En2uW
9OyAtZDZfliLPto=
-----END CERTIFICATE-----
";

    fn body(pem: &str) -> String {
        pem.lines()
            .filter(|l| !l.starts_with("-----"))
            .collect::<String>()
    }

    #[tokio::test]
    async fn node_gets_only_the_certificates_it_lacks() {
        let env = hoist_core::env::Env::capture();
        let Some(node) = crate::runtimes::on_path(&env, "node") else {
            eprintln!("skipped: node is not on PATH");
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let shims = crate::shims::install(dir.path()).unwrap();
        let out = std::process::Command::new(&node)
            .args(["-p", "require('tls').rootCertificates[0]"])
            .env_clear()
            .output()
            .unwrap();
        let own = String::from_utf8(out.stdout).unwrap();
        assert!(own.contains("BEGIN CERTIFICATE"), "{own}");
        let file = dir.path().join("bundle.pem");
        let ca = NodeCa::default();

        std::fs::write(&file, format!("{own}\n{TEST_CA}")).unwrap();
        let got = ca.for_node(&node, Some(&file), dir.path(), &shims).await;
        let NodeExtraCa::Lacking(Some(kept)) = &got else {
            panic!("{got:?}")
        };
        let kept = std::fs::read_to_string(kept).unwrap();
        assert!(body(&kept).contains(&body(TEST_CA)), "{kept}");
        assert!(!body(&kept).contains(&body(&own)), "{kept}");

        // Rewritten (size and mtime change): node holds all of it.
        std::fs::write(&file, format!("{own}\n\n")).unwrap();
        let got = ca.for_node(&node, Some(&file), dir.path(), &shims).await;
        assert_eq!(got, NodeExtraCa::Lacking(None));

        // Something node would read differently: passed as it is.
        std::fs::write(
            &file,
            format!("{TEST_CA}-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----\n"),
        )
        .unwrap();
        let got = ca.for_node(&node, Some(&file), dir.path(), &shims).await;
        assert_eq!(got, NodeExtraCa::AsIs);
        assert_eq!(
            ca.for_node(&node, None, dir.path(), &shims).await,
            NodeExtraCa::AsIs
        );
    }
}
