//! `manyworlds view` (being built).

use manyworlds::Error;

/// Arguments of `view`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs `view`.
pub fn run(_a: &Args) -> Result<(), Error> {
    Err(Error::InvalidArgument {
        field: "command".into(),
        value: "view".into(),
        allowed: "a command that is built".into(),
    })
}
