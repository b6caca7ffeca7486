//! The `<compiler>` settings (angle unit, Euler sequence, inertia from geoms, total mass)
//! and the `<option>` simulation settings.

use super::compiler::{Compiler, Node};
use crate::sim::model::SimOptions;
use crate::Error;

impl<'a, 'input> Compiler<'a, 'input> {
    /// `<compiler>`: angle unit, coordinate frame, Euler sequence, inertia source, total mass.
    pub(super) fn compiler(&mut self, n: Node<'a, 'input>) -> Result<(), Error> {
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

    /// `<option>`: timestep, gravity, integrator and the fluid medium (density, viscosity,
    /// wind); `<flag>` children are unsupported.
    pub(super) fn option(&mut self, n: Node<'a, 'input>) -> Result<(), Error> {
        let known = [
            "timestep",
            "gravity",
            "integrator",
            "density",
            "viscosity",
            "wind",
        ];
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
        let density = self.float(&a, "option", "density", o.density)?;
        let viscosity = self.float(&a, "option", "viscosity", o.viscosity)?;
        for (field, v) in [("option.density", density), ("option.viscosity", viscosity)] {
            if v < 0.0 {
                return Err(self.err(n, field, format!("is {v}; must be >= 0")));
            }
        }
        let wind = self.vec3(&a, "option", "wind", o.wind)?;
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
            density,
            viscosity,
            wind,
        };
        // <flag> can switch off gravity, contacts or limits: that changes the dynamics.
        for child in self.children(n) {
            self.unsupported(child)?;
        }
        Ok(())
    }
}
