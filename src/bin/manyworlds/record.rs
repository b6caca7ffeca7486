//! `manyworlds record` (being built).

use manyworlds::Error;

/// Arguments of `record`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs `record`.
pub fn run(_a: &Args) -> Result<(), Error> {
    Err(Error::InvalidArgument {
        field: "command".into(),
        value: "record".into(),
        allowed: "a command that is built".into(),
    })
}
