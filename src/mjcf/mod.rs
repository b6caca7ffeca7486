//! MJCF loading: MuJoCo's XML scene format into a [`Model`].
//!
//! Supported: `<compiler angle inertiafromgeom coordinate="local" eulerseq settotalmass>`,
//! `<option timestep gravity integrator density viscosity wind>`, nested `<default>` classes with
//! inheritance, `class` and `childclass`, the body tree with `pos` and every orientation form
//! (`quat`, `axisangle`, `euler`, `xyaxes`, `zaxis`), `<inertial>`, `<geom>` (plane, sphere,
//! capsule, cylinder, box, ellipsoid; `size`, `fromto`, `mass`, `density`, `friction`, `rgba`,
//! `contype`, `conaffinity`, `condim`, `margin`, `gap`, `material`), `<joint>` and
//! `<freejoint>`, `<site>`, `<camera>`, `<light>`, `<texture builtin>`, `<material>`,
//! `<motor>` and `<position>` actuators on joints, `<contact><exclude body1 body2>`,
//! `<keyframe><key qpos qvel ctrl>`, and `<include file>` of local files.
//!
//! Contacts follow MuJoCo 4's pair rules: a geom pair collides when `contype` of one
//! matches `conaffinity` of the other, unless both belong to one welded body, one's body
//! is welded to the other's joint parent (`filterparent`; never against the world), or an
//! `<exclude>` names their two bodies. The pair's `condim` is the larger of the two (1:
//! frictionless; 3: sliding friction; 4 and 6 are solved as 3, with a warning, because
//! torsional and rolling friction are not modelled), its friction the larger, its
//! `margin` and `gap` the sums. Contacts are hard: they hold the surfaces exactly `margin`
//! apart, where MuJoCo's soft contacts settle a little inside it (a 1 kg sphere 0.37 mm
//! with the default `solref`/`solimp`, which are not modelled). The `gap` only widens the
//! search (MuJoCo lists contacts up to margin + gap and leaves those beyond the margin
//! inactive). Geom `priority`, `solmix`, `solref` and `solimp` are not modelled.
//!
//! Sections are read in MuJoCo's order (compiler, option, default, asset, worldbody,
//! actuator, keyframe) whatever their order in the file. Attributes we do not model give one
//! warning each, listed once with a count. Elements that would change the dynamics and that
//! we cannot honour (tendons that act, equality constraints, explicit contact `<pair>`s,
//! other actuator types, meshes, plugins) are errors naming the element and its line, unless
//! [`LoadOptions::lenient`] is set, when they become warnings. Malformed input is an error
//! naming the file, line and attribute.

mod actuators;
mod assets;
mod attrs;
mod bodies;
mod cameras;
mod compiler;
mod contact;
mod defaults;
mod finish;
mod geoms;
mod joints;
mod keyframes;
mod lights;
mod options;
mod orientation;
mod sources;
mod tendon;

use crate::sim::model::*;
use crate::Error;
use compiler::Compiler;
use defaults::DefaultClass;
use sources::gather;
use std::path::Path;

/// How to load.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoadOptions {
    /// Downgrade "element changes the dynamics and is not supported" errors to warnings.
    pub lenient: bool,
}

/// A loaded scene and what the loader had to say about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    /// The scene.
    pub model: Model,
    /// One line per ignored attribute or element kind, with where it first appeared.
    pub warnings: Vec<String>,
}

/// Loads an MJCF file; `<include>` paths are relative to the including file.
pub fn load_file(path: &Path, options: &LoadOptions) -> Result<Loaded, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    load(&path.display().to_string(), &dir, text, options)
}

/// Loads MJCF from a string. `label` names it in messages; includes resolve against `dir`.
pub fn load_str(
    label: &str,
    dir: &Path,
    xml: &str,
    options: &LoadOptions,
) -> Result<Loaded, Error> {
    load(label, dir, xml.to_string(), options)
}

fn load(label: &str, dir: &Path, text: String, options: &LoadOptions) -> Result<Loaded, Error> {
    let mut sources = Vec::new();
    gather(label, dir, text, &mut sources, &mut Vec::new())?;
    let docs: Vec<roxmltree::Document> = sources
        .iter()
        .map(|s| roxmltree::Document::parse(&s.text).expect("parsed once already"))
        .collect();
    let root = docs[0].root_element();
    let mut c = Compiler {
        sources: &sources,
        docs: &docs,
        options: options.clone(),
        // MJCF's defaults: angles in degrees, intrinsic x-y-z Euler angles.
        degrees: true,
        eulerseq: b"xyz".to_vec(),
        ..Compiler::default()
    };
    if root.tag_name().name() != "mujoco" {
        return Err(c.err(
            root,
            "mujoco",
            format!(
                "the root element is <{}>; MJCF files start with <mujoco>",
                root.tag_name().name()
            ),
        ));
    }
    c.model.name = root.attribute("model").unwrap_or("").to_string();
    c.model.bodies.push(Body::world());
    // Sections in MuJoCo's order, whatever their order in the file.
    let sections = c.children(root);
    let of = |tag: &'static str| {
        sections
            .iter()
            .filter(move |n| n.tag_name().name() == tag)
            .copied()
    };
    for n in of("compiler").collect::<Vec<_>>() {
        c.compiler(n)?;
    }
    for n in of("option").collect::<Vec<_>>() {
        c.option(n)?;
    }
    c.defaults.insert("main".into(), DefaultClass::default());
    for n in of("default").collect::<Vec<_>>() {
        c.default_class(n, "main", true)?;
    }
    for n in of("asset").collect::<Vec<_>>() {
        c.asset(n)?;
    }
    for n in of("worldbody").collect::<Vec<_>>() {
        c.body_children(n, 0, None)?;
    }
    for n in of("actuator").collect::<Vec<_>>() {
        c.actuators(n)?;
    }
    for n in of("keyframe").collect::<Vec<_>>() {
        c.keyframes(n)?;
    }
    for n in &sections {
        match n.tag_name().name() {
            "compiler" | "option" | "default" | "asset" | "worldbody" | "actuator" | "keyframe" => {
            }
            "size" | "visual" | "statistic" | "custom" | "sensor" | "extension" => {
                if !(n.tag_name().name() == "extension" && n.has_children()) {
                    c.warn_element(*n, "has no effect on the simulation here and is ignored");
                } else {
                    c.unsupported(*n)?;
                }
            }
            "contact" => c.contact(*n)?,
            "tendon" => c.tendons(*n)?,
            "equality" | "deformable" => {
                if c.children(*n).is_empty() {
                    continue;
                }
                c.unsupported(*n)?;
            }
            other => {
                return Err(c.err(*n, other, format!("unknown element <{other}> in <mujoco>")));
            }
        }
    }
    c.finish()?;
    let warnings = c
        .warnings
        .iter()
        .map(|(what, (first, count))| match count {
            1 => format!("{first}: {what}"),
            n => format!("{first}: {what} ({n} times)"),
        })
        .collect();
    Ok(Loaded {
        model: c.model,
        warnings,
    })
}
