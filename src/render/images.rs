//! Image views: where each view's pixels lie in the packed outputs ([`ViewInfo`]), one
//! frame's images borrowed from readback memory ([`Images`]) with per-view accessors, and
//! the GPU output buffers for embedders ([`ImageBuffers`]).

use super::config::Outputs;

/// One rendered view, as the outputs lay it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewInfo {
    /// World index.
    pub world: usize,
    /// Camera index (into the selected cameras).
    pub camera: usize,
    /// Camera name.
    pub camera_name: String,
    /// Width, pixels.
    pub width: u32,
    /// Height, pixels.
    pub height: u32,
    /// First pixel of the view in the packed outputs.
    pub offset: usize,
}

impl ViewInfo {
    /// Pixels in the view.
    pub fn pixels(&self) -> usize {
        (self.width * self.height) as usize
    }
}

/// One frame's images, borrowed from mapped readback memory.
#[derive(Debug, Clone, Copy)]
pub struct Images<'a> {
    pub(super) views: &'a [ViewInfo],
    pub(super) rgb: Option<&'a [u8]>,
    pub(super) depth: Option<&'a [f32]>,
    pub(super) seg: Option<&'a [u32]>,
}

impl<'a> Images<'a> {
    /// The images in `bytes`: `pixels` values of each requested output, back to back
    /// (RGB, then depth, then segmentation), as `BatchRenderer::copy_out` lays them out.
    ///
    /// # Panics
    /// If `bytes` is too short or misaligned: a programmer bug.
    pub(super) fn from_bytes(
        views: &'a [ViewInfo],
        outputs: Outputs,
        pixels: usize,
        bytes: &'a [u8],
    ) -> Images<'a> {
        let n = 4 * pixels;
        let mut at = 0;
        let mut take = |on: bool| {
            on.then(|| {
                let s = &bytes[at..at + n];
                at += n;
                s
            })
        };
        let rgb = take(outputs.rgb);
        let depth = take(outputs.depth).map(bytemuck::cast_slice);
        let seg = take(outputs.seg).map(bytemuck::cast_slice);
        Images {
            views,
            rgb,
            depth,
            seg,
        }
    }

    /// The views, in output order.
    pub fn views(&self) -> &'a [ViewInfo] {
        self.views
    }

    /// The index of the view of `world` through camera `camera`, if rendered.
    pub fn find(&self, world: usize, camera: usize) -> Option<usize> {
        self.views
            .iter()
            .position(|v| v.world == world && v.camera == camera)
    }

    /// All RGB bytes, `[views, H, W, 4]`.
    pub fn rgb_all(&self) -> Option<&'a [u8]> {
        self.rgb
    }

    /// All depths, `[views, H, W]`.
    pub fn depth_all(&self) -> Option<&'a [f32]> {
        self.depth
    }

    /// All segmentation ids, `[views, H, W]`.
    pub fn seg_all(&self) -> Option<&'a [u32]> {
        self.seg
    }

    /// RGBA bytes of view `v`, `[H, W, 4]`.
    pub fn rgb(&self, v: usize) -> Option<&'a [u8]> {
        let i = &self.views[v];
        self.rgb
            .map(|b| &b[4 * i.offset..4 * (i.offset + i.pixels())])
    }

    /// Depth of view `v`, `[H, W]`, metres.
    pub fn depth(&self, v: usize) -> Option<&'a [f32]> {
        let i = &self.views[v];
        self.depth.map(|b| &b[i.offset..i.offset + i.pixels()])
    }

    /// Segmentation ids of view `v`, `[H, W]`.
    pub fn seg(&self, v: usize) -> Option<&'a [u32]> {
        let i = &self.views[v];
        self.seg.map(|b| &b[i.offset..i.offset + i.pixels()])
    }

    /// View `v` as an image.
    pub fn rgba_image(&self, v: usize) -> Option<image::RgbaImage> {
        let i = &self.views[v];
        image::RgbaImage::from_raw(i.width, i.height, self.rgb(v)?.to_vec())
    }
}

/// The renderer's GPU output buffers, for embedders who keep images on the GPU. Layouts
/// as in the [module docs](super); each is `None` when not requested.
#[derive(Debug, Clone, Copy)]
pub struct ImageBuffers<'a> {
    /// `u32` per pixel (bytes R G B A).
    pub rgb: Option<&'a wgpu::Buffer>,
    /// `f32` per pixel, metres.
    pub depth: Option<&'a wgpu::Buffer>,
    /// `u32` per pixel.
    pub seg: Option<&'a wgpu::Buffer>,
}
