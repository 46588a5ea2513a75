//! Running a built binary as a user would, isolated from the machine it runs on: an empty
//! environment apart from what the test gives, a `PATH` the test chooses (so a developer's own
//! `az` or `azd` is never run), stdin closed unless the test writes to it.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use tokio::io::AsyncWriteExt as _;

/// A `PATH` with no tools on it.
pub const NO_TOOLS: &str = "/nonexistent-partner-center-test-tools";

/// `bin args…` with exactly `vars` in its environment and `path` as its whole `PATH`; stdout
/// and stderr captured, killed if the test drops it.
pub fn isolated(
    bin: &str,
    path: impl AsRef<OsStr>,
    vars: &[(&str, &str)],
    args: &[&str],
) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(bin);
    cmd.args(args)
        .env_clear()
        .env("PATH", path)
        .envs(vars.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd
}

/// Runs `cmd` to its end.
pub async fn run(mut cmd: tokio::process::Command) -> Output {
    cmd.output().await.expect("the binary runs")
}

/// Runs `cmd` to its end with `input` on its stdin.
pub async fn run_with_stdin(mut cmd: tokio::process::Command, input: &[u8]) -> Output {
    cmd.stdin(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(input).await.expect("write stdin");
    drop(stdin);
    child.wait_with_output().await.expect("output")
}

/// Output bytes as text (lossily: a test should see what was printed, whatever it was).
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Each line of stdout as JSON; panics on a line that is not.
pub fn json_lines(out: &Output) -> Vec<serde_json::Value> {
    text(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect()
}

/// The test certificate authority (`tests/fixtures/tls/ca.pem`) written into `dir`, for a
/// binary's `--ca-cert`.
pub fn ca_file(dir: &Path) -> PathBuf {
    let path = dir.join("test-ca.pem");
    std::fs::write(&path, crate::tls_fixture("ca.pem")).expect("write ca");
    path
}
