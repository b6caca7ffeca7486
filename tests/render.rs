//! The batch renderer against analytic geometry, golden images and its own invariants:
//! depth and segmentation exactness, silhouettes, moving bodies, world subsets,
//! intrinsics, per-world looks, poisoned outputs and determinism, on both copy-out paths
//! (64-pixel-multiple widths are texture-copied; others go through the resolve pass).

mod common;

use common::gpu;
use glam::{Quat, Vec3};
use manyworlds::env::scene::{self, SceneEnv};
use manyworlds::env::{AutoresetMode, EnvConfig, VecEnv, Worlds};
use manyworlds::layout::physics::S_POS;
use manyworlds::render::{
    files, CameraSpec, Intrinsics, Outputs, RenderConfig, SegmentIds, VisualPerWorld,
    DEPTH_BACKGROUND,
};
use std::path::PathBuf;

/// A plane at z = 0 seen from 2 m straight above, a static box (yawed 0.3 rad) and a
/// free box on a body, a camera looking at the sky, and a camera riding on the free box.
const ANALYTIC: &str = r#"
<mujoco model="analytic">
  <compiler angle="radian"/>
  <worldbody>
    <light name="sun" pos="0 0 3" dir="0 0 -1" directional="true"/>
    <geom name="floor" type="plane" size="0 0 0.05" rgba="0.8 0.8 0.8 1"/>
    <geom name="block" type="box" pos="0.3 -0.1 0.25" euler="0 0 0.3" size="0.1 0.15 0.1" rgba="0.9 0.2 0.2 1"/>
    <camera name="down" pos="0 0 2" xyaxes="1 0 0 0 1 0" fovy="60"/>
    <camera name="sky" pos="0 0 1" xyaxes="1 0 0 0 -1 0" fovy="60"/>
    <body name="crate" pos="-0.35 0.2 0.5">
      <freejoint/>
      <geom name="crate" type="box" size="0.12 0.08 0.05" rgba="0.2 0.3 0.9 1"/>
      <camera name="rider" pos="0 0 0.3" xyaxes="1 0 0 0 1 0" fovy="90"/>
    </body>
  </worldbody>
</mujoco>
"#;

fn analytic_env(worlds: usize, render: RenderConfig) -> SceneEnv {
    scene::make_mjcf(
        gpu(),
        ANALYTIC,
        "analytic.xml",
        false,
        &common::generic_config("analytic"),
        &EnvConfig::new(worlds)
            .autoreset(AutoresetMode::Disabled)
            .render(render),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// Distance along the ray `o + t·d` to an oriented box (centre `c`, rotation `q`,
/// half-extents `h`), by the slab method in the box frame.
fn ray_box(o: Vec3, d: Vec3, c: Vec3, q: Quat, h: Vec3) -> Option<f32> {
    let inv = q.inverse();
    let (o, d) = (inv * (o - c), inv * d);
    let (mut t0, mut t1) = (f32::NEG_INFINITY, f32::INFINITY);
    for i in 0..3 {
        let (a, b) = ((-h[i] - o[i]) / d[i], (h[i] - o[i]) / d[i]);
        t0 = t0.max(a.min(b));
        t1 = t1.min(a.max(b));
    }
    (t0 <= t1 && t0 > 0.0).then_some(t0)
}

/// Analytic depth (along the camera axis, which is world -z here) and geom id of pixel
/// (u, v) of the `down` camera at `w` × `h` pixels, with the crate at `crate_pos`.
fn analytic_pixel(u: u32, v: u32, w: u32, h: u32, crate_pos: Vec3) -> (f32, u32) {
    let fy = 0.5 * h as f32 / (30f32.to_radians()).tan();
    let x = (u as f32 + 0.5 - 0.5 * w as f32) / fy;
    let y = -(v as f32 + 0.5 - 0.5 * h as f32) / fy;
    let (o, d) = (Vec3::new(0.0, 0.0, 2.0), Vec3::new(x, y, -1.0));
    let mut best = (2.0, 1); // the floor, geom 0
    let boxes = [
        (
            Vec3::new(0.3, -0.1, 0.25),
            Quat::from_rotation_z(0.3),
            Vec3::new(0.1, 0.15, 0.1),
            2,
        ),
        (crate_pos, Quat::IDENTITY, Vec3::new(0.12, 0.08, 0.05), 3),
    ];
    for (c, q, half, id) in boxes {
        if let Some(t) = ray_box(o, d, c, q, half) {
            if t < best.0 {
                best = (t, id);
            }
        }
    }
    best
}

/// Checks the `down` view against the analytic scene: depth within 1e-3 relative and the
/// right id on every pixel whose 3 × 3 neighbourhood has one analytic id, and each geom's
/// pixel count within the count of border pixels.
fn check_down_view(depth: &[f32], seg: &[u32], w: u32, h: u32, crate_pos: Vec3) {
    let truth: Vec<(f32, u32)> = (0..h)
        .flat_map(|v| (0..w).map(move |u| (u, v)))
        .map(|(u, v)| analytic_pixel(u, v, w, h, crate_pos))
        .collect();
    let at = |u: i64, v: i64| {
        truth[(v.clamp(0, h as i64 - 1) * w as i64 + u.clamp(0, w as i64 - 1)) as usize].1
    };
    let mut border = 0;
    let mut checked = 0;
    for v in 0..h as i64 {
        for u in 0..w as i64 {
            let i = (v * w as i64 + u) as usize;
            let id = truth[i].1;
            let interior = (-1..=1).all(|dv| (-1..=1).all(|du| at(u + du, v + dv) == id));
            if !interior {
                border += 1;
                continue;
            }
            checked += 1;
            assert_eq!(seg[i], id, "pixel ({u}, {v}): id {} expected {id}", seg[i]);
            let (want, got) = (truth[i].0, depth[i]);
            assert!(
                (got - want).abs() <= 1e-3 * want,
                "pixel ({u}, {v}): depth {got} m, analytic {want} m"
            );
        }
    }
    assert!(checked > (w * h) as usize / 2, "too few interior pixels");
    for id in 1..=3 {
        let rendered = seg.iter().filter(|&&s| s == id).count() as i64;
        let analytic = truth.iter().filter(|t| t.1 == id).count() as i64;
        assert!(
            (rendered - analytic).abs() <= border,
            "geom {id}: {rendered} pixels, analytic {analytic}, border {border}"
        );
        assert!(analytic > 20, "geom {id} should be in view");
    }
}

/// Two segmentations of one view rendered at different atlas tiles agree except at a few
/// edge pixels: a tile elsewhere rounds the clip-space transform differently in the last
/// bit, which can flip a pixel whose centre lies on a silhouette (1/256-pixel snapping).
/// Every mismatch must sit on an edge of `a`, and there may be at most 1% of them.
fn assert_same_up_to_edge_flips(a: &[u32], b: &[u32], w: usize, h: usize, what: &str) {
    let mut flips = 0;
    for v in 0..h {
        for u in 0..w {
            let i = v * w + u;
            if a[i] == b[i] {
                continue;
            }
            flips += 1;
            let edge = (v.saturating_sub(1)..(v + 2).min(h))
                .flat_map(|y| (u.saturating_sub(1)..(u + 2).min(w)).map(move |x| (x, y)))
                .any(|(x, y)| a[y * w + x] != a[i]);
            assert!(edge, "{what}: pixel ({u}, {v}) differs inside a region");
        }
    }
    assert!(flips * 100 <= w * h, "{what}: {flips} pixels differ");
}

/// The crate's body position in world `w`'s state.
fn crate_pos(env: &mut SceneEnv, w: usize) -> Vec3 {
    let s = env.get_state(Worlds::Some(&[w])).unwrap();
    let at = (S_POS) as usize; // the crate is sim body 0
    Vec3::from_slice(&s.state[at..at + 3])
}

#[test]
fn depth_and_segmentation_match_analytic_geometry_on_both_copy_paths() {
    // 64 x 64: pages are copied; 50 x 40: the resolve pass.
    for (w, h) in [(64, 64), (50, 40)] {
        let mut env = analytic_env(2, RenderConfig::new(w, h).outputs(Outputs::ALL));
        env.reset(0).unwrap();
        let c = crate_pos(&mut env, 0);
        let images = env.render().unwrap().expect("renders");
        let v = images.find(0, 0).unwrap();
        assert_eq!(images.views()[v].camera_name, "down");
        check_down_view(images.depth(v).unwrap(), images.seg(v).unwrap(), w, h, c);
        // The sky camera sees nothing: background everywhere.
        let sky = images.find(1, 1).unwrap();
        assert!(images
            .depth(sky)
            .unwrap()
            .iter()
            .all(|&d| d == DEPTH_BACKGROUND));
        assert!(images.seg(sky).unwrap().iter().all(|&s| s == 0));
        assert!(images
            .rgb(sky)
            .unwrap()
            .chunks(4)
            .all(|p| p == [0, 0, 0, 255]));
    }
}

#[test]
fn moving_a_body_moves_its_pixels_and_worlds_render_their_own_state() {
    let mut env = analytic_env(3, RenderConfig::new(64, 64).outputs(Outputs::ALL));
    env.reset(0).unwrap();
    let mut st = env.get_state(Worlds::All).unwrap();
    // World 1: the crate 0.25 m further along +x (right in the `down` image).
    let sd = st.state_dim;
    st.state[sd + S_POS as usize] += 0.25;
    env.set_state(&st).unwrap();
    let moved = crate_pos(&mut env, 1);
    let still = crate_pos(&mut env, 0);
    let images = env.render().unwrap().unwrap();
    let (v0, v1) = (images.find(0, 0).unwrap(), images.find(1, 0).unwrap());
    let centroid = |v: usize| {
        let s = images.seg(v).unwrap();
        let (mut sum, mut n) = (0.0, 0.0);
        for (i, &id) in s.iter().enumerate() {
            if id == 3 {
                sum += (i % 64) as f64;
                n += 1.0;
            }
        }
        sum / n
    };
    let shift = centroid(v1) - centroid(v0);
    // 0.25 m seen at 1.45 m (the crate's top) by a 60° camera, fy = 55.4 px:
    // 0.25 / 1.45 × 55.4 ≈ 9.6 px.
    assert!((9.0..10.2).contains(&shift), "crate moved {shift} px");
    assert_ne!(
        images.rgb(v0),
        images.rgb(v1),
        "different states, same image"
    );
    assert_eq!(images.rgb(v0), images.rgb(images.find(2, 0).unwrap()));
    check_down_view(
        images.depth(v1).unwrap(),
        images.seg(v1).unwrap(),
        64,
        64,
        moved,
    );
    check_down_view(
        images.depth(v0).unwrap(),
        images.seg(v0).unwrap(),
        64,
        64,
        still,
    );
}

/// A camera inside a body moves and turns with it: it sees the crate's top 0.25 m below
/// it, and the crate the same way, wherever the crate goes and however it yaws.
#[test]
fn a_camera_on_a_body_moves_and_turns_with_it() {
    let rc = RenderConfig {
        cameras: vec!["rider".into()],
        ..RenderConfig::new(64, 64).outputs(Outputs::ALL)
    };
    let mut env = analytic_env(3, rc);
    env.reset(0).unwrap();
    let mut st = env.get_state(Worlds::All).unwrap();
    let sd = st.state_dim;
    st.state[sd + S_POS as usize] += 0.25; // world 1: moved along x
                                           // World 2: yawed 90° (the State holds quaternions as x, y, z, w).
    let q = Quat::from_rotation_z(std::f32::consts::FRAC_PI_2);
    let qat = 2 * sd + manyworlds::layout::physics::S_QUAT as usize;
    st.state[qat..qat + 4].copy_from_slice(&[q.x, q.y, q.z, q.w]);
    env.set_state(&st).unwrap();
    let im = env.render().unwrap().unwrap();
    let extent = |v: usize| {
        let seg = im.seg(v).unwrap();
        let (mut us, mut vs) = (Vec::new(), Vec::new());
        for (i, &id) in seg.iter().enumerate() {
            if id == 3 {
                us.push(i % 64);
                vs.push(i / 64);
            }
        }
        let span = |x: &[usize]| x.iter().max().unwrap() - x.iter().min().unwrap();
        (span(&us), span(&vs))
    };
    for w in 0..3 {
        let d = im.depth(w).unwrap()[32 * 64 + 32];
        assert!(
            (d - 0.25).abs() < 1e-3 * 0.25,
            "world {w}: depth {d} m under the rider"
        );
    }
    let crate_mask =
        |v: usize| -> Vec<bool> { im.seg(v).unwrap().iter().map(|&s| s == 3).collect() };
    assert!(
        crate_mask(0) == crate_mask(1),
        "moving along x changes nothing the rider sees of the crate"
    );
    assert_ne!(
        im.rgb(0),
        im.rgb(1),
        "but the floor and block beyond it move"
    );
    // Yawed 90°: the rider turns too, so the crate keeps its long side along the image's
    // x (a camera that only followed the position would see it turned), while the world
    // around turns.
    let ((u0, v0), (u2, v2)) = (extent(0), extent(2));
    assert!(
        u0 > v0 && (u0, v0) == (u2, v2),
        "crate extent {u0}x{v0}, yawed {u2}x{v2}"
    );
    assert!(crate_mask(0) == crate_mask(2));
    assert_ne!(im.rgb(0), im.rgb(2));
}

#[test]
fn body_segmentation_names_bodies() {
    let rc = RenderConfig {
        segmentation: SegmentIds::Body,
        cameras: vec!["down".into()],
        ..RenderConfig::new(64, 64).outputs(Outputs::ALL)
    };
    let mut env = analytic_env(1, rc);
    env.reset(0).unwrap();
    let names = env.renderer().unwrap().seg_names().to_vec();
    let images = env.render().unwrap().unwrap();
    let seg = images.seg(0).unwrap();
    let ids: std::collections::BTreeSet<u32> = seg.iter().copied().collect();
    // The floor and the block belong to the world body (id 1), the crate to its body.
    assert_eq!(ids.into_iter().collect::<Vec<_>>(), vec![1, 2]);
    assert_eq!(names[1], "crate");
}

#[test]
fn a_world_subset_renders_only_those_worlds_in_that_order_and_identically() {
    let all = {
        let mut env = scene::make_registered(
            gpu(),
            "boxes",
            &EnvConfig::new(5).render(RenderConfig::new(64, 64).outputs(Outputs::ALL)),
        )
        .unwrap()
        .unwrap();
        env.reset(4).unwrap();
        let images = env.render().unwrap().unwrap();
        (0..5)
            .map(|v| {
                (
                    images.rgb(v).unwrap().to_vec(),
                    common::bits(images.depth(v).unwrap()),
                    images.seg(v).unwrap().to_vec(),
                )
            })
            .collect::<Vec<_>>()
    };
    let rc = RenderConfig {
        worlds: Some(vec![3, 1]),
        ..RenderConfig::new(64, 64).outputs(Outputs::ALL)
    };
    let mut env = scene::make_registered(gpu(), "boxes", &EnvConfig::new(5).render(rc))
        .unwrap()
        .unwrap();
    env.reset(4).unwrap();
    let images = env.render().unwrap().unwrap();
    assert_eq!(images.views().len(), 2);
    for (v, w) in [(0, 3), (1, 1)] {
        assert_eq!(images.views()[v].world, w);
        let what = format!("world {w}");
        assert_same_up_to_edge_flips(&all[w].2, images.seg(v).unwrap(), 64, 64, &what);
        // Where the ids agree, colour and depth agree too (to the rounding of a tile).
        let (rgb, depth, seg) = (
            images.rgb(v).unwrap(),
            images.depth(v).unwrap(),
            images.seg(v).unwrap(),
        );
        for i in 0..64 * 64 {
            if seg[i] == all[w].2[i] {
                let d0 = f32::from_bits(all[w].1[i]);
                // The depth buffer's resolution is about d / near × 6e-8 relative (2e-4
                // at 40 m with near 0.01 m), so a tile's rounding shows there: 1e-3.
                assert!(
                    (depth[i] - d0).abs() <= 1e-3 * d0,
                    "{what} pixel {i}: depth {} vs {d0}",
                    depth[i]
                );
                for c in 0..4 {
                    let (x, y) = (rgb[4 * i + c] as i32, all[w].0[4 * i + c] as i32);
                    assert!((x - y).abs() <= 1, "{what} pixel {i}: colour");
                }
            }
        }
    }
    assert_ne!(all[1].0, all[3].0, "jittered worlds should differ");
    let masked = RenderConfig::new(8, 8).world_mask(&[false, true, false, true]);
    assert_eq!(masked.worlds, Some(vec![1, 3]));
}

#[test]
fn pinhole_intrinsics_match_fovy_and_move_the_principal_point() {
    // As the renderer derives it from fovy.
    let fy = 0.5 * 64.0 / (0.5 * 60f32.to_radians()).tan();
    let eye = Vec3::new(0.0, 0.0, 2.0);
    let cam = |name: &str, k: Intrinsics| {
        let mut c = CameraSpec::look_at(name, eye, Vec3::ZERO, Vec3::Y, k, 64, 64);
        c.near = 0.05;
        c
    };
    let rc = RenderConfig {
        no_mjcf_cameras: true,
        extra_cameras: vec![
            cam("fovy", Intrinsics::Fovy(60.0)),
            cam(
                "pinhole",
                Intrinsics::Pinhole {
                    fx: fy,
                    fy,
                    cx: 32.0,
                    cy: 32.0,
                },
            ),
            cam(
                "shifted",
                Intrinsics::Pinhole {
                    fx: fy,
                    fy,
                    cx: 40.0,
                    cy: 32.0,
                },
            ),
        ],
        ..RenderConfig::new(64, 64).outputs(Outputs::ALL)
    };
    let mut env = analytic_env(1, rc);
    env.reset(0).unwrap();
    let images = env.render().unwrap().unwrap();
    let (a, b) = (images.seg(0).unwrap(), images.seg(1).unwrap());
    assert_same_up_to_edge_flips(a, b, 64, 64, "fovy vs pinhole");
    // cx + 8: the image content moves 8 pixels right.
    let c = images.seg(2).unwrap();
    let shifted: Vec<u32> = (0..64 * 64)
        .map(|i| {
            let (u, v) = (i % 64, i / 64);
            if u >= 8 {
                c[v * 64 + u]
            } else {
                a[i]
            }
        })
        .collect();
    let a_left: Vec<u32> = (0..64 * 64)
        .map(|i| {
            let (u, v) = (i % 64, i / 64);
            if u >= 8 {
                a[v * 64 + u - 8]
            } else {
                a[i]
            }
        })
        .collect();
    assert_same_up_to_edge_flips(&a_left, &shifted, 64, 64, "principal point +8 px");
}

#[test]
fn per_world_colors_change_only_their_world() {
    let rc = RenderConfig {
        per_world: VisualPerWorld {
            colors: true,
            ..Default::default()
        },
        cameras: vec!["down".into()],
        ..RenderConfig::new(64, 64)
    };
    let mut env = analytic_env(3, rc);
    env.reset(0).unwrap();
    let before: Vec<Vec<u8>> = {
        let im = env.render().unwrap().unwrap();
        (0..3).map(|v| im.rgb(v).unwrap().to_vec()).collect()
    };
    let r = env.renderer_mut().unwrap();
    r.set_color(Some(1), 2, [0.0, 1.0, 0.0, 1.0]).unwrap();
    assert!(
        r.set_color(None, 2, [0.0; 4]).is_err(),
        "table is per world"
    );
    assert!(r.set_color(Some(3), 2, [0.0; 4]).is_err(), "no world 3");
    let im = env.render().unwrap().unwrap();
    assert_eq!(im.rgb(0).unwrap(), &before[0][..]);
    assert_eq!(im.rgb(2).unwrap(), &before[2][..]);
    assert_ne!(im.rgb(1).unwrap(), &before[1][..]);
    // Block pixels of world 1 are green now.
    let seg_env_pixel = im
        .rgb(1)
        .unwrap()
        .chunks(4)
        .filter(|p| p[1] > 150 && p[0] < 40)
        .count();
    assert!(seg_env_pixel > 30, "{seg_env_pixel} green pixels");
}

/// Every output poisoned before each render is fully written after it, on both copy-out
/// paths and for every output combination.
#[test]
fn poisoned_outputs_are_fully_written() {
    let combos = [
        Outputs::ALL,
        Outputs::RGB,
        Outputs {
            rgb: false,
            depth: true,
            seg: false,
        },
        Outputs {
            rgb: false,
            depth: true,
            seg: true,
        },
    ];
    for (w, h) in [(64, 64), (50, 40)] {
        for o in combos {
            let mut env = analytic_env(3, RenderConfig::new(w, h).outputs(o));
            env.reset(0).unwrap();
            for _ in 0..2 {
                env.poison_outputs();
                let im = env.render().unwrap().unwrap();
                assert_eq!(im.views().len(), 9);
                if let Some(rgb) = im.rgb_all() {
                    assert_eq!(rgb.len(), 9 * 4 * (w * h) as usize);
                    assert!(rgb.chunks(4).all(|p| p[3] == 255), "{o:?} {w}x{h}: rgb");
                }
                if let Some(d) = im.depth_all() {
                    assert!(d.iter().all(|x| x.is_finite() && *x >= 0.0), "{o:?}: depth");
                }
                if let Some(s) = im.seg_all() {
                    assert!(s.iter().all(|&x| x <= 3), "{o:?}: seg");
                }
            }
        }
    }
}

#[test]
fn images_are_byte_identical_across_runs() {
    let run = || {
        let mut env = scene::make_registered(
            gpu(),
            "boxes",
            &EnvConfig::new(8).render(RenderConfig::new(64, 64).outputs(Outputs::ALL)),
        )
        .unwrap()
        .unwrap();
        env.reset(11).unwrap();
        let a = vec![0.0; 0];
        for _ in 0..40 {
            env.step(&a).unwrap();
        }
        let im = env.images().unwrap();
        (
            im.rgb_all().unwrap().to_vec(),
            common::bits(im.depth_all().unwrap()),
            im.seg_all().unwrap().to_vec(),
        )
    };
    assert!(run() == run());
}

/// Every registered scene env renders its MJCF cameras at two sizes.
#[test]
fn every_registered_scene_renders() {
    for e in common::embedded_envs() {
        if scene::SCENES.iter().all(|s| s.name != e.name) {
            continue;
        }
        for (w, h) in [(64, 64), (48, 32)] {
            let cfg = EnvConfig::new(4).render(RenderConfig::new(w, h).outputs(Outputs::ALL));
            let mut env = e
                .make(gpu(), &cfg)
                .unwrap_or_else(|err| panic!("{}: {err}", e.name));
            env.reset(1).unwrap();
            let im = env
                .images()
                .unwrap_or_else(|| panic!("{}: no images", e.name));
            assert!(!im.views().is_empty());
            for v in 0..im.views().len() {
                let seg = im.seg(v).unwrap();
                assert!(
                    seg.iter().any(|&s| s > 0),
                    "{} view {v}: nothing drawn",
                    e.name
                );
            }
        }
    }
}

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/golden")
}

/// Mean absolute difference per channel (0–255) between two RGBA images of one size.
fn mad(a: &image::RgbaImage, b: &image::RgbaImage) -> f64 {
    let s: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| (*x as i64 - *y as i64).unsigned_abs())
        .sum();
    s as f64 / a.as_raw().len() as f64
}

/// Small golden images: 4 views at 64² of `boxes` and 4 of `cartpole-vision`, each a
/// mosaic, compared by mean absolute difference. Tolerance 1.0 (of 255): rasterization is
/// exact on one driver, and this leaves room for another Mesa's rounding at a few edge
/// pixels. A failure writes `*_actual.png`; `MANYWORLDS_UPDATE_GOLDEN=1` rewrites the
/// references.
#[test]
fn golden_images() {
    let update = std::env::var("MANYWORLDS_UPDATE_GOLDEN").is_ok_and(|v| v == "1");
    for (name, steps) in [("boxes", 30), ("cartpole-vision", 25)] {
        let cfg = EnvConfig::new(4).render(RenderConfig::new(64, 64));
        let mut env = manyworlds::env::make(gpu(), name, &cfg).unwrap();
        env.reset(5).unwrap();
        let a = vec![0.25; 4 * env.spec().action_space.dim()];
        for _ in 0..steps {
            env.step(&a).unwrap();
        }
        let im = env.images().unwrap();
        let mosaic = files::mosaic_rgb(&im, [0, 0, 0, 255]).unwrap();
        let path = golden_dir().join(format!("{name}.png"));
        if update {
            std::fs::create_dir_all(golden_dir()).unwrap();
            mosaic.save(&path).unwrap();
            continue;
        }
        let reference = image::open(&path)
            .unwrap_or_else(|e| {
                panic!(
                    "{}: {e} (MANYWORLDS_UPDATE_GOLDEN=1 writes it)",
                    path.display()
                )
            })
            .to_rgba8();
        let d = mad(&mosaic, &reference);
        if d > 1.0 {
            let actual = golden_dir().join(format!("{name}_actual.png"));
            mosaic.save(&actual).unwrap();
            panic!(
                "{name}: mean absolute difference {d:.3} > 1.0; wrote {}",
                actual.display()
            );
        }
    }
}

/// Checks the view cameras against the pixels of `env` after its last render: every
/// pixel whose segmentation is one of `objects` (geom seg id, body, bounding radius in m)
/// unprojects (`ViewCamera::unproject` at the pixel centre, with its depth) to within that
/// radius of the body's position, and the body's position projects through K and
/// world_from_camera into the object's segmentation box whenever `project` says so.
/// Returns the number of object pixels checked.
fn check_view_cameras(env: &mut SceneEnv, objects: &[(u32, usize, f32, bool)]) -> usize {
    let cams = env.renderer().unwrap().view_cameras().unwrap();
    let st = env.get_state(Worlds::All).unwrap();
    let compiled = env.compiled().clone();
    let im = env.images().unwrap();
    assert_eq!(cams.len(), im.views().len());
    let mut checked = 0;
    for (v, info) in im.views().iter().enumerate() {
        let cam = &cams[v];
        assert_eq!((cam.width, cam.height), (info.width, info.height));
        let row = &st.state[info.world * st.state_dim..(info.world + 1) * st.state_dim];
        let poses = compiled.body_poses(row);
        let (depth, seg) = (im.depth(v).unwrap(), im.seg(v).unwrap());
        let w = info.width;
        for &(id, body, radius, project) in objects {
            let centre = poses[body].0;
            let mut bbox = [u32::MAX, u32::MAX, 0, 0];
            for (i, (&s, &d)) in seg.iter().zip(depth).enumerate() {
                if s != id {
                    continue;
                }
                let (u, vv) = (i as u32 % w, i as u32 / w);
                bbox = [
                    bbox[0].min(u),
                    bbox[1].min(vv),
                    bbox[2].max(u + 1),
                    bbox[3].max(vv + 1),
                ];
                let p = cam.unproject(u as f32 + 0.5, vv as f32 + 0.5, d);
                let dist = (p - centre).length();
                assert!(
                    dist <= radius + 1e-3,
                    "view {v} pixel ({u}, {vv}) of seg id {id}: depth {d} m unprojects to \
                     {p}, {dist} m from the body at {centre} (bounding radius {radius})"
                );
                checked += 1;
            }
            if project && bbox[2] > 0 {
                // camera_from_world = inverse of the rigid world_from_camera.
                let m = cam.world_from_camera;
                let t = Vec3::new(m[0][3], m[1][3], m[2][3]);
                let r = glam::Mat3::from_cols(
                    Vec3::new(m[0][0], m[1][0], m[2][0]),
                    Vec3::new(m[0][1], m[1][1], m[2][1]),
                    Vec3::new(m[0][2], m[1][2], m[2][2]),
                );
                let x = r.transpose() * (centre - t);
                assert!(x.z > 0.0, "view {v}: body {body} behind the camera: {x}");
                let k = cam.k;
                let u = k[0][0] * x.x / x.z + k[0][1] * x.y / x.z + k[0][2];
                let vv = k[1][1] * x.y / x.z + k[1][2];
                assert!(
                    (bbox[0] as f32..bbox[2] as f32).contains(&u)
                        && (bbox[1] as f32..bbox[3] as f32).contains(&vv),
                    "view {v}: body {body} at {centre} projects to ({u}, {vv}), outside its \
                     segmentation box {bbox:?}"
                );
            }
        }
    }
    checked
}

/// `ViewCamera` (K, world_from_camera in OpenCV axes) agrees with the depth and
/// segmentation it labels: on push-cube (tilted camera, randomized cube size, goal and
/// looks) every cube, pusher and goal pixel unprojects into the body's bounding sphere and
/// each body's centre projects into its segmentation box; on boxes (a camera looking down
/// diagonally, 8 boxes in the air) every box pixel unprojects into its box's sphere.
#[test]
fn view_cameras_unproject_depth_onto_the_labelled_bodies() {
    let rc = RenderConfig {
        segmentation: SegmentIds::Geom,
        ..RenderConfig::new(64, 48).outputs(Outputs::ALL)
    };
    let mut env = scene::make_registered(gpu(), "push-cube", &EnvConfig::new(6).render(rc))
        .unwrap()
        .unwrap();
    env.reset(11).unwrap();
    let params = env.randomized_params().unwrap().unwrap();
    // Geoms (seg id = geom + 1): table, pusher, cube, goal; bodies: pusher 1, cube 2, goal 3.
    let scale = (0..6)
        .map(|w| params.get(w, "geom.size_scale:cube").unwrap()[0])
        .fold(0.0f32, f32::max);
    let cube_r = 0.02 * scale * 3f32.sqrt();
    let goal_r = (0.05f32 * 0.05 + 0.001 * 0.001).sqrt();
    let n = check_view_cameras(
        &mut env,
        &[
            (2, 1, 0.02, true),
            (3, 2, cube_r, true),
            (4, 3, goal_r, true),
        ],
    );
    assert!(n > 6 * 50, "only {n} object pixels seen");

    let rc = RenderConfig {
        segmentation: SegmentIds::Geom,
        ..RenderConfig::new(64, 64).outputs(Outputs::ALL)
    };
    let mut env = scene::make_registered(gpu(), "boxes", &EnvConfig::new(3).render(rc))
        .unwrap()
        .unwrap();
    env.reset(5).unwrap();
    // Geom 0 is the floor; box i is geom i + 1 on body i + 1, half-size 0.1 m.
    let boxes: Vec<(u32, usize, f32, bool)> = (1..=8)
        .map(|b| (b as u32 + 1, b, 0.1 * 3f32.sqrt(), false))
        .collect();
    let n = check_view_cameras(&mut env, &boxes);
    assert!(n > 3 * 200, "only {n} box pixels seen");
}
