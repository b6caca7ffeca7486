//! The `manyworlds` binary: bench output, rollout format, and rejection of bad input.

mod common;

use manyworlds::env::cartpole;
use manyworlds::layout::CartpoleModel;
use std::path::PathBuf;
use std::process::Command;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_manyworlds"));
    c.env("XDG_RUNTIME_DIR", std::env::temp_dir());
    c
}

/// Runs `manyworlds rollout --input IN --output OUT`.
fn rollout(input: &std::path::Path, output: &std::path::Path) -> std::process::Output {
    bin()
        .args([
            "rollout",
            "--input",
            input.to_str().unwrap(),
            "--output",
            output.to_str().unwrap(),
        ])
        .output()
        .unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("manyworlds-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn bench_json_last_line_names_the_workload() {
    let out = bin()
        .args([
            "bench",
            "--env",
            "cartpole",
            "--worlds",
            "64,128",
            "--steps",
            "20",
            "--warmup",
            "2",
            "--repeats",
            "1",
            "--mode",
            "rl,fused",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("adapter: "), "{text}");
    let cells: Vec<serde_json::Value> = text
        .lines()
        .skip(1)
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(cells.len(), 4, "one line per cell: {text}");
    let last = cells.last().unwrap();
    for key in [
        "adapter",
        "backend",
        "env",
        "worlds",
        "steps",
        "mode",
        "env_steps_per_s",
        "wall_s",
        "scene",
        "substeps",
        "dt",
        "warmup",
        "render",
        "outputs",
        "randomized",
        "randomize",
    ] {
        assert!(last.get(key).is_some(), "missing {key}: {last}");
    }
    // Every combination once, in sweep order.
    let combos: Vec<(u64, &str)> = cells
        .iter()
        .map(|c| (c["worlds"].as_u64().unwrap(), c["mode"].as_str().unwrap()))
        .collect();
    assert_eq!(
        combos,
        [(64, "rl"), (64, "fused"), (128, "rl"), (128, "fused")]
    );
    assert_eq!(last["worlds"], 128);
    assert_eq!(last["mode"], "fused");
    assert_eq!(last["dt"], 0.02, "{last}");
    assert_eq!(last["substeps"], 1);
    assert_eq!(last["warmup_timed"], false);
    assert!(
        last["render"].is_null() && last["randomized"] == false,
        "{last}"
    );
    assert!(last["env_steps_per_s"].as_f64().unwrap() > 0.0);
}

#[test]
fn bench_table_by_default() {
    let out = bin()
        .args([
            "bench",
            "--worlds",
            "32",
            "--steps",
            "5",
            "--warmup",
            "1",
            "--repeats",
            "1",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("env-steps/s") && text.contains("cartpole"),
        "{text}"
    );
}

/// The rollout format outside checks read, against the library's own trajectories: given
/// initial states are used as they are, absent ones come from the seed, row 0 of `obs` is the
/// initial observation, and dynamics continue after termination (autoreset off).
#[test]
fn rollout_writes_the_documented_format() {
    let d = scratch("rollout");
    let input = d.join("in.json");
    let output = d.join("out.json");
    let steps = 40;
    let acts: Vec<Vec<u8>> = (0..steps).map(|t| vec![(t % 3 % 2) as u8]).collect();
    let doc = serde_json::json!({
        "env": "cartpole", "seed": 7, "steps": steps,
        "worlds": [
            {"initial_state": [0.01, -0.02, 0.03, 0.04], "actions": acts},
            {"actions": vec![vec![1]; steps]},
        ]
    });
    std::fs::write(&input, doc.to_string()).unwrap();
    let out = rollout(&input, &output);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&output).unwrap()).unwrap();
    assert!(got["adapter"].as_str().unwrap().len() > 3);
    let worlds = got["worlds"].as_array().unwrap();
    assert_eq!(worlds.len(), 2);
    let model = CartpoleModel::gymnasium();
    let row = |v: &serde_json::Value| -> [f32; 4] {
        std::array::from_fn(|k| v[k].as_f64().unwrap() as f32)
    };
    for (w, world) in worlds.iter().enumerate() {
        let obs = world["obs"].as_array().unwrap();
        assert_eq!(obs.len(), steps + 1);
        for key in ["reward", "terminated", "truncated"] {
            assert_eq!(world[key].as_array().unwrap().len(), steps, "{key}");
        }
        let first = row(&obs[0]);
        if w == 0 {
            assert_eq!(first, [0.01, -0.02, 0.03, 0.04]);
        } else {
            assert_eq!(first, cartpole::reference_reset(&model, 7, 1, 0));
        }
        // Each row follows from the previous by one step of the CPU reference (float32).
        let mut terminated_seen = false;
        for t in 0..steps {
            let a = if w == 0 { (t % 3 % 2) as f32 } else { 1.0 };
            let want = cartpole::reference_dynamics(&model, row(&obs[t]), a);
            let got = row(&obs[t + 1]);
            for k in 0..4 {
                assert!(
                    (got[k] - want[k]).abs() <= 1e-5 * want[k].abs().max(1.0),
                    "world {w} step {t}"
                );
            }
            let term = world["terminated"][t].as_bool().unwrap();
            let reward = world["reward"][t].as_f64().unwrap();
            assert_eq!(reward, if terminated_seen { 0.0 } else { 1.0 });
            terminated_seen |= term;
        }
        if w == 1 {
            assert!(terminated_seen, "pushing right for 40 steps terminates");
        }
    }
}

/// Bad rollout input fails with a message naming the file and field, and an existing output
/// file is left untouched.
#[test]
fn rollout_rejects_bad_input_without_damaging_output() {
    let d = scratch("bad");
    let output = d.join("out.json");
    std::fs::write(&output, "previous result").unwrap();
    let cases: &[(&str, &str)] = &[
        (
            "{\"env\": \"cartpole\", \"steps\": 2, \"worlds\": [",
            "line",
        ),
        (
            r#"{"env": "nope", "steps": 1, "worlds": [{"actions": [[0]]}]}"#,
            "env",
        ),
        (r#"{"env": "cartpole", "steps": 1, "worlds": []}"#, "worlds"),
        (
            r#"{"env": "cartpole", "steps": 2, "worlds": [{"actions": [[0]]}]}"#,
            "worlds[0].actions",
        ),
        (
            r#"{"env": "cartpole", "steps": 1, "worlds": [{"actions": [[2]]}]}"#,
            "worlds[0].actions[0][0]",
        ),
        (
            r#"{"env": "cartpole", "steps": 1, "worlds": [{"actions": [[0, 1]]}]}"#,
            "worlds[0].actions[0]",
        ),
        (
            r#"{"env": "cartpole", "steps": 1, "worlds": [{"initial_state": [0, 0], "actions": [[0]]}]}"#,
            "worlds[0].initial_state",
        ),
        (
            r#"{"env": "cartpole", "steps": 1, "worlds": [{"actions": [[0]], "extra": 1}]}"#,
            "extra",
        ),
        (
            r#"{"env": "cartpole", "steps": 1, "worlds": [{"initial_state": [0, 1e39, 0, 0], "actions": [[0]]}]}"#,
            "worlds[0].initial_state[1]",
        ),
        (
            r#"{"env": "cartpole", "steps": -1, "worlds": [{"actions": []}]}"#,
            "steps",
        ),
    ];
    for (i, (text, needle)) in cases.iter().enumerate() {
        let input = d.join(format!("in{i}.json"));
        std::fs::write(&input, text).unwrap();
        let out = rollout(&input, &output);
        assert!(!out.status.success(), "case {i} accepted");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("in{i}.json")) && err.contains(needle),
            "case {i}: {err}"
        );
        assert!(!err.contains("panicked"), "case {i} panicked: {err}");
        assert_eq!(
            std::fs::read_to_string(&output).unwrap(),
            "previous result",
            "case {i} touched the output"
        );
    }
    let missing = bin()
        .args([
            "rollout",
            "--input",
            "/nonexistent/in.json",
            "--output",
            output.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/in.json"));
}

#[test]
fn bad_bench_arguments_are_errors_not_panics() {
    for args in [
        &["bench", "--worlds", "0"][..],
        &["bench", "--env", "nope"],
        &["bench", "--steps", "0"],
        &["bench", "--worlds", "abc"],
    ] {
        let out = bin().args(args).output().unwrap();
        assert!(!out.status.success(), "{args:?} accepted");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
    let out = bin().arg("envs").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("cartpole"));
}

/// A backend that does not exist here, or a bogus value, is a clear error, with the
/// lavapipe install hint when no adapter is found.
#[test]
fn missing_adapter_and_bad_backend_are_clear_errors() {
    let backend = if cfg!(target_os = "macos") {
        "dx12"
    } else {
        "metal"
    };
    let out = bin()
        .arg("adapter")
        .env("MANYWORLDS_BACKEND", backend)
        .output()
        .unwrap();
    assert!(!out.status.success(), "{backend} found on this machine");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no GPU adapter found")
            && err.contains("apt-get install -y mesa-vulkan-drivers"),
        "{err}"
    );
    assert!(
        err.contains("MANYWORLDS_BACKEND") && err.contains("WGPU_ADAPTER_NAME"),
        "{err}"
    );
    let out = bin()
        .arg("adapter")
        .env("MANYWORLDS_BACKEND", "quantum")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("MANYWORLDS_BACKEND=\"quantum\""));
    let out = bin()
        .arg("adapter")
        .env("WGPU_ADAPTER_NAME", "no-such-adapter-name")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("excluded"));
}

/// `render` writes the exact file names outside checks read, with the documented formats:
/// RGB PNG, float32 H × W depth NPY in metres, 16-bit segmentation PNG, and a mosaic.
#[test]
fn render_writes_the_documented_files() {
    let out_dir = scratch("render");
    let scene = concat!(env!("CARGO_MANIFEST_DIR"), "/scenes/boxes.xml");
    let out = bin()
        .args([
            "render", "--scene", scene, "--worlds", "3", "--size", "64x48", "--steps", "5", "--out",
        ])
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for w in 0..3 {
        let rgb = image::open(out_dir.join(format!("world{w}_cam_rgb.png"))).unwrap();
        assert_eq!((rgb.width(), rgb.height()), (64, 48));
        let seg = image::open(out_dir.join(format!("world{w}_cam_seg.png"))).unwrap();
        assert_eq!(seg.color(), image::ColorType::L16);
        let ids: Vec<u16> = seg.to_luma16().into_raw();
        // boxes.xml: floor is geom 0 (id 1), the boxes ids 2..=9.
        assert!(ids.contains(&1) && ids.iter().any(|&i| i >= 2), "{ids:?}");
        assert!(ids.iter().all(|&i| i <= 9));
        let (h, wd, depth) = manyworlds::render::files::read_npy_f32(
            &out_dir.join(format!("world{w}_cam_depth.npy")),
        )
        .unwrap();
        assert_eq!((h, wd), (48, 64));
        // The camera is 1.9 m from the boxes, 1 m above the floor: floor pixels lie
        // between ~1 and 50 m (the far plane), boxes at 1–3 m, the sky is background.
        for (d, id) in depth.iter().zip(&ids) {
            match id {
                0 => assert_eq!(*d, manyworlds::render::DEPTH_BACKGROUND),
                _ => assert!(*d > 0.5 && *d < 50.0, "depth {d} for id {id}"),
            }
        }
    }
    let mosaic = image::open(out_dir.join("mosaic_rgb.png")).unwrap();
    assert_eq!((mosaic.width(), mosaic.height()), (2 * 64, 2 * 48));
    // Bad input is an error naming the value, not a panic.
    let bad = bin()
        .args(["render", "--scene", scene, "--size", "64by48", "--out"])
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("64by48"));
    let bad_cam = bin()
        .args(["render", "--scene", scene, "--camera", "nope", "--out"])
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(!bad_cam.status.success());
    let msg = String::from_utf8_lossy(&bad_cam.stderr);
    assert!(msg.contains("nope") && msg.contains("cam"), "{msg}");
}

/// `bench --render` adds the rendered views per second and the output kinds.
#[test]
fn bench_render_reports_views_per_second() {
    let out = bin()
        .args([
            "bench",
            "--env",
            "cartpole-vision",
            "--worlds",
            "32",
            "--steps",
            "3",
            "--warmup",
            "1",
            "--repeats",
            "1",
            "--mode",
            "rl",
            "--render",
            "128x64,64x64",
            "--outputs",
            "rgb,depth",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let cells: Vec<serde_json::Value> = text
        .lines()
        .skip(1)
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(cells.len(), 2, "one cell per render size: {text}");
    assert_eq!(cells[0]["render"], "128x64");
    let last = &cells[1];
    assert!(last["views_per_s"].as_f64().unwrap() > 0.0, "{last}");
    assert_eq!(last["render"], "64x64");
    assert_eq!(last["views"], 32);
    assert_eq!(last["outputs"], serde_json::json!(["rgb", "depth"]));
}

/// `bench --compare-peers` runs the peer script with the given Python and prints
/// manyworlds/peer ratios from the figures it returns. A stand-in "Python" answers the
/// probe and the cartpole workload with a fixed rate, so the ratio can be checked exactly.
#[test]
fn bench_compare_peers_prints_ratios_from_the_peer_script() {
    let d = scratch("peers");
    let fake = d.join("python");
    std::fs::write(
        &fake,
        r#"#!/bin/sh
# Called as `python - WORKLOAD ARGS...` with the script on stdin.
shift
cat > /dev/null
case "$1" in
probe) echo '{"python": "0.0-test", "peers": {"gymnasium": "9.9", "envpool": null, "mujoco": null}}' ;;
cartpole) echo "{\"peer\": \"stand_in\", \"version\": \"9.9\", \"worlds\": $3, \"steps\": $5, \"threads\": 1, \"env_steps_per_s\": 1000}" ;;
esac
"#,
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let args = [
        "bench",
        "--env",
        "cartpole",
        "--worlds",
        "16",
        "--steps",
        "4",
        "--warmup",
        "1",
        "--repeats",
        "1",
        "--mode",
        "rl",
        "--compare-peers",
    ];
    let out = bin()
        .args(args)
        .args(["--json", "--peers-python", fake.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{text}");
    assert!(text.contains("gymnasium 9.9") && text.contains("not installed: envpool, mujoco"));
    let lines: Vec<serde_json::Value> = text
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{text}");
    let (cell, peer) = (&lines[0], &lines[1]);
    assert_eq!(peer["peer"], "stand_in");
    assert_eq!(
        (peer["worlds"].as_u64(), peer["steps"].as_u64()),
        (Some(16), Some(4))
    );
    let want = cell["env_steps_per_s"].as_f64().unwrap() / 1000.0;
    let got = peer["ratio"]["rl"].as_f64().unwrap();
    assert!(
        (got - want).abs() <= 1e-3 * want.max(1.0),
        "{got} vs {want}"
    );

    // Without a usable Python it says so and prints no figures.
    let out = bin()
        .args(args)
        .args(["--peers-python", d.join("no-such-python").to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("peers: none measured") && text.contains("could not start"),
        "{text}"
    );
    assert!(!text.contains("manyworlds / peer"), "{text}");
}

/// The spec of the randomized rollout test: cube friction and mass.
const CUBE_SPEC: &str = r#"{"entries": [
  {"field": "geom.friction", "targets": ["cube"], "dist": {"uniform": [0.2, 1.2]}},
  {"field": "body.mass_scale", "targets": ["cube"], "dist": {"loguniform": [0.5, 2.0]}}
]}"#;

/// `rollout --randomize` writes, per world, one "params" object per episode with the
/// values drawn at its reset: push-cube's 250-step episodes give every world two in
/// 300 steps with autoreset on, each inside the spec's ranges and each episode new.
/// Without randomization "params" is absent.
#[test]
fn rollout_randomize_writes_params_per_episode() {
    let d = scratch("randomize");
    let spec = d.join("cube.json");
    std::fs::write(&spec, CUBE_SPEC).unwrap();
    let steps = 300;
    let worlds: Vec<serde_json::Value> = (0..4)
        .map(|_| serde_json::json!({"actions": vec![[0.0, 0.0]; steps]}))
        .collect();
    let run = |autoreset: &str, name: &str| -> serde_json::Value {
        let input = d.join(format!("{name}.json"));
        let output = d.join(format!("{name}.out.json"));
        let doc = serde_json::json!({
            "env": "push-cube", "seed": 5, "steps": steps, "autoreset": autoreset,
            "worlds": worlds,
        });
        std::fs::write(&input, doc.to_string()).unwrap();
        let out = bin()
            .args(["rollout", "--input"])
            .arg(&input)
            .arg("--output")
            .arg(&output)
            .arg("--randomize")
            .arg(&spec)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_str(&std::fs::read_to_string(&output).unwrap()).unwrap()
    };
    let next = run("next_step", "next");
    assert_eq!(next["autoreset"], "next_step");
    let worlds_out = next["worlds"].as_array().unwrap();
    assert_eq!(worlds_out.len(), 4);
    for (w, world) in worlds_out.iter().enumerate() {
        let params = world["params"].as_array().unwrap();
        assert!(params.len() >= 2, "world {w}: {params:?}");
        let resets = world["truncated"]
            .as_array()
            .unwrap()
            .iter()
            .chain(world["terminated"].as_array().unwrap())
            .filter(|v| v.as_bool().unwrap())
            .count();
        assert!(resets >= 1, "world {w} never ended an episode");
        for p in params {
            let p = p.as_object().unwrap();
            assert_eq!(p.len(), 2, "{p:?}");
            let f = p["geom.friction:cube"].as_f64().unwrap();
            let m = p["body.mass_scale:cube"].as_f64().unwrap();
            assert!((0.2..1.2).contains(&f), "world {w} friction {f}");
            assert!((0.5..=2.0).contains(&m), "world {w} mass scale {m}");
        }
        for pair in params.windows(2) {
            assert_ne!(pair[0], pair[1], "world {w}: consecutive episodes repeat");
        }
    }
    // Values are a function of (seed, world, episode): same-step autoreset draws the
    // same ones; with autoreset off each world has only its first episode.
    let same = run("same_step", "same");
    let off = run("disabled", "off");
    for w in 0..4 {
        let p = next["worlds"][w]["params"].as_array().unwrap();
        let ps = same["worlds"][w]["params"].as_array().unwrap();
        let n = p.len().min(ps.len());
        assert_eq!(p[..n], ps[..n], "world {w}");
        assert_eq!(
            off["worlds"][w]["params"],
            serde_json::json!([p[0]]),
            "world {w}"
        );
    }
    // cartpole randomizes nothing: no "params" key.
    let input = d.join("cartpole.json");
    let output = d.join("cartpole.out.json");
    std::fs::write(
        &input,
        r#"{"env": "cartpole", "steps": 2, "worlds": [{"actions": [[0], [1]]}]}"#,
    )
    .unwrap();
    let out = rollout(&input, &output);
    assert!(out.status.success());
    let got: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&output).unwrap()).unwrap();
    assert!(
        got["worlds"][0].get("params").is_none(),
        "{}",
        got["worlds"][0]
    );
}

/// A misspelt field in a `--randomize` spec is an error naming the file and the entry.
#[test]
fn bench_randomize_rejects_a_bad_spec() {
    let d = scratch("badspec");
    let spec = d.join("typo.json");
    std::fs::write(&spec, CUBE_SPEC.replace("geom.friction", "geom.frictoin")).unwrap();
    let out = bin()
        .args([
            "bench",
            "--env",
            "push-cube",
            "--worlds",
            "4",
            "--randomize",
        ])
        .arg(&spec)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("typo.json") && err.contains("entries[0].field"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

/// `bench --json` says what each cell randomizes: push-cube's own default spec, a
/// `--randomize` file, or null; the table's footer says it too.
#[test]
fn bench_reports_randomization() {
    let d = scratch("benchspec");
    let spec = d.join("cube.json");
    std::fs::write(&spec, CUBE_SPEC).unwrap();
    let bench = |extra: &[&str]| -> String {
        let out = bin()
            .args([
                "bench",
                "--worlds",
                "16",
                "--steps",
                "5",
                "--warmup",
                "1",
                "--repeats",
                "1",
                "--mode",
                "rl",
            ])
            .args(extra)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let cells = |text: &str| -> Vec<serde_json::Value> {
        text.lines()
            .skip(1)
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let text = bench(&["--env", "push-cube,boxes", "--json"]);
    let c = cells(&text);
    assert_eq!(c.len(), 2, "{text}");
    assert_eq!(c[0]["env"], "push-cube");
    assert_eq!(c[0]["randomize"], "default");
    assert_eq!(c[1]["env"], "boxes");
    assert!(c[1]["randomize"].is_null(), "{}", c[1]);
    let path = spec.to_str().unwrap();
    let text = bench(&["--env", "push-cube", "--json", "--randomize", path]);
    assert_eq!(cells(&text)[0]["randomize"], path);
    let table = bench(&["--env", "push-cube", "--randomize", path]);
    assert!(
        table.contains(&format!("randomization on ({path})")),
        "{table}"
    );
    let table = bench(&["--env", "boxes"]);
    assert!(table.contains("randomization off"), "{table}");
}

/// `record` writes a looping GIF that decodes, with one frame per `--every` steps (plus the
/// reset), each the panels side by side (RGB and segmentation mosaics of 2 × 2 worlds with
/// a 4-pixel gap), and the scene moving between the first and last frame; a directory
/// output gets the same frames as PNGs. Bad arguments name the flag.
#[test]
fn record_writes_a_valid_gif_and_png_sequence() {
    use image::AnimationDecoder;
    let d = scratch("record");
    let gif = d.join("sub").join("run.gif");
    let args = [
        "record", "--env", "boxes", "--worlds", "4", "--steps", "30", "--every", "10", "--size",
        "64x64", "--show", "rgb,seg",
    ];
    let out = bin()
        .args(args)
        .args(["--out", gif.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dec = image::codecs::gif::GifDecoder::new(std::io::BufReader::new(
        std::fs::File::open(&gif).unwrap(),
    ))
    .unwrap();
    let frames: Vec<image::RgbaImage> = dec
        .into_frames()
        .collect_frames()
        .unwrap()
        .into_iter()
        .map(|f| f.into_buffer())
        .collect();
    assert_eq!(frames.len(), 4, "frames at steps 0, 10, 20, 30");
    for f in &frames {
        assert_eq!(f.dimensions(), (2 * 128 + 4, 128));
    }
    let changed = frames[0]
        .pixels()
        .zip(frames[3].pixels())
        .filter(|(a, b)| a != b)
        .count();
    assert!(changed > 100, "the boxes fall: {changed} pixels changed");
    // The segmentation panel shows more than background and one id.
    let seg_colours: std::collections::BTreeSet<[u8; 4]> = frames[3]
        .enumerate_pixels()
        .filter(|(x, _, _)| *x >= 132)
        .map(|(_, _, p)| p.0)
        .collect();
    assert!(seg_colours.len() >= 4, "{}", seg_colours.len());

    let seq = d.join("seq");
    let out = bin()
        .args(args)
        .args(["--out", seq.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    for i in 0..4 {
        let p = image::open(seq.join(format!("frame_{i:04}.png"))).unwrap();
        assert_eq!((p.width(), p.height()), (260, 128));
    }
    assert!(!seq.join("frame_0004.png").exists());

    let out = bin()
        .args(["record", "--env", "boxes", "--every", "0", "--out"])
        .arg(d.join("x.gif"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("--every"), "{err}");
    let out = bin()
        .args(["record", "--env", "cartpole", "--out"])
        .arg(d.join("x.gif"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("--env") && !err.contains("panicked"),
        "{err}"
    );
}

/// `selftest` passes every check on this adapter, one `ok` line per check (cartpole, each
/// registered scene, determinism, rendering), and says so last.
#[test]
fn selftest_passes_here() {
    let out = bin()
        .args(["selftest", "--worlds", "256"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{text}");
    let oks = text.lines().filter(|l| l.starts_with("ok ")).count();
    let embedded = manyworlds::env::scene::SCENES
        .iter()
        .filter(|s| s.gymnasium.is_none())
        .count();
    assert_eq!(oks, 3 + embedded, "{text}");
    assert!(!text.contains("FAIL"), "{text}");
    assert!(text.trim_end().ends_with("checks passed"), "{text}");
}

/// A short `soak` (the CI version of the long on-demand run): boxes and push-cube under
/// their every-field randomization stay finite and inside the escape radius, and the
/// report carries every figure with the verdict.
#[test]
fn short_soak_is_clean() {
    let out = bin()
        .args([
            "soak",
            "--world-steps",
            "3e4",
            "--worlds",
            "128",
            "--check-every",
            "25",
            "--json",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reports: Vec<serde_json::Value> = text
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(reports.len(), 2, "{text}");
    for r in &reports {
        assert_eq!(r["nonfinite"], 0, "{r}");
        assert_eq!(r["escaped"], 0, "{r}");
        assert_eq!(r["pass"], true, "{r}");
        assert!(r["world_steps"].as_u64().unwrap() >= 30_000, "{r}");
        assert!(r["penetration_checks"].as_u64().unwrap() >= 4, "{r}");
        let p = r["max_penetration_m"].as_f64().unwrap();
        assert!((0.0..0.1).contains(&p), "{r}");
        assert!(r["rss_end_mib"].as_f64().unwrap() > 0.0, "{r}");
    }
    // 235 steps of 150-step episodes: every boxes world reset once.
    assert!(
        reports[0]["resets"].as_u64().unwrap() >= 128,
        "{}",
        reports[0]
    );
}
