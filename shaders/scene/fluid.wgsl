// Scene stage `fluid`: MuJoCo's inertia-box fluid model (its default when <option density>
// or <option viscosity> is set and no geom asks for fluidshape="ellipsoid").
// CPU twin: src/sim/cpu/fluid.rs, which documents the model and the integration.
//
// Each moving body is replaced by the box of uniform density with its mass and principal
// moments (its own: the armature folded into it is left out); its velocity relative to the
// medium, at the centre of mass in the principal frame, meets a viscous drag (a sphere of
// the box's mean side, Stokes) and a quadratic drag (per face area and, for turning, per
// face's swept fourth moment). Both act per principal component, so each component is
// integrated over the substep linearly implicitly: v / (1 + h k / m), where k is the
// component's drag coefficient at the substep's start (exact for the quadratic term alone).

// The box of uniform density with `b`'s mass and own principal moments: its side lengths,
// m, in the principal frame.
fn fluid_box(b: u32) -> vec3<f32> {
    let m = 1.0 / bw(b, B_INV_MASS);
    let s = bw3(b, B_ARM_AXIS);
    let i = 1.0 / bw3(b, B_INV_INERTIA) - s * s;
    let twice = vec3<f32>(i.y + i.z - i.x, i.x + i.z - i.y, i.x + i.y - i.z);
    return sqrt(max(twice, vec3<f32>(1e-15)) * 6.0 / m); // 1e-15: MuJoCo's mjMINVAL
}

// Fluid drag into every moving body's velocities over one substep of `h` seconds. Skipped
// (a uniform branch while the options are shared) when density and viscosity are both 0.
fn apply_fluid_forces(h: f32) {
    let rho = opt(OPT_DENSITY);
    let mu = opt(OPT_VISCOSITY);
    if rho <= 0.0 && mu <= 0.0 {
        return;
    }
    let wind = vec3<f32>(opt(OPT_WIND), opt(OPT_WIND + 1u), opt(OPT_WIND + 2u));
    for (var b = 0u; b < scene.num_bodies; b++) {
        let inv_m = bw(b, B_INV_MASS);
        if inv_m <= 0.0 {
            continue;
        }
        let d = fluid_box(b);
        let q = quat(b);
        // Velocity relative to the medium and angular velocity, principal frame.
        let vl = qrot(qconj(q), vel(b) - wind);
        let wl = qrot(qconj(q), angvel(b));
        // Drag coefficients per component: force = -k_lin * v, torque = -k_ang * w.
        let diam = (d.x + d.y + d.z) / 3.0;
        var k_lin = vec3<f32>(3.0 * PI * diam * max(mu, 0.0));
        var k_ang = vec3<f32>(PI * diam * diam * diam * max(mu, 0.0));
        if rho > 0.0 {
            let area = vec3<f32>(d.y * d.z, d.x * d.z, d.x * d.y);
            k_lin += 0.5 * rho * area * abs(vl);
            let d4 = d * d * d * d;
            let sweep = d * vec3<f32>(d4.y + d4.z, d4.x + d4.z, d4.x + d4.y);
            k_ang += rho / 64.0 * sweep * abs(wl);
        }
        let dv = -vl * (h * inv_m * k_lin) / (1.0 + h * inv_m * k_lin);
        let inv_i = bw3(b, B_INV_INERTIA);
        let dw = -wl * (h * inv_i * k_ang) / (1.0 + h * inv_i * k_ang);
        set_vel(b, vel(b) + qrot(q, dv));
        set_angvel(b, angvel(b) + qrot(q, dw));
    }
}
