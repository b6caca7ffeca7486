//! Loads an MJCF file and prints what the Model holds, and the loader's warnings.
//! Run: `cargo run --release --example mjcf_info -- FILE.xml [--lenient]`.

use manyworlds::mjcf::{load_file, LoadOptions};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.iter().find(|a| !a.starts_with("--")) else {
        eprintln!("usage: mjcf_info FILE.xml [--lenient]");
        std::process::exit(2);
    };
    let options = LoadOptions {
        lenient: args.iter().any(|a| a == "--lenient"),
    };
    match load_file(std::path::Path::new(path), &options) {
        Ok(loaded) => {
            let m = &loaded.model;
            println!(
                "{:?}: {} bodies, {} joints (nq {}, nv {}), {} geoms, {} actuators, {} cameras, {} lights, total mass {:.4} kg, dt {} s",
                m.name,
                m.bodies.len(),
                m.joints.len(),
                m.nq(),
                m.nv(),
                m.geoms.len(),
                m.actuators.len(),
                m.cameras.len(),
                m.lights.len(),
                m.total_mass(),
                m.option.timestep
            );
            for b in &m.bodies {
                println!(
                    "  body {:<16} mass {:>9.5} inertia [{:.6}, {:.6}, {:.6}] ipos [{:.4}, {:.4}, {:.4}]",
                    b.name.as_deref().unwrap_or("-"),
                    b.mass,
                    b.inertia.x,
                    b.inertia.y,
                    b.inertia.z,
                    b.ipos.x,
                    b.ipos.y,
                    b.ipos.z
                );
            }
            for w in &loaded.warnings {
                println!("  warning: {w}");
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
