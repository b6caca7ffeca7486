//! Rigid-body simulation: the [`Model`](model::Model) (what a scene is) and, as the physics
//! lands, the State and the step pipeline.
//!
//! So far: the host-side Model that the MJCF loader fills, and mass-property helpers. The
//! GPU layout of the Model (every field with a leading world dimension of 1 or N), the State
//! and the solver are still to come (issue 3).

pub mod inertia;
pub mod model;
