//! Running cargo and the workspace's own binaries: one place for where cargo is, where it puts
//! what it builds, children that must not outlive a failed run, and the one HTTP request xtask
//! makes (to a sandbox it started, on loopback).

use std::path::{Path, PathBuf};
use std::process::{Child, Command};

/// The cargo that runs this xtask (`CARGO`), else `cargo` on `PATH`.
pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// `CARGO_TARGET_DIR` (relative to the root) when set, else the workspace's `target/`.
pub fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|dir| if dir.is_absolute() { dir } else { root.join(dir) })
        .unwrap_or_else(|| root.join("target"))
}

/// Runs `cmd` to completion; an error names `what` and how it ended.
pub fn run_checked(cmd: &mut Command, what: &str) -> Result<(), String> {
    let status = cmd.status().map_err(|e| format!("{what}: cannot start: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("{what}: failed ({status})")) }
}

/// A child process killed (and reaped) when this is dropped, however the run ends.
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One HTTP/1.1 request to a server on loopback (xtask has no HTTP client): `method path` with
/// `Authorization: Bearer {bearer}` (and `Content-Length: 0` unless a GET), the connection
/// closed after the answer. Returns the status and the body; an answer that is not HTTP is an error naming the request.
pub fn loopback_request(
    base_url: &str,
    method: &str,
    path: &str,
    bearer: &str,
) -> Result<(u16, Vec<u8>), String> {
    use std::io::{Read, Write};
    let addr = base_url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr)
        .map_err(|e| format!("connecting to the sandbox at {addr}: {e}"))?;
    // A body-less POST says so; a GET carries no Content-Length, as Partner Center documents.
    let length = if method == "GET" { "" } else { "Content-Length: 0\r\n" };
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {bearer}\r\n{length}Connection: close\r\n\r\n"
    )
    .map_err(|e| format!("{method} {path}: {e}"))?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).map_err(|e| format!("{method} {path}: {e}"))?;
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut response = httparse::Response::new(&mut headers);
    let head = match response.parse(&answer) {
        Ok(httparse::Status::Complete(n)) => n,
        _ => return Err(format!("{method} {path}: not an HTTP answer")),
    };
    let status = response.code.unwrap_or(0);
    Ok((status, answer[head..].to_vec()))
}
