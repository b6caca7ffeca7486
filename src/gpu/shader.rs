//! Shader composition: `shaders/*.wgsl` are loaded with `include_str!`, prefixed with a
//! constants prelude generated from Rust `const`s, and may pull in modules of
//! `shaders/shared/` with `#import shared/NAME` on a line of its own, and the scene
//! kernel's stages ([`SCENE_STAGES`], `shaders/scene/`) with `#import scene/NAME`.
//!
//! `#import` is the only directive: it pastes the named module once (later imports of the
//! same module are dropped), so shared structs and helpers have one definition. There is
//! no other text substitution; numbers come from the prelude, never from string replace.
//!
//! A kernel may also be specialized per pipeline with u32 constants of its own
//! ([`SPECIALIZATION`]): lengths of private arrays, which WGSL's `override` cannot give.
//! They are written into the prelude too; [`kernel_source`] uses their defaults.

use crate::layout::{WgslValue, WGSL_CONSTANTS};
use crate::Error;

/// The shared modules `#import` can name, embedded at build time.
pub const SHARED: &[(&str, &str)] = &[
    (
        "shared/env_io",
        include_str!("../../shaders/shared/env_io.wgsl"),
    ),
    ("shared/rng", include_str!("../../shaders/shared/rng.wgsl")),
    (
        "shared/math",
        include_str!("../../shaders/shared/math.wgsl"),
    ),
    (
        "shared/quat",
        include_str!("../../shaders/shared/quat.wgsl"),
    ),
    (
        "shared/render_io",
        include_str!("../../shaders/shared/render_io.wgsl"),
    ),
    (
        "shared/randomize",
        include_str!("../../shaders/shared/randomize.wgsl"),
    ),
];

/// The stages of the scene kernel (`shaders/scene/`), in step order. Each is imported by
/// `shaders/scene.wgsl`, whose bindings it uses (so, unlike [`SHARED`], a stage does not
/// validate on its own), and each has a CPU twin of the same name in `src/sim/cpu/`
/// (`randomize`'s is `src/randomize/sample.rs`).
pub const SCENE_STAGES: &[(&str, &str)] = &[
    (
        "scene/access",
        include_str!("../../shaders/scene/access.wgsl"),
    ),
    (
        "scene/constraints",
        include_str!("../../shaders/scene/constraints.wgsl"),
    ),
    (
        "scene/joints",
        include_str!("../../shaders/scene/joints.wgsl"),
    ),
    (
        "scene/contacts",
        include_str!("../../shaders/scene/contacts.wgsl"),
    ),
    (
        "scene/collision",
        include_str!("../../shaders/scene/collision.wgsl"),
    ),
    (
        "scene/fluid",
        include_str!("../../shaders/scene/fluid.wgsl"),
    ),
    ("scene/step", include_str!("../../shaders/scene/step.wgsl")),
    ("scene/task", include_str!("../../shaders/scene/task.wgsl")),
    ("scene/gym", include_str!("../../shaders/scene/gym.wgsl")),
    (
        "scene/randomize",
        include_str!("../../shaders/scene/randomize.wgsl"),
    ),
];

/// Every top-level shader of the crate, for validation in tests.
pub const KERNELS: &[(&str, &str)] = &[
    ("cartpole", include_str!("../../shaders/cartpole.wgsl")),
    ("scene", include_str!("../../shaders/scene.wgsl")),
    ("render", include_str!("../../shaders/render.wgsl")),
    (
        "render_prepare",
        include_str!("../../shaders/render_prepare.wgsl"),
    ),
    (
        "render_resolve",
        include_str!("../../shaders/render_resolve.wgsl"),
    ),
    (
        "render_depth",
        include_str!("../../shaders/render_depth.wgsl"),
    ),
    (
        "randomize_looks",
        include_str!("../../shaders/randomize_looks.wgsl"),
    ),
    (
        "randomize_noise",
        include_str!("../../shaders/randomize_noise.wgsl"),
    ),
];

/// Each kernel's specialization constants with their defaults (which every kernel must
/// validate with; tests compose each kernel with them).
pub const SPECIALIZATION: &[(&str, &[(&str, u32)])] = &[
    ("cartpole", &[]),
    ("scene", crate::layout::physics::SCENE_SPECIALIZATION),
    ("render", &[]),
    ("render_prepare", &[]),
    ("render_resolve", &[]),
    ("render_depth", &[]),
    ("randomize_looks", &[]),
    ("randomize_noise", &[]),
];

/// The generated WGSL prelude: one `const` per entry of [`WGSL_CONSTANTS`].
pub fn prelude() -> String {
    let mut s =
        String::from("// Generated from Rust constants by manyworlds::gpu::shader::prelude.\n");
    for (name, value) in WGSL_CONSTANTS
        .iter()
        .chain(crate::layout::physics::CONSTANTS)
        .chain(crate::layout::render::CONSTANTS)
        .chain(crate::layout::randomize::CONSTANTS)
    {
        match value {
            WgslValue::U32(v) => s += &format!("const {name}: u32 = {v}u;\n"),
            WgslValue::F32(v) => s += &format!("const {name}: f32 = {v:?};\n"),
        }
    }
    s
}

/// Composes the shader `name` with body `text`: prelude, then imports, then the body.
pub fn compose(name: &str, text: &str) -> Result<String, Error> {
    compose_with_header(name, text, "")
}

/// [`compose`], with `header` (constants of the kernel's own) between the prelude and the
/// body, so line numbers in messages about the body stay the body's.
///
/// WGSL wants `enable` directives before every declaration, so the body's `enable` lines
/// go first, ahead of the prelude (and are blanked in the body, keeping its line count).
fn compose_with_header(name: &str, text: &str, header: &str) -> Result<String, Error> {
    let mut out = String::new();
    for line in text.lines() {
        if line.trim_start().starts_with("enable ") {
            out += line.trim();
            out.push('\n');
        }
    }
    out += &prelude();
    out += header;
    let mut seen = Vec::new();
    append(name, text, &mut out, &mut seen, 0)?;
    Ok(out)
}

fn append(
    name: &str,
    text: &str,
    out: &mut String,
    seen: &mut Vec<String>,
    depth: usize,
) -> Result<(), Error> {
    if depth > 8 {
        return Err(Error::Shader {
            shader: name.to_string(),
            message: "#import nesting deeper than 8 (a cycle?)".into(),
        });
    }
    out.push_str(&format!("// ---- {name}\n"));
    for (i, line) in text.lines().enumerate() {
        if let Some(rest) = line.trim_start().strip_prefix("#import") {
            let module = rest.trim();
            let modules = || SHARED.iter().chain(SCENE_STAGES);
            let Some((_, body)) = modules().find(|(n, _)| *n == module) else {
                return Err(Error::Shader {
                    shader: name.to_string(),
                    message: format!(
                        "line {}: #import of unknown module `{module}`; known: {}",
                        i + 1,
                        modules().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                    ),
                });
            };
            if !seen.iter().any(|s| s == module) {
                seen.push(module.to_string());
                append(module, body, out, seen, depth + 1)?;
                out.push_str(&format!("// ---- {name} (continued)\n"));
            }
        } else if line.trim_start().starts_with("enable ") {
            out.push_str("// (enable directive moved to the top)\n");
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    Ok(())
}

/// Parses and validates composed WGSL with naga, returning the module.
pub fn validate(name: &str, source: &str) -> Result<naga::Module, Error> {
    let module = naga::front::wgsl::parse_str(source).map_err(|e| Error::Shader {
        shader: name.to_string(),
        message: e.emit_to_string(source),
    })?;
    naga::valid::Validator::new(
        naga::valid::ValidationFlags::all(),
        // Clip distances crop each view to its atlas tile (the device requests
        // `Features::CLIP_DISTANCES`; a device without it is refused by the renderer).
        naga::valid::Capabilities::CLIP_DISTANCES,
    )
    .validate(&module)
    .map_err(|e| Error::Shader {
        shader: name.to_string(),
        message: e.emit_to_string(source),
    })?;
    Ok(module)
}

/// Composes a top-level shader from [`KERNELS`] by name, with its default
/// specialization.
///
/// # Panics
/// If `name` is not in [`KERNELS`]: a programmer bug.
pub fn kernel_source(name: &str) -> Result<String, Error> {
    kernel_source_with(name, &[])
}

/// Composes a top-level shader from [`KERNELS`] by name, with `values` in place of the
/// defaults of its [`SPECIALIZATION`] constants.
///
/// # Panics
/// If `name` is not in [`KERNELS`], or a value names no specialization constant of that
/// kernel: programmer bugs.
pub fn kernel_source_with(name: &str, values: &[(&str, u32)]) -> Result<String, Error> {
    let (_, text) = KERNELS
        .iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("no kernel named {name}"));
    let defaults = SPECIALIZATION
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, d)| *d)
        .unwrap_or_else(|| panic!("no specialization entry for kernel {name}"));
    for (v, _) in values {
        assert!(
            defaults.iter().any(|(d, _)| d == v),
            "kernel {name} has no specialization constant {v}"
        );
    }
    let mut header = format!("// Specialization of {name}.\n");
    for (c, default) in defaults {
        let v = values
            .iter()
            .find(|(n, _)| n == c)
            .map_or(*default, |(_, v)| *v);
        header += &format!("const {c}: u32 = {v}u;\n");
    }
    compose_with_header(name, text, &header)
}
