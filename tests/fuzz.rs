//! Property-based fuzzing of the loaders: mutated MJCF scenes and randomization specs are
//! loaded, compiled and planned, and the only acceptable outcomes are a result or an
//! error that names the file. Any panic fails the property, and proptest shrinks the
//! mutation list to a minimal reproducer.
//!
//! CI runs proptest's default 256 cases per property; a long run is on demand:
//! `PROPTEST_CASES=20000 cargo test --release --test fuzz`.

use manyworlds::env::scene;
use manyworlds::mjcf::{load_str, LoadOptions};
use manyworlds::randomize::{Plan, Spec};
use manyworlds::sim::compile::compile;
use proptest::prelude::*;
use std::path::Path;

/// One edit of a text.
#[derive(Debug, Clone)]
enum Mutation {
    /// Replace the byte at (position mod length) with a byte from `JUNK`.
    Replace(usize, usize),
    /// Delete the byte at (position mod length).
    Delete(usize),
    /// Insert a byte from `JUNK` at (position mod length).
    Insert(usize, usize),
    /// Replace the next number at or after (position mod length) with `NUMBERS[k]`.
    Number(usize, usize),
    /// Copy a span of `len` bytes from one place to another (duplicates elements and
    /// attributes, breaks nesting).
    Splice(usize, usize, usize),
}

const JUNK: &[u8] = b"<>\"/= -0.9e&;:x{}[],#\n";
const NUMBERS: &[&str] = &[
    "nan",
    "inf",
    "-inf",
    "0",
    "-0",
    "-1",
    "1e39",
    "1e-45",
    "3.4e38",
    "-7",
    "",
    "1 2",
    "0 0 0 0",
    "99999999999999999999",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 0..JUNK.len()).prop_map(|(p, k)| Mutation::Replace(p, k)),
        any::<usize>().prop_map(Mutation::Delete),
        (any::<usize>(), 0..JUNK.len()).prop_map(|(p, k)| Mutation::Insert(p, k)),
        (any::<usize>(), 0..NUMBERS.len()).prop_map(|(p, k)| Mutation::Number(p, k)),
        (any::<usize>(), any::<usize>(), 1usize..80)
            .prop_map(|(a, b, n)| Mutation::Splice(a, b, n)),
    ]
}

/// Applies `edits` to `text` (bytes; the result need not be UTF-8).
fn mutate(text: &str, edits: &[Mutation]) -> Vec<u8> {
    let mut s = text.as_bytes().to_vec();
    for m in edits {
        if s.is_empty() {
            break;
        }
        let n = s.len();
        match *m {
            Mutation::Replace(p, k) => s[p % n] = JUNK[k],
            Mutation::Delete(p) => {
                s.remove(p % n);
            }
            Mutation::Insert(p, k) => s.insert(p % n, JUNK[k]),
            Mutation::Number(p, k) => {
                let start = (p % n..n).find(|&i| s[i].is_ascii_digit());
                if let Some(a) = start {
                    let b = (a..n)
                        .find(|&i| !(s[i].is_ascii_digit() || s[i] == b'.' || s[i] == b'e'))
                        .unwrap_or(n);
                    s.splice(a..b, NUMBERS[k].bytes());
                }
            }
            Mutation::Splice(a, b, len) => {
                let a = a % n;
                let span: Vec<u8> = s[a..(a + len).min(n)].to_vec();
                let at = b % s.len();
                s.splice(at..at, span);
            }
        }
    }
    s
}

/// The scenes the MJCF property starts from: every registered scene.
fn scenes() -> Vec<&'static str> {
    scene::SCENES
        .iter()
        .filter(|s| s.gymnasium.is_none())
        .map(|s| s.xml)
        .collect()
}

proptest! {
    /// Mutated MJCF never panics the loader or the compiler; errors name the file.
    #[test]
    fn mutated_mjcf_is_rejected_or_loaded_never_panics(
        which in 0usize..16,
        edits in proptest::collection::vec(mutation(), 1..8),
    ) {
        let bases = scenes();
        let bytes = mutate(bases[which % bases.len()], &edits);
        let Ok(text) = String::from_utf8(bytes) else { return Ok(()) };
        match load_str("fuzz.xml", Path::new("."), &text, &LoadOptions { lenient: false }) {
            Ok(loaded) => {
                let _ = compile(&loaded.model, &Default::default());
            }
            Err(e) => {
                let msg = e.to_string();
                prop_assert!(msg.contains("fuzz.xml"), "error without the file name: {msg}");
            }
        }
    }

    /// Mutated randomization specs never panic the parser or the planner (against
    /// push-cube's model, cameras included); errors name the file.
    #[test]
    fn mutated_specs_are_rejected_or_planned_never_panic(
        which in 0usize..2,
        edits in proptest::collection::vec(mutation(), 1..6),
    ) {
        let bases = [
            scene::PUSH_CUBE_RANDOMIZE_JSON,
            include_str!("../benches/push_cube_all_fields.json"),
        ];
        let bytes = mutate(bases[which], &edits);
        let Ok(text) = String::from_utf8(bytes) else { return Ok(()) };
        match Spec::from_json(&text, "fuzz.json") {
            Ok(spec) => {
                let loaded = load_str("push_cube.xml", Path::new("."), scene::PUSH_CUBE_XML, &LoadOptions::default())
                    .expect("the registered scene loads");
                let mut compiled = compile(&loaded.model, &Default::default()).expect("it compiles");
                let rc = manyworlds::render::RenderConfig::new(64, 64);
                let cams = manyworlds::render::select_cameras(&loaded.model, &rc).expect("it has a camera");
                let _ = Plan::new(&spec, &loaded.model, &mut compiled, Some(&cams));
            }
            Err(e) => {
                let msg = e.to_string();
                prop_assert!(msg.contains("fuzz.json"), "error without the file name: {msg}");
            }
        }
    }
}
