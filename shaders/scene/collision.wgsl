// Scene stage `collision`: geom pairs, the narrow phase (sphere, capsule, box, plane) and
// contact generation, once per step. CPU twin: src/sim/cpu/collision.rs.

// ---- Collision ----
struct Placed {
    ty: u32,
    c: vec3<f32>,
    q: vec4<f32>,
    size: vec3<f32>,
}
struct Hit {
    pa: vec3<f32>,
    pb: vec3<f32>,
    n: vec3<f32>,
}
var<private> hits: array<Hit, 8>;
var<private> nhits: u32;

fn push_hit(h: Hit) {
    if nhits < 8u {
        hits[nhits] = h;
        nhits += 1u;
    }
}
fn placed(g: u32) -> Placed {
    let b = bitcast<u32>(gw(g, G_BODY));
    let lq = vec4<f32>(gw(g, G_QUAT), gw(g, G_QUAT + 1u), gw(g, G_QUAT + 2u), gw(g, G_QUAT + 3u));
    let q = quat(b);
    return Placed(bitcast<u32>(gw(g, G_TYPE)), pos(b) + qrot(q, gw3(g, G_POS)), qmul(q, lq), gw3(g, G_SIZE));
}
fn reach(b: u32) -> f32 {
    if b == NONE {
        return 0.0;
    }
    return (length(vel(b)) + length(angvel(b)) * bw(b, B_RADIUS)) * opt(OPT_DT);
}
// A geom's rounding radius: from its core (point or segment) to its surface.
fn rounding(g: Placed) -> f32 {
    return select(0.0, g.size.x, g.ty == GEOM_SPHERE || g.ty == GEOM_CAPSULE);
}
// `held`: the pair's contact margin, split between the two stored rounding radii so the
// normal solve holds the surfaces that far apart (CPU twin: add_contact).
fn add_contact(hit: Hit, ba: u32, bb: u32, rad1: f32, rad2: f32, mu: f32, e: f32, held: f32, flags: ptr<function, u32>) {
    var a = ba;
    var b = bb;
    var pa = hit.pa;
    var pb = hit.pb;
    var n = hit.n;
    var rad_a = rad1;
    var rad_b = rad2;
    if ba == NONE {
        a = bb;
        b = ba;
        pa = hit.pb;
        pb = hit.pa;
        n = -hit.n;
        rad_a = rad2;
        rad_b = rad1;
    }
    pa += n * rad_a;
    pb -= n * rad_b;
    let count = bitcast<u32>(xs_get(count_index()));
    if count >= scene.contact_capacity {
        *flags |= FLAG_CONTACT_OVERFLOW;
        return;
    }
    let ra = qrot(qconj(quat(a)), pa - pos(a));
    let rb = qrot(qconj(quat(b)), pb - pos(b));
    set_contact_word(count, C_BODY_A, bitcast<f32>(a));
    set_contact_word(count, C_BODY_B, bitcast<f32>(b));
    set_contact_word(count, C_RA, ra.x);
    set_contact_word(count, C_RA + 1u, ra.y);
    set_contact_word(count, C_RA + 2u, ra.z);
    set_contact_word(count, C_RB, rb.x);
    set_contact_word(count, C_RB + 1u, rb.y);
    set_contact_word(count, C_RB + 2u, rb.z);
    set_contact_word(count, C_NORMAL, n.x);
    set_contact_word(count, C_NORMAL + 1u, n.y);
    set_contact_word(count, C_NORMAL + 2u, n.z);
    set_contact_word(count, C_FRICTION, mu);
    set_contact_word(count, C_LAMBDA, 0.0);
    set_contact_word(count, C_RESTITUTION, e);
    set_contact_word(count, C_VN0, 0.0);
    set_contact_word(count, C_RAD_A, rad_a + 0.5 * held);
    set_contact_word(count, C_RAD_B, rad_b + 0.5 * held);
    set_contact_word(count, C_PATCH_FIRST, select(1.0, 0.0, count > 0u && same_patch(count - 1u, count)));
    xs_set(count_index(), bitcast<f32>(count + 1u));
}
fn sphere_sphere(ca: vec3<f32>, ra: f32, cb: vec3<f32>, rb: f32) -> Hit {
    let d = ca - cb;
    let l = length(d);
    var n = vec3<f32>(0.0, 0.0, 1.0);
    if l > PHYS_EPS {
        n = d / l;
    }
    return Hit(ca - n * ra, cb + n * rb, n);
}
// Closest points between segments p1 + s d1 and p2 + t d2 (s, t in [0, 1]).
fn segment_segment(p1: vec3<f32>, d1: vec3<f32>, p2: vec3<f32>, d2: vec3<f32>) -> array<vec3<f32>, 2> {
    let r = p1 - p2;
    let a = dot(d1, d1);
    let e = dot(d2, d2);
    let f = dot(d2, r);
    var s = 0.0;
    var t = 0.0;
    if a <= PHYS_EPS && e <= PHYS_EPS {
        return array<vec3<f32>, 2>(p1, p2);
    }
    if a <= PHYS_EPS {
        s = 0.0;
        t = clamp(f / e, 0.0, 1.0);
    } else {
        let c = dot(d1, r);
        if e <= PHYS_EPS {
            t = 0.0;
            s = clamp(-c / a, 0.0, 1.0);
        } else {
            let b = dot(d1, d2);
            let denom = a * e - b * b;
            if denom > PHYS_EPS {
                s = clamp((b * f - c * e) / denom, 0.0, 1.0);
            } else {
                s = 0.0;
            }
            t = (b * s + f) / e;
            if t < 0.0 {
                t = 0.0;
                s = clamp(-c / a, 0.0, 1.0);
            } else if t > 1.0 {
                t = 1.0;
                s = clamp((b - c) / a, 0.0, 1.0);
            }
        }
    }
    return array<vec3<f32>, 2>(p1 + d1 * s, p2 + d2 * t);
}
fn box_point(bx: Placed, c: vec3<f32>, r: f32) -> Hit {
    let h = bx.size;
    let l = qrot(qconj(bx.q), c - bx.c);
    let inside = abs(l.x) < h.x && abs(l.y) < h.y && abs(l.z) < h.z;
    if !inside {
        let qb = bx.c + qrot(bx.q, clamp(l, -h, h));
        let d = qb - c;
        let dl = length(d);
        var n = vec3<f32>(0.0, 0.0, 1.0);
        if dl > PHYS_EPS {
            n = d / dl;
        }
        return Hit(qb, c + n * r, n);
    }
    let gap = h - abs(l);
    var k = 0u;
    if gap.y < gap[k] {
        k = 1u;
    }
    if gap.z < gap[k] {
        k = 2u;
    }
    var nl = vec3<f32>(0.0);
    nl[k] = select(-1.0, 1.0, l[k] >= 0.0);
    var face = l;
    face[k] = nl[k] * h[k];
    let n = -qrot(bx.q, nl);
    return Hit(bx.c + qrot(bx.q, face), c + n * r, n);
}
fn axis_of(q: vec4<f32>, k: u32) -> vec3<f32> {
    var e = vec3<f32>(0.0);
    e[k] = 1.0;
    return qrot(q, e);
}
fn projected_radius(q: vec4<f32>, h: vec3<f32>, l: vec3<f32>) -> f32 {
    return h.x * abs(dot(axis_of(q, 0u), l)) + h.y * abs(dot(axis_of(q, 1u), l)) + h.z * abs(dot(axis_of(q, 2u), l));
}
var<private> poly: array<vec3<f32>, 8>;
fn clip(np: u32, plane_n: vec3<f32>, off: f32) -> u32 {
    let src = poly;
    var out = 0u;
    for (var i = 0u; i < np; i++) {
        let p = src[i];
        let q = src[(i + 1u) % np];
        let dp = dot(plane_n, p) - off;
        let dq = dot(plane_n, q) - off;
        if dp <= 0.0 && out < 8u {
            poly[out] = p;
            out += 1u;
        }
        if (dp <= 0.0) != (dq <= 0.0) && out < 8u {
            let t = dp / (dp - dq);
            poly[out] = p + (q - p) * t;
            out += 1u;
        }
    }
    return out;
}
// Face-face manifold reduction to four points (see `keep_four` in cpu.rs).
var<private> cand: array<vec3<f32>, 8>;
var<private> seps: array<f32, 8>;
fn side_of(i0: u32, i1: u32, m: u32, n: vec3<f32>) -> f32 {
    return dot(cross(cand[i1] - cand[i0], cand[m] - cand[i0]), n);
}
fn keep_four(len: u32, n: vec3<f32>) -> u32 {
    if len <= 4u {
        return (1u << len) - 1u;
    }
    var i0 = 0u;
    for (var m = 1u; m < len; m++) {
        if seps[m] < seps[i0] {
            i0 = m;
        }
    }
    var i1 = 0u;
    var far = -1.0;
    for (var m = 0u; m < len; m++) {
        let d = dot(cand[m] - cand[i0], cand[m] - cand[i0]);
        if m != i0 && d > far {
            far = d;
            i1 = m;
        }
    }
    var i2 = 0u;
    var hi = -3.0e38;
    for (var m = 0u; m < len; m++) {
        let s = side_of(i0, i1, m, n);
        if m != i0 && m != i1 && s > hi {
            hi = s;
            i2 = m;
        }
    }
    var i3 = 0u;
    var lo = 3.0e38;
    for (var m = 0u; m < len; m++) {
        let s = side_of(i0, i1, m, n);
        if m != i0 && m != i1 && m != i2 && s < lo {
            lo = s;
            i3 = m;
        }
    }
    return (1u << i0) | (1u << i1) | (1u << i2) | (1u << i3);
}
fn box_box(a: Placed, b: Placed, margin: f32) {
    let d = b.c - a.c;
    var best = -3.0e38;
    var best_axis = 0u;
    for (var k = 0u; k < 6u; k++) {
        var l = axis_of(b.q, k % 3u);
        if k < 3u {
            l = axis_of(a.q, k);
        }
        let sep = abs(dot(d, l)) - projected_radius(a.q, a.size, l) - projected_radius(b.q, b.size, l);
        if sep > margin {
            return;
        }
        if sep > best + 1e-5 {
            best = sep;
            best_axis = k;
        }
    }
    let face_best = best;
    for (var i = 0u; i < 3u; i++) {
        for (var j = 0u; j < 3u; j++) {
            let l0 = cross(axis_of(a.q, i), axis_of(b.q, j));
            let len = length(l0);
            if len >= 1e-5 {
                let l = l0 / len;
                let sep = abs(dot(d, l)) - projected_radius(a.q, a.size, l) - projected_radius(b.q, b.size, l);
                if sep > margin {
                    return;
                }
                if sep > max(best, face_best + 1e-3) {
                    best = sep;
                    best_axis = 6u + 3u * i + j;
                }
            }
        }
    }
    if best_axis < 6u {
        let ref_is_a = best_axis < 3u;
        var rf = b;
        var inc = a;
        if ref_is_a {
            rf = a;
            inc = b;
        }
        let k = best_axis % 3u;
        let rn0 = axis_of(rf.q, k);
        let nref = select(-rn0, rn0, dot(inc.c - rf.c, rn0) >= 0.0);
        var ik = 0u;
        var best_dot = 0.0;
        for (var m = 0u; m < 3u; m++) {
            let dd = dot(axis_of(inc.q, m), nref);
            if abs(dd) > abs(best_dot) {
                best_dot = dd;
                ik = m;
            }
        }
        let inn = -axis_of(inc.q, ik) * sign(best_dot);
        let fc = inc.c + inn * inc.size[ik];
        let u1 = (ik + 1u) % 3u;
        let u2 = (ik + 2u) % 3u;
        let e1 = axis_of(inc.q, u1) * inc.size[u1];
        let e2 = axis_of(inc.q, u2) * inc.size[u2];
        poly[0] = fc + e1 + e2;
        poly[1] = fc - e1 + e2;
        poly[2] = fc - e1 - e2;
        poly[3] = fc + e1 - e2;
        var np = 4u;
        for (var mm = 1u; mm < 3u; mm++) {
            let m = (k + mm) % 3u;
            let t = axis_of(rf.q, m);
            np = clip(np, t, dot(t, rf.c) + rf.size[m]);
            np = clip(np, -t, -dot(t, rf.c) + rf.size[m]);
        }
        var nc = 0u;
        for (var i = 0u; i < np; i++) {
            let sep = dot(poly[i] - rf.c, nref) - rf.size[k];
            if sep < margin && nc < 8u {
                cand[nc] = poly[i];
                seps[nc] = sep;
                nc += 1u;
            }
        }
        let keep = keep_four(nc, nref);
        for (var i = 0u; i < nc; i++) {
            if (keep & (1u << i)) != 0u {
                let p = cand[i];
                let on_ref = p - nref * seps[i];
                if ref_is_a {
                    push_hit(Hit(on_ref, p, -nref));
                } else {
                    push_hit(Hit(p, on_ref, nref));
                }
            }
        }
        return;
    }
    let e = best_axis - 6u;
    let i = e / 3u;
    let j = e % 3u;
    let l = normalize(cross(axis_of(a.q, i), axis_of(b.q, j)));
    let n = select(l, -l, dot(d, l) > 0.0);
    var pa = a.c;
    var pb = b.c;
    for (var m = 0u; m < 3u; m++) {
        if m != i {
            let ax = axis_of(a.q, m);
            pa += ax * (a.size[m] * sign(dot(-n, ax)));
        }
        if m != j {
            let bx = axis_of(b.q, m);
            pb += bx * (b.size[m] * sign(dot(n, bx)));
        }
    }
    let da = axis_of(a.q, i) * a.size[i];
    let db = axis_of(b.q, j) * b.size[j];
    let s = segment_segment(pa - da, 2.0 * da, pb - db, 2.0 * db);
    push_hit(Hit(s[0], s[1], n));
}
fn narrow_phase(a: Placed, b: Placed, margin: f32) {
    nhits = 0u;
    if b.ty == GEOM_PLANE {
        let m = qrot(b.q, vec3<f32>(0.0, 0.0, 1.0));
        if a.ty == GEOM_SPHERE || a.ty == GEOM_CAPSULE {
            var ends = array<vec3<f32>, 2>(a.c, a.c);
            var count = 1u;
            if a.ty == GEOM_CAPSULE {
                let ax = qrot(a.q, vec3<f32>(0.0, 0.0, 1.0)) * a.size.y;
                ends = array<vec3<f32>, 2>(a.c + ax, a.c - ax);
                count = 2u;
            }
            for (var i = 0u; i < count; i++) {
                let c = ends[i];
                let d = dot(c - b.c, m);
                push_hit(Hit(c - m * a.size.x, c - m * d, m));
            }
        } else if a.ty == GEOM_BOX {
            for (var i = 0u; i < 8u; i++) {
                let s = vec3<f32>(select(-1.0, 1.0, (i & 1u) != 0u), select(-1.0, 1.0, (i & 2u) != 0u),
                    select(-1.0, 1.0, (i & 4u) != 0u));
                let v = a.c + qrot(a.q, s * a.size);
                let d = dot(v - b.c, m);
                if d < margin {
                    push_hit(Hit(v, v - m * d, m));
                }
            }
        }
    } else if a.ty == GEOM_SPHERE {
        push_hit(sphere_sphere(a.c, a.size.x, b.c, b.size.x));
    } else if a.ty == GEOM_CAPSULE && b.ty == GEOM_SPHERE {
        let ax = qrot(a.q, vec3<f32>(0.0, 0.0, 1.0));
        let t = clamp(dot(b.c - a.c, ax), -a.size.y, a.size.y);
        push_hit(sphere_sphere(a.c + ax * t, a.size.x, b.c, b.size.x));
    } else if a.ty == GEOM_CAPSULE {
        let ua = qrot(a.q, vec3<f32>(0.0, 0.0, 1.0)) * a.size.y;
        let ub = qrot(b.q, vec3<f32>(0.0, 0.0, 1.0)) * b.size.y;
        let s = segment_segment(a.c - ua, 2.0 * ua, b.c - ub, 2.0 * ub);
        push_hit(sphere_sphere(s[0], a.size.x, s[1], b.size.x));
    } else if b.ty == GEOM_SPHERE {
        push_hit(box_point(a, b.c, b.size.x));
    } else if b.ty == GEOM_CAPSULE {
        let ax = qrot(b.q, vec3<f32>(0.0, 0.0, 1.0));
        let hl = b.size.y;
        push_hit(box_point(a, b.c - ax * hl, b.size.x));
        push_hit(box_point(a, b.c + ax * hl, b.size.x));
        var t = clamp(dot(a.c - b.c, ax), -hl, hl);
        for (var i = 0; i < 4; i++) {
            let p = b.c + ax * t;
            let l = qrot(qconj(a.q), p - a.c);
            let qb = a.c + qrot(a.q, clamp(l, -a.size, a.size));
            t = clamp(dot(qb - b.c, ax), -hl, hl);
        }
        if abs(t) < hl - 1e-4 * max(hl, 1e-3) {
            push_hit(box_point(a, b.c + ax * t, b.size.x));
        }
    } else {
        box_box(a, b, margin);
    }
}
fn collide() -> u32 {
    var flags = 0u;
    xs_set(count_index(), bitcast<f32>(0u));
    for (var i = 0u; i < scene.num_pairs; i++) {
        var g1 = bitcast<u32>(model[scene.off_pair + 2u * i]);
        var g2 = bitcast<u32>(model[scene.off_pair + 2u * i + 1u]);
        if bitcast<u32>(gw(g1, G_TYPE)) < bitcast<u32>(gw(g2, G_TYPE)) {
            let t = g1;
            g1 = g2;
            g2 = t;
        }
        let b1 = bitcast<u32>(gw(g1, G_BODY));
        let b2 = bitcast<u32>(gw(g2, G_BODY));
        let s1 = placed(g1);
        let s2 = placed(g2);
        // The pair's MJCF margin and gap are sums (MuJoCo 4): contacts hold the surfaces
        // `held` apart; the search reaches the speculative margin beyond margin + gap.
        let held = gw(g1, G_MARGIN) + gw(g2, G_MARGIN);
        let gap = gw(g1, G_GAP) + gw(g2, G_GAP);
        let margin = scene.margin + (held + gap) + reach(b1) + reach(b2);
        let r1 = gw(g1, G_RADIUS);
        let r2 = gw(g2, G_RADIUS);
        var near = length(s1.c - s2.c) <= r1 + r2 + margin;
        if s2.ty == GEOM_PLANE {
            let n = qrot(s2.q, vec3<f32>(0.0, 0.0, 1.0));
            near = dot(s1.c - s2.c, n) - r1 <= margin;
        }
        if near {
            // MuJoCo's pair rules: the larger condim (1: no friction), the larger friction.
            let condim = max(bitcast<u32>(gw(g1, G_CONDIM)), bitcast<u32>(gw(g2, G_CONDIM)));
            let mu = select(max(gw(g1, G_FRICTION), gw(g2, G_FRICTION)), 0.0, condim == 1u);
            let e = max(gw(g1, G_RESTITUTION), gw(g2, G_RESTITUTION));
            narrow_phase(s1, s2, margin);
            for (var k = 0u; k < nhits; k++) {
                let h = hits[k];
                if dot(h.pa - h.pb, h.n) < margin {
                    add_contact(h, b1, b2, rounding(s1), rounding(s2), mu, e, held, &flags);
                }
            }
        }
    }
    return flags;
}
