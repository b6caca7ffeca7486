//! Rigid-body simulation: the [`Model`](model::Model) (what a scene is), its compiled word
//! layout for the GPU ([`compile`]), a Rust [`builder`] for scenes, and the CPU reference
//! of the step ([`cpu`]). The GPU step itself is `shaders/scene.wgsl` with its stages in
//! `shaders/scene/`.

pub mod builder;
pub mod compile;
pub mod cpu;
pub mod inertia;
pub mod model;
