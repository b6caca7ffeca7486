//! Keyboard and mouse input: keys to commands (the controls in the module docs), mouse
//! drags and wheel to orbit moves, and the keyboard policy (held arrows / WASD to world 0's
//! action).

use super::Mode;
use manyworlds::env::ActionSpace;
use winit::event::MouseScrollDelta;
use winit::keyboard::{Key, NamedKey};

/// The movement keys held down (for `--policy keyboard`).
#[derive(Default, Debug)]
pub(super) struct Keys {
    left: bool,
    right: bool,
    up: bool,
    down: bool,
}

/// A movement key.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Dir {
    Left,
    Right,
    Up,
    Down,
}

impl Keys {
    fn set(&mut self, dir: Dir, down: bool) {
        match dir {
            Dir::Left => self.left = down,
            Dir::Right => self.right = down,
            Dir::Up => self.up = down,
            Dir::Down => self.down = down,
        }
    }
}

/// What a key press asks for (see the module docs).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Command {
    /// Esc or Q.
    Quit,
    /// Space.
    TogglePause,
    /// `.` or N (only while paused).
    StepOnce,
    /// R: every world, with a new seed.
    Reset,
    /// 1 / 2 / 3.
    Mode(Mode),
    /// Tab.
    NextMode,
    /// C.
    NextCamera,
}

/// The lower-case character of a character key.
fn key_char(key: &Key) -> String {
    match key {
        Key::Character(s) => s.to_lowercase(),
        _ => String::new(),
    }
}

/// The movement key `key` is (arrows and WASD), if any.
fn held_key(key: &Key) -> Option<Dir> {
    match (key, key_char(key).as_str()) {
        (Key::Named(NamedKey::ArrowLeft), _) | (_, "a") => Some(Dir::Left),
        (Key::Named(NamedKey::ArrowRight), _) | (_, "d") => Some(Dir::Right),
        (Key::Named(NamedKey::ArrowUp), _) | (_, "w") => Some(Dir::Up),
        (Key::Named(NamedKey::ArrowDown), _) | (_, "s") => Some(Dir::Down),
        _ => None,
    }
}

/// The command a pressed key gives, if any.
fn command_for(key: &Key) -> Option<Command> {
    Some(match (key, key_char(key).as_str()) {
        (Key::Named(NamedKey::Escape), _) | (_, "q") => Command::Quit,
        (Key::Named(NamedKey::Space), _) | (_, " ") => Command::TogglePause,
        (_, "." | "n") => Command::StepOnce,
        (_, "r") => Command::Reset,
        (_, "1") => Command::Mode(Mode::Rgb),
        (_, "2") => Command::Mode(Mode::Depth),
        (_, "3") => Command::Mode(Mode::Seg),
        (Key::Named(NamedKey::Tab), _) => Command::NextMode,
        (_, "c") => Command::NextCamera,
        _ => return None,
    })
}

/// One world's zero action: 0 clamped into the bounds.
pub(super) fn zero_action(space: &ActionSpace) -> Vec<f32> {
    match space {
        ActionSpace::Discrete { .. } => vec![0.0],
        ActionSpace::Box { low, high } => low
            .iter()
            .zip(high)
            .map(|(&l, &h)| 0f32.clamp(l, h))
            .collect(),
    }
}

/// World 0's action from the held keys (`space` with finite bounds); `base` when no
/// movement key is held.
pub(super) fn keyboard_action(space: &ActionSpace, k: &Keys, base: &[f32]) -> Vec<f32> {
    if !(k.left || k.right || k.up || k.down) {
        return base.to_vec();
    }
    match space {
        ActionSpace::Discrete { n } => {
            if k.right && !k.left {
                vec![n.saturating_sub(1) as f32]
            } else {
                vec![0.0]
            }
        }
        ActionSpace::Box { low, high } => {
            let mut a = zero_action(space);
            let mut set = |i: usize, neg: bool, pos: bool| {
                if i < a.len() && neg != pos {
                    a[i] = if pos { high[i] } else { low[i] };
                }
            };
            set(0, k.left, k.right);
            set(1, k.down, k.up);
            a
        }
    }
}

/// The action space with unbounded dimensions limited to ±1, for random and keyboard
/// actions.
pub(super) fn finite_space(space: &ActionSpace) -> ActionSpace {
    match space {
        ActionSpace::Discrete { n } => ActionSpace::Discrete { n: *n },
        ActionSpace::Box { low, high } => ActionSpace::Box {
            low: low
                .iter()
                .map(|&l| if l.is_finite() { l } else { -1.0 })
                .collect(),
            high: high
                .iter()
                .map(|&h| if h.is_finite() { h } else { 1.0 })
                .collect(),
        },
    }
}

/// A key event: updates the held movement keys, and returns the command of a press
/// (`down`), if any. Pause and reset act once per press, not per auto-repeat (`repeat`).
pub(super) fn key_event(keys: &mut Keys, key: &Key, down: bool, repeat: bool) -> Option<Command> {
    if let Some(dir) = held_key(key) {
        keys.set(dir, down);
    }
    if !down {
        return None;
    }
    match command_for(key) {
        Some(Command::TogglePause | Command::Reset) if repeat => None,
        c => c,
    }
}

/// The mouse as the orbit sees it: whether the left button is held, and where the
/// cursor was last.
#[derive(Default, Debug)]
pub(super) struct Mouse {
    dragging: bool,
    cursor: Option<(f64, f64)>,
}

impl Mouse {
    /// The left button went down (`true`) or up.
    pub(super) fn left_button(&mut self, pressed: bool) {
        self.dragging = pressed;
    }

    /// The cursor moved to `p` (window pixels): the drag since the last position while
    /// the left button is held, else None.
    pub(super) fn moved(&mut self, p: (f64, f64)) -> Option<(f32, f32)> {
        let drag = match (self.dragging, self.cursor) {
            (true, Some(last)) => Some(((p.0 - last.0) as f32, (p.1 - last.1) as f32)),
            _ => None,
        };
        self.cursor = Some(p);
        drag
    }

    /// The cursor left the window: the next move starts a new drag.
    pub(super) fn left_window(&mut self) {
        self.cursor = None;
    }
}

/// A wheel turn in lines; a touchpad's pixels count 40 to the line.
pub(super) fn wheel_lines(delta: MouseScrollDelta) -> f32 {
    match delta {
        MouseScrollDelta::LineDelta(_, y) => y,
        MouseScrollDelta::PixelDelta(p) => p.y as f32 / 40.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_map_to_commands_and_moves() {
        let ch = |c: &str| Key::Character(c.into());
        assert_eq!(command_for(&ch(" ")), Some(Command::TogglePause));
        assert_eq!(
            command_for(&Key::Named(NamedKey::Space)),
            Some(Command::TogglePause)
        );
        assert_eq!(command_for(&ch("N")), Some(Command::StepOnce));
        assert_eq!(command_for(&ch(".")), Some(Command::StepOnce));
        assert_eq!(command_for(&ch("2")), Some(Command::Mode(Mode::Depth)));
        assert_eq!(
            command_for(&Key::Named(NamedKey::Tab)),
            Some(Command::NextMode)
        );
        assert_eq!(
            command_for(&Key::Named(NamedKey::Escape)),
            Some(Command::Quit)
        );
        assert_eq!(command_for(&ch("w")), None);
        assert_eq!(held_key(&ch("W")), Some(Dir::Up));
        assert_eq!(held_key(&Key::Named(NamedKey::ArrowLeft)), Some(Dir::Left));

        let space = finite_space(&ActionSpace::Box {
            low: vec![-0.3, f32::NEG_INFINITY, 1.0],
            high: vec![0.3, f32::INFINITY, 2.0],
        });
        let mut k = Keys::default();
        assert_eq!(
            keyboard_action(&space, &k, &[0.1, 0.2, 1.5]),
            [0.1, 0.2, 1.5]
        );
        k.set(Dir::Right, true);
        k.set(Dir::Down, true);
        // Unbounded dimensions use ±1; dimensions without a key take zero, clamped.
        assert_eq!(
            keyboard_action(&space, &k, &[0.1, 0.2, 1.5]),
            [0.3, -1.0, 1.0]
        );
        k.set(Dir::Left, true);
        assert_eq!(
            keyboard_action(&space, &k, &[0.1, 0.2, 1.5]),
            [0.0, -1.0, 1.0]
        );
        let discrete = ActionSpace::Discrete { n: 3 };
        k = Keys::default();
        k.set(Dir::Right, true);
        assert_eq!(keyboard_action(&discrete, &k, &[1.0]), [2.0]);
    }

    #[test]
    fn key_events_hold_moves_and_skip_repeated_toggles() {
        let ch = |c: &str| Key::Character(c.into());
        let mut k = Keys::default();
        assert_eq!(key_event(&mut k, &ch("a"), true, false), None);
        assert!(k.left);
        assert_eq!(key_event(&mut k, &ch("a"), false, false), None);
        assert!(!k.left);
        assert_eq!(
            key_event(&mut k, &ch(" "), true, false),
            Some(Command::TogglePause)
        );
        // Auto-repeat: pause and reset once per press; stepping repeats.
        assert_eq!(key_event(&mut k, &ch(" "), true, true), None);
        assert_eq!(key_event(&mut k, &ch("r"), true, true), None);
        assert_eq!(
            key_event(&mut k, &ch("n"), true, true),
            Some(Command::StepOnce)
        );
        // Releases give no command.
        assert_eq!(key_event(&mut k, &ch("q"), false, false), None);
    }

    #[test]
    fn the_mouse_drags_only_with_the_button_held() {
        let mut m = Mouse::default();
        assert_eq!(m.moved((10.0, 10.0)), None);
        m.left_button(true);
        assert_eq!(m.moved((13.0, 8.0)), Some((3.0, -2.0)));
        m.left_window();
        assert_eq!(m.moved((50.0, 50.0)), None);
        assert_eq!(m.moved((51.0, 50.0)), Some((1.0, 0.0)));
        m.left_button(false);
        assert_eq!(m.moved((60.0, 50.0)), None);
        assert_eq!(wheel_lines(MouseScrollDelta::LineDelta(0.0, 2.0)), 2.0);
    }
}
