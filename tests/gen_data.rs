//! `manyworlds gen-data`: file names, labels against pixels, randomized parameters,
//! manifest, determinism and resume (byte-identical), refusal to overwrite, bad input.
//!
//! Every GPU run uses push-cube at 64x64 with 8 worlds per batch, so the kernels compiled
//! by the first run come from the shader cache afterwards.

mod common;

use common::{fails, ok};
use manyworlds::render::files::read_npy_f32;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const COUNT: u64 = 24;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_manyworlds"));
    c.env("XDG_RUNTIME_DIR", std::env::temp_dir());
    c
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("manyworlds-gen-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// `gen-data` on push-cube, 64x64, 8 worlds per batch, seed 7, into `out`.
fn gen(out: &Path, count: u64, extra: &[&str]) -> Output {
    bin()
        .args([
            "gen-data",
            "--env",
            "push-cube",
            "--size",
            "64x64",
            "--worlds",
            "8",
        ])
        .args(["--seed", "7", "--count", &count.to_string(), "--out"])
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

fn names(k: u64) -> [String; 4] {
    [
        format!("frame_{k:06}_rgb.png"),
        format!("frame_{k:06}_depth.npy"),
        format!("frame_{k:06}_seg.png"),
        format!("frame_{k:06}.json"),
    ]
}

fn json(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn f(v: &Value) -> f32 {
    v.as_f64().unwrap() as f32
}

/// Every frame file of `dir`, name → bytes.
fn frame_bytes(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("frame_"))
        .map(|n| {
            let b = std::fs::read(dir.join(&n)).unwrap();
            (n, b)
        })
        .collect()
}

/// Labels agree with the pixels of frame `k`: the objects are exactly the ids in the
/// segmentation, with its boxes and pixel counts; depth pixels of the pusher, cube and
/// goal unproject (K, world_from_camera) within their bounding radius of the labelled pose.
fn check_frame(dir: &Path, k: u64) -> Value {
    let [rgb, depth, seg, label] = names(k).map(|n| dir.join(n));
    let l = json(&label);
    let rgb = image::open(&rgb).unwrap();
    assert_eq!((rgb.width(), rgb.height()), (64, 64));
    let seg = image::open(&seg).unwrap();
    assert_eq!(
        seg.color(),
        image::ColorType::L16,
        "frame {k}: seg is 16-bit"
    );
    let seg = seg.to_luma16();
    let (h, w, depth) = read_npy_f32(&depth).unwrap();
    assert_eq!((h, w), (64, 64));
    // Boxes and counts recomputed from the PNG.
    let mut boxes: BTreeMap<u16, ([u32; 4], u32)> = BTreeMap::new();
    for (x, y, p) in seg.enumerate_pixels() {
        let id = p.0[0];
        if id == 0 {
            assert_eq!(depth[(y * w + x) as usize], 0.0, "background has depth 0");
            continue;
        }
        let e = boxes.entry(id).or_insert(([u32::MAX, u32::MAX, 0, 0], 0));
        e.0 = [
            e.0[0].min(x),
            e.0[1].min(y),
            e.0[2].max(x + 1),
            e.0[3].max(y + 1),
        ];
        e.1 += 1;
    }
    let objects = l["objects"].as_array().unwrap();
    let labelled: BTreeMap<u16, ([u32; 4], u32)> = objects
        .iter()
        .map(|o| {
            let b: Vec<u32> = o["bbox_xyxy"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap() as u32)
                .collect();
            (
                o["seg_id"].as_u64().unwrap() as u16,
                (
                    [b[0], b[1], b[2], b[3]],
                    o["pixels"].as_u64().unwrap() as u32,
                ),
            )
        })
        .collect();
    assert_eq!(
        labelled, boxes,
        "frame {k}: boxes and pixel counts vs the seg PNG"
    );
    // Depth back-projection onto the labelled poses.
    let cam = &l["camera"];
    let kk: Vec<Vec<f32>> = cam["K"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_array().unwrap().iter().map(f).collect())
        .collect();
    let m: Vec<Vec<f32>> = cam["world_from_camera"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_array().unwrap().iter().map(f).collect())
        .collect();
    assert_eq!(m[3], vec![0.0, 0.0, 0.0, 1.0]);
    let scale = f(&l["params"]["geom.size_scale:cube"]);
    for o in objects {
        let radius = match o["name"].as_str().unwrap() {
            "pusher" => 0.02,
            "cube" => 0.02 * scale * 3f32.sqrt(),
            "goal" => (0.05f32 * 0.05 + 0.001 * 0.001).sqrt(),
            _ => continue,
        };
        let pos: Vec<f32> = o["pos"].as_array().unwrap().iter().map(f).collect();
        let q: Vec<f32> = o["quat"].as_array().unwrap().iter().map(f).collect();
        let qn: f32 = q.iter().map(|x| x * x).sum();
        assert!(
            (qn - 1.0).abs() < 1e-4,
            "quat [w, x, y, z] is a unit quaternion"
        );
        let id = o["seg_id"].as_u64().unwrap() as u16;
        for (x, y, p) in seg.enumerate_pixels() {
            if p.0[0] != id {
                continue;
            }
            let d = depth[(y * w + x) as usize];
            let c = [
                d * (x as f32 + 0.5 - kk[0][2]) / kk[0][0],
                d * (y as f32 + 0.5 - kk[1][2]) / kk[1][1],
                d,
            ];
            let world: Vec<f32> = (0..3)
                .map(|i| m[i][0] * c[0] + m[i][1] * c[1] + m[i][2] * c[2] + m[i][3])
                .collect();
            let dist = (0..3)
                .map(|i| (world[i] - pos[i]).powi(2))
                .sum::<f32>()
                .sqrt();
            assert!(
                dist <= radius + 1e-3,
                "frame {k} {} pixel ({x}, {y}): {dist} m from its pose (radius {radius})",
                o["name"]
            );
        }
    }
    l
}

#[test]
fn gen_data_writes_labelled_frames_deterministically_and_resumes() {
    let a = scratch("a");
    let summary = ok(&gen(&a, COUNT, &[]));
    assert!(summary.contains("frames/s"), "{summary}");
    // Exactly the frame files and the manifest.
    let mut expect: BTreeSet<String> = (0..COUNT).flat_map(names).collect();
    expect.insert("manifest.json".into());
    let got: BTreeSet<String> = std::fs::read_dir(&a)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(got, expect);

    // Manifest.
    let man = json(&a.join("manifest.json"));
    assert_eq!(man["count"], COUNT);
    assert_eq!(man["seed"], 7);
    assert_eq!(man["size"], serde_json::json!([64, 64]));
    assert_eq!(man["crate_version"], env!("CARGO_PKG_VERSION"));
    assert!(man["adapter"].as_str().unwrap().len() > 3);
    assert!(man["command_line"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v == "gen-data"));
    let s = &man["settings"];
    assert_eq!(s["env"], "push-cube");
    assert_eq!(s["cameras"], serde_json::json!(["top"]));
    assert_eq!(s["worlds_per_batch"], 8);
    assert_eq!(s["depth_format"], "npy");
    assert!(s["randomize_source"].as_str().unwrap().contains("default"));
    let spec: Value =
        serde_json::from_str(manyworlds::env::scene::PUSH_CUBE_RANDOMIZE_JSON).unwrap();
    assert_eq!(s["randomize_spec"], spec);
    assert!(man["camera_convention"]
        .as_str()
        .unwrap()
        .contains("OpenCV"));
    assert_eq!(man["seg_ids"]["0"], "background");
    assert_eq!(man["seg_ids"]["3"], "cube");

    // Labels against pixels; params are the spec's keys and vary where drawn.
    let mut keys_expected: BTreeSet<String> = BTreeSet::new();
    for e in spec["entries"].as_array().unwrap() {
        for t in e["targets"].as_array().unwrap() {
            keys_expected.insert(format!(
                "{}:{}",
                e["field"].as_str().unwrap(),
                t.as_str().unwrap()
            ));
        }
    }
    let mut goal_x = BTreeSet::new();
    let mut scales = BTreeSet::new();
    for k in 0..COUNT {
        let l = check_frame(&a, k);
        assert_eq!(l["frame"], k);
        assert_eq!(l["world"], k % 8);
        assert_eq!(l["batch"], k / 8);
        assert_eq!(l["camera"]["name"], "top");
        assert_eq!(l["camera"]["width"], 64);
        let p = l["params"].as_object().unwrap();
        let keys: BTreeSet<String> = p.keys().cloned().collect();
        assert_eq!(keys, keys_expected, "frame {k}: params keys");
        let gx = f(&p["joint.qpos:goal_x"]);
        assert!((-0.25..=0.25).contains(&gx));
        // The goal's slide reads world x, so the label's pose carries the drawn value.
        let goal = l["objects"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["name"] == "goal");
        if let Some(g) = goal {
            assert!((f(&g["pos"][0]) - gx).abs() < 1e-5, "frame {k}: goal x");
        }
        goal_x.insert(gx.to_bits());
        scales.insert(f(&p["geom.size_scale:cube"]).to_bits());
    }
    assert!(goal_x.len() > COUNT as usize / 2, "goal_x barely varies");
    assert!(
        scales.len() > COUNT as usize / 2,
        "size_scale barely varies"
    );

    // Refuses to write into a dataset without --resume, naming the directory.
    let err = fails(&gen(&a, COUNT, &[]));
    assert!(
        err.contains("--resume") && err.contains(a.to_str().unwrap()),
        "{err}"
    );
    // A resume with another seed names the field.
    let err = fails(
        &bin()
            .args([
                "gen-data",
                "--env",
                "push-cube",
                "--size",
                "64x64",
                "--worlds",
                "8",
            ])
            .args(["--seed", "8", "--count", "24", "--resume", "--out"])
            .arg(&a)
            .output()
            .unwrap(),
    );
    assert!(
        err.contains("--seed") && err.contains("settings.seed"),
        "{err}"
    );

    // Half, then resumed to the full count after losing some files: byte-identical.
    let b = scratch("b");
    ok(&gen(&b, COUNT / 2, &[]));
    let _ = std::fs::remove_file(b.join("frame_000003.json"));
    let _ = std::fs::remove_file(b.join("frame_000005_rgb.png"));
    std::fs::write(b.join("frame_000009_seg.png.tmp123"), b"torn").unwrap();
    let out = ok(&gen(&b, COUNT, &["--resume"]));
    // Frames 3, 5 and 12..24 were missing: batches 0, 1 and 2 are rendered again.
    assert!(
        out.starts_with(&format!("{} frames written", 2 + COUNT / 2)),
        "{out}"
    );
    assert_eq!(
        frame_bytes(&a),
        frame_bytes(&b),
        "resumed run differs from a fresh one"
    );
    assert_eq!(json(&b.join("manifest.json"))["count"], COUNT);
    // Nothing left to do.
    let out = ok(&gen(&b, COUNT, &["--resume"]));
    assert!(out.starts_with("0 frames written"), "{out}");

    // png16 depth: millimetres of the same depth.
    let c = scratch("c");
    ok(&gen(&c, 8, &["--depth-format", "png16"]));
    let mm = image::open(c.join("frame_000002_depth.png"))
        .unwrap()
        .to_luma16();
    let (_, _, d) = read_npy_f32(&a.join("frame_000002_depth.npy")).unwrap();
    for (i, p) in mm.pixels().enumerate() {
        let want = if d[i] > 0.0 {
            (d[i] * 1000.0).round() as u16
        } else {
            0
        };
        assert_eq!(p.0[0], want, "pixel {i}");
    }
    assert_eq!(
        std::fs::read(c.join("frame_000002_rgb.png")).unwrap(),
        std::fs::read(a.join("frame_000002_rgb.png")).unwrap()
    );
    for d in [a, b, c] {
        let _ = std::fs::remove_dir_all(d);
    }
}

#[test]
fn gen_data_rejects_bad_input_naming_the_flag() {
    let out = scratch("bad");
    let run = |args: &[&str]| fails(&bin().arg("gen-data").args(args).output().unwrap());
    let o = out.to_str().unwrap();
    let e = run(&["--env", "push-cube", "--count", "0", "--out", o]);
    assert!(e.contains("--count") && e.contains("at least 1"), "{e}");
    let e = run(&[
        "--env",
        "push-cube",
        "--count",
        "4",
        "--size",
        "0x0",
        "--out",
        o,
    ]);
    assert!(e.contains("--size") && e.contains("0x0"), "{e}");
    let e = run(&["--env", "cartpole", "--count", "4", "--out", o]);
    assert!(
        e.contains("--env") && e.contains("cartpole") && e.contains("push-cube"),
        "{e}"
    );
    let e = run(&["--env", "nope", "--count", "4", "--out", o]);
    assert!(e.contains("--env") && e.contains("nope"), "{e}");
    let e = run(&[
        "--env",
        "push-cube",
        "--count",
        "4",
        "--out",
        "/proc/no/such/dir",
    ]);
    assert!(e.contains("/proc/no/such/dir"), "{e}");
    let e = run(&[
        "--env",
        "push-cube",
        "--count",
        "4",
        "--worlds",
        "8",
        "--camera",
        "side",
        "--out",
        o,
    ]);
    assert!(
        e.contains("--camera") && e.contains("side") && e.contains("top"),
        "{e}"
    );
    let _ = std::fs::remove_dir_all(&out);
}
