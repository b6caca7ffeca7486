//! `manyworlds view`: headless frames under Xvfb with a screenshot, the error without a
//! display, and rejection of bad input. The Xvfb runs need `xvfb-run`; without it they
//! are skipped, unless `MANYWORLDS_REQUIRE_XVFB=1` (CI) makes its absence a failure.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const XVFB_RUN: &str = "xvfb-run";

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_manyworlds"));
    c.env("XDG_RUNTIME_DIR", std::env::temp_dir());
    c
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("manyworlds-view-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// `xvfb-run` on the PATH, or `None` (then the caller skips, or fails under CI).
fn xvfb_run() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    let found = std::env::split_paths(&path)
        .map(|d| d.join(XVFB_RUN))
        .find(|p| p.is_file());
    if found.is_none() {
        assert!(
            std::env::var("MANYWORLDS_REQUIRE_XVFB").as_deref() != Ok("1"),
            "MANYWORLDS_REQUIRE_XVFB=1 but `{XVFB_RUN}` is not on the PATH (apt-get install xvfb)"
        );
        eprintln!("skipping: `{XVFB_RUN}` is not on the PATH (apt-get install xvfb)");
    }
    found
}

/// `xvfb-run -a manyworlds view --env boxes --worlds 4 --size 64x64 --frames 5
/// --screenshot OUT` plus `extra`.
fn view_headless(xvfb: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut c = Command::new(xvfb);
    c.env("XDG_RUNTIME_DIR", std::env::temp_dir())
        .args(["-a", env!("CARGO_BIN_EXE_manyworlds")])
        .args([
            "view",
            "--env",
            "boxes",
            "--worlds",
            "4",
            "--size",
            "64x64",
            "--frames",
            "5",
            "--screenshot",
            out.to_str().unwrap(),
        ])
        .args(extra);
    c.output().unwrap()
}

fn decode(path: &Path) -> image::RgbImage {
    image::open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_rgb8()
}

fn distinct_colours(img: &image::RgbImage) -> usize {
    let mut c: Vec<[u8; 3]> = img.pixels().map(|p| p.0).collect();
    c.sort_unstable();
    c.dedup();
    c.len()
}

/// Both Xvfb runs in one test: concurrent `xvfb-run -a` calls can race for a display.
#[test]
fn headless_frames_write_the_mosaic_and_modes_differ() {
    let Some(xvfb) = xvfb_run() else { return };
    let dir = scratch("headless");
    let rgb_path = dir.join("rgb.png");
    let out = view_headless(&xvfb, &rgb_path, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("env-steps/s"), "{stdout}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    // 4 worlds tile as 2 x 2 tiles of 64 x 64.
    let rgb = decode(&rgb_path);
    assert_eq!(rgb.dimensions(), (128, 128));
    // Not blank: the floor and the boxes in several colours, not only the background.
    let colours = distinct_colours(&rgb);
    assert!(colours >= 8, "only {colours} distinct colours");
    let black = rgb.pixels().filter(|p| p.0 == [0, 0, 0]).count();
    assert!(
        black < rgb.len() / 3 / 2,
        "{black} black pixels of 128 x 128"
    );
    // Written through a rename: no temporary file is left.
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");

    let depth_path = dir.join("depth.png");
    let out = view_headless(&xvfb, &depth_path, &["--mode", "depth"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let depth = decode(&depth_path);
    assert_eq!(depth.dimensions(), (128, 128));
    assert!(distinct_colours(&depth) >= 8);
    let differing = rgb
        .pixels()
        .zip(depth.pixels())
        .filter(|(a, b)| a != b)
        .count();
    assert!(
        differing > rgb.len() / 3 / 2,
        "depth differs from RGB in only {differing} pixels"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn without_a_display_it_fails_with_a_hint() {
    let out = bin()
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .args(["view", "--env", "boxes", "--worlds", "1", "--size", "8x8"])
        .args(["--frames", "1"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("display"), "{stderr}");
    assert!(stderr.contains("xvfb-run"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn bad_input_names_the_flag() {
    for (args, flag, hint) in [
        (&["--env", "boxes", "--worlds", "0"][..], "--worlds", "1 to"),
        (&["--env", "cartpole"][..], "--env", "boxes"),
        (
            &["--env", "boxes", "--frames", "0"][..],
            "--frames",
            "at least 1",
        ),
    ] {
        let out = bin().arg("view").args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(stderr.contains(flag), "{args:?}: {stderr}");
        assert!(stderr.contains(hint), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}
