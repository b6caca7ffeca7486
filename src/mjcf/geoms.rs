//! `<geom>`: shape, size (or `fromto`), mass, friction and contact settings.

use super::attrs::Attrs;
use super::compiler::{Compiler, Node};
use super::orientation::{z_to, POSE};
use crate::sim::inertia::{self, Part};
use crate::sim::model::{Geom, GeomKind};
use crate::Error;
use glam::{Quat, Vec3, Vec4};

impl<'a, 'input> Compiler<'a, 'input> {
    /// A `<geom>` of `body`; its mass and inertia are kept for the body's (from geoms).
    pub(super) fn geom(
        &mut self,
        n: Node<'a, 'input>,
        body: usize,
        cc: Option<&str>,
    ) -> Result<(), Error> {
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
                "margin",
                "gap",
                "material",
            ],
        ]
        .concat();
        let a = self.attrs(n, "geom", cc, &known)?;
        let Some(kind) = self.geom_kind(&a)? else {
            return self.unsupported(n);
        };
        let (size, pos, quat) = self.geom_shape(&a, n, kind)?;
        if kind == GeomKind::Plane && body != 0 {
            return Err(self.err(n, "geom.type", "planes can only belong to the world body"));
        }
        let (volume, unit_inertia) = inertia::unit_density(kind, size);
        let mass = self.geom_mass(&a, n, volume)?;
        let friction = self.geom_friction(&a)?;
        let condim = self.int(&a, "geom", "condim", 3)?;
        if ![1, 3, 4, 6].contains(&condim) {
            return Err(self.err(
                n,
                "geom.condim",
                format!("is {condim}; allowed: 1, 3, 4, 6"),
            ));
        }
        let margin = self.nonnegative(&a, "margin")?;
        let gap = self.nonnegative(&a, "gap")?;
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
            margin,
            gap,
            mass: geom_mass,
            material: None,
        });
        Ok(())
    }

    /// The geom's `type`; `None` for the types we do not model (mesh, hfield, sdf).
    fn geom_kind(&self, a: &Attrs) -> Result<Option<GeomKind>, Error> {
        let types = [
            "plane",
            "sphere",
            "capsule",
            "cylinder",
            "box",
            "ellipsoid",
            "mesh",
            "hfield",
            "sdf",
        ];
        let kind = self.choice(a, "geom", "type", &types, "sphere")?;
        Ok(match kind.as_str() {
            "plane" => Some(GeomKind::Plane),
            "sphere" => Some(GeomKind::Sphere),
            "capsule" => Some(GeomKind::Capsule),
            "cylinder" => Some(GeomKind::Cylinder),
            "box" => Some(GeomKind::Box),
            "ellipsoid" => Some(GeomKind::Ellipsoid),
            _ => None,
        })
    }

    /// Size, position and orientation in the body frame: from `size`, `pos` and the
    /// orientation, or from `fromto` (which sets the length and the frame).
    fn geom_shape(
        &self,
        a: &Attrs,
        n: Node<'a, 'input>,
        kind: GeomKind,
    ) -> Result<(Vec3, Vec3, Quat), Error> {
        let raw = self
            .floats(a, "geom", "size", &[0, 1, 2, 3])?
            .unwrap_or_default();
        let mut size = Vec3::ZERO;
        for (i, v) in raw.iter().enumerate() {
            size[i] = *v;
        }
        let mut pos = self.vec3(a, "geom", "pos", Vec3::ZERO)?;
        let mut quat = self.orientation(a, "geom")?;
        if let Some(ft) = self.floats(a, "geom", "fromto", &[6])? {
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
        Ok((size, pos, quat))
    }

    /// Mass, kg: `mass` if given, else `density` (kg/m³, default 1000: water, as MuJoCo)
    /// times the volume.
    fn geom_mass(&self, a: &Attrs, n: Node<'a, 'input>, volume: f64) -> Result<f64, Error> {
        Ok(match self.floats(a, "geom", "mass", &[1])? {
            Some(m) if m[0] < 0.0 => {
                return Err(self.err(n, "geom.mass", format!("is {}; must not be negative", m[0])))
            }
            Some(m) => m[0] as f64,
            None => {
                let density = self.float(a, "geom", "density", 1000.0)?;
                if density < 0.0 {
                    return Err(self.err(
                        n,
                        "geom.density",
                        format!("is {density}; must not be negative"),
                    ));
                }
                density as f64 * volume
            }
        })
    }

    /// A length attribute of the geom (`margin`, `gap`), m: 0 when absent, never negative.
    /// Errors name where the value was set (the geom, or the default class it inherits from).
    fn nonnegative(&self, a: &Attrs, name: &str) -> Result<f32, Error> {
        let v = self.float(a, "geom", name, 0.0)?;
        if v < 0.0 {
            let at = a.get(name).map(|(_, at)| at).unwrap_or_default();
            return Err(self.err_at(
                &at,
                format!("geom.{name}"),
                format!("is {v}; allowed: a length >= 0 m"),
            ));
        }
        Ok(v)
    }

    /// Sliding, torsional and rolling friction.
    fn geom_friction(&self, a: &Attrs) -> Result<Vec3, Error> {
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
        Ok(friction)
    }
}
