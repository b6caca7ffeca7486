//! The last pass: names resolved to indices, mass properties, `settotalmass`, keyframes.

use super::compiler::Compiler;
use crate::sim::inertia;
use crate::Error;
use glam::{DVec3, Quat};

impl<'a, 'input> Compiler<'a, 'input> {
    /// Index of the element named `name` among `names`, or an error at `at` naming `field`.
    pub(super) fn resolve<'n>(
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
    pub(super) fn finish(&mut self) -> Result<(), Error> {
        self.resolve_names()?;
        self.mass_properties()?;
        self.build_keyframes()
    }

    /// Actuator joints, geom materials and material textures, from names to indices.
    fn resolve_names(&mut self) -> Result<(), Error> {
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
        Ok(())
    }

    /// Each body's mass, centre of mass and principal inertia, from its geoms or its
    /// `<inertial>` as `<compiler inertiafromgeom>` says; then `settotalmass`.
    fn mass_properties(&mut self) -> Result<(), Error> {
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
        Ok(())
    }
}
