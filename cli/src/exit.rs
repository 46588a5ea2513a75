//! How a run ends: exit codes, and errors as one clear line each.

use std::process::ExitCode;

/// A run that could not do its job.
#[derive(Debug)]
pub enum Failure {
    /// Bad input or configuration: nothing was sent. Exit 2.
    Usage(Vec<String>),
    /// Configuration: exit 2.
    Config(String),
    /// A call failed (listing, for example). Exit 1.
    Call(String),
}

/// Exit codes, as documented in `cli/README.md`.
pub const OK: u8 = 0;
pub const SOME_FAILED: u8 = 1;
pub const USAGE: u8 = 2;
pub const INTERRUPTED: u8 = 130;

impl Failure {
    pub fn report(self) -> ExitCode {
        match self {
            Failure::Usage(lines) => {
                for line in lines {
                    eprintln!("error: {line}");
                }
                eprintln!("nothing was sent");
                ExitCode::from(USAGE)
            }
            Failure::Config(line) => {
                eprintln!("error: {line}");
                ExitCode::from(USAGE)
            }
            Failure::Call(line) => {
                eprintln!("error: {line}");
                ExitCode::from(SOME_FAILED)
            }
        }
    }
}
