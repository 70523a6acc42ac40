//! A hoist.yaml project in a temp dir and the `hoist` binary run in it,
//! for the bad-input tests (tests/cli.rs, tests/hostile.rs).

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

pub struct Project {
    pub dir: tempfile::TempDir,
}

impl Project {
    pub fn new(yaml: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("hoist.yaml"), yaml).unwrap();
        Project { dir }
    }
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
    pub fn file(&self, rel: &str, text: &str) -> &Self {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
        self
    }
    pub fn hoist(&self, args: &[&str]) -> assert_cmd::assert::Assert {
        Command::cargo_bin("hoist")
            .unwrap()
            .current_dir(self.path())
            .env_remove("HOIST_CONFIG")
            .env("NO_COLOR", "1")
            .env("CI", "true")
            .args(args)
            .assert()
    }
    /// Files under .hoist/, which must stay empty after a failed command.
    pub fn state_files(&self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let root = self.path().join(".hoist");
        let mut stack = vec![root];
        while let Some(d) = stack.pop() {
            let Ok(rd) = std::fs::read_dir(&d) else {
                continue;
            };
            for e in rd.flatten() {
                if e.path().is_dir() {
                    stack.push(e.path());
                } else {
                    out.push(e.path());
                }
            }
        }
        out
    }
}
