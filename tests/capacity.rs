//! Loud capacity limits: every request beyond what the engine or the adapter can hold is
//! an error that names the limit, the maximum and the attempted value, raised before any
//! work; nothing is silently clamped.

mod common;

use common::gpu;
use manyworlds::env::{self, EnvConfig};
use manyworlds::gpu::GpuBuffer;
use manyworlds::render::RenderConfig;
use manyworlds::Error;

/// worlds = 0 is refused by every registered env, naming the field.
#[test]
fn zero_worlds_is_refused_by_every_env() {
    for e in common::embedded_envs() {
        match env::make(gpu(), e.name, &EnvConfig::new(0)) {
            Err(Error::InvalidArgument { field, value, .. }) => {
                assert_eq!(
                    (field.as_str(), value.as_str()),
                    ("worlds", "0"),
                    "{}",
                    e.name
                )
            }
            Err(other) => panic!("{}: {other}", e.name),
            Ok(_) => panic!("{}: accepted 0 worlds", e.name),
        }
    }
}

/// More worlds than the adapter holds: every registered env refuses with the most worlds
/// it can have on this adapter and what sets it (a per-world buffer against one storage
/// binding, or the workgroups of one dispatch), and asking for
/// exactly one more than that maximum gives the same maximum.
#[test]
fn too_many_worlds_names_the_maximum_for_this_env_on_this_adapter() {
    for e in common::embedded_envs() {
        let err = env::make(gpu(), e.name, &EnvConfig::new(1 << 31)).err();
        let Some(Error::Capacity {
            limit,
            max,
            attempted,
        }) = err
        else {
            panic!("{}: expected a capacity error, got {err:?}", e.name)
        };
        assert_eq!(attempted, 1 << 31);
        assert!(max > 0 && max < attempted, "{}: max {max}", e.name);
        assert!(
            limit.contains(e.name)
                && (limit.contains("bytes per world") || limit.contains("one dispatch"))
                && limit.contains(&gpu().adapter().name),
            "{}: {limit}",
            e.name
        );
        let again = env::make(gpu(), e.name, &EnvConfig::new(max as usize + 1)).err();
        match again {
            Some(Error::Capacity { max: m2, .. }) => assert_eq!(m2, max, "{}", e.name),
            other => panic!("{}: max + 1 worlds: {other:?}", e.name),
        }
        let msg = Error::Capacity {
            limit,
            max,
            attempted,
        }
        .to_string();
        assert!(
            msg.contains(&max.to_string()) && msg.contains("2147483648"),
            "{msg}"
        );
    }
}

/// Image sizes: 0 and beyond the atlas page are refused, naming the camera and the limit.
#[test]
fn image_sizes_beyond_the_limits_are_refused() {
    let cfg = |w, h| EnvConfig::new(2).render(RenderConfig::new(w, h));
    for (w, h) in [(0, 64), (64, 0)] {
        let msg = env::make(gpu(), "boxes", &cfg(w, h))
            .err()
            .expect("refused")
            .to_string();
        assert!(
            msg.contains("size") && msg.contains("1 to 8192"),
            "{w}x{h}: {msg}"
        );
    }
    let max_side = gpu()
        .limits()
        .max_texture_dimension_2d
        .min(manyworlds::render::MAX_PAGE_SIDE);
    match env::make(gpu(), "boxes", &cfg(max_side + 1, 64)).err() {
        Some(Error::Capacity {
            limit,
            max,
            attempted,
        }) => {
            assert!(limit.contains("camera image side"), "{limit}");
            assert_eq!((max, attempted), (max_side as u64, max_side as u64 + 1));
        }
        other => panic!("{other:?}"),
    }
    // Many views of a large image: one output past a storage binding.
    match env::make(
        gpu(),
        "boxes",
        &EnvConfig::new(4096).render(RenderConfig::new(1024, 1024)),
    )
    .err()
    {
        Some(Error::Capacity { limit, .. }) => assert!(
            limit.contains("per world") || limit.contains("render"),
            "{limit}"
        ),
        other => panic!("{other:?}"),
    }
}

/// A buffer far past the adapter's binding limit is an error, not an abort or a hang,
/// and the device stays usable afterwards.
#[test]
fn an_allocation_past_the_limits_is_an_error_and_the_device_survives() {
    let max = gpu().limits().max_storage_buffer_binding_size;
    let n = (max / 4) as usize * 16;
    match GpuBuffer::<f32>::storage(gpu(), "test.huge", n) {
        Err(Error::Capacity {
            limit,
            max: m,
            attempted,
        }) => {
            assert!(limit.contains("storage binding"), "{limit}");
            assert_eq!((m, attempted), (max, 4 * n as u64));
        }
        other => panic!("{:?}", other.map(|_| ())),
    }
    let mut e = env::make(gpu(), "cartpole", &EnvConfig::new(8)).unwrap();
    e.reset(0).unwrap();
    assert_eq!(e.step(&[1.0; 8]).unwrap().rewards.len(), 8);
}
