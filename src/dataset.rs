//! The labelled synthetic dataset format that `manyworlds gen-data` writes: frame
//! numbering, file names, the per-frame label JSON ([`FrameLabel`]) and `manifest.json`
//! ([`Manifest`]).
//!
//! A dataset directory holds, for every frame k (zero-padded to 6 digits),
//! `frame_K_rgb.png` (8-bit RGB), `frame_K_depth.npy` (float32 metres) or
//! `frame_K_depth.png` (16-bit millimetres), `frame_K_seg.png` (16-bit ids, 0 =
//! background, id i = MJCF body i − 1) and `frame_K.json` (the labels, written last, so
//! that its presence marks a complete frame); and one `manifest.json` describing it all.
//!
//! With B worlds per batch and C cameras, frame `k = b·B·C + w·C + c` is world `w` of
//! batch `b` through camera `c`; every batch resets its worlds with
//! [`batch_seed`]`(seed, b)`. The JSON is what outside readers parse, so its bytes are
//! part of the format: labels are written in the field order below (the README's),
//! the manifest with sorted keys, and float32 values as the shortest decimal that reads
//! back as the same float32.

use crate::randomize::SampledParams;
use crate::render::ViewCamera;
use crate::Error;
use glam::{Quat, Vec3};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// SplitMix64's output for state `x`: a 64-bit hash that spreads nearby inputs apart.
pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The reset seed of batch `b` of a dataset drawn with `seed`:
/// `splitmix64(seed ⊕ splitmix64(b))`, so that a frame depends only on its index, the
/// seed and the settings (not on how many frames a run writes).
pub fn batch_seed(seed: u64, b: u64) -> u64 {
    splitmix64(seed ^ splitmix64(b))
}

/// How depth is stored.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DepthFormat {
    /// `frame_K_depth.npy`: float32 metres, H × W, 0 = background (exact).
    Npy,
    /// `frame_K_depth.png`: 16-bit millimetres, 0 = background, clamped at 65535 (65.5 m).
    Png16,
}

impl DepthFormat {
    /// The name in the manifest's settings: `npy` or `png16`.
    pub fn name(self) -> &'static str {
        match self {
            DepthFormat::Npy => "npy",
            DepthFormat::Png16 => "png16",
        }
    }

    /// The depth file's manifest entry.
    fn file_doc(self) -> FileDoc {
        match self {
            DepthFormat::Npy => FileDoc::new(
                "frame_{k:06}_depth.npy",
                "float32 little-endian NPY, shape (H, W), metres along the camera z axis \
                 (not along the ray); 0 = background or beyond far",
            ),
            DepthFormat::Png16 => FileDoc::new(
                "frame_{k:06}_depth.png",
                "16-bit greyscale PNG, millimetres along the camera z axis, rounded; 0 = \
                 background or beyond far; clamped at 65535",
            ),
        }
    }
}

/// The common stem of frame `k`'s files: `frame_{k:06}`.
pub fn frame_stem(k: u64) -> String {
    format!("frame_{k:06}")
}

/// Frame `k`'s files, in the order they are written: RGB, depth, segmentation, label.
pub fn frame_files(k: u64, depth: DepthFormat) -> [String; 4] {
    let s = frame_stem(k);
    [
        format!("{s}_rgb.png"),
        match depth {
            DepthFormat::Npy => format!("{s}_depth.npy"),
            DepthFormat::Png16 => format!("{s}_depth.png"),
        },
        format!("{s}_seg.png"),
        format!("{s}.json"),
    ]
}

/// A frame's camera (OpenCV axes: x right, y down, z forward; pixel centres at +0.5).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CameraLabel {
    /// The MJCF camera's name.
    pub name: String,
    /// Intrinsics, pixels, row-major: `[[fx, 0, cx], [0, fy, cy], [0, 0, 1]]`.
    #[serde(rename = "K")]
    pub k: [[f32; 3]; 3],
    /// Rigid transform from camera to world, row-major 4 × 4, metres.
    pub world_from_camera: [[f32; 4]; 4],
    /// Image width, pixels.
    pub width: u32,
    /// Image height, pixels.
    pub height: u32,
    /// Near clip distance, m.
    pub near: f32,
    /// Far clip distance, m (depth beyond it is background).
    pub far: f32,
}

impl CameraLabel {
    /// The label of camera `name` as the renderer placed it for one view.
    pub fn new(name: &str, c: &ViewCamera) -> CameraLabel {
        CameraLabel {
            name: name.to_string(),
            k: c.k,
            world_from_camera: c.world_from_camera,
            width: c.width,
            height: c.height,
            near: c.near,
            far: c.far,
        }
    }
}

/// A body with at least one pixel in the frame.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ObjectLabel {
    /// The MJCF body's name.
    pub name: String,
    /// Its id in the segmentation image (MJCF body index + 1).
    pub seg_id: u32,
    /// Its box in the segmentation, pixels: `[x0, y0, x1, y1]`, x0 and y0 inclusive, x1
    /// and y1 exclusive.
    pub bbox_xyxy: [u32; 4],
    /// Its pixel count.
    pub pixels: u32,
    /// The body frame's origin in world coordinates, m.
    pub pos: [f32; 3],
    /// Its orientation (world from body), `[w, x, y, z]`.
    pub quat: [f32; 4],
}

/// One frame's labels (`frame_K.json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FrameLabel {
    /// Frame index k.
    pub frame: u64,
    /// Batch b.
    pub batch: u64,
    /// World w within the batch.
    pub world: usize,
    /// View index within the batch (`w·C + c`).
    pub view: usize,
    /// The dataset's seed.
    pub seed: u64,
    /// The batch's reset seed ([`batch_seed`]).
    pub reset_seed: u64,
    /// The episode whose reset drew the world's parameters (null when nothing is
    /// randomized).
    pub episode: Option<u32>,
    /// Steps with zero actions between the reset and the render.
    pub settle_steps: u32,
    /// The frame's files ([`frame_files`]).
    pub files: [String; 4],
    /// The camera.
    pub camera: CameraLabel,
    /// The visible bodies, by seg id ([`visible_objects`]).
    pub objects: Vec<ObjectLabel>,
    /// The randomized values the world's reset drew, keyed `field:target`
    /// ([`params_json`]); `{}` when nothing is randomized.
    pub params: Value,
}

impl FrameLabel {
    /// The label file's bytes: compact JSON, keys in field order.
    pub fn to_json_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("labels serialise")
    }
}

/// The bodies visible in one view's segmentation `seg` (`width` pixels a row; id 0 is
/// background, id i is body `names[i - 1]` at pose `poses[i - 1]`), in seg-id order, with
/// boxes and pixel counts computed from the segmentation itself. Ids must fit the 16-bit
/// segmentation PNG and name a body; anything else is an error (a renderer bug).
pub fn visible_objects(
    seg: &[u32],
    width: u32,
    names: &[String],
    poses: &[(Vec3, Quat)],
) -> Result<Vec<ObjectLabel>, Error> {
    let bad_id = |id: u32, allowed: String| Error::InvalidArgument {
        field: "segmentation id".into(),
        value: id.to_string(),
        allowed,
    };
    let n_ids = names.len() + 1;
    let mut boxes = vec![[u32::MAX, u32::MAX, 0u32, 0u32]; n_ids];
    let mut counts = vec![0u32; n_ids];
    for (i, &id) in seg.iter().enumerate() {
        if id > u16::MAX as u32 {
            return Err(bad_id(id, "at most 65535 to fit a 16-bit PNG".into()));
        }
        let i = i as u32;
        let (x, y) = (i % width, i / width);
        let Some(bx) = boxes.get_mut(id as usize) else {
            return Err(bad_id(id, format!("below {n_ids} (renderer bug)")));
        };
        counts[id as usize] += 1;
        bx[0] = bx[0].min(x);
        bx[1] = bx[1].min(y);
        bx[2] = bx[2].max(x + 1);
        bx[3] = bx[3].max(y + 1);
    }
    Ok((1..n_ids)
        .filter(|&id| counts[id] > 0)
        .map(|id| {
            let (p, q) = poses[id - 1];
            ObjectLabel {
                name: names[id - 1].clone(),
                seg_id: id as u32,
                bbox_xyxy: boxes[id],
                pixels: counts[id],
                pos: p.to_array(),
                quat: [q.w, q.x, q.y, q.z],
            }
        })
        .collect())
}

/// World `w`'s randomized values as the label's `params` (an empty object without
/// `sampled`), every number the shortest decimal of its float32.
pub fn params_json(sampled: Option<&SampledParams>, w: usize) -> Value {
    shortest_f32(Value::Object(
        sampled.map(|p| p.to_json(w)).unwrap_or_default(),
    ))
}

/// `v` with every number printed as the shortest decimal that reads back as the same
/// float32 (the values are float32 on the GPU; `0.4589408`, not `0.45894080400466919`).
pub fn shortest_f32(v: Value) -> Value {
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(x) if n.is_f64() => format!("{}", x as f32)
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map_or(Value::Number(n), Value::Number),
            _ => Value::Number(n),
        },
        Value::Array(a) => Value::Array(a.into_iter().map(shortest_f32).collect()),
        Value::Object(m) => {
            Value::Object(m.into_iter().map(|(k, v)| (k, shortest_f32(v))).collect())
        }
        v => v,
    }
}

/// The settings a resumed run must share with the dataset (the manifest's `settings`).
#[derive(Serialize, Deserialize, Clone, PartialEq, Debug)]
pub struct Settings {
    /// The registered env, or null for a scene file.
    pub env: Option<String>,
    /// The MJCF scene file, or null for a registered env.
    pub scene: Option<String>,
    /// The dataset's seed.
    pub seed: u64,
    /// Image size, `[width, height]` pixels.
    pub size: [u32; 2],
    /// The cameras, in view order within a world.
    pub cameras: Vec<String>,
    /// Worlds per batch (part of the frame mapping).
    pub worlds_per_batch: usize,
    /// Steps with zero actions between each batch's reset and its render.
    pub settle_steps: u32,
    /// How depth is stored.
    pub depth_format: DepthFormat,
    /// What segmentation ids name (`body`).
    pub segmentation: String,
    /// Where the randomization spec came from.
    pub randomize_source: String,
    /// The spec itself (JSON), or null.
    pub randomize_spec: Value,
}

/// A file kind's entry in the manifest.
#[derive(Serialize, Deserialize, Clone, PartialEq, Debug)]
pub struct FileDoc {
    /// The name pattern (`{k:06}` is the frame index).
    pub name: String,
    /// What it holds.
    pub content: String,
}

impl FileDoc {
    fn new(name: &str, content: &str) -> FileDoc {
        FileDoc {
            name: name.into(),
            content: content.into(),
        }
    }
}

/// The manifest's `files`.
#[derive(Serialize, Deserialize, Clone, PartialEq, Debug)]
pub struct ManifestFiles {
    /// `frame_{k:06}_rgb.png`.
    pub rgb: FileDoc,
    /// The depth file of [`Settings::depth_format`].
    pub depth: FileDoc,
    /// `frame_{k:06}_seg.png`.
    pub seg: FileDoc,
    /// `frame_{k:06}.json`.
    pub labels: FileDoc,
    /// `manifest.json`.
    pub manifest: FileDoc,
}

/// The manifest's description of a label's parts.
#[derive(Serialize, Deserialize, Clone, PartialEq, Debug)]
pub struct LabelDocs {
    /// [`CameraLabel`].
    pub camera: String,
    /// [`ObjectLabel`].
    pub objects: String,
    /// [`FrameLabel::params`].
    pub params: String,
    /// The other fields of [`FrameLabel`].
    pub extras: String,
}

/// `manifest.json`: the format, its conventions and the settings of a dataset.
#[derive(Serialize, Deserialize, Clone, PartialEq, Debug)]
pub struct Manifest {
    /// `manyworlds gen-data`.
    pub format: String,
    /// 1.
    pub format_version: u32,
    /// The crate version that wrote it.
    pub crate_version: String,
    /// The command line that wrote it.
    pub command_line: Vec<String>,
    /// The GPU adapter that rendered it.
    pub adapter: String,
    /// Frames in the dataset (ids `0..count`).
    pub count: u64,
    /// The seed (as in the settings).
    pub seed: u64,
    /// Image size, `[width, height]` (as in the settings).
    pub size: [u32; 2],
    /// What a resumed run must match.
    pub settings: Settings,
    /// Frames per batch: worlds per batch × cameras.
    pub frames_per_batch: u64,
    /// How frame indices map to batches, worlds and cameras.
    pub frame_mapping: String,
    /// The files of a frame, and this one.
    pub files: ManifestFiles,
    /// Segmentation id (a decimal string) to body name; `"0"` is `background`.
    pub seg_ids: BTreeMap<String, String>,
    /// Units of every quantity.
    pub units: String,
    /// The camera axes and pixel convention.
    pub camera_convention: String,
    /// What a label holds.
    pub labels: LabelDocs,
    /// How to finish or extend the dataset.
    pub resume: String,
}

impl Manifest {
    /// The manifest of a dataset of `count` frames with `settings`, rendered on `adapter`
    /// with segmentation ids naming `seg_names` (id i is `seg_names[i - 1]`), written by
    /// `command_line`.
    pub fn new(
        settings: Settings,
        count: u64,
        adapter: &str,
        seg_names: &[String],
        frames_per_batch: u64,
        command_line: Vec<String>,
    ) -> Manifest {
        let seg_ids = std::iter::once(("0".to_string(), "background".to_string()))
            .chain(
                seg_names
                    .iter()
                    .enumerate()
                    .map(|(i, n)| ((i + 1).to_string(), n.clone())),
            )
            .collect();
        Manifest {
            format: "manyworlds gen-data".into(),
            format_version: 1,
            crate_version: env!("CARGO_PKG_VERSION").into(),
            command_line,
            adapter: adapter.into(),
            count,
            seed: settings.seed,
            size: settings.size,
            frames_per_batch,
            frame_mapping: format!(
                "B = settings.worlds_per_batch worlds, C = len(settings.cameras) cameras, \
                 {frames_per_batch} frames per batch: frame k = b*B*C + w*C + c is world w of \
                 batch b through camera c. Each batch resets all its worlds (episode 0, freshly \
                 randomized) with seed splitmix64(seed XOR splitmix64(b)) (the label's \
                 reset_seed), steps them settings.settle_steps times with zero actions, then \
                 renders. Frame k depends only on k, the seed and settings, not on count."
            ),
            files: ManifestFiles {
                rgb: FileDoc::new(
                    "frame_{k:06}_rgb.png",
                    "8-bit RGB PNG (linear colour as rendered, no gamma)",
                ),
                depth: settings.depth_format.file_doc(),
                seg: FileDoc::new(
                    "frame_{k:06}_seg.png",
                    "16-bit greyscale PNG of segmentation ids; 0 = background, id i names \
                     MJCF body i-1 (see seg_ids)",
                ),
                labels: FileDoc::new(
                    "frame_{k:06}.json",
                    "labels, written last: a frame is complete when its JSON exists",
                ),
                manifest: FileDoc::new("manifest.json", "this file"),
            },
            settings,
            seg_ids,
            units: "metres, radians, pixels; quaternions [w, x, y, z]".into(),
            camera_convention: CAMERA_CONVENTION.into(),
            labels: LabelDocs {
                camera: "{name, K (3x3 row-major, pixels), world_from_camera (4x4 row-major), \
                         width, height, near, far (m)}"
                    .into(),
                objects: OBJECTS_DOC.into(),
                params: "the randomized values the world's reset drew, keyed field:target \
                         (e.g. geom.friction:cube); {} when nothing is randomized"
                    .into(),
                extras: "frame, batch, world, view (index in the batch), seed, reset_seed, \
                         episode, settle_steps, files"
                    .into(),
            },
            resume: "rerun the same command with --resume (a larger --count extends the \
                     dataset); settings must match this manifest's settings"
                .into(),
        }
    }

    /// The manifest file's bytes: pretty-printed JSON with sorted keys.
    pub fn to_json_bytes(&self) -> Vec<u8> {
        // Through a `Value`, whose objects keep their keys sorted: the file's key order
        // does not depend on the order of the fields above.
        let v = serde_json::to_value(self).expect("the manifest serialises");
        serde_json::to_vec_pretty(&v).expect("the manifest serialises")
    }
}

/// The manifest's `camera_convention`.
const CAMERA_CONVENTION: &str = "OpenCV: camera x right, y down, z forward (viewing \
    direction); pixel (u, v) with u right, v down, pixel centres at +0.5 (the top-left \
    pixel's centre is (0.5, 0.5)). A camera-frame point X projects to [u, v, 1] ~ K X. \
    world_from_camera is a row-major 4x4 rigid transform (camera to world, metres): a depth \
    pixel d at (u, v) is world_from_camera . [d (u - cx) / fx, d (v - cy) / fy, d, 1].";

/// The manifest's description of [`ObjectLabel`].
const OBJECTS_DOC: &str = "one entry per body visible in the frame (bodies with no pixel \
    are left out), by seg_id: {name, seg_id, bbox_xyxy [x0, y0, x1, y1] in pixels with \
    x0/y0 inclusive and x1/y1 exclusive computed from the segmentation, pixels (count), pos \
    (m, world, body frame origin), quat [w, x, y, z] (world from body)}";

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn label() -> FrameLabel {
        FrameLabel {
            frame: 2,
            batch: 0,
            world: 2,
            view: 2,
            seed: 0,
            reset_seed: 12035550249420947055,
            episode: Some(0),
            settle_steps: 0,
            files: frame_files(2, DepthFormat::Npy),
            camera: CameraLabel {
                name: "top".into(),
                k: [
                    [77.25483, 0.0, 32.0],
                    [0.0, 77.25483, 32.0],
                    [0.0, 0.0, 1.0],
                ],
                world_from_camera: [
                    [1.0, 0.0, 0.0, 0.0],
                    [0.0, -0.7690393, 0.6392015, -0.5],
                    [0.0, -0.6392015, -0.7690393, 0.6],
                    [0.0, 0.0, 0.0, 1.0],
                ],
                width: 64,
                height: 64,
                near: 0.01,
                far: 50.0,
            },
            objects: vec![ObjectLabel {
                name: "cube".into(),
                seg_id: 3,
                bbox_xyxy: [30, 27, 34, 34],
                pixels: 28,
                pos: [0.0, 0.0, 0.02],
                quat: [1.0, 0.0, 0.0, 0.0],
            }],
            params: shortest_f32(json!({"geom.friction:cube": 0.32291484f32})),
        }
    }

    fn keys(v: &Value) -> Vec<&str> {
        v.as_object().unwrap().keys().map(String::as_str).collect()
    }

    /// The README's label keys, in the README's order, and back.
    #[test]
    fn labels_round_trip_with_the_documented_keys() {
        let l = label();
        let bytes = l.to_json_bytes();
        let text = std::str::from_utf8(&bytes).unwrap();
        assert!(
            text.starts_with(
                r#"{"frame":2,"batch":0,"world":2,"view":2,"seed":0,"reset_seed":12035550249420947055,"episode":0,"settle_steps":0,"files":["frame_000002_rgb.png","#
            ),
            "{text}"
        );
        // float32 numbers print as their shortest decimals.
        assert!(text.contains(r#""K":[[77.25483,0.0,32.0],"#), "{text}");
        assert!(text.contains(r#""params":{"geom.friction:cube":0.32291484}"#));
        // (A parsed `Value`'s keys come sorted.)
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(
            keys(&v).join(" "),
            "batch camera episode files frame objects params reset_seed seed settle_steps \
             view world"
        );
        assert_eq!(
            keys(&v["camera"]).join(" "),
            "K far height name near width world_from_camera"
        );
        assert_eq!(
            keys(&v["objects"][0]).join(" "),
            "bbox_xyxy name pixels pos quat seg_id"
        );
        let back: FrameLabel = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(back, l);
        assert_eq!(back.to_json_bytes(), bytes);
        // Nothing randomized: episode null, params {}.
        let none = FrameLabel {
            episode: None,
            params: params_json(None, 0),
            ..l
        };
        let text = String::from_utf8(none.to_json_bytes()).unwrap();
        assert!(text.contains(r#""episode":null"#) && text.ends_with(r#""params":{}}"#));
    }

    #[test]
    fn objects_come_from_the_segmentation() {
        // 4 x 3 pixels: body 1 (id 2) in an L, body 2 (id 3) not visible, body 0 (id 1)
        // in one pixel.
        #[rustfmt::skip]
        let seg = [
            0, 2, 0, 0,
            0, 2, 2, 0,
            1, 0, 0, 0,
        ];
        let names = ["floor".to_string(), "arm".into(), "ghost".into()];
        let q = Quat::from_rotation_z(0.5);
        let poses = [
            (Vec3::ZERO, Quat::IDENTITY),
            (Vec3::new(1.0, 2.0, 3.0), q),
            (Vec3::ONE, Quat::IDENTITY),
        ];
        let objects = visible_objects(&seg, 4, &names, &poses).unwrap();
        assert_eq!(objects.len(), 2);
        assert_eq!(
            (objects[0].seg_id, objects[0].bbox_xyxy, objects[0].pixels),
            (1, [0, 2, 1, 3], 1)
        );
        assert_eq!(objects[1].name, "arm");
        assert_eq!(
            (objects[1].seg_id, objects[1].bbox_xyxy, objects[1].pixels),
            (2, [1, 0, 3, 2], 3)
        );
        assert_eq!(objects[1].pos, [1.0, 2.0, 3.0]);
        assert_eq!(objects[1].quat, [q.w, q.x, q.y, q.z]);
        // An id past the bodies, or one a 16-bit PNG cannot hold, is an error.
        let e = visible_objects(&[4], 1, &names, &poses).unwrap_err();
        assert!(e.to_string().contains("renderer bug"), "{e}");
        let e = visible_objects(&[70_000], 1, &names, &poses).unwrap_err();
        assert!(e.to_string().contains("16-bit"), "{e}");
    }

    fn settings(depth_format: DepthFormat) -> Settings {
        Settings {
            env: Some("push-cube".into()),
            scene: None,
            seed: 7,
            size: [64, 48],
            cameras: vec!["top".into()],
            worlds_per_batch: 8,
            settle_steps: 0,
            depth_format,
            segmentation: "body".into(),
            randomize_source: "none".into(),
            randomize_spec: Value::Null,
        }
    }

    #[test]
    fn the_manifest_has_sorted_keys_and_round_trips() {
        let names: Vec<String> = (0..10).map(|i| format!("b{i}")).collect();
        let m = Manifest::new(
            settings(DepthFormat::Png16),
            24,
            "lavapipe",
            &names,
            8,
            vec!["manyworlds".into(), "gen-data".into()],
        );
        let bytes = m.to_json_bytes();
        let text = std::str::from_utf8(&bytes).unwrap();
        assert!(text.starts_with("{\n  \"adapter\": \"lavapipe\",\n  \"camera_convention\""));
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        let top = keys(&v);
        let mut sorted = top.clone();
        sorted.sort_unstable();
        assert_eq!(top, sorted);
        assert_eq!(v["seed"], 7);
        assert_eq!(v["size"], json!([64, 48]));
        assert_eq!(v["settings"]["depth_format"], "png16");
        assert_eq!(v["files"]["depth"]["name"], "frame_{k:06}_depth.png");
        assert_eq!(v["seg_ids"]["0"], "background");
        assert_eq!(v["seg_ids"]["10"], "b9");
        assert_eq!(v["format_version"], 1);
        let back: Manifest = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(back, m);
        let npy = Manifest::new(settings(DepthFormat::Npy), 1, "", &[], 8, vec![]);
        assert_eq!(npy.files.depth.name, "frame_{k:06}_depth.npy");
    }

    #[test]
    fn frames_and_seeds_follow_the_mapping() {
        // SplitMix64's well-known first output from state 0.
        assert_eq!(splitmix64(0), 0xe220_a839_7b1d_cdaf);
        assert_eq!(batch_seed(5, 3), splitmix64(5 ^ splitmix64(3)));
        assert_eq!(
            frame_files(12, DepthFormat::Png16),
            [
                "frame_000012_rgb.png",
                "frame_000012_depth.png",
                "frame_000012_seg.png",
                "frame_000012.json"
            ]
        );
        assert_eq!(
            frame_files(3, DepthFormat::Npy)[1],
            "frame_000003_depth.npy"
        );
        // Not 0.45894080400466919: the float32's own shortest decimal.
        let v = shortest_f32(json!([0.4589408f32, 3, {"a": 0.1f32}]));
        assert_eq!(v.to_string(), "[0.4589408,3,{\"a\":0.1}]");
    }
}
