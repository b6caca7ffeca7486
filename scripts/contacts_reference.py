"""MuJoCo's numbers behind tests/contacts.rs (run with a Python that has mujoco).

Prints, for the scenes the tests build (the same XML): the resting height of a sphere
with geom margins and gaps, an incline's slide with each condim pair, an excluded pair,
and the geom pairs MuJoCo's broad phase keeps in a body tree (parent filtering).
"""
import math

import mujoco


def sphere(ms, gs, mp, gp):
    return f"""<mujoco><option timestep="0.002"/><worldbody>
<geom name="floor" type="plane" size="5 5 .1" margin="{mp}" gap="{gp}"/>
<body name="ball" pos="0 0 0.3"><freejoint/>
<geom type="sphere" size="0.1" mass="1" margin="{ms}" gap="{gs}"/></body>
</worldbody></mujoco>"""


def incline(cb, cp):
    t = math.radians(20)
    return f"""<mujoco><option timestep="0.002"/><worldbody>
<geom name="floor" type="plane" size="5 5 .1" euler="0 20 0" condim="{cp}"/>
<body name="box" pos="{0.1 * math.sin(t)} 0 {0.1 * math.cos(t)}" euler="0 20 0"><freejoint/>
<geom type="box" size="0.1 0.1 0.1" mass="1" condim="{cb}"/></body>
</worldbody></mujoco>"""


TREE = """<mujoco><worldbody>
<geom name="floor" type="plane" size="5 5 .1"/>
<body name="a" pos="0 0 0.3"><freejoint/><geom name="ga" type="sphere" size="0.5"/>
  <body name="b" pos="0.01 0 0"><joint type="hinge"/><geom name="gb" type="sphere" size="0.5"/>
    <body name="c" pos="0.01 0 0"><geom name="gc" type="sphere" size="0.5"/>
      <body name="d" pos="0.01 0 0"><joint type="hinge"/><geom name="gd" type="sphere" size="0.5"/>
      </body>
    </body>
  </body>
</body>
<body name="e" pos="0 0.02 0.3"><geom name="ge" type="sphere" size="0.5"/></body>
</worldbody></mujoco>"""


def settle(xml, seconds):
    m = mujoco.MjModel.from_xml_string(xml)
    d = mujoco.MjData(m)
    for _ in range(round(seconds / m.opt.timestep)):
        mujoco.mj_step(m, d)
    return m, d


print("mujoco", mujoco.__version__)
for args in [(0, 0, 0, 0), (0.01, 0, 0, 0), (0.01, 0.004, 0, 0), (0.01, 0, 0.02, 0)]:
    _, d = settle(sphere(*args), 2.0)
    print(f"sphere margin/gap {args}: rests at z = {d.qpos[2]:.6f}")
for cb, cp in [(3, 3), (1, 3), (1, 1)]:
    m, d = settle(incline(cb, cp), 1.0)
    x0 = 0.1 * math.sin(math.radians(20))
    print(f"incline condim {cb}/{cp}: moved {abs(d.qpos[0] - x0) / math.cos(math.radians(20)):.4f} m "
          f"along the slope in 1 s (frictionless: {0.5 * 9.81 * math.sin(math.radians(20)):.4f})")
m = mujoco.MjModel.from_xml_string(TREE)
d = mujoco.MjData(m)
mujoco.mj_forward(m, d)
names = lambda g: mujoco.mj_id2name(m, mujoco.mjtObj.mjOBJ_GEOM, g)
pairs = sorted({tuple(sorted((names(c.geom1), names(c.geom2)))) for c in d.contact[: d.ncon]})
print("tree pairs:", pairs)
