//! Project automation for the Partner Center client workspace.
//!
//! * [`codegen`] turns `openapi/partner-center.yaml` into `client/src/generated.rs` with
//!   progenitor (`cargo xtask gen [--check]`).
//! * [`verify`] proves the spec agrees with the documented request/response examples in
//!   `openapi/examples/` (`cargo xtask verify`).
//! * [`conformance`] runs schemathesis against the local sandbox (`cargo xtask conformance`).
//! * [`convergence`] stops the CLI at random moments against a chaotic sandbox and checks that
//!   re-running it converges (`cargo xtask convergence`).
//! * [`fuzz`] runs the cargo-fuzz targets in `fuzz/` for a set time each (`cargo xtask fuzz`).
//! * [`bench`] builds and runs the benchmark in `bench/` (`cargo xtask bench`).
//! * [`process`] is how they run cargo and child processes (`cargo()`, the target directory,
//!   a loopback HTTP request); [`spec`] loads the OpenAPI spec; [`problem`] is what a check
//!   reports.
//!
//! All are plain library functions so the workspace tests can call them directly.

pub mod bench;
#[cfg(feature = "codegen")]
pub mod codegen;
pub mod conformance;
pub mod convergence;
pub mod fuzz;
pub mod problem;
pub mod process;
pub mod spec;
pub mod verify;

use std::path::{Path, PathBuf};

/// The workspace root (the directory holding the top-level `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// How `path` appears in what xtask prints: relative to the workspace root `root` where it is
/// inside it, as it was given otherwise.
pub fn display_path(root: &Path, path: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).display().to_string()
}

/// Default location of the spec, relative to the workspace root.
pub const SPEC_PATH: &str = "openapi/partner-center.yaml";
/// Default location of the documented examples, relative to the workspace root.
pub const EXAMPLES_DIR: &str = "openapi/examples";
