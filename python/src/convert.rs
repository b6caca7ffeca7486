//! Conversions between the engine's types and Python's: errors to exceptions, and the
//! `render=` dict to a [`RenderConfig`].

use manyworlds::render::{Outputs, RenderConfig, SegmentIds};
use manyworlds::Error;
use pyo3::exceptions::{PyFileNotFoundError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// An engine error as a Python exception with the same message: bad input is a
/// `ValueError` (a missing file a `FileNotFoundError`, itself an `OSError`); what goes wrong
/// on the device is a `RuntimeError`.
pub fn to_py_err(e: Error) -> PyErr {
    let msg = e.to_string();
    match e {
        Error::NoAdapter { .. }
        | Error::RequestDevice(_)
        | Error::Gpu(_)
        | Error::Shader { .. } => PyRuntimeError::new_err(msg),
        Error::Io { .. } => PyFileNotFoundError::new_err(msg),
        _ => PyValueError::new_err(msg),
    }
}

/// The keys `render=` takes, for the error message.
const RENDER_KEYS: &str = "width, height (pixels, default 64), cameras (list of MJCF camera \
    names, default all), outputs (list of rgb, depth, segmentation; default [rgb]), \
    segmentation (geom or body), near, far (m)";

/// Builds the render settings from `{"width": 64, "height": 64, "cameras": [...],
/// "outputs": ["rgb", "depth", "segmentation"], ...}`; unknown keys and bad values are a
/// `ValueError` naming the key, the value and what is allowed.
pub fn render_config(d: &Bound<'_, PyDict>) -> PyResult<RenderConfig> {
    let mut c = RenderConfig::default();
    for (k, v) in d.iter() {
        let key: String = k.extract()?;
        let bad = |allowed: &str| {
            PyValueError::new_err(format!("render[{key:?}] = {v}: allowed: {allowed}"))
        };
        match key.as_str() {
            "width" | "height" => {
                let px: u32 = v.extract().map_err(|_| bad("an integer 1..=8192"))?;
                if !(1..=8192).contains(&px) {
                    return Err(bad("an integer 1..=8192"));
                }
                if key == "width" {
                    c.width = px;
                } else {
                    c.height = px;
                }
            }
            "cameras" => {
                c.cameras = v.extract().map_err(|_| bad("a list of camera names"))?;
            }
            "outputs" => {
                let names: Vec<String> = v
                    .extract()
                    .map_err(|_| bad("a list of rgb, depth, segmentation"))?;
                let mut o = Outputs {
                    rgb: false,
                    depth: false,
                    seg: false,
                };
                for n in &names {
                    match n.as_str() {
                        "rgb" => o.rgb = true,
                        "depth" => o.depth = true,
                        "segmentation" | "seg" => o.seg = true,
                        _ => return Err(bad("a list of rgb, depth, segmentation")),
                    }
                }
                if !(o.rgb || o.depth || o.seg) {
                    return Err(bad("at least one of rgb, depth, segmentation"));
                }
                c.outputs = o;
            }
            "segmentation" => {
                let s: String = v.extract().map_err(|_| bad("geom or body"))?;
                c.segmentation = match s.as_str() {
                    "geom" => SegmentIds::Geom,
                    "body" => SegmentIds::Body,
                    _ => return Err(bad("geom or body")),
                };
            }
            "near" | "far" => {
                let m: f32 = v
                    .extract()
                    .map_err(|_| bad("a positive number of metres"))?;
                if !(m.is_finite() && m > 0.0) {
                    return Err(bad("a positive number of metres"));
                }
                if key == "near" {
                    c.near = m;
                } else {
                    c.far = m;
                }
            }
            _ => {
                return Err(PyValueError::new_err(format!(
                    "render: unknown key {key:?}; allowed: {RENDER_KEYS}"
                )))
            }
        }
    }
    Ok(c)
}
