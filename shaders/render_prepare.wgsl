// render.prepare: world poses of every geom, camera and light of the rendered worlds,
// from the env's State. One thread per rendered world (geoms and lights), then one per
// view (its camera). Rust reference: render::reference (tests compare against it).
#import shared/render_io
#import shared/quat

@group(0) @binding(0) var<uniform> params: RenderParams;
@group(0) @binding(1) var<storage, read> bodies: array<RenderBody>;
@group(0) @binding(2) var<storage, read> geoms: array<RenderGeom>;
@group(0) @binding(3) var<storage, read> colors: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> cameras: array<RenderCamera>;
@group(0) @binding(5) var<storage, read> lights: array<RenderLight>;
@group(0) @binding(6) var<storage, read> views: array<RenderView>;
@group(0) @binding(7) var<storage, read> slots: array<u32>;
@group(0) @binding(8) var<storage, read> state_in: array<f32>;
@group(0) @binding(9) var<storage, read_write> geom_pose_out: array<GeomPose>;
@group(0) @binding(10) var<storage, read_write> view_pose_out: array<ViewPose>;
@group(0) @binding(11) var<storage, read_write> light_pose_out: array<LightPose>;
// Size scale per geom (1: as modelled), one copy per world with the colours.
@group(0) @binding(12) var<storage, read> scales: array<f32>;

struct Pose {
    p: vec3<f32>,
    q: vec4<f32>,
}

fn compose(a: Pose, b: Pose) -> Pose {
    return Pose(a.p + qrot(a.q, b.p), normalize(qmul(a.q, b.q)));
}

// World pose of MJCF body `b` in world `world`.
fn body_pose(world: u32, b: u32) -> Pose {
    let rb = bodies[b];
    let local = Pose(rb.pos.xyz, rb.quat);
    if rb.sim == NONE {
        return local;
    }
    let at = world * params.state_dim + rb.sim * BODY_STATE;
    let x = vec3<f32>(state_in[at + S_POS], state_in[at + S_POS + 1u], state_in[at + S_POS + 2u]);
    let q = vec4<f32>(
        state_in[at + S_QUAT],
        state_in[at + S_QUAT + 1u],
        state_in[at + S_QUAT + 2u],
        state_in[at + S_QUAT + 3u],
    );
    return compose(Pose(x, q), local);
}

@compute @workgroup_size(RENDER_WORKGROUP)
fn prepare(@builtin(global_invocation_id) gid: vec3<u32>) {
    let t = gid.x;
    if t < params.num_slots {
        let slot = t;
        let world = slots[slot];
        let cw = world % params.color_worlds;
        for (var g = 0u; g < params.num_geoms; g++) {
            let rg = geoms[g];
            let pose = compose(body_pose(world, rg.body), Pose(rg.pos.xyz, rg.quat));
            let k = scales[cw * params.num_geoms + g];
            geom_pose_out[slot * params.num_geoms + g] = GeomPose(
                vec4<f32>(pose.p, rg.pos.w * k),
                pose.q,
                vec4<f32>(rg.scale.xyz * k, rg.scale.w),
                colors[cw * params.num_geoms + g],
            );
        }
        let lw = world % params.light_worlds;
        for (var l = 0u; l < params.num_lights; l++) {
            let rl = lights[lw * params.num_lights + l];
            let bp = body_pose(world, rl.body);
            light_pose_out[slot * params.num_lights + l] = LightPose(
                vec4<f32>(bp.p + qrot(bp.q, rl.pos.xyz), f32(rl.directional)),
                vec4<f32>(normalize(qrot(bp.q, rl.dir.xyz)), 0.0),
                rl.diffuse,
                rl.ambient,
            );
        }
        return;
    }
    let v = t - params.num_slots;
    if v >= params.num_views {
        return;
    }
    let view = views[v];
    let cam = cameras[(view.world % params.camera_worlds) * params.num_cameras + view.camera];
    let bp = body_pose(view.world, cam.body);
    var pose: Pose;
    if cam.mode == CAMERA_TRACK {
        pose = Pose(bp.p + cam.pos.xyz, cam.quat);
    } else {
        pose = compose(bp, Pose(cam.pos.xyz, cam.quat));
    }
    let w = f32(cam.width);
    let h = f32(cam.height);
    let k = cam.intrinsics;
    let near = cam.clip.x;
    let far = cam.clip.y;
    view_pose_out[v] = ViewPose(
        vec4<f32>(pose.p, 0.0),
        qconj(pose.q),
        vec4<f32>(2.0 * k.x / w, 2.0 * k.y / h, 2.0 * k.z / w - 1.0, 1.0 - 2.0 * k.w / h),
        vec4<f32>(far / (far - near), -far * near / (far - near), near, far),
    );
}
