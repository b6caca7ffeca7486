//! `manyworlds demos`: the robomimic layout read back through the HDF5 library, episode
//! content against a direct rollout, success filtering, resume (identical contents, also
//! after a SIGTERM), bitwise replay (and a corrupted action caught), and bad input.
//!
//! Every GPU run uses push-cube with 8 worlds, so the kernels compiled by the first run
//! come from the shader cache afterwards.
#![cfg(feature = "hdf5")]

mod common;

use common::{fails, ok};

use hdf5_metno as hdf5;
use manyworlds::demos::{make_expert, RecordConfig, Recorder};
use manyworlds::env::{AutoresetMode, EnvConfig};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_manyworlds"));
    c.env("XDG_RUNTIME_DIR", std::env::temp_dir());
    c
}

fn scratch(name: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!(
        "manyworlds-demos-{}-{name}.hdf5",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&p);
    p
}

/// `demos` on push-cube, 8 worlds, seed 3, into `out`.
fn demos(out: &Path, episodes: u64, extra: &[&str]) -> Output {
    demos_cmd(out, episodes, extra).output().unwrap()
}

/// The command of [`demos`], not yet run.
fn demos_cmd(out: &Path, episodes: u64, extra: &[&str]) -> Command {
    let mut c = bin();
    c.args([
        "demos",
        "--env",
        "push-cube",
        "--worlds",
        "8",
        "--seed",
        "3",
    ])
    .args(["--episodes", &episodes.to_string(), "--out"])
    .arg(out)
    .args(extra);
    c
}

fn u64_attr(g: &hdf5::Group, k: &str) -> u64 {
    g.attr(k).unwrap().read_scalar::<u64>().unwrap()
}

fn f32s(g: &hdf5::Group, k: &str) -> (Vec<usize>, Vec<f32>) {
    let d = g.dataset(k).unwrap_or_else(|e| panic!("{k}: {e}"));
    (d.shape(), d.read_raw::<f32>().unwrap())
}

fn u8s(g: &hdf5::Group, k: &str) -> (Vec<usize>, Vec<u8>) {
    let d = g.dataset(k).unwrap_or_else(|e| panic!("{k}: {e}"));
    (d.shape(), d.read_raw::<u8>().unwrap())
}

/// Every dataset (shape and bytes) and attribute of a file, by path, for comparing two
/// files' contents (their bytes differ: HDF5 places objects in the order they were made).
fn contents(path: &Path) -> Vec<(String, String)> {
    use hdf5::types::{FloatSize, IntSize, TypeDescriptor as T, VarLenAscii, VarLenUnicode};
    fn show(c: &hdf5::Container) -> String {
        match c.dtype().unwrap().to_descriptor().unwrap() {
            T::Unsigned(IntSize::U1) => format!("{:?}", c.read_raw::<u8>().unwrap()),
            T::Unsigned(IntSize::U8) => format!("{:?}", c.read_raw::<u64>().unwrap()),
            T::Float(FloatSize::U4) => format!("{:?}", common::bits(&c.read_raw::<f32>().unwrap())),
            T::Float(FloatSize::U8) => {
                let v = c.read_raw::<f64>().unwrap();
                format!("{:?}", v.iter().map(|x| x.to_bits()).collect::<Vec<_>>())
            }
            T::VarLenUnicode => format!("{:?}", c.read_raw::<VarLenUnicode>().unwrap()),
            T::VarLenAscii => format!("{:?}", c.read_raw::<VarLenAscii>().unwrap()),
            other => panic!("unexpected type {other:?}"),
        }
    }
    fn walk(g: &hdf5::Group, at: &str, out: &mut Vec<(String, String)>) {
        for a in g.attr_names().unwrap() {
            out.push((format!("{at}@{a}"), show(&g.attr(&a).unwrap())));
        }
        for name in g.member_names().unwrap() {
            let p = format!("{at}/{name}");
            match g.group(&name) {
                Ok(sub) => walk(&sub, &p, out),
                Err(_) => {
                    let d = g.dataset(&name).unwrap();
                    out.push((format!("{p} {:?}", d.shape()), show(&d)));
                }
            }
        }
    }
    let f = hdf5::File::open(path).unwrap();
    let mut out = Vec::new();
    walk(&f, "", &mut out);
    out.sort();
    out
}

/// The layout and attributes, read back: every demo's datasets have T rows (images
/// [T, H, W, 3] u8, depth [T, H, W] f32), next_obs is obs shifted by one step with the
/// final frame last, masks split 9:1, `total` sums `num_samples`, env_args is JSON.
#[test]
fn demos_write_robomimic_layout_with_images() {
    let out = scratch("layout");
    let o = demos(&out, 12, &["--render", "32x24", "--outputs", "rgb,depth"]);
    let text = ok(&o);
    assert!(text.contains("12 demos kept"), "{text}");
    let f = hdf5::File::open(&out).unwrap();
    let data = f.group("data").unwrap();
    let args: Value = serde_json::from_str(
        data.attr("env_args")
            .unwrap()
            .read_scalar::<hdf5::types::VarLenUnicode>()
            .unwrap()
            .as_str(),
    )
    .unwrap();
    assert_eq!(args["env_name"], "manyworlds/push-cube");
    assert_eq!(args["manyworlds"]["seed"], 3);
    assert_eq!(args["manyworlds"]["worlds"], 8);
    assert!(args["manyworlds"]["randomize"]["spec"]["entries"].is_array());
    assert_eq!(u64_attr(&data, "num_demos"), 12);
    let mut total = 0;
    let mut seen = std::collections::BTreeSet::new();
    for i in 0..12 {
        let g = data.group(&format!("demo_{i}")).unwrap();
        let t = u64_attr(&g, "num_samples") as usize;
        total += t;
        assert!(t >= 1);
        assert!(seen.insert((u64_attr(&g, "world"), u64_attr(&g, "episode"))));
        assert_eq!(u64_attr(&g, "seed"), 3);
        assert_eq!(g.attr("success").unwrap().read_scalar::<u8>().unwrap(), 1);
        let params: Value = serde_json::from_str(
            g.attr("params")
                .unwrap()
                .read_scalar::<hdf5::types::VarLenUnicode>()
                .unwrap()
                .as_str(),
        )
        .unwrap();
        assert!(
            params["body.mass_scale:cube"].as_f64().unwrap() > 0.0,
            "{params}"
        );
        assert_eq!(f32s(&g, "actions").0, [t, 2]);
        assert_eq!(
            f32s(&g, "expert_actions").1,
            f32s(&g, "actions").1,
            "no noise"
        );
        assert_eq!(f32s(&g, "rewards").0, [t]);
        let (ds, dones) = u8s(&g, "dones");
        assert_eq!(ds, [t]);
        assert_eq!(dones[t - 1], 1, "the last step ends the episode");
        assert!(dones[..t - 1].iter().all(|&d| d == 0));
        assert_eq!(u8s(&g, "terminated").1[t - 1], 1, "a success terminates");
        let (ss, states) = f32s(&g, "states");
        let sd = ss[1];
        assert_eq!(ss[0], t);
        assert_eq!(f32s(&g, "final_state").0, [sd]);
        assert!(states.iter().all(|v| v.is_finite()));
        let (os, obs) = f32s(&g, "obs/state");
        let (_, next) = f32s(&g, "next_obs/state");
        assert_eq!(os, [t, 21]);
        assert_eq!(
            common::bits(&next[..(t - 1) * 21]),
            common::bits(&obs[21..])
        );
        let (is, img) = u8s(&g, "obs/top_image");
        assert_eq!(is, [t, 24, 32, 3]);
        assert!(img.iter().any(|&p| p > 0), "images are rendered");
        let (_, nimg) = u8s(&g, "next_obs/top_image");
        let px = 24 * 32 * 3;
        assert_eq!(nimg[..(t - 1) * px], img[px..]);
        assert!(
            nimg[(t - 1) * px..].iter().any(|&p| p > 0),
            "the last frame is rendered"
        );
        let d = g.dataset("obs/top_image").unwrap();
        assert_eq!(d.chunk(), Some(vec![1, 24, 32, 3]), "one frame per chunk");
        assert!(d
            .filters()
            .iter()
            .any(|f| matches!(f, hdf5::filters::Filter::Deflate(1))));
        let (dsh, depth) = f32s(&g, "obs/top_depth");
        assert_eq!(dsh, [t, 24, 32]);
        assert!(depth.iter().all(|d| d.is_finite() && *d >= 0.0) && depth.iter().any(|&d| d > 0.0));
    }
    assert_eq!(u64_attr(&data, "total"), total as u64);
    let mask = |k: &str| -> Vec<String> {
        f.dataset(&format!("mask/{k}"))
            .unwrap()
            .read_raw::<hdf5::types::VarLenAscii>()
            .unwrap()
            .iter()
            .map(|s| s.to_string())
            .collect()
    };
    assert_eq!(mask("valid"), ["demo_9"]);
    assert_eq!(mask("train").len(), 11);
    assert!(!mask("train").contains(&"demo_9".to_string()));
    let _ = std::fs::remove_file(&out);
}

/// A recorded episode is what a direct rollout of the same seed and actions gives, bit
/// for bit (observations, rewards, flags and states); the expert succeeds on its own.
#[test]
fn recorded_episodes_match_a_direct_rollout() {
    let gpu = common::gpu();
    let worlds = 8;
    let spec = manyworlds::env::scene::registered_randomize("push-cube", false);
    let mut cfg = EnvConfig::new(worlds);
    cfg.randomize = spec.clone();
    let mut env = manyworlds::env::make(gpu, "push-cube", &cfg).unwrap();
    let expert = make_expert("push-cube", None, env.spec()).unwrap();
    let rc = RecordConfig {
        seed: 11,
        noise: 0.3,
    };
    let mut rec = Recorder::start(env.as_mut(), expert.as_ref(), rc).unwrap();
    let mut first: Vec<Option<manyworlds::demos::Episode>> = vec![None; worlds];
    while first.iter().any(Option::is_none) {
        for ep in rec.step().unwrap() {
            if ep.episode == 0 {
                let w = ep.world;
                first[w] = Some(ep);
            }
        }
    }
    let first: Vec<_> = first.into_iter().map(Option::unwrap).collect();
    assert!(
        first.iter().filter(|e| e.success).count() >= 6,
        "the expert succeeds"
    );
    assert!(first
        .iter()
        .any(|e| e.noise_scale > 0.0 && e.actions != e.expert_actions));

    // The direct rollout: a fresh env, reset(11), every world stepped with its recorded
    // actions (held once its episode ended), autoreset off.
    let mut cfg = EnvConfig::new(worlds).autoreset(AutoresetMode::Disabled);
    cfg.randomize = spec;
    let mut env = manyworlds::env::make(gpu, "push-cube", &cfg).unwrap();
    let (od, sd) = (env.spec().obs_dim, env.spec().state_dim);
    env.reset(11).unwrap();
    let longest = first.iter().map(|e| e.len()).max().unwrap();
    let mut actions = vec![0.0f32; worlds * 2];
    let states = env.get_state(manyworlds::env::Worlds::All).unwrap();
    for (w, ep) in first.iter().enumerate() {
        assert_eq!(
            common::bits(&env.observations()[w * od..(w + 1) * od]),
            common::bits(&ep.obs[..od])
        );
        assert_eq!(
            common::bits(&states.state[w * sd..(w + 1) * sd]),
            common::bits(&ep.states[..sd])
        );
    }
    for t in 0..longest {
        for (w, ep) in first.iter().enumerate() {
            if t < ep.len() {
                actions[w * 2..w * 2 + 2].copy_from_slice(&ep.actions[t * 2..t * 2 + 2]);
            }
        }
        let s = env.step(&actions).unwrap();
        let (rewards, term) = (s.rewards.to_vec(), s.terminated.to_vec());
        let states = env.get_state(manyworlds::env::Worlds::All).unwrap();
        for (w, ep) in first.iter().enumerate().filter(|(_, e)| t < e.len()) {
            let at = (t + 1) * od;
            assert_eq!(
                common::bits(&env.observations()[w * od..(w + 1) * od]),
                common::bits(&ep.obs[at..at + od]),
                "world {w} step {t}"
            );
            assert_eq!(
                rewards[w].to_bits(),
                ep.rewards[t].to_bits(),
                "world {w} step {t}"
            );
            assert_eq!(term[w], ep.terminated[t], "world {w} step {t}");
            let at = (t + 1) * sd;
            assert_eq!(
                common::bits(&states.state[w * sd..(w + 1) * sd]),
                common::bits(&ep.states[at..at + sd])
            );
        }
    }
}

/// Episodes written by `DemoWriter` read back exactly, images and depth included: obs
/// rows 0..T and next_obs rows 1..=T of the recorded frames (each frame compressed once and
/// its chunk shared), actions, states and the final state.
#[test]
fn demo_writer_round_trips_episodes_with_images() {
    use manyworlds::demos::file::{DemoWriter, Layout};
    use manyworlds::render::{Outputs, RenderConfig};
    let gpu = common::gpu();
    let mut cfg = EnvConfig::new(4).render(RenderConfig {
        outputs: Outputs {
            rgb: true,
            depth: true,
            seg: false,
        },
        ..RenderConfig::new(16, 12)
    });
    cfg.randomize = manyworlds::env::scene::registered_randomize("push-cube", true);
    let mut env = manyworlds::env::make(gpu, "push-cube", &cfg).unwrap();
    let expert = make_expert("push-cube", None, env.spec()).unwrap();
    let (od, sd) = (env.spec().obs_dim, env.spec().state_dim);
    let rc = RecordConfig {
        seed: 5,
        noise: 0.0,
    };
    let mut rec = Recorder::start(env.as_mut(), expert.as_ref(), rc).unwrap();
    let mut eps = Vec::new();
    while eps.len() < 6 {
        eps.extend(rec.step().unwrap());
    }
    let out = scratch("roundtrip");
    let layout = Layout {
        obs_dim: od,
        state_dim: sd,
        action_dim: 2,
        term_names: Vec::new(),
        cameras: vec![("top".into(), 16, 12)],
        rgb: true,
        depth: true,
        gzip: 1,
    };
    let mut w = DemoWriter::create(&out, "{}", layout).unwrap();
    for ep in &eps {
        w.write(ep).unwrap();
    }
    w.commit(eps.len() as u64, true).unwrap();
    drop(w);
    let f = hdf5::File::open(&out).unwrap();
    for (i, ep) in eps.iter().enumerate() {
        let g = f.group(&format!("data/demo_{i}")).unwrap();
        let t = ep.len();
        let (px, dpx) = (16 * 12 * 3, 16 * 12);
        let cam = &ep.cameras[0];
        assert_eq!(u8s(&g, "obs/top_image").1, cam.rgb[..t * px]);
        assert_eq!(u8s(&g, "next_obs/top_image").1, cam.rgb[px..]);
        assert_eq!(
            common::bits(&f32s(&g, "obs/top_depth").1),
            common::bits(&cam.depth[..t * dpx])
        );
        assert_eq!(
            common::bits(&f32s(&g, "next_obs/top_depth").1),
            common::bits(&cam.depth[dpx..])
        );
        assert_eq!(
            common::bits(&f32s(&g, "actions").1),
            common::bits(&ep.actions)
        );
        let mut states = f32s(&g, "states").1;
        states.extend(f32s(&g, "final_state").1);
        assert_eq!(common::bits(&states), common::bits(&ep.states));
    }
    let _ = std::fs::remove_file(&out);
}

/// --keep success writes only successes; --keep all also writes failures, in finishing
/// order; heavy noise makes failures.
#[test]
fn keep_filters_by_success() {
    const ALL: usize = 32;
    let all = scratch("keep-all");
    let text = ok(&demos(&all, ALL as u64, &["--keep", "all", "--noise", "2"]));
    let f = hdf5::File::open(&all).unwrap();
    let ids = |f: &hdf5::File, i: usize| {
        let g = f.group(&format!("data/demo_{i}")).unwrap();
        (u64_attr(&g, "world"), u64_attr(&g, "episode"))
    };
    let succ: Vec<bool> = (0..ALL)
        .map(|i| {
            let g = f.group(&format!("data/demo_{i}")).unwrap();
            g.attr("success").unwrap().read_scalar::<u8>().unwrap() == 1
        })
        .collect();
    // The first success that finished after a failure: a --keep success run that stops
    // there must have dropped that failure (failures run long, so they finish late).
    let fail = succ
        .iter()
        .position(|s| !s)
        .unwrap_or_else(|| panic!("noise 2 makes failures: {text}"));
    let stop = (fail..ALL)
        .find(|&i| succ[i])
        .unwrap_or_else(|| panic!("a success after demo {fail}: {succ:?}"));
    let want: Vec<_> = (0..=stop)
        .filter(|&i| succ[i])
        .map(|i| ids(&f, i))
        .collect();
    let kept = scratch("keep-success");
    ok(&demos(
        &kept,
        want.len() as u64,
        &["--keep", "success", "--noise", "2"],
    ));
    let g = hdf5::File::open(&kept).unwrap();
    let data = g.group("data").unwrap();
    assert_eq!(u64_attr(&data, "num_demos"), want.len() as u64);
    assert_eq!(
        u64_attr(&data, "episodes_written"),
        stop as u64 + 1,
        "failures were dropped"
    );
    // The kept demos are the successes of the all-episodes run, in the same order.
    let got: Vec<_> = (0..want.len()).map(|i| ids(&g, i)).collect();
    assert_eq!(got, want);
    for p in [all, kept] {
        let _ = std::fs::remove_file(p);
    }
}

/// A run in two parts (--resume) and a run interrupted by SIGTERM then resumed hold the
/// same contents as one fresh run; the replay of the file is bitwise, and a corrupted
/// action is caught.
#[test]
fn resume_is_identical_and_replay_is_bitwise() {
    let fresh = scratch("fresh");
    ok(&demos(&fresh, 30, &["--noise", "0.3"]));
    let parts = scratch("parts");
    ok(&demos(&parts, 12, &["--noise", "0.3"]));
    {
        // A demo group past `num_demos` (written after the last commit, before a kill): the
        // resume drops it and writes that demo again.
        let f = hdf5::File::open_rw(&parts).unwrap();
        f.create_group("data/demo_12").unwrap();
    }
    ok(&demos(&parts, 30, &["--noise", "0.3", "--resume"]));
    assert_eq!(contents(&fresh), contents(&parts));

    // Interrupted: SIGTERM once the file exists; whatever it holds must read and resume.
    let cut = scratch("cut");
    let mut child = demos_cmd(&cut, 30, &["--noise", "0.3"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    while !cut.exists() {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait().unwrap();
    let f = hdf5::File::open(&cut).expect("an interrupted file reads");
    let n = u64_attr(&f.group("data").unwrap(), "num_demos");
    drop(f);
    assert!(n <= 30);
    ok(&demos(&cut, 30, &["--noise", "0.3", "--resume"]));
    assert_eq!(contents(&fresh), contents(&cut), "resumed after {n} demos");

    let text = ok(&bin()
        .args(["demos", "--replay"])
        .arg(&fresh)
        .arg("--check")
        .output()
        .unwrap());
    assert!(
        text.contains("30 of 30 demos") && text.contains("30 bitwise"),
        "{text}"
    );

    // Corrupt one action of demo_3: its replay parts, and the check fails naming it.
    {
        let f = hdf5::File::open_rw(&parts).unwrap();
        let d = f.dataset("data/demo_3/actions").unwrap();
        let mut a = d.read_raw::<f32>().unwrap();
        a[0] = if a[0] > 0.0 { -0.3 } else { 0.3 };
        d.write_raw(&a).unwrap();
    }
    let err = fails(
        &bin()
            .args(["demos", "--replay"])
            .arg(&parts)
            .arg("--check")
            .output()
            .unwrap(),
    );
    assert!(err.contains("1 demos diverged"), "{err}");
    for p in [fresh, parts, cut] {
        let _ = std::fs::remove_file(p);
    }
}

/// Bad input is refused before any work, naming the flag and what is allowed, and an
/// existing file is never touched.
#[test]
fn demos_reject_bad_input_naming_the_flag() {
    let out = scratch("bad");
    let run = |args: &[&str]| bin().arg("demos").args(args).output().unwrap();
    let o = out.to_str().unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "--env",
                "push-cube",
                "--expert",
                "grab",
                "--episodes",
                "2",
                "--out",
                o,
            ],
            "--expert",
        ),
        (
            vec!["--env", "boxes", "--episodes", "2", "--out", o],
            "an env with an expert: push-cube",
        ),
        (
            vec!["--env", "cartpole", "--episodes", "2", "--out", o],
            "--env",
        ),
        (
            vec!["--env", "push-cube", "--episodes", "0", "--out", o],
            "--episodes",
        ),
        (
            vec![
                "--env",
                "push-cube",
                "--episodes",
                "2",
                "--out",
                "/nonexistent/dir/d.hdf5",
            ],
            "cannot be written",
        ),
        (vec!["--env", "push-cube", "--episodes", "2"], "--out"),
        (
            vec![
                "--env",
                "push-cube",
                "--episodes",
                "2",
                "--noise",
                "3",
                "--out",
                o,
            ],
            "--noise",
        ),
    ];
    for (args, want) in &cases {
        let err = fails(&run(args));
        assert!(err.contains(want), "{args:?}: {err}");
        assert!(!out.exists(), "{args:?} left a file");
    }
    // A spec that does not apply: refused when the env is built, before the file exists.
    let spec =
        std::env::temp_dir().join(format!("manyworlds-demos-{}-spec.json", std::process::id()));
    std::fs::write(&spec, r#"{"entries": [{"field": "body.mass_scale", "targets": ["sphere"], "dist": {"uniform": [0.5, 2]}}]}"#).unwrap();
    let err = fails(&run(&[
        "--env",
        "push-cube",
        "--episodes",
        "2",
        "--out",
        o,
        "--randomize",
        spec.to_str().unwrap(),
    ]));
    assert!(err.contains("sphere"), "{err}");
    assert!(!out.exists());
    // An existing output without --resume, and a settings mismatch with it.
    ok(&demos(&out, 2, &[]));
    let before = std::fs::read(&out).unwrap();
    let err = fails(&demos(&out, 4, &[]));
    assert!(err.contains("--resume"), "{err}");
    let err = fails(&demos(&out, 1, &["--resume"]));
    assert!(
        err.contains("--episodes") && err.contains("already holds"),
        "{err}"
    );
    let err = fails(
        &bin()
            .args([
                "demos",
                "--env",
                "push-cube",
                "--worlds",
                "8",
                "--seed",
                "4",
                "--episodes",
                "4",
                "--resume",
                "--out",
            ])
            .arg(&out)
            .output()
            .unwrap(),
    );
    assert!(
        err.contains("--seed") && err.contains("resumed run must use the file's settings"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&out).unwrap(),
        before,
        "the file is untouched"
    );
    let _ = std::fs::remove_file(&out);
    let _ = std::fs::remove_file(&spec);
}
