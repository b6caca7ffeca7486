//! The body tree: `<worldbody>` and `<body>` elements, what may appear inside them,
//! explicit `<inertial>`s and `<site>`s.

use super::compiler::{Compiler, Node};
use super::orientation::POSE;
use crate::sim::inertia;
use crate::sim::model::{Body, Site};
use crate::Error;
use glam::{DVec3, Quat, Vec3};

impl<'a, 'input> Compiler<'a, 'input> {
    /// The children of `<worldbody>` or of one `<body>` (index `body`), with the enclosing `childclass`.
    pub(super) fn body_children(
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

    /// A `<body>` under `parent`, then its subtree.
    pub(super) fn body(
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

    /// `<inertial>`: explicit mass, centre of mass and inertia of `body`.
    pub(super) fn inertial(&mut self, n: Node<'a, 'input>, body: usize) -> Result<(), Error> {
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
}
