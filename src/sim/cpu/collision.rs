//! Stage `collision` of the CPU reference: the twin of `shaders/scene/collision.wgsl`.
//! Geom pairs, the narrow phase and contact generation, once per step.

use super::*;

/// A contact found by the narrow phase: points on A and B, normal from B to A.
#[derive(Debug, Clone, Copy)]
pub struct Hit {
    /// Point on A's surface, world, m.
    pub pa: Vec3,
    /// Point on B's surface, world, m.
    pub pb: Vec3,
    /// Unit normal from B to A.
    pub n: Vec3,
}

/// A geom placed in the world.
#[derive(Debug, Clone, Copy)]
pub struct Placed {
    /// `GEOM_*`.
    pub ty: u32,
    /// Centre, m.
    pub c: Vec3,
    /// Orientation.
    pub q: Quat,
    /// Size words.
    pub size: Vec3,
}

impl World<'_> {
    // ---- Collision ----
    pub(super) fn placed(&self, g: u32) -> (u32, Placed) {
        let b = u(self.gw(g, G_BODY));
        let lp = self.gw3(g, G_POS);
        let lq = Quat::from_xyzw(
            self.gw(g, G_QUAT),
            self.gw(g, G_QUAT + 1),
            self.gw(g, G_QUAT + 2),
            self.gw(g, G_QUAT + 3),
        );
        let (x, q) = (self.pos(b), self.quat(b));
        (
            b,
            Placed {
                ty: u(self.gw(g, G_TYPE)),
                c: x + q * lp,
                q: q * lq,
                size: self.gw3(g, G_SIZE),
            },
        )
    }

    /// How far a body can move in one step, m: a bound used to size speculative margins.
    pub(super) fn reach(&self, b: u32) -> f32 {
        if b == NONE {
            return 0.0;
        }
        (self.vel(b).length() + self.angvel(b).length() * self.bw(b, B_RADIUS)) * self.opt(OPT_DT)
    }

    /// Records `hit` between bodies `ba` and `bb` (geoms with rounding radii `rad`); `pair`
    /// is the pair's friction, restitution and contact margin (m).
    ///
    /// The margin is split between the two rounding radii that the contact stores (each
    /// side's contact point moves half of it towards the other): the normal solve then
    /// holds the surfaces the margin apart and the contact point sits midway between them,
    /// where MuJoCo puts it.
    pub(super) fn add_contact(
        &mut self,
        hit: Hit,
        ba: u32,
        bb: u32,
        rad: [f32; 2],
        pair: [f32; 3],
        flags: &mut u32,
    ) {
        let [mu, e, margin] = pair;
        let (a, b, pa, pb, n, rad_a, rad_b) = if ba == NONE {
            (bb, ba, hit.pb, hit.pa, -hit.n, rad[1], rad[0])
        } else {
            (ba, bb, hit.pa, hit.pb, hit.n, rad[0], rad[1])
        };
        let (pa, pb) = (pa + n * rad_a, pb - n * rad_b);
        let count = self.num_contacts();
        if count >= self.p.contact_capacity {
            *flags |= FLAG_CONTACT_OVERFLOW;
            return;
        }
        let ra = self.quat(a).conjugate() * (pa - self.pos(a));
        let rb = self.quat(b).conjugate() * (pb - self.pos(b));
        let words = [
            f32::from_bits(a),
            f32::from_bits(b),
            ra.x,
            ra.y,
            ra.z,
            rb.x,
            rb.y,
            rb.z,
            n.x,
            n.y,
            n.z,
            mu,
            0.0,
            e,
            0.0,
            rad_a + 0.5 * margin,
            rad_b + 0.5 * margin,
            1.0,
        ];
        let at = (self.p.scratch_contacts + count * CONTACT_STRIDE) as usize;
        self.scratch[at..at + CONTACT_STRIDE as usize].copy_from_slice(&words);
        if count > 0 && self.same_patch(count - 1, count) {
            self.set_contact_word(count, C_PATCH_FIRST, 0.0);
        }
        self.scratch[(self.p.scratch_contacts - 1) as usize] = f32::from_bits(count + 1);
    }

    /// Collision pair `i`'s geoms, A first: A is the higher type, so planes are always B.
    pub(super) fn pair(&self, i: u32) -> (u32, u32) {
        let at = (self.p.off_pair + 2 * i) as usize;
        let (g1, g2) = (u(self.model[at]), u(self.model[at + 1]));
        if u(self.gw(g1, G_TYPE)) < u(self.gw(g2, G_TYPE)) {
            (g2, g1)
        } else {
            (g1, g2)
        }
    }

    /// Finds this step's contacts. Returns flags (overflow).
    pub fn collide(&mut self) -> u32 {
        let mut flags = 0;
        self.scratch[(self.p.scratch_contacts - 1) as usize] = f32::from_bits(0);
        for i in 0..self.p.num_pairs {
            let (g1, g2) = self.pair(i);
            let (b1, s1) = self.placed(g1);
            let (b2, s2) = self.placed(g2);
            // The pair's MJCF margin and gap are sums (MuJoCo 4). Contacts hold the surfaces
            // `held` apart; the search reaches the speculative margin beyond margin + gap.
            let held = self.gw(g1, G_MARGIN) + self.gw(g2, G_MARGIN);
            let gap = self.gw(g1, G_GAP) + self.gw(g2, G_GAP);
            let margin = self.p.margin + (held + gap) + self.reach(b1) + self.reach(b2);
            let (r1, r2) = (self.gw(g1, G_RADIUS), self.gw(g2, G_RADIUS));
            if s2.ty == GEOM_PLANE {
                let n = s2.q * Vec3::Z;
                if (s1.c - s2.c).dot(n) - r1 > margin {
                    continue;
                }
            } else if (s1.c - s2.c).length() > r1 + r2 + margin {
                continue;
            }
            // MuJoCo's pair rules: the larger condim (1: no friction), the larger friction.
            let condim = u(self.gw(g1, G_CONDIM)).max(u(self.gw(g2, G_CONDIM)));
            let mu = if condim == 1 {
                0.0
            } else {
                self.gw(g1, G_FRICTION).max(self.gw(g2, G_FRICTION))
            };
            let e = self.gw(g1, G_RESTITUTION).max(self.gw(g2, G_RESTITUTION));
            let mut hits = [Hit {
                pa: Vec3::ZERO,
                pb: Vec3::ZERO,
                n: Vec3::Z,
            }; 8];
            let count = narrow_phase(&s1, &s2, margin, &mut hits);
            for hit in &hits[..count] {
                if (hit.pa - hit.pb).dot(hit.n) < margin {
                    let rad = [rounding(&s1), rounding(&s2)];
                    self.add_contact(*hit, b1, b2, rad, [mu, e, held], &mut flags);
                }
            }
        }
        flags
    }

    /// The deepest overlap between any two geoms of this world that may collide (its
    /// collision pairs), m; 0 when nothing overlaps. From the narrow phase on the
    /// current poses, whatever contacts the last step recorded: a soak's measure.
    pub fn max_penetration(&self) -> f32 {
        let mut deepest = 0.0f32;
        for i in 0..self.p.num_pairs {
            let (g1, g2) = self.pair(i);
            let (_, s1) = self.placed(g1);
            let (_, s2) = self.placed(g2);
            let mut hits = [Hit {
                pa: Vec3::ZERO,
                pb: Vec3::ZERO,
                n: Vec3::Z,
            }; 8];
            for hit in &hits_of(&s1, &s2, &mut hits) {
                deepest = deepest.max(-(hit.pa - hit.pb).dot(hit.n));
            }
        }
        deepest
    }
}

/// A geom's rounding radius: the distance from its core (point or segment) to its surface.
fn rounding(g: &Placed) -> f32 {
    if g.ty == GEOM_SPHERE || g.ty == GEOM_CAPSULE {
        g.size.x
    } else {
        0.0
    }
}

fn hit(pa: Vec3, pb: Vec3, n: Vec3) -> Hit {
    Hit { pa, pb, n }
}

fn sphere_sphere(ca: Vec3, ra: f32, cb: Vec3, rb: f32) -> Hit {
    let d = ca - cb;
    let l = d.length();
    let n = if l > PHYS_EPS { d / l } else { Vec3::Z };
    hit(ca - n * ra, cb + n * rb, n)
}

/// Closest points between segments p1 + s d1 and p2 + t d2 (s, t in [0, 1]).
fn segment_segment(p1: Vec3, d1: Vec3, p2: Vec3, d2: Vec3) -> (Vec3, Vec3) {
    let r = p1 - p2;
    let a = d1.dot(d1);
    let e = d2.dot(d2);
    let f = d2.dot(r);
    let (mut s, mut t);
    if a <= PHYS_EPS && e <= PHYS_EPS {
        return (p1, p2);
    }
    if a <= PHYS_EPS {
        s = 0.0;
        t = (f / e).clamp(0.0, 1.0);
    } else {
        let c = d1.dot(r);
        if e <= PHYS_EPS {
            t = 0.0;
            s = (-c / a).clamp(0.0, 1.0);
        } else {
            let b = d1.dot(d2);
            let denom = a * e - b * b;
            s = if denom > PHYS_EPS {
                ((b * f - c * e) / denom).clamp(0.0, 1.0)
            } else {
                0.0
            };
            t = (b * s + f) / e;
            if t < 0.0 {
                t = 0.0;
                s = (-c / a).clamp(0.0, 1.0);
            } else if t > 1.0 {
                t = 1.0;
                s = ((b - c) / a).clamp(0.0, 1.0);
            }
        }
    }
    (p1 + d1 * s, p2 + d2 * t)
}

fn box_point(bx: &Placed, c: Vec3, r: f32) -> Hit {
    let h = bx.size;
    let l = bx.q.conjugate() * (c - bx.c);
    let inside = l.x.abs() < h.x && l.y.abs() < h.y && l.z.abs() < h.z;
    if !inside {
        let qb = bx.c + bx.q * l.clamp(-h, h);
        let d = qb - c;
        let dl = d.length();
        let n = if dl > PHYS_EPS { d / dl } else { Vec3::Z };
        return hit(qb, c + n * r, n);
    }
    // Inside: leave through the nearest face.
    let gap = h - l.abs();
    let mut k = 0;
    if gap.y < gap[k] {
        k = 1;
    }
    if gap.z < gap[k] {
        k = 2;
    }
    let mut nl = Vec3::ZERO;
    nl[k] = if l[k] >= 0.0 { 1.0 } else { -1.0 };
    let mut face = l;
    face[k] = nl[k] * h[k];
    let n = -(bx.q * nl);
    hit(bx.c + bx.q * face, c + n * r, n)
}

/// The narrow phase's hits between two placed geoms with no margin (only touching or
/// overlapping points), copied out of `buf`.
fn hits_of(a: &Placed, b: &Placed, buf: &mut [Hit; 8]) -> Vec<Hit> {
    let n = narrow_phase(a, b, 0.0, buf);
    buf[..n].to_vec()
}

/// Contacts between placed geoms A and B (A's type ≥ B's). Returns how many of `out` it wrote.
pub fn narrow_phase(a: &Placed, b: &Placed, margin: f32, out: &mut [Hit; 8]) -> usize {
    let mut n = 0;
    let mut push = |h: Hit, n: &mut usize| {
        if *n < 8 {
            out[*n] = h;
            *n += 1;
        }
    };
    match (a.ty, b.ty) {
        (GEOM_SPHERE, GEOM_PLANE) | (GEOM_CAPSULE, GEOM_PLANE) => {
            let m = b.q * Vec3::Z;
            let (r, ends) = if a.ty == GEOM_SPHERE {
                (a.size.x, [a.c, a.c])
            } else {
                let ax = a.q * Vec3::Z * a.size.y;
                (a.size.x, [a.c + ax, a.c - ax])
            };
            let count = if a.ty == GEOM_SPHERE { 1 } else { 2 };
            for c in &ends[..count] {
                let d = (*c - b.c).dot(m);
                push(hit(*c - m * r, *c - m * d, m), &mut n);
            }
        }
        (GEOM_BOX, GEOM_PLANE) => {
            let m = b.q * Vec3::Z;
            for i in 0..8 {
                let s = Vec3::new(
                    if i & 1 == 0 { -1.0 } else { 1.0 },
                    if i & 2 == 0 { -1.0 } else { 1.0 },
                    if i & 4 == 0 { -1.0 } else { 1.0 },
                );
                let v = a.c + a.q * (s * a.size);
                let d = (v - b.c).dot(m);
                if d < margin {
                    push(hit(v, v - m * d, m), &mut n);
                }
            }
        }
        (GEOM_SPHERE, GEOM_SPHERE) => push(sphere_sphere(a.c, a.size.x, b.c, b.size.x), &mut n),
        (GEOM_CAPSULE, GEOM_SPHERE) => {
            let ax = a.q * Vec3::Z;
            let t = (b.c - a.c).dot(ax).clamp(-a.size.y, a.size.y);
            push(sphere_sphere(a.c + ax * t, a.size.x, b.c, b.size.x), &mut n);
        }
        (GEOM_CAPSULE, GEOM_CAPSULE) => {
            let (ua, ub) = (a.q * Vec3::Z * a.size.y, b.q * Vec3::Z * b.size.y);
            let (pa, pb) = segment_segment(a.c - ua, 2.0 * ua, b.c - ub, 2.0 * ub);
            push(sphere_sphere(pa, a.size.x, pb, b.size.x), &mut n);
        }
        (GEOM_BOX, GEOM_SPHERE) => push(box_point(a, b.c, b.size.x), &mut n),
        (GEOM_BOX, GEOM_CAPSULE) => {
            // The capsule's two end spheres, and the sphere at the point of its axis
            // closest to the box (a few alternating projections converge for convex shapes).
            let ax = b.q * Vec3::Z;
            let hl = b.size.y;
            for s in [-1.0, 1.0] {
                push(box_point(a, b.c + ax * (s * hl), b.size.x), &mut n);
            }
            let mut t = (a.c - b.c).dot(ax).clamp(-hl, hl);
            for _ in 0..4 {
                let p = b.c + ax * t;
                let l = a.q.conjugate() * (p - a.c);
                let qb = a.c + a.q * l.clamp(-a.size, a.size);
                t = (qb - b.c).dot(ax).clamp(-hl, hl);
            }
            if t.abs() < hl - 1e-4 * hl.max(1e-3) {
                push(box_point(a, b.c + ax * t, b.size.x), &mut n);
            }
        }
        (GEOM_BOX, GEOM_BOX) => n = box_box(a, b, margin, out),
        _ => {}
    }
    n
}

fn axis_of(q: Quat, k: usize) -> Vec3 {
    match k {
        0 => q * Vec3::X,
        1 => q * Vec3::Y,
        _ => q * Vec3::Z,
    }
}

fn projected_radius(q: Quat, h: Vec3, l: Vec3) -> f32 {
    h.x * axis_of(q, 0).dot(l).abs()
        + h.y * axis_of(q, 1).dot(l).abs()
        + h.z * axis_of(q, 2).dot(l).abs()
}

/// Box-box by the separating axis test (15 axes), then a face manifold by clipping the
/// incident face against the reference face's sides (up to 8 points), or one edge-edge point.
/// Which points of a face-face manifold to keep (a bit mask over `ps`): all of them up to
/// four; else the deepest, the one farthest from it, and the farthest on each side of the
/// line through those two (normal `n`), the usual reduction to four: four corners hold a
/// face as well as eight, and every contact costs every substep (boxes at rest: 44 -> 32
/// contacts). Ties go to the first index, so the GPU twin picks the same points.
fn keep_four(ps: &[Vec3], seps: &[f32], n: Vec3) -> u32 {
    let len = ps.len();
    if len <= 4 {
        return (1 << len) - 1;
    }
    let mut i0 = 0;
    for m in 1..len {
        if seps[m] < seps[i0] {
            i0 = m;
        }
    }
    let mut i1 = usize::MAX;
    let mut far = -1.0;
    for m in 0..len {
        let d = (ps[m] - ps[i0]).length_squared();
        if m != i0 && d > far {
            far = d;
            i1 = m;
        }
    }
    let side = |m: usize| (ps[i1] - ps[i0]).cross(ps[m] - ps[i0]).dot(n);
    let (mut i2, mut hi) = (usize::MAX, f32::NEG_INFINITY);
    for m in 0..len {
        if m != i0 && m != i1 && side(m) > hi {
            hi = side(m);
            i2 = m;
        }
    }
    let (mut i3, mut lo) = (usize::MAX, f32::INFINITY);
    for m in 0..len {
        if m != i0 && m != i1 && m != i2 && side(m) < lo {
            lo = side(m);
            i3 = m;
        }
    }
    (1 << i0) | (1 << i1) | (1 << i2) | (1 << i3)
}

fn box_box(a: &Placed, b: &Placed, margin: f32, out: &mut [Hit; 8]) -> usize {
    let d = b.c - a.c;
    let mut best = f32::NEG_INFINITY;
    let mut best_axis = 0usize; // 0..3 A faces, 3..6 B faces, 6..15 edges
    for k in 0..6 {
        let l = if k < 3 {
            axis_of(a.q, k)
        } else {
            axis_of(b.q, k - 3)
        };
        let sep =
            d.dot(l).abs() - projected_radius(a.q, a.size, l) - projected_radius(b.q, b.size, l);
        if sep > margin {
            return 0;
        }
        // Prefer A's faces, then B's, on near ties: stable manifolds for resting stacks.
        if sep > best + 1e-5 {
            best = sep;
            best_axis = k;
        }
    }
    let face_best = best;
    for i in 0..3 {
        for j in 0..3 {
            let l = axis_of(a.q, i).cross(axis_of(b.q, j));
            let len = l.length();
            if len < 1e-5 {
                continue;
            }
            let l = l / len;
            let sep = d.dot(l).abs()
                - projected_radius(a.q, a.size, l)
                - projected_radius(b.q, b.size, l);
            if sep > margin {
                return 0;
            }
            // Edges win only clearly: face manifolds are what keeps boxes resting flat.
            if sep > best.max(face_best + 1e-3) {
                best = sep;
                best_axis = 6 + 3 * i + j;
            }
        }
    }
    if best_axis < 6 {
        let (rf, inc, ref_is_a) = if best_axis < 3 {
            (a, b, true)
        } else {
            (b, a, false)
        };
        let k = best_axis % 3;
        let rn0 = axis_of(rf.q, k);
        let nref = if (inc.c - rf.c).dot(rn0) >= 0.0 {
            rn0
        } else {
            -rn0
        };
        // Incident face: the one most anti-parallel to nref.
        let mut ik = 0;
        let mut best_dot = 0.0f32;
        for m in 0..3 {
            let dd = axis_of(inc.q, m).dot(nref);
            if dd.abs() > best_dot.abs() {
                best_dot = dd;
                ik = m;
            }
        }
        let inn = -axis_of(inc.q, ik) * best_dot.signum();
        let fc = inc.c + inn * inc.size[ik];
        let (u1, u2) = ((ik + 1) % 3, (ik + 2) % 3);
        let (e1, e2) = (
            axis_of(inc.q, u1) * inc.size[u1],
            axis_of(inc.q, u2) * inc.size[u2],
        );
        let mut poly = [Vec3::ZERO; 8];
        poly[0] = fc + e1 + e2;
        poly[1] = fc - e1 + e2;
        poly[2] = fc - e1 - e2;
        poly[3] = fc + e1 - e2;
        let mut np = 4;
        for m in [(k + 1) % 3, (k + 2) % 3] {
            let t = axis_of(rf.q, m);
            for side in [1.0f32, -1.0] {
                let off = t.dot(rf.c) * side + rf.size[m];
                np = clip(&mut poly, np, t * side, off);
            }
        }
        let mut cand = [Vec3::ZERO; 8];
        let mut seps = [0.0; 8];
        let mut nc = 0;
        for p in &poly[..np] {
            let sep = (*p - rf.c).dot(nref) - rf.size[k];
            if sep < margin && nc < 8 {
                cand[nc] = *p;
                seps[nc] = sep;
                nc += 1;
            }
        }
        let keep = keep_four(&cand[..nc], &seps[..nc], nref);
        let mut count = 0;
        for m in 0..nc {
            if keep & (1 << m) != 0 {
                let (p, sep) = (cand[m], seps[m]);
                let on_ref = p - nref * sep;
                out[count] = if ref_is_a {
                    hit(on_ref, p, -nref)
                } else {
                    hit(p, on_ref, nref)
                };
                count += 1;
            }
        }
        return count;
    }
    let e = best_axis - 6;
    let (i, j) = (e / 3, e % 3);
    let l = axis_of(a.q, i).cross(axis_of(b.q, j)).normalize();
    let n = if d.dot(l) > 0.0 { -l } else { l };
    let mut pa = a.c;
    let mut pb = b.c;
    for m in 0..3 {
        if m != i {
            let ax = axis_of(a.q, m);
            pa += ax * (a.size[m] * (-n).dot(ax).signum());
        }
        if m != j {
            let bx = axis_of(b.q, m);
            pb += bx * (b.size[m] * n.dot(bx).signum());
        }
    }
    let (da, db) = (axis_of(a.q, i) * a.size[i], axis_of(b.q, j) * b.size[j]);
    let (qa, qb) = segment_segment(pa - da, 2.0 * da, pb - db, 2.0 * db);
    out[0] = hit(qa, qb, n);
    1
}

/// Sutherland-Hodgman: keeps the part of `poly` with `plane_n · p <= off`.
fn clip(poly: &mut [Vec3; 8], np: usize, plane_n: Vec3, off: f32) -> usize {
    let src = *poly;
    let mut out = 0;
    for i in 0..np {
        let p = src[i];
        let q = src[(i + 1) % np];
        let dp = plane_n.dot(p) - off;
        let dq = plane_n.dot(q) - off;
        if dp <= 0.0 && out < 8 {
            poly[out] = p;
            out += 1;
        }
        if (dp <= 0.0) != (dq <= 0.0) && out < 8 {
            let t = dp / (dp - dq);
            poly[out] = p + (q - p) * t;
            out += 1;
        }
    }
    out
}
