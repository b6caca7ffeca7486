//! CPU-only checks of the shader sources: every kernel composes and validates with naga,
//! every Rust twin matches its WGSL struct in size and field offsets (naga's layouter),
//! and the generated prelude carries every Rust constant.

use manyworlds::gpu::shader::{self, KERNELS, SCENE_STAGES, SHARED};
use manyworlds::layout::{
    check_twin, CartpoleModel, StepParams, WgslTwin, WorldClock, WGSL_CONSTANTS,
};
use std::path::Path;

#[test]
fn every_kernel_composes_and_validates() {
    for (name, _) in KERNELS {
        let src = shader::kernel_source(name).unwrap_or_else(|e| panic!("{e}"));
        shader::validate(name, &src).unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn every_shared_module_validates_on_its_own() {
    for (name, text) in SHARED {
        let src = shader::compose(name, text).unwrap_or_else(|e| panic!("{e}"));
        shader::validate(name, &src).unwrap_or_else(|e| panic!("{e}"));
    }
}

/// A stage of the scene step is a file of `shaders/scene/` with a CPU twin of the same name
/// in `src/sim/cpu/` (the `randomize` stage's is the host sampler), and `shaders/scene.wgsl`
/// imports every stage, in the step order of `SCENE_STAGES`. Neither side has a file the
/// other lacks.
#[test]
fn every_scene_stage_is_imported_in_order_and_has_a_cpu_twin() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (_, scene) = KERNELS.iter().find(|(n, _)| *n == "scene").unwrap();
    let imported: Vec<&str> = scene
        .lines()
        .filter_map(|l| l.trim().strip_prefix("#import scene/"))
        .collect();
    let stages: Vec<&str> = SCENE_STAGES
        .iter()
        .map(|(n, _)| {
            n.strip_prefix("scene/")
                .expect("stage names start with scene/")
        })
        .collect();
    assert_eq!(imported, stages, "shaders/scene.wgsl's stage imports");
    let stems = |dir: &str, ext: &str| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(root.join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == ext))
            .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let mut sorted: Vec<String> = stages.iter().map(|s| s.to_string()).collect();
    sorted.sort();
    assert_eq!(
        stems("shaders/scene", "wgsl"),
        sorted,
        "files of shaders/scene/"
    );
    let mut twins = stems("src/sim/cpu", "rs");
    twins.retain(|t| t != "mod");
    twins.push("randomize".into());
    twins.sort();
    assert_eq!(
        twins, sorted,
        "CPU twins in src/sim/cpu/ (+ randomize's host sampler)"
    );
    assert!(root.join("src/randomize/sample.rs").is_file());
}

/// Every twin is found in some composed shader and matches it there.
fn check<T: WgslTwin>() {
    let mut found = false;
    for (name, _) in KERNELS {
        let module = shader::validate(name, &shader::kernel_source(name).unwrap()).unwrap();
        if module
            .types
            .iter()
            .any(|(_, t)| t.name.as_deref() == Some(T::WGSL_NAME))
        {
            found = true;
            check_twin::<T>(&module).unwrap_or_else(|e| panic!("in {name}: {e}"));
        }
    }
    assert!(found, "no shader declares struct {}", T::WGSL_NAME);
}

#[test]
fn rust_twins_match_naga_layout() {
    check::<StepParams>();
    check::<WorldClock>();
    check::<CartpoleModel>();
    check::<manyworlds::layout::physics::SceneParams>();
    use manyworlds::layout::render::*;
    check::<RenderParams>();
    check::<ResolvePage>();
    check::<RenderBody>();
    check::<RenderGeom>();
    check::<RenderMaterial>();
    check::<RenderCamera>();
    check::<RenderLight>();
    check::<RenderView>();
    check::<GeomPose>();
    check::<ViewPose>();
    check::<LightPose>();
    use manyworlds::layout::randomize::*;
    check::<RandParams>();
    check::<LooksParams>();
    check::<NoiseParams>();
}

#[test]
fn a_drifted_twin_is_caught() {
    let src = "struct WorldClock { elapsed: u32, pad: u32, episode: u32 }\n@group(0) @binding(0) var<storage, read_write> c: array<WorldClock>;\n";
    let module = shader::validate("drifted", src).unwrap();
    let err = check_twin::<WorldClock>(&module).unwrap_err();
    assert!(err.contains("WorldClock"), "{err}");
}

#[test]
fn prelude_carries_every_constant() {
    let p = shader::prelude();
    for (name, _) in WGSL_CONSTANTS {
        assert!(
            p.contains(&format!("const {name}:")),
            "{name} missing from the prelude"
        );
    }
}

#[test]
fn unknown_import_is_an_error_naming_the_line() {
    let err = shader::compose("bad", "fn f() {}\n#import shared/nope\n")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("line 2") && err.contains("shared/nope"),
        "{err}"
    );
}

/// The library's modules depend one way: layout, gpu and shared at the bottom, then sim
/// (with mjcf beside it), render, randomize, and env and dataset at the top. A module's
/// sources never name a module above it (`crate::X`), so no import cycle can come back.
#[test]
fn library_modules_depend_one_way() {
    // Each module with the modules it may name.
    let allowed: &[(&str, &[&str])] = &[
        ("shared", &[]),
        ("layout", &["shared"]),
        ("gpu", &["layout", "shared"]),
        ("sim", &["layout", "shared"]),
        ("mjcf", &["sim", "layout", "shared"]),
        ("render", &["sim", "gpu", "layout", "shared"]),
        ("randomize", &["render", "sim", "gpu", "layout", "shared"]),
        (
            "env",
            &[
                "mjcf",
                "randomize",
                "render",
                "sim",
                "gpu",
                "layout",
                "shared",
            ],
        ),
        (
            "dataset",
            &["randomize", "render", "sim", "gpu", "layout", "shared"],
        ),
    ];
    let names: Vec<&str> = allowed.iter().map(|(m, _)| *m).collect();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    fn sources(p: &Path, out: &mut Vec<std::path::PathBuf>) {
        if p.is_dir() {
            for e in std::fs::read_dir(p).unwrap() {
                sources(&e.unwrap().path(), out);
            }
        } else if p.is_file() && p.extension().is_some_and(|e| e == "rs") {
            out.push(p.to_path_buf());
        }
    }
    for (module, may) in allowed {
        let mut files = Vec::new();
        sources(&root.join(module), &mut files);
        sources(&root.join(format!("{module}.rs")), &mut files);
        assert!(!files.is_empty(), "no sources for module {module}");
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            for (i, line) in text.lines().enumerate() {
                for (at, _) in line.match_indices("crate::") {
                    let rest = &line[at + "crate::".len()..];
                    let used: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    if used != *module && names.contains(&used.as_str()) {
                        assert!(
                            may.contains(&used.as_str()),
                            "{}:{}: module {module} names crate::{used}, which is above it",
                            f.display(),
                            i + 1
                        );
                    }
                }
            }
        }
    }
}
