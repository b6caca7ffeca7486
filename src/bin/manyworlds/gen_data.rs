//! `manyworlds gen-data` (being built).

use manyworlds::Error;

/// Arguments of `gen-data`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs `gen-data`.
pub fn run(_a: &Args) -> Result<(), Error> {
    Err(Error::InvalidArgument {
        field: "command".into(),
        value: "gen-data".into(),
        allowed: "a command that is built".into(),
    })
}
