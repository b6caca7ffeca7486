//! The crate's one error type: a variant per failure domain, each carrying the numbers
//! and names needed to act on it.

use std::fmt;

/// Everything that can go wrong in manyworlds, one variant per failure domain.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// No usable GPU adapter was found. `tried` names the backends searched and
    /// `found` every adapter that was enumerated (possibly filtered out).
    NoAdapter {
        /// Backends searched, as wgpu names them.
        tried: String,
        /// Adapters that exist but were excluded, e.g. by `WGPU_ADAPTER_NAME`.
        found: Vec<String>,
    },
    /// An environment variable that steers adapter choice holds a value we do not know.
    BadEnvVar {
        /// The variable.
        name: &'static str,
        /// Its value.
        value: String,
        /// What is accepted.
        allowed: &'static str,
    },
    /// The adapter refused to create a device.
    RequestDevice(String),
    /// wgpu reported an error (validation, out of memory, device lost).
    Gpu(String),
    /// A shader failed to compose, parse or validate.
    Shader {
        /// The shader's module name, e.g. `cartpole` or `shared/rng`.
        shader: String,
        /// naga's or the composer's message, with the source line where known.
        message: String,
    },
    /// A request exceeds a capacity of the engine or of the adapter.
    Capacity {
        /// What ran out, e.g. `"worlds per dispatch"`.
        limit: String,
        /// The most that is allowed.
        max: u64,
        /// What was asked for.
        attempted: u64,
    },
    /// The action buffer handed to `step` has the wrong length.
    ActionLength {
        /// `worlds × action_dim`.
        expected: usize,
        /// The length given.
        got: usize,
    },
    /// One action value is not allowed by the action space.
    InvalidAction {
        /// The world whose action is wrong.
        world: usize,
        /// The index inside that world's action vector.
        index: usize,
        /// The value given.
        value: f32,
        /// What the action space allows.
        allowed: String,
    },
    /// An environment name that is not in the registry.
    UnknownEnv {
        /// The name asked for.
        name: String,
        /// The registered names.
        known: Vec<&'static str>,
    },
    /// A bad argument to an API call (world index out of range, zero worlds, bad state length).
    InvalidArgument {
        /// The argument or field, e.g. `"worlds"` or `"state[3]"`.
        field: String,
        /// The offending value, printed.
        value: String,
        /// What is allowed.
        allowed: String,
    },
    /// A malformed input file (rollout JSON and the like).
    Input {
        /// The file, or `<stdin>`.
        file: String,
        /// 1-based line, when the parser knows it.
        line: Option<usize>,
        /// The field path, e.g. `worlds[2].actions[17]`.
        field: String,
        /// What is wrong and what is allowed.
        message: String,
    },
    /// An I/O error while reading or writing a file.
    Io {
        /// The path.
        path: String,
        /// The OS message.
        message: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NoAdapter { tried, found } => {
                write!(f, "no GPU adapter found (backends tried: {tried})")?;
                if !found.is_empty() {
                    write!(f, "; adapters present but excluded: {}", found.join(", "))?;
                }
                write!(
                    f,
                    ".\nOn a machine without a GPU, install Mesa's software Vulkan driver (lavapipe):\n    \
                     apt-get install -y mesa-vulkan-drivers libvulkan1\n\
                     Environment variables that steer the choice:\n    \
                     MANYWORLDS_BACKEND=vulkan|metal|dx12|gl|software  restricts the search (software = CPU adapters such as lavapipe)\n    \
                     WGPU_BACKEND=vulkan,gl,...                      wgpu's own backend list\n    \
                     WGPU_ADAPTER_NAME=substring                     picks the adapter whose name contains it"
                )
            }
            Error::BadEnvVar {
                name,
                value,
                allowed,
            } => {
                write!(f, "{name}={value:?} is not understood; allowed: {allowed}")
            }
            Error::RequestDevice(m) => write!(f, "the adapter refused to create a device: {m}"),
            Error::Gpu(m) => write!(f, "GPU error: {m}"),
            Error::Shader { shader, message } => write!(f, "shader `{shader}`: {message}"),
            Error::Capacity {
                limit,
                max,
                attempted,
            } => {
                write!(
                    f,
                    "{limit} exceeded: {attempted} requested, at most {max} allowed"
                )
            }
            Error::ActionLength { expected, got } => write!(
                f,
                "actions have length {got}, expected {expected} (worlds × action dimension)"
            ),
            Error::InvalidAction {
                world,
                index,
                value,
                allowed,
            } => write!(
                f,
                "action {index} of world {world} is {value}; allowed: {allowed}"
            ),
            Error::UnknownEnv { name, known } => {
                write!(f, "unknown env `{name}`; registered: {}", known.join(", "))
            }
            Error::InvalidArgument {
                field,
                value,
                allowed,
            } => {
                write!(f, "{field} = {value} is invalid; allowed: {allowed}")
            }
            Error::Input {
                file,
                line,
                field,
                message,
            } => match line {
                Some(l) => write!(f, "{file}:{l}: {field}: {message}"),
                None => write!(f, "{file}: {field}: {message}"),
            },
            Error::Io { path, message } => write!(f, "{path}: {message}"),
        }
    }
}

impl std::error::Error for Error {}
