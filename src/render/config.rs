//! How to render an env's worlds: the outputs, the worlds, the MJCF and extra cameras and
//! the shared or per-world looks ([`RenderConfig`] and the types it holds), and the checks
//! that the adapter can render what a config asks for.

use super::camera::{CameraSpec, DEFAULT_FAR, DEFAULT_NEAR};
use crate::gpu::Gpu;
use crate::layout::render::{OUT_DEPTH, OUT_RGB, OUT_SEG};
use crate::Error;

/// Which outputs to compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outputs {
    /// RGBA8 colour.
    pub rgb: bool,
    /// Linear depth, f32 metres.
    pub depth: bool,
    /// Segmentation ids, u32.
    pub seg: bool,
}

impl Outputs {
    /// Colour only.
    pub const RGB: Outputs = Outputs {
        rgb: true,
        depth: false,
        seg: false,
    };
    /// Colour and depth.
    pub const RGBD: Outputs = Outputs {
        rgb: true,
        depth: true,
        seg: false,
    };
    /// Everything.
    pub const ALL: Outputs = Outputs {
        rgb: true,
        depth: true,
        seg: true,
    };

    /// The outputs as the shaders' `OUT_*` bit set.
    pub(super) fn bits(self) -> u32 {
        (if self.rgb { OUT_RGB } else { 0 })
            | (if self.depth { OUT_DEPTH } else { 0 })
            | (if self.seg { OUT_SEG } else { 0 })
    }

    /// Names of the requested outputs, e.g. `["rgb", "depth"]`.
    pub fn names(self) -> Vec<&'static str> {
        [(self.rgb, "rgb"), (self.depth, "depth"), (self.seg, "seg")]
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, n)| *n)
            .collect()
    }
}

/// What a segmentation id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SegmentIds {
    /// Geom index + 1 (the default: finest).
    #[default]
    Geom,
    /// MJCF body index + 1.
    Body,
}

/// Which look tables get one copy per world (for randomization). Default: all shared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VisualPerWorld {
    /// Geom colours.
    pub colors: bool,
    /// Cameras (pose and intrinsics).
    pub cameras: bool,
    /// Lights.
    pub lights: bool,
}

/// How to render an env's worlds.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderConfig {
    /// Image width of MJCF cameras, pixels. Default 64.
    pub width: u32,
    /// Image height of MJCF cameras, pixels. Default 64.
    pub height: u32,
    /// MJCF cameras to render, by name (`camera{i}` for unnamed ones); empty: all of them.
    pub cameras: Vec<String>,
    /// Leave MJCF cameras out entirely (only [`RenderConfig::extra_cameras`]).
    pub no_mjcf_cameras: bool,
    /// Cameras added through the API, each with its own size. They follow the MJCF ones.
    pub extra_cameras: Vec<CameraSpec>,
    /// Near plane of MJCF cameras, m. Default [`DEFAULT_NEAR`].
    pub near: f32,
    /// Far plane of MJCF cameras, m. Default [`DEFAULT_FAR`].
    pub far: f32,
    /// Outputs to compute. Default RGB only.
    pub outputs: Outputs,
    /// What segmentation ids name.
    pub segmentation: SegmentIds,
    /// Worlds to render, in output order (a list; [`RenderConfig::world_mask`] makes one
    /// from a mask); `None`: all. Only these cost anything.
    pub worlds: Option<Vec<usize>>,
    /// Background colour, linear RGB. Default black.
    pub background: [f32; 3],
    /// Headlight ambient and diffuse intensity. Default (0.1, 0.4), MuJoCo's.
    pub headlight: [f32; 2],
    /// Look tables with one copy per world.
    pub per_world: VisualPerWorld,
}

impl Default for RenderConfig {
    fn default() -> Self {
        RenderConfig {
            width: 64,
            height: 64,
            cameras: Vec::new(),
            no_mjcf_cameras: false,
            extra_cameras: Vec::new(),
            near: DEFAULT_NEAR,
            far: DEFAULT_FAR,
            outputs: Outputs::RGB,
            segmentation: SegmentIds::Geom,
            worlds: None,
            background: [0.0; 3],
            headlight: [0.1, 0.4],
            per_world: VisualPerWorld::default(),
        }
    }
}

impl RenderConfig {
    /// All MJCF cameras at `width` × `height`, RGB only.
    pub fn new(width: u32, height: u32) -> RenderConfig {
        RenderConfig {
            width,
            height,
            ..Default::default()
        }
    }

    /// Sets the outputs.
    pub fn outputs(mut self, outputs: Outputs) -> RenderConfig {
        self.outputs = outputs;
        self
    }

    /// Renders only the worlds whose entry of `mask` is true, in index order (a mask
    /// shorter than the batch leaves the rest out).
    pub fn world_mask(mut self, mask: &[bool]) -> RenderConfig {
        self.worlds = Some(
            mask.iter()
                .enumerate()
                .filter(|(_, on)| **on)
                .map(|(i, _)| i)
                .collect(),
        );
        self
    }

    /// The rendered worlds of a batch of `num_worlds`, in output order: all of them, or
    /// [`RenderConfig::worlds`] once checked to be distinct, in range and not empty.
    pub(super) fn rendered_worlds(&self, num_worlds: usize) -> Result<Vec<usize>, Error> {
        let worlds: Vec<usize> = match &self.worlds {
            None => (0..num_worlds).collect(),
            Some(w) => {
                let mut seen = vec![false; num_worlds];
                for (i, &x) in w.iter().enumerate() {
                    if x >= num_worlds || std::mem::replace(&mut seen[x], true) {
                        return Err(Error::InvalidArgument {
                            field: format!("render worlds[{i}]"),
                            value: x.to_string(),
                            allowed: format!("distinct world indices below {num_worlds}"),
                        });
                    }
                }
                w.clone()
            }
        };
        if worlds.is_empty() {
            return Err(Error::InvalidArgument {
                field: "render worlds".into(),
                value: "[]".into(),
                allowed: "at least one world".into(),
            });
        }
        Ok(worlds)
    }
}

/// Checks that `outputs` asks for something and that `gpu` can render it: clip distances
/// (which crop views to their atlas tiles) always, depth buffer copies for depth.
pub(super) fn check_outputs(gpu: &Gpu, outputs: Outputs) -> Result<(), Error> {
    if !gpu.features().contains(wgpu::Features::CLIP_DISTANCES) {
        return Err(Error::InvalidArgument {
            field: "adapter".into(),
            value: gpu.adapter().to_string(),
            allowed: "an adapter with clip distances (Vulkan, Metal, DX12 or GL), which \
                      the batch renderer needs to crop views to their atlas tiles"
                .into(),
        });
    }
    let o = outputs;
    if !(o.rgb || o.depth || o.seg) {
        return Err(Error::InvalidArgument {
            field: "outputs".into(),
            value: "none".into(),
            allowed: "at least one of rgb, depth, seg".into(),
        });
    }
    if o.depth
        && !gpu
            .downlevel()
            .contains(wgpu::DownlevelFlags::DEPTH_TEXTURE_AND_BUFFER_COPIES)
    {
        return Err(Error::InvalidArgument {
            field: "outputs.depth".into(),
            value: gpu.adapter().to_string(),
            allowed: "rgb and seg on this adapter: depth is read by copying the depth \
                      buffer, which it cannot do (wgpu's GL backend); use Vulkan, Metal \
                      or DX12 for depth"
                .into(),
        });
    }
    Ok(())
}
