//! MJCF loading: MuJoCo's XML scene format into a [`Model`].
//!
//! Supported: `<compiler angle inertiafromgeom coordinate="local" eulerseq settotalmass>`,
//! `<option timestep gravity integrator density viscosity>`, nested `<default>` classes with
//! inheritance, `class` and `childclass`, the body tree with `pos` and every orientation form
//! (`quat`, `axisangle`, `euler`, `xyaxes`, `zaxis`), `<inertial>`, `<geom>` (plane, sphere,
//! capsule, cylinder, box, ellipsoid; `size`, `fromto`, `mass`, `density`, `friction`, `rgba`,
//! `contype`, `conaffinity`, `condim`, `material`), `<joint>` and `<freejoint>`, `<site>`,
//! `<camera>`, `<light>`, `<texture builtin>`, `<material>`, `<motor>` and `<position>`
//! actuators on joints, `<keyframe><key qpos qvel ctrl>`, and `<include file>` of local files.
//!
//! Sections are read in MuJoCo's order (compiler, option, default, asset, worldbody,
//! actuator, keyframe) whatever their order in the file. Attributes we do not model give one
//! warning each, listed once with a count. Elements that would change the dynamics and that
//! we cannot honour (tendons, equality constraints, explicit contact pairs and exclusions,
//! other actuator types, meshes, plugins) are errors naming the element and its line, unless
//! [`LoadOptions::lenient`] is set, when they become warnings. Malformed input is an error
//! naming the file, line and attribute.

use crate::sim::inertia::{self, Part};
use crate::sim::model::*;
use crate::Error;
use glam::{DVec3, Mat3, Quat, Vec3, Vec4};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

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

/// One XML source: the main file or an included one.
struct Source {
    label: String,
    dir: PathBuf,
    text: String,
}

fn input_error(
    file: &str,
    line: Option<usize>,
    field: impl Into<String>,
    message: impl Into<String>,
) -> Error {
    Error::Input {
        file: file.to_string(),
        line,
        field: field.into(),
        message: message.into(),
    }
}

/// Reads the main source and, recursively, every file it includes.
fn gather(
    label: &str,
    dir: &Path,
    text: String,
    sources: &mut Vec<Source>,
    stack: &mut Vec<String>,
) -> Result<usize, Error> {
    if let Some(i) = sources.iter().position(|s| s.label == label) {
        return Ok(i);
    }
    let includes: Vec<(String, usize)> = {
        let doc = roxmltree::Document::parse(&text).map_err(|e| {
            let pos = e.pos();
            input_error(
                label,
                Some(pos.row as usize),
                format!("column {}", pos.col),
                e.to_string(),
            )
        })?;
        doc.descendants()
            .filter(|n| n.has_tag_name("include"))
            .map(|n| {
                let line = doc.text_pos_at(n.range().start).row as usize;
                n.attribute("file")
                    .map(|f| (f.to_string(), line))
                    .ok_or_else(|| input_error(label, Some(line), "include.file", "is missing"))
            })
            .collect::<Result<_, _>>()?
    };
    let index = sources.len();
    sources.push(Source {
        label: label.to_string(),
        dir: dir.to_path_buf(),
        text,
    });
    stack.push(label.to_string());
    for (file, line) in includes {
        let path = dir.join(&file);
        let child_label = path.display().to_string();
        if stack.contains(&child_label) {
            return Err(input_error(
                label,
                Some(line),
                "include.file",
                format!("{file:?} includes itself (a cycle)"),
            ));
        }
        let text = std::fs::read_to_string(&path).map_err(|e| {
            input_error(
                label,
                Some(line),
                "include.file",
                format!("{file:?} cannot be read ({e}); includes must be local files"),
            )
        })?;
        let child_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        gather(&child_label, &child_dir, text, sources, stack)?;
    }
    stack.pop();
    Ok(index)
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
            "contact" | "equality" | "tendon" | "deformable" => {
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

/// The minimal rotation taking +z to the direction of `v`; a half turn about x when `v`
/// points down, as MuJoCo chooses, so frames match MuJoCo's exactly.
fn z_to(v: Vec3) -> Quat {
    let v = v.normalize();
    let axis = Vec3::Z.cross(v);
    let s = axis.length();
    if s < 1e-7 {
        return if v.z < 0.0 {
            Quat::from_xyzw(1.0, 0.0, 0.0, 0.0)
        } else {
            Quat::IDENTITY
        };
    }
    Quat::from_axis_angle(axis / s, s.atan2(v.z))
}

/// The attributes that place an element in its parent's frame.
const POSE: &[&str] = &["pos", "quat", "axisangle", "euler", "xyaxes", "zaxis"];

/// Attributes set by one default class, per element tag, with where each was set.
#[derive(Debug, Clone, Default)]
struct DefaultClass {
    elems: HashMap<String, BTreeMap<String, (String, String)>>,
}

#[derive(Default)]
struct Compiler<'a, 'input> {
    sources: &'a [Source],
    docs: &'a [roxmltree::Document<'input>],
    options: LoadOptions,
    degrees: bool,
    eulerseq: Vec<u8>,
    inertiafromgeom: Option<bool>,
    settotalmass: Option<f32>,
    model: Model,
    defaults: HashMap<String, DefaultClass>,
    /// (what, (first place, count)) in first-seen order.
    warnings: Vec<(String, (String, usize))>,
    /// Actuator joint names, resolved at the end.
    pending_actuators: Vec<(String, String)>,
    pending_materials: Vec<(usize, String, String)>,
    pending_textures: Vec<(usize, String, String)>,
    /// Parts of each body (for inertia from geoms) and explicit inertials.
    parts: Vec<Vec<Part>>,
    inertials: Vec<Option<(f64, DVec3, DVec3, Quat)>>,
    body_lines: Vec<String>,
    keys: Vec<roxmltree::Node<'a, 'input>>,
}

type Node<'a, 'input> = roxmltree::Node<'a, 'input>;

/// A resolved attribute set: the element's own attributes over its default class's.
struct Attrs<'n> {
    own: Vec<(&'n str, &'n str)>,
    inherited: BTreeMap<String, (String, String)>,
    here: String,
}

impl Attrs<'_> {
    fn get(&self, name: &str) -> Option<(&str, String)> {
        if let Some((_, v)) = self.own.iter().find(|(k, _)| *k == name) {
            return Some((v, self.here.clone()));
        }
        self.inherited
            .get(name)
            .map(|(v, at)| (v.as_str(), at.clone()))
    }

    fn names(&self) -> Vec<String> {
        let mut n: Vec<String> = self.own.iter().map(|(k, _)| k.to_string()).collect();
        n.extend(self.inherited.keys().cloned());
        n.sort();
        n.dedup();
        n
    }
}

impl<'a, 'input> Compiler<'a, 'input> {
    fn source_of(&self, node: Node) -> (&str, usize) {
        let i = self
            .docs
            .iter()
            .position(|d| std::ptr::eq(d, node.document()))
            .unwrap_or(0);
        let line = node.document().text_pos_at(node.range().start).row as usize;
        (&self.sources[i].label, line)
    }

    fn here(&self, node: Node) -> String {
        let (f, l) = self.source_of(node);
        format!("{f}:{l}")
    }

    fn err(&self, node: Node, field: impl Into<String>, message: impl Into<String>) -> Error {
        let (f, l) = self.source_of(node);
        input_error(f, Some(l), field, message)
    }

    /// An error at a place given as `file:line` text (attributes inherited from defaults).
    fn err_at(&self, at: &str, field: impl Into<String>, message: impl Into<String>) -> Error {
        match at.rsplit_once(':') {
            Some((f, l)) => input_error(f, l.parse().ok(), field, message),
            None => input_error(at, None, field, message),
        }
    }

    fn warn(&mut self, what: String, at: String) {
        match self.warnings.iter_mut().find(|(w, _)| *w == what) {
            Some((_, (_, n))) => *n += 1,
            None => self.warnings.push((what, (at, 1))),
        }
    }

    fn warn_element(&mut self, node: Node, why: &str) {
        let at = self.here(node);
        self.warn(format!("element <{}> {why}", node.tag_name().name()), at);
    }

    fn unsupported(&mut self, node: Node) -> Result<(), Error> {
        let tag = node.tag_name().name();
        if self.options.lenient {
            self.warn_element(
                node,
                "changes the dynamics and is not supported; ignored (--lenient)",
            );
            Ok(())
        } else {
            Err(self.err(
                node,
                tag,
                format!("<{tag}> changes the dynamics and is not supported yet; pass --lenient to load the scene without it"),
            ))
        }
    }

    /// Element children, with `<include>` replaced by the included file's top-level children.
    fn children(&self, node: Node<'a, 'input>) -> Vec<Node<'a, 'input>> {
        let mut out = Vec::new();
        for n in node.children().filter(|n| n.is_element()) {
            if n.has_tag_name("include") {
                let i = self
                    .docs
                    .iter()
                    .position(|d| std::ptr::eq(d, n.document()))
                    .unwrap_or(0);
                let file = self.sources[i].dir.join(n.attribute("file").unwrap_or(""));
                let label = file.display().to_string();
                if let Some(j) = self.sources.iter().position(|s| s.label == label) {
                    out.extend(self.children(self.docs[j].root_element()));
                }
            } else {
                out.push(n);
            }
        }
        out
    }

    /// The element's attributes over those of its class (explicit `class`, else the
    /// enclosing `childclass`, else `main`), checked against the attributes we model.
    fn attrs<'n>(
        &mut self,
        node: Node<'n, 'input>,
        tag: &str,
        childclass: Option<&str>,
        known: &[&str],
    ) -> Result<Attrs<'n>, Error> {
        let class = node.attribute("class").or(childclass).unwrap_or("main");
        let Some(dc) = self.defaults.get(class) else {
            return Err(self.err(
                node,
                format!("{tag}.class"),
                format!("default class {class:?} is not defined"),
            ));
        };
        let mut inherited = BTreeMap::new();
        if matches!(tag, "motor" | "position") {
            if let Some(g) = dc.elems.get("general") {
                inherited.extend(g.clone());
            }
        }
        if let Some(e) = dc.elems.get(tag) {
            inherited.extend(e.clone());
        }
        let own: Vec<(&str, &str)> = node.attributes().map(|a| (a.name(), a.value())).collect();
        let attrs = Attrs {
            own,
            inherited,
            here: self.here(node),
        };
        for name in attrs.names() {
            if name == "class" || name == "childclass" || known.contains(&name.as_str()) {
                continue;
            }
            let at = attrs.get(&name).map(|(_, at)| at).unwrap_or_default();
            self.warn(
                format!("attribute `{name}` of <{tag}> is not modelled and is ignored"),
                at,
            );
        }
        Ok(attrs)
    }

    fn floats(
        &self,
        a: &Attrs,
        tag: &str,
        name: &str,
        counts: &[usize],
    ) -> Result<Option<Vec<f32>>, Error> {
        let Some((text, at)) = a.get(name) else {
            return Ok(None);
        };
        self.parse_floats(text, &at, tag, name, counts).map(Some)
    }

    fn parse_floats(
        &self,
        text: &str,
        at: &str,
        tag: &str,
        name: &str,
        counts: &[usize],
    ) -> Result<Vec<f32>, Error> {
        let mut v = Vec::new();
        for (i, tok) in text.split_whitespace().enumerate() {
            let x: f32 = tok.parse().map_err(|_| {
                self.err_at(
                    at,
                    format!("{tag}.{name}"),
                    format!("value {} is {tok:?}, not a number", i + 1),
                )
            })?;
            if !x.is_finite() {
                return Err(self.err_at(
                    at,
                    format!("{tag}.{name}"),
                    format!("value {} is {tok}; numbers must be finite", i + 1),
                ));
            }
            v.push(x);
        }
        if !counts.contains(&v.len()) {
            let want = counts
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(" or ");
            return Err(self.err_at(
                at,
                format!("{tag}.{name}"),
                format!("has {} numbers ({text:?}); expected {want}", v.len()),
            ));
        }
        Ok(v)
    }

    fn float(&self, a: &Attrs, tag: &str, name: &str, default: f32) -> Result<f32, Error> {
        Ok(self.floats(a, tag, name, &[1])?.map_or(default, |v| v[0]))
    }

    fn vec3(&self, a: &Attrs, tag: &str, name: &str, default: Vec3) -> Result<Vec3, Error> {
        Ok(self
            .floats(a, tag, name, &[3])?
            .map_or(default, |v| Vec3::new(v[0], v[1], v[2])))
    }

    fn int(&self, a: &Attrs, tag: &str, name: &str, default: u32) -> Result<u32, Error> {
        let Some((text, at)) = a.get(name) else {
            return Ok(default);
        };
        text.trim().parse().map_err(|_| {
            self.err_at(
                &at,
                format!("{tag}.{name}"),
                format!("is {text:?}; expected a non-negative integer"),
            )
        })
    }

    fn choice<'t>(
        &self,
        a: &'t Attrs,
        tag: &str,
        name: &str,
        allowed: &[&'t str],
        default: &'t str,
    ) -> Result<String, Error> {
        let Some((text, at)) = a.get(name) else {
            return Ok(default.to_string());
        };
        if allowed.contains(&text) {
            Ok(text.to_string())
        } else {
            Err(self.err_at(
                &at,
                format!("{tag}.{name}"),
                format!("is {text:?}; allowed: {}", allowed.join(", ")),
            ))
        }
    }

    fn boolean(&self, a: &Attrs, tag: &str, name: &str) -> Result<Option<bool>, Error> {
        Ok(
            match self
                .choice(a, tag, name, &["true", "false", "auto"], "auto")?
                .as_str()
            {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
        )
    }

    fn angle(&self, x: f32) -> f32 {
        if self.degrees {
            x.to_radians()
        } else {
            x
        }
    }

    /// Orientation from whichever of quat, axisangle, euler, xyaxes, zaxis is given.
    fn orientation(&self, a: &Attrs, tag: &str) -> Result<Quat, Error> {
        let given: Vec<&str> = ["quat", "axisangle", "euler", "xyaxes", "zaxis"]
            .into_iter()
            .filter(|k| a.get(k).is_some())
            .collect();
        if given.len() > 1 {
            let at = a.get(given[1]).map(|(_, at)| at).unwrap_or_default();
            return Err(self.err_at(
                &at,
                format!("{tag}.{}", given[1]),
                format!("conflicts with {}; give one orientation", given[0]),
            ));
        }
        let zero = |name: &str| {
            let at = a.get(name).map(|(_, at)| at).unwrap_or_default();
            self.err_at(
                &at,
                format!("{tag}.{name}"),
                "has zero length; an orientation needs a non-zero vector",
            )
        };
        if let Some(q) = self.floats(a, tag, "quat", &[4])? {
            let q = Quat::from_xyzw(q[1], q[2], q[3], q[0]);
            if q.length() < 1e-9 {
                return Err(zero("quat"));
            }
            return Ok(q.normalize());
        }
        if let Some(v) = self.floats(a, tag, "axisangle", &[4])? {
            let axis = Vec3::new(v[0], v[1], v[2]);
            if axis.length() < 1e-9 {
                return Err(zero("axisangle"));
            }
            return Ok(Quat::from_axis_angle(axis.normalize(), self.angle(v[3])));
        }
        if let Some(v) = self.floats(a, tag, "euler", &[3])? {
            let mut q = Quat::IDENTITY;
            for (i, &axis) in self.eulerseq.iter().enumerate() {
                let r = match axis.to_ascii_lowercase() {
                    b'x' => Quat::from_rotation_x(self.angle(v[i])),
                    b'y' => Quat::from_rotation_y(self.angle(v[i])),
                    _ => Quat::from_rotation_z(self.angle(v[i])),
                };
                // Lower case: intrinsic (about the rotated frame's axes); upper case: extrinsic.
                q = if axis.is_ascii_lowercase() {
                    q * r
                } else {
                    r * q
                };
            }
            return Ok(q.normalize());
        }
        if let Some(v) = self.floats(a, tag, "xyaxes", &[6])? {
            let x = Vec3::new(v[0], v[1], v[2]);
            let y = Vec3::new(v[3], v[4], v[5]);
            if x.length() < 1e-9 {
                return Err(zero("xyaxes"));
            }
            let x = x.normalize();
            let y = y - x * y.dot(x);
            if y.length() < 1e-9 {
                return Err(zero("xyaxes"));
            }
            let y = y.normalize();
            return Ok(Quat::from_mat3(&Mat3::from_cols(x, y, x.cross(y))).normalize());
        }
        if let Some(z) = self.floats(a, tag, "zaxis", &[3])? {
            let z = Vec3::new(z[0], z[1], z[2]);
            if z.length() < 1e-9 {
                return Err(zero("zaxis"));
            }
            return Ok(z_to(z));
        }
        Ok(Quat::IDENTITY)
    }

    fn name(a: &Attrs) -> Option<String> {
        a.own
            .iter()
            .find(|(k, _)| *k == "name")
            .map(|(_, v)| v.to_string())
    }

    fn compiler(&mut self, n: Node<'a, 'input>) -> Result<(), Error> {
        let known = [
            "angle",
            "inertiafromgeom",
            "coordinate",
            "eulerseq",
            "settotalmass",
        ];
        let a = self.attrs_plain(n, "compiler", &known);
        self.degrees =
            self.choice(&a, "compiler", "angle", &["degree", "radian"], "degree")? == "degree";
        self.choice(&a, "compiler", "coordinate", &["local"], "local")?;
        let seq = a
            .get("eulerseq")
            .map(|(s, _)| s.to_string())
            .unwrap_or_else(|| "xyz".into());
        if seq.len() != 3 || !seq.chars().all(|c| "xyzXYZ".contains(c)) {
            return Err(self.err(
                n,
                "compiler.eulerseq",
                format!("is {seq:?}; expected three of x, y, z, X, Y, Z"),
            ));
        }
        self.eulerseq = seq.into_bytes();
        self.inertiafromgeom = match self
            .choice(
                &a,
                "compiler",
                "inertiafromgeom",
                &["true", "false", "auto"],
                "auto",
            )?
            .as_str()
        {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        };
        if let Some(m) = self.floats(&a, "compiler", "settotalmass", &[1])? {
            self.settotalmass = (m[0] > 0.0).then_some(m[0]);
        }
        Ok(())
    }

    /// Attributes of an element that takes no defaults.
    fn attrs_plain<'n>(&mut self, n: Node<'n, 'input>, tag: &str, known: &[&str]) -> Attrs<'n> {
        let own: Vec<(&str, &str)> = n.attributes().map(|a| (a.name(), a.value())).collect();
        let here = self.here(n);
        for (k, _) in &own {
            if !known.contains(k) {
                self.warn(
                    format!("attribute `{k}` of <{tag}> is not modelled and is ignored"),
                    here.clone(),
                );
            }
        }
        Attrs {
            own,
            inherited: BTreeMap::new(),
            here,
        }
    }

    fn option(&mut self, n: Node<'a, 'input>) -> Result<(), Error> {
        let known = ["timestep", "gravity", "integrator", "density", "viscosity"];
        let a = self.attrs_plain(n, "option", &known);
        let o = &self.model.option.clone();
        let timestep = self.float(&a, "option", "timestep", o.timestep)?;
        if timestep <= 0.0 {
            return Err(self.err(
                n,
                "option.timestep",
                format!("is {timestep}; must be positive"),
            ));
        }
        self.model.option = SimOptions {
            timestep,
            gravity: self.vec3(&a, "option", "gravity", o.gravity)?,
            integrator: self.choice(
                &a,
                "option",
                "integrator",
                &["Euler", "RK4", "implicit", "implicitfast"],
                &o.integrator.clone(),
            )?,
            density: self.float(&a, "option", "density", o.density)?,
            viscosity: self.float(&a, "option", "viscosity", o.viscosity)?,
        };
        // <flag> can switch off gravity, contacts or limits: that changes the dynamics.
        for child in self.children(n) {
            self.unsupported(child)?;
        }
        Ok(())
    }

    fn default_class(&mut self, n: Node<'a, 'input>, parent: &str, top: bool) -> Result<(), Error> {
        let class = match n.attribute("class") {
            Some(c) => c.to_string(),
            None if top => "main".to_string(),
            None => {
                return Err(self.err(n, "default.class", "a nested <default> needs a class name"))
            }
        };
        if !top && self.defaults.contains_key(&class) {
            return Err(self.err(
                n,
                "default.class",
                format!("class {class:?} is defined twice"),
            ));
        }
        let mut dc = self.defaults.get(parent).cloned().unwrap_or_default();
        let mut nested = Vec::new();
        for child in self.children(n) {
            let tag = child.tag_name().name().to_string();
            if tag == "default" {
                nested.push(child);
                continue;
            }
            let here = self.here(child);
            let entry = dc.elems.entry(tag).or_default();
            for a in child.attributes() {
                entry.insert(a.name().to_string(), (a.value().to_string(), here.clone()));
            }
        }
        self.defaults.insert(class.clone(), dc);
        for child in nested {
            self.default_class(child, &class, false)?;
        }
        Ok(())
    }

    fn asset(&mut self, n: Node<'a, 'input>) -> Result<(), Error> {
        for child in self.children(n) {
            match child.tag_name().name() {
                "texture" => {
                    let known = ["name", "builtin", "rgb1", "rgb2", "width", "height", "type"];
                    let a = self.attrs(child, "texture", None, &known)?;
                    let builtin = self.choice(
                        &a,
                        "texture",
                        "builtin",
                        &["none", "checker", "gradient", "flat"],
                        "none",
                    )?;
                    let texture = Texture {
                        name: Self::name(&a),
                        builtin,
                        rgb1: self.vec3(&a, "texture", "rgb1", Vec3::splat(0.8))?,
                        rgb2: self.vec3(&a, "texture", "rgb2", Vec3::splat(0.5))?,
                        width: self.int(&a, "texture", "width", 0)?,
                        height: self.int(&a, "texture", "height", 0)?,
                    };
                    self.model.textures.push(texture);
                }
                "material" => {
                    let known = ["name", "rgba", "texture", "texrepeat"];
                    let a = self.attrs(child, "material", None, &known)?;
                    let rgba = self
                        .floats(&a, "material", "rgba", &[4])?
                        .map_or(Vec4::ONE, |v| Vec4::from_slice(&v));
                    let texrepeat = self
                        .floats(&a, "material", "texrepeat", &[2])?
                        .map_or([1.0, 1.0], |v| [v[0], v[1]]);
                    let index = self.model.materials.len();
                    if let Some((t, at)) = a.get("texture") {
                        self.pending_textures.push((index, t.to_string(), at));
                    }
                    self.model.materials.push(Material {
                        name: Self::name(&a),
                        rgba,
                        texture: None,
                        texrepeat,
                    });
                }
                "mesh" | "hfield" | "skin" => self.unsupported(child)?,
                _ => self.warn_element(child, "inside <asset> is not modelled and is ignored"),
            }
        }
        Ok(())
    }

    fn body_children(
        &mut self,
        n: Node<'a, 'input>,
        body: usize,
        childclass: Option<String>,
    ) -> Result<(), Error> {
        let cc = childclass.as_deref();
        for child in self.children(n) {
            match child.tag_name().name() {
                "body" => self.body(child, body, cc)?,
                "geom" => self.geom(child, body, cc)?,
                "joint" | "freejoint" if body == 0 => {
                    return Err(self.err(
                        child,
                        child.tag_name().name(),
                        "the world body cannot have joints",
                    ));
                }
                "joint" => self.joint(child, body, cc, false)?,
                "freejoint" => self.joint(child, body, cc, true)?,
                "inertial" if body == 0 => self.warn_element(child, "of the world body is ignored"),
                "inertial" => self.inertial(child, body)?,
                "site" => {
                    let a = self.attrs(child, "site", cc, &[POSE, &["name"]].concat())?;
                    let site = Site {
                        name: Self::name(&a),
                        body,
                        pos: self.vec3(&a, "site", "pos", Vec3::ZERO)?,
                        quat: self.orientation(&a, "site")?,
                    };
                    self.model.sites.push(site);
                }
                "camera" => self.camera(child, body, cc)?,
                "light" => self.light(child, body, cc)?,
                "frame" | "replicate" | "composite" | "flexcomp" | "plugin" | "attach" => {
                    self.unsupported(child)?
                }
                other => {
                    return Err(self.err(
                        child,
                        other,
                        format!("unknown element <{other}> inside a body"),
                    ))
                }
            }
        }
        Ok(())
    }

    fn body(
        &mut self,
        n: Node<'a, 'input>,
        parent: usize,
        childclass: Option<&str>,
    ) -> Result<(), Error> {
        let known = [POSE, &["name", "childclass"]].concat();
        let a = self.attrs(n, "body", childclass, &known)?;
        for dynamic in ["mocap", "gravcomp"] {
            if a.get(dynamic).is_some() {
                if !self.options.lenient {
                    return Err(self.err(n, format!("body.{dynamic}"), "changes the dynamics and is not supported yet; pass --lenient to ignore it"));
                }
                self.warn(format!("attribute `{dynamic}` of <body> changes the dynamics and is ignored (--lenient)"), self.here(n));
            }
        }
        let name = Self::name(&a);
        if let Some(nm) = &name {
            if self.model.body(nm).is_some() {
                return Err(self.err(n, "body.name", format!("{nm:?} is used by another body")));
            }
        }
        let body = Body {
            name,
            parent,
            pos: self.vec3(&a, "body", "pos", Vec3::ZERO)?,
            quat: self.orientation(&a, "body")?,
            mass: 0.0,
            inertia: Vec3::ZERO,
            ipos: Vec3::ZERO,
            iquat: Quat::IDENTITY,
        };
        let index = self.model.bodies.len();
        self.model.bodies.push(body);
        while self.parts.len() <= index {
            self.parts.push(Vec::new());
            self.inertials.push(None);
            self.body_lines.push(String::new());
        }
        self.body_lines[index] = self.here(n);
        let cc = n
            .attribute("childclass")
            .map(str::to_string)
            .or(childclass.map(str::to_string));
        if let Some(c) = &cc {
            if !self.defaults.contains_key(c) {
                return Err(self.err(
                    n,
                    "body.childclass",
                    format!("default class {c:?} is not defined"),
                ));
            }
        }
        self.body_children(n, index, cc)
    }

    fn inertial(&mut self, n: Node<'a, 'input>, body: usize) -> Result<(), Error> {
        let known = [POSE, &["mass", "diaginertia", "fullinertia"]].concat();
        let a = self.attrs_plain(n, "inertial", &known);
        let mass = self
            .floats(&a, "inertial", "mass", &[1])?
            .ok_or_else(|| self.err(n, "inertial.mass", "is required"))?[0];
        if mass < 0.0 {
            return Err(self.err(
                n,
                "inertial.mass",
                format!("is {mass}; must not be negative"),
            ));
        }
        let pos = self.vec3(&a, "inertial", "pos", Vec3::ZERO)?;
        let (moments, quat) = if let Some(f) = self.floats(&a, "inertial", "fullinertia", &[6])? {
            let t = glam::DMat3::from_cols_array(&[
                f[0] as f64,
                f[3] as f64,
                f[4] as f64,
                f[3] as f64,
                f[1] as f64,
                f[5] as f64,
                f[4] as f64,
                f[5] as f64,
                f[2] as f64,
            ]);
            let (m, q) = inertia::principal(t);
            (m, self.orientation(&a, "inertial")? * q)
        } else {
            let d = self
                .floats(&a, "inertial", "diaginertia", &[3])?
                .ok_or_else(|| {
                    self.err(n, "inertial.diaginertia", "is required (or fullinertia)")
                })?;
            (
                DVec3::new(d[0] as f64, d[1] as f64, d[2] as f64),
                self.orientation(&a, "inertial")?,
            )
        };
        if moments.min_element() < 0.0 {
            return Err(self.err(
                n,
                "inertial",
                format!("inertia {moments:?} has a negative moment"),
            ));
        }
        self.inertials[body] = Some((mass as f64, pos.as_dvec3(), moments, quat));
        Ok(())
    }

    fn geom(&mut self, n: Node<'a, 'input>, body: usize, cc: Option<&str>) -> Result<(), Error> {
        let known = [
            POSE,
            &[
                "name",
                "type",
                "size",
                "fromto",
                "mass",
                "density",
                "friction",
                "rgba",
                "contype",
                "conaffinity",
                "condim",
                "material",
            ],
        ]
        .concat();
        let a = self.attrs(n, "geom", cc, &known)?;
        let kind = match self
            .choice(
                &a,
                "geom",
                "type",
                &[
                    "plane",
                    "sphere",
                    "capsule",
                    "cylinder",
                    "box",
                    "ellipsoid",
                    "mesh",
                    "hfield",
                    "sdf",
                ],
                "sphere",
            )?
            .as_str()
        {
            "plane" => GeomKind::Plane,
            "sphere" => GeomKind::Sphere,
            "capsule" => GeomKind::Capsule,
            "cylinder" => GeomKind::Cylinder,
            "box" => GeomKind::Box,
            "ellipsoid" => GeomKind::Ellipsoid,
            _ => {
                return self.unsupported(n);
            }
        };
        let raw = self
            .floats(&a, "geom", "size", &[0, 1, 2, 3])?
            .unwrap_or_default();
        let mut size = Vec3::ZERO;
        for (i, v) in raw.iter().enumerate() {
            size[i] = *v;
        }
        let mut pos = self.vec3(&a, "geom", "pos", Vec3::ZERO)?;
        let mut quat = self.orientation(&a, "geom")?;
        if let Some(ft) = self.floats(&a, "geom", "fromto", &[6])? {
            let (from, to) = (
                Vec3::new(ft[0], ft[1], ft[2]),
                Vec3::new(ft[3], ft[4], ft[5]),
            );
            let d = to - from;
            if d.length() < 1e-9 {
                return Err(self.err(n, "geom.fromto", "has zero length"));
            }
            if matches!(kind, GeomKind::Plane | GeomKind::Sphere) {
                return Err(self.err(
                    n,
                    "geom.fromto",
                    "applies to capsule, cylinder, box and ellipsoid only",
                ));
            }
            pos = (from + to) * 0.5;
            // MuJoCo points the geom's z axis from `to` towards `from`; same shape, same frame.
            quat = z_to(-d);
            match kind {
                GeomKind::Capsule | GeomKind::Cylinder => size.y = d.length() * 0.5,
                _ => size.z = d.length() * 0.5,
            }
        }
        let needed = match kind {
            GeomKind::Plane => 0,
            GeomKind::Sphere => 1,
            GeomKind::Capsule | GeomKind::Cylinder => 2,
            GeomKind::Box | GeomKind::Ellipsoid => 3,
        };
        if let Some(i) = (0..needed).find(|&i| size[i] <= 0.0) {
            return Err(self.err(
                n,
                "geom.size",
                format!(
                    "size {} of a {kind:?} is {}; sizes must be positive",
                    i + 1,
                    size[i]
                ),
            ));
        }
        if kind == GeomKind::Plane && body != 0 {
            return Err(self.err(n, "geom.type", "planes can only belong to the world body"));
        }
        let (volume, unit_inertia) = inertia::unit_density(kind, size);
        let mass = match self.floats(&a, "geom", "mass", &[1])? {
            Some(m) if m[0] < 0.0 => {
                return Err(self.err(n, "geom.mass", format!("is {}; must not be negative", m[0])))
            }
            Some(m) => m[0] as f64,
            None => {
                let density = self.float(&a, "geom", "density", 1000.0)?;
                if density < 0.0 {
                    return Err(self.err(
                        n,
                        "geom.density",
                        format!("is {density}; must not be negative"),
                    ));
                }
                density as f64 * volume
            }
        };
        // A shorter friction vector replaces only its leading entries of the inherited one,
        // as in MuJoCo: friction="0.9" under a default of "0.7 0.1 0.1" gives (0.9, 0.1, 0.1).
        let mut friction = Vec3::new(1.0, 0.005, 0.0001);
        let layers = [
            a.inherited
                .get("friction")
                .map(|(v, at)| (v.as_str(), at.as_str())),
            a.own
                .iter()
                .find(|(k, _)| *k == "friction")
                .map(|(_, v)| (*v, a.here.as_str())),
        ];
        for (text, at) in layers.into_iter().flatten() {
            for (i, f) in self
                .parse_floats(text, at, "geom", "friction", &[1, 2, 3])?
                .into_iter()
                .enumerate()
            {
                friction[i] = f;
            }
        }
        let condim = self.int(&a, "geom", "condim", 3)?;
        if ![1, 3, 4, 6].contains(&condim) {
            return Err(self.err(
                n,
                "geom.condim",
                format!("is {condim}; allowed: 1, 3, 4, 6"),
            ));
        }
        let index = self.model.geoms.len();
        if let Some((m, at)) = a.get("material") {
            self.pending_materials.push((index, m.to_string(), at));
        }
        let geom_mass = if body == 0 { 0.0 } else { mass as f32 };
        if body != 0 && kind != GeomKind::Plane && volume > 0.0 {
            self.parts[body].push(Part {
                mass,
                pos: pos.as_dvec3(),
                quat,
                inertia: unit_inertia * (mass / volume),
            });
        }
        self.model.geoms.push(Geom {
            name: Self::name(&a),
            body,
            kind,
            size,
            pos,
            quat,
            friction,
            rgba: self
                .floats(&a, "geom", "rgba", &[4])?
                .map_or(Vec4::new(0.5, 0.5, 0.5, 1.0), |v| Vec4::from_slice(&v)),
            contype: self.int(&a, "geom", "contype", 1)?,
            conaffinity: self.int(&a, "geom", "conaffinity", 1)?,
            condim,
            mass: geom_mass,
            material: None,
        });
        Ok(())
    }

    fn joint(
        &mut self,
        n: Node<'a, 'input>,
        body: usize,
        cc: Option<&str>,
        free: bool,
    ) -> Result<(), Error> {
        let tag = if free { "freejoint" } else { "joint" };
        let known = [
            "name",
            "type",
            "pos",
            "axis",
            "range",
            "limited",
            "damping",
            "armature",
            "frictionloss",
            "stiffness",
            "springref",
            "ref",
        ];
        let a = if free {
            self.attrs_plain(n, tag, &["name"])
        } else {
            self.attrs(n, tag, cc, &known)?
        };
        let kind = if free {
            JointKind::Free
        } else {
            match self
                .choice(
                    &a,
                    tag,
                    "type",
                    &["free", "ball", "slide", "hinge"],
                    "hinge",
                )?
                .as_str()
            {
                "free" => JointKind::Free,
                "ball" => JointKind::Ball,
                "slide" => JointKind::Slide,
                _ => JointKind::Hinge,
            }
        };
        let angular = |c: &Self, x: f32| {
            if kind == JointKind::Slide {
                x
            } else {
                c.angle(x)
            }
        };
        let axis = self.vec3(&a, tag, "axis", Vec3::Z)?;
        if axis.length() < 1e-9 {
            return Err(self.err(n, format!("{tag}.axis"), "has zero length"));
        }
        let range = self.floats(&a, tag, "range", &[2])?;
        let limited = match self.boolean(&a, tag, "limited")? {
            Some(l) => l,
            None => range.is_some(),
        };
        let range = if limited && kind != JointKind::Free {
            let r = range.ok_or_else(|| {
                self.err(n, format!("{tag}.range"), "a limited joint needs a range")
            })?;
            if r[0] >= r[1] && kind != JointKind::Ball {
                return Err(self.err(
                    n,
                    format!("{tag}.range"),
                    format!(
                        "is [{}, {}]; the lower limit must be below the upper",
                        r[0], r[1]
                    ),
                ));
            }
            Some([angular(self, r[0]), angular(self, r[1])])
        } else {
            None
        };
        let nonneg = |c: &Self, name: &str| -> Result<f32, Error> {
            let v = c.float(&a, tag, name, 0.0)?;
            if v < 0.0 {
                return Err(c.err(
                    n,
                    format!("{tag}.{name}"),
                    format!("is {v}; must not be negative"),
                ));
            }
            Ok(v)
        };
        let joint = Joint {
            name: Self::name(&a),
            body,
            kind,
            pos: self.vec3(&a, tag, "pos", Vec3::ZERO)?,
            axis: axis.normalize(),
            range,
            damping: nonneg(self, "damping")?,
            armature: nonneg(self, "armature")?,
            frictionloss: nonneg(self, "frictionloss")?,
            stiffness: nonneg(self, "stiffness")?,
            springref: angular(self, self.float(&a, tag, "springref", 0.0)?),
            reference: angular(self, self.float(&a, tag, "ref", 0.0)?),
        };
        if let Some(nm) = &joint.name {
            if self.model.joint(nm).is_some() {
                return Err(self.err(
                    n,
                    format!("{tag}.name"),
                    format!("{nm:?} is used by another joint"),
                ));
            }
        }
        self.model.joints.push(joint);
        Ok(())
    }

    fn camera(&mut self, n: Node<'a, 'input>, body: usize, cc: Option<&str>) -> Result<(), Error> {
        let known = [POSE, &["name", "fovy", "mode"]].concat();
        let a = self.attrs(n, "camera", cc, &known)?;
        let mode = match self
            .choice(
                &a,
                "camera",
                "mode",
                &["fixed", "track", "trackcom", "targetbody", "targetbodycom"],
                "fixed",
            )?
            .as_str()
        {
            "track" => CameraMode::Track,
            "trackcom" => CameraMode::TrackCom,
            "targetbody" => CameraMode::TargetBody,
            "targetbodycom" => CameraMode::TargetBodyCom,
            _ => CameraMode::Fixed,
        };
        let fovy = self.float(&a, "camera", "fovy", 45.0)?;
        if !(fovy > 0.0 && fovy < 180.0) {
            return Err(self.err(
                n,
                "camera.fovy",
                format!("is {fovy}; allowed: (0, 180) degrees"),
            ));
        }
        let camera = Camera {
            name: Self::name(&a),
            body,
            pos: self.vec3(&a, "camera", "pos", Vec3::ZERO)?,
            quat: self.orientation(&a, "camera")?,
            fovy,
            mode,
        };
        self.model.cameras.push(camera);
        Ok(())
    }

    fn light(&mut self, n: Node<'a, 'input>, body: usize, cc: Option<&str>) -> Result<(), Error> {
        let known = [
            "name",
            "pos",
            "dir",
            "directional",
            "diffuse",
            "ambient",
            "specular",
        ];
        let a = self.attrs(n, "light", cc, &known)?;
        let dir = self.vec3(&a, "light", "dir", Vec3::new(0.0, 0.0, -1.0))?;
        if dir.length() < 1e-9 {
            return Err(self.err(n, "light.dir", "has zero length"));
        }
        let light = Light {
            name: Self::name(&a),
            body,
            pos: self.vec3(&a, "light", "pos", Vec3::ZERO)?,
            dir: dir.normalize(),
            directional: self.boolean(&a, "light", "directional")?.unwrap_or(false),
            diffuse: self.vec3(&a, "light", "diffuse", Vec3::splat(0.7))?,
            ambient: self.vec3(&a, "light", "ambient", Vec3::ZERO)?,
            specular: self.vec3(&a, "light", "specular", Vec3::splat(0.3))?,
        };
        self.model.lights.push(light);
        Ok(())
    }

    fn actuators(&mut self, n: Node<'a, 'input>) -> Result<(), Error> {
        for child in self.children(n) {
            let tag = child.tag_name().name();
            if !matches!(tag, "motor" | "position") {
                self.unsupported(child)?;
                continue;
            }
            let known = [
                "name",
                "joint",
                "gear",
                "ctrlrange",
                "ctrllimited",
                "forcerange",
                "forcelimited",
                "kp",
                "kv",
            ];
            let a = self.attrs(child, tag, None, &known)?;
            for other in [
                "tendon",
                "site",
                "body",
                "jointinparent",
                "cranksite",
                "slidersite",
            ] {
                if a.get(other).is_some() {
                    if self.options.lenient {
                        self.warn(format!("<{tag} {other}> transmission is not supported; actuator ignored (--lenient)"), self.here(child));
                        return Ok(());
                    }
                    return Err(self.err(
                        child,
                        format!("{tag}.{other}"),
                        "only joint transmissions are supported",
                    ));
                }
            }
            let (joint, at) = a
                .get("joint")
                .ok_or_else(|| self.err(child, format!("{tag}.joint"), "is required"))?;
            let gear = self
                .floats(&a, tag, "gear", &[1, 2, 3, 4, 5, 6])?
                .map_or(1.0, |g| g[0]);
            let limits = |c: &Self, flag: &str, range: &str| -> Result<Option<[f32; 2]>, Error> {
                let r = c.floats(&a, tag, range, &[2])?;
                let on = c.boolean(&a, tag, flag)?.unwrap_or(r.is_some());
                match (on, r) {
                    (false, _) => Ok(None),
                    (true, None) => Err(c.err(
                        child,
                        format!("{tag}.{range}"),
                        format!("{flag} is true but no {range} is given"),
                    )),
                    (true, Some(r)) if r[0] >= r[1] => Err(c.err(
                        child,
                        format!("{tag}.{range}"),
                        format!(
                            "is [{}, {}]; the lower limit must be below the upper",
                            r[0], r[1]
                        ),
                    )),
                    (true, Some(r)) => Ok(Some([r[0], r[1]])),
                }
            };
            let kind = if tag == "motor" {
                ActuatorKind::Motor
            } else {
                ActuatorKind::Position {
                    kp: self.float(&a, tag, "kp", 1.0)?,
                    kv: self.float(&a, tag, "kv", 0.0)?,
                }
            };
            let actuator = Actuator {
                name: Self::name(&a),
                joint: usize::MAX,
                kind,
                gear,
                ctrlrange: limits(self, "ctrllimited", "ctrlrange")?,
                forcerange: limits(self, "forcelimited", "forcerange")?,
            };
            self.pending_actuators.push((joint.to_string(), at));
            self.model.actuators.push(actuator);
        }
        Ok(())
    }

    fn keyframes(&mut self, n: Node<'a, 'input>) -> Result<(), Error> {
        for child in self.children(n) {
            if child.tag_name().name() != "key" {
                self.warn_element(child, "inside <keyframe> is not modelled and is ignored");
                continue;
            }
            self.keys.push(child);
        }
        Ok(())
    }

    /// Index of the element named `name` among `names`, or an error at `at` naming `field`.
    fn resolve<'n>(
        &self,
        mut names: impl Iterator<Item = Option<&'n str>>,
        name: &str,
        at: &str,
        field: &str,
        kind: &str,
    ) -> Result<usize, Error> {
        names
            .position(|n| n == Some(name))
            .ok_or_else(|| self.err_at(at, field, format!("no {kind} is named {name:?}")))
    }

    /// Resolves names, computes mass properties, applies settotalmass, builds keyframes.
    fn finish(&mut self) -> Result<(), Error> {
        for (i, (joint, at)) in std::mem::take(&mut self.pending_actuators)
            .into_iter()
            .enumerate()
        {
            let names = self.model.joints.iter().map(|j| j.name.as_deref());
            self.model.actuators[i].joint =
                self.resolve(names, &joint, &at, "actuator.joint", "joint")?;
        }
        for (g, name, at) in std::mem::take(&mut self.pending_materials) {
            let names = self.model.materials.iter().map(|m| m.name.as_deref());
            self.model.geoms[g].material =
                Some(self.resolve(names, &name, &at, "geom.material", "material")?);
        }
        for (m, name, at) in std::mem::take(&mut self.pending_textures) {
            let names = self.model.textures.iter().map(|t| t.name.as_deref());
            self.model.materials[m].texture =
                Some(self.resolve(names, &name, &at, "material.texture", "texture")?);
        }
        let moving: Vec<bool> = (0..self.model.bodies.len())
            .map(|b| self.model.joints.iter().any(|j| j.body == b))
            .collect();
        for (b, &is_moving) in moving.iter().enumerate().skip(1) {
            let explicit = self.inertials[b];
            let from_geoms = match self.inertiafromgeom {
                Some(true) => true,
                Some(false) => false,
                None => explicit.is_none(),
            };
            let (mass, ipos, moments, iquat) = if from_geoms {
                let (m, com, tensor) = inertia::combine(&self.parts[b]);
                let (moments, q) = inertia::principal(tensor);
                (m, com, moments, q)
            } else if let Some(e) = explicit {
                e
            } else {
                (0.0, DVec3::ZERO, DVec3::ZERO, Quat::IDENTITY)
            };
            if is_moving && mass <= 0.0 {
                let name = self.model.bodies[b]
                    .name
                    .clone()
                    .unwrap_or_else(|| format!("#{b}"));
                return Err(self.err_at(&self.body_lines[b].clone(), "body", format!("body {name:?} moves but has no mass; give it geoms with volume or an <inertial>")));
            }
            let body = &mut self.model.bodies[b];
            body.mass = mass as f32;
            body.ipos = ipos.as_vec3();
            body.inertia = moments.max(DVec3::ZERO).as_vec3();
            body.iquat = iquat;
        }
        if let Some(target) = self.settotalmass {
            let total = self.model.total_mass();
            if total > 0.0 {
                let s = target / total;
                for b in &mut self.model.bodies {
                    b.mass *= s;
                    b.inertia *= s;
                }
                for g in &mut self.model.geoms {
                    g.mass *= s;
                }
            }
        }
        let (nq, nv, nu) = (self.model.nq(), self.model.nv(), self.model.actuators.len());
        let qpos0 = self.model.qpos0();
        for node in std::mem::take(&mut self.keys) {
            let a = self.attrs_plain(node, "key", &["name", "qpos", "qvel", "ctrl", "time"]);
            let get =
                |c: &Self, name: &str, n: usize, default: Vec<f32>| -> Result<Vec<f32>, Error> {
                    Ok(c.floats(&a, "key", name, &[n])?.unwrap_or(default))
                };
            let key = Keyframe {
                name: Self::name(&a),
                qpos: get(self, "qpos", nq, qpos0.clone())?,
                qvel: get(self, "qvel", nv, vec![0.0; nv])?,
                ctrl: get(self, "ctrl", nu, vec![0.0; nu])?,
            };
            self.model.keyframes.push(key);
        }
        Ok(())
    }
}
