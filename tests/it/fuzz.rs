//! The fuzz targets (`fuzz/targets.rs`) in every test run, without
//! libFuzzer: each seed in `fuzz/seeds/<target>/` and every file in
//! `fuzz/regressions/<target>/` (inputs that once failed), then a fixed
//! number of seeded mutations of the seeds (bit flips, byte edits,
//! truncations, splices, repeated chunks, interesting bytes). The same
//! inputs on every run; a panic names the target and the input's seed and
//! round, and writes the input to `target/fuzz-failures/`. Coverage-guided
//! fuzzing is `fuzz/run.sh` (docs/reliability.md).

#[path = "../../fuzz/targets.rs"]
mod targets;

use std::path::{Path, PathBuf};

/// Mutations per target in a test run.
const ROUNDS: usize = 1500;

fn inputs(dir: &str) -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut out = Vec::new();
    for sub in ["seeds", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(sub).join(dir)) else {
            continue;
        };
        let mut files: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        files.sort();
        for f in files {
            let name = format!("{sub}/{dir}/{}", f.file_name().unwrap().to_string_lossy());
            out.push((name, std::fs::read(&f).unwrap()));
        }
    }
    out
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

const INTERESTING: &[&[u8]] = &[
    b"\0",
    b"\xff",
    b"\n",
    b"\r\n",
    b"\\\n",
    b"${",
    b"}",
    b"[",
    b"{",
    b"*a",
    b"&a ",
    b"---\n",
    b"\"",
    b"'",
    b"<<EOF\n",
    b"../",
    b"/",
    b"\xef\xbb\xbf",
    b"-1",
    b"99999999999999999999",
    b"\xf0\x9f\x92\xa5",
];

/// One mutation of `seed` (sometimes spliced with `other`).
fn mutate(rng: &mut Rng, seed: &[u8], other: &[u8]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(v.len() + 1);
        match rng.below(7) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] ^= 1 << rng.below(8);
            }
            1 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] = rng.next() as u8;
            }
            2 => v.truncate(at),
            3 => {
                let s = INTERESTING[rng.below(INTERESTING.len())];
                v.splice(at..at, s.iter().copied());
            }
            4 if !other.is_empty() => {
                let from = rng.below(other.len());
                let len = rng.below(other.len() - from + 1).min(4096);
                v.splice(at..at, other[from..from + len].iter().copied());
            }
            5 if at < v.len() => {
                let len = rng.below(v.len() - at + 1).min(512);
                let chunk: Vec<u8> = v[at..at + len].to_vec();
                for _ in 0..1 + rng.below(8) {
                    v.splice(at..at, chunk.iter().copied());
                }
            }
            _ if at < v.len() => {
                let len = rng.below(v.len() - at + 1).min(64);
                v.drain(at..at + len);
            }
            _ => {}
        }
    }
    v
}

/// Run `target` on `input`; on a panic, keep the input and fail naming it.
fn run_one(name: &str, what: &str, input: &[u8], target: fn(&[u8])) {
    let r = std::panic::catch_unwind(|| target(input));
    if r.is_err() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fuzz-failures");
        let _ = std::fs::create_dir_all(&dir);
        let file = dir.join(format!("{name}-{}", what.replace('/', "_")));
        let _ = std::fs::write(&file, input);
        panic!(
            "fuzz target `{name}` panicked on {what}; the input is in {} (add it to fuzz/regressions/{name}/ once fixed)",
            file.display()
        );
    }
}

fn replay(name: &str, target: fn(&[u8])) {
    let seeds = inputs(name);
    assert!(
        !seeds.is_empty(),
        "no seeds in fuzz/seeds/{name}: the replay would test nothing"
    );
    for (what, input) in &seeds {
        run_one(name, what, input, target);
    }
    let mut rng = Rng(0x5EED_0000 ^ (name.len() as u64 * 0x9E37_79B9));
    for round in 0..ROUNDS {
        let (what, seed) = &seeds[rng.below(seeds.len())];
        let other = &seeds[rng.below(seeds.len())].1;
        let input = mutate(&mut rng, seed, other);
        run_one(name, &format!("{what} round {round}"), &input, target);
    }
}

#[test]
fn config_seeds_and_mutations() {
    replay("config", targets::config);
}

#[test]
fn dockerfile_seeds_and_mutations() {
    replay("dockerfile", targets::dockerfile);
}

#[test]
fn unpack_seeds_and_mutations() {
    replay("unpack", targets::unpack);
}

#[test]
fn manifest_seeds_and_mutations() {
    replay("manifest", targets::manifest);
}
