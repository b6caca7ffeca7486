//! `bench --compare-peers`: runs the project's peer script (`scripts/peers.py`, embedded
//! in the binary so that it works from any directory) with a given Python, and parses its
//! JSON lines. A peer that is not installed is reported as missing, never estimated.

use std::io::Write;
use std::process::{Command, Stdio};

/// The peer script, as shipped in `scripts/peers.py`.
const SCRIPT: &str = include_str!("../../../scripts/peers.py");

/// Most world-steps one peer run takes, so that a sweep to 16k worlds stays minutes long:
/// MuJoCo steps about 60k world-steps/s on two cores. Fewer steps are said in the output.
const MAX_PEER_WORLD_STEPS: u64 = 1 << 20;

/// What the probe found.
pub struct Peers {
    python: String,
    /// Python version, or why Python could not run.
    status: Result<String, String>,
    /// (package, version) for each peer package; version None when not importable.
    packages: Vec<(String, Option<String>)>,
}

/// The peer workload matching a manyworlds cell.
pub enum Workload {
    /// Classic-control CartPole-v1 (Gymnasium's numpy vector env, EnvPool).
    Cartpole,
    /// An MJCF file for MuJoCo's rollout; `true` when it is a temporary copy of a
    /// registered scene's embedded XML (removed on drop).
    Mjcf(std::path::PathBuf, bool),
    /// No peer runs this.
    None(String),
}

impl Workload {
    /// The workload of a registered env or a scene file.
    pub fn of(registered: Option<&str>, scene: Option<&str>) -> Workload {
        match (registered, scene) {
            (_, Some(f)) => Workload::Mjcf(f.into(), false),
            (Some("cartpole"), None) => Workload::Cartpole,
            (Some(n), None) => match manyworlds::env::scene::SCENES.iter().find(|s| s.name == n) {
                // A Gymnasium row's file is read where it lies (it may include nothing).
                Some(s) if s.gymnasium.is_some() => match s.mjcf() {
                    Ok((path, _)) => Workload::Mjcf(path.into(), false),
                    Err(e) => Workload::None(e.to_string()),
                },
                Some(s) => {
                    let path = std::env::temp_dir().join(format!(
                        "manyworlds-peer-{}-{}.xml",
                        std::process::id(),
                        s.name
                    ));
                    match std::fs::write(&path, s.xml) {
                        Ok(()) => Workload::Mjcf(path, true),
                        Err(e) => Workload::None(format!("{}: {e}", path.display())),
                    }
                }
                None => Workload::None(format!("no peer workload for `{n}`")),
            },
            (None, None) => Workload::None("nothing to run".into()),
        }
    }
}

impl Drop for Workload {
    fn drop(&mut self) {
        if let Workload::Mjcf(p, true) = self {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// One peer figure.
pub struct Measure {
    pub peer: String,
    pub version: String,
    pub steps: u64,
    pub threads: u64,
    pub rate: f64,
}

/// Runs the embedded script with `args`, returning its JSON lines.
fn run_script(python: &str, args: &[String]) -> Result<Vec<serde_json::Value>, String> {
    let mut child = Command::new(python)
        .arg("-")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("`{python}` could not start: {e}"))?;
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(SCRIPT.as_bytes())
        .map_err(|e| format!("`{python}`: writing the script: {e}"))?;
    let out = child
        .wait_with_output()
        .map_err(|e| format!("`{python}`: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err.lines().last().unwrap_or("").to_string();
        return Err(format!("`{python}` failed ({}): {last}", out.status));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect())
}

impl Peers {
    /// Asks `python` which peer packages it can import.
    pub fn probe(python: &str) -> Peers {
        match run_script(python, &["probe".into()]) {
            Ok(lines) => {
                let v = lines.into_iter().next().unwrap_or_default();
                let packages = ["gymnasium", "envpool", "mujoco"]
                    .iter()
                    .map(|p| (p.to_string(), v["peers"][p].as_str().map(str::to_string)))
                    .collect();
                Peers {
                    python: python.into(),
                    status: Ok(v["python"].as_str().unwrap_or("?").to_string()),
                    packages,
                }
            }
            Err(e) => Peers {
                python: python.into(),
                status: Err(e),
                packages: Vec::new(),
            },
        }
    }

    /// Whether any peer package is importable.
    pub fn any(&self) -> bool {
        self.packages.iter().any(|p| p.1.is_some())
    }

    /// One line: the Python, what is there and what is missing, and how to add it.
    pub fn describe(&self) -> String {
        match &self.status {
            Err(e) => format!(
                "{e}; no peer numbers. Give --peers-python PATH (or MANYWORLDS_PEERS_PYTHON) for a Python with gymnasium, envpool or mujoco"
            ),
            Ok(v) => {
                let have: Vec<String> = self
                    .packages
                    .iter()
                    .filter_map(|(p, v)| v.as_ref().map(|v| format!("{p} {v}")))
                    .collect();
                let missing: Vec<&str> = self
                    .packages
                    .iter()
                    .filter(|p| p.1.is_none())
                    .map(|p| p.0.as_str())
                    .collect();
                let mut s = format!("{} (Python {v})", self.python);
                if !have.is_empty() {
                    s += &format!(": {}", have.join(", "));
                }
                if !missing.is_empty() {
                    s += &format!(
                        "; not installed: {} (pip install {})",
                        missing.join(", "),
                        missing.join(" ")
                    );
                }
                s
            }
        }
    }

    /// Measures the peers of `workload` at `worlds`, with at most `steps` steps (fewer
    /// when worlds × steps passes [`MAX_PEER_WORLD_STEPS`]) after `warmup` untimed ones
    /// (scenes: the same window of the episode as manyworlds' cells). Missing peers and
    /// failures are reported on stderr and skipped.
    pub fn measure(
        &self,
        workload: &Workload,
        worlds: usize,
        steps: u32,
        warmup: u32,
        seed: u64,
    ) -> Vec<Measure> {
        let (kind, needs, extra) = match workload {
            Workload::Cartpole => ("cartpole", ["gymnasium", "envpool"].as_slice(), vec![]),
            Workload::Mjcf(p, _) => (
                "mjcf",
                ["mujoco"].as_slice(),
                vec![
                    "--xml".to_string(),
                    p.display().to_string(),
                    "--warmup".into(),
                    warmup.to_string(),
                ],
            ),
            Workload::None(why) => {
                eprintln!("peers: {why}");
                return Vec::new();
            }
        };
        if !self
            .packages
            .iter()
            .any(|(p, v)| v.is_some() && needs.contains(&p.as_str()))
        {
            return Vec::new();
        }
        let steps = (steps as u64).min((MAX_PEER_WORLD_STEPS / worlds as u64).max(10));
        let mut args = vec![
            kind.to_string(),
            "--worlds".into(),
            worlds.to_string(),
            "--steps".into(),
            steps.to_string(),
            "--seed".into(),
            seed.to_string(),
        ];
        args.extend(extra);
        let lines = match run_script(&self.python, &args) {
            Ok(l) => l,
            Err(e) => {
                eprintln!("peers: {kind} at {worlds} worlds: {e}");
                return Vec::new();
            }
        };
        lines
            .iter()
            .filter_map(|v| {
                let rate = v["env_steps_per_s"].as_f64()?;
                Some(Measure {
                    peer: v["peer"].as_str()?.to_string(),
                    version: v["version"].as_str().unwrap_or("?").to_string(),
                    steps: v["steps"].as_u64().unwrap_or(steps),
                    threads: v["threads"].as_u64().unwrap_or(1),
                    rate,
                })
            })
            .collect()
    }
}
