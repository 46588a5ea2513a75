//! Fake developer tools (`az`, `azd`): shell scripts that record their arguments and replay
//! canned output.

use std::io::Write as _;
use std::os::unix::ffi::OsStrExt as _;
use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

/// A fake developer tool (e.g. `az`, `azd`): a `#!/bin/sh` script that records its arguments
/// and replays canned output, using only shell builtins so it runs with nothing else on `PATH`.
#[derive(Debug, Clone)]
pub struct FakeTool {
    args: PathBuf,
}

impl FakeTool {
    /// Writes an executable shell script `dir/name` (e.g. "az" or "azd") that appends its
    /// arguments as one line to `dir/name.args`, prints `stdout` to stdout and `stderr` to
    /// stderr (kept in `dir/name.stdout` and `dir/name.stderr`, byte for byte), and exits with
    /// `code` (modulo 256, as shells report it).
    ///
    /// # Panics
    ///
    /// If `name` is empty or contains `/`, or a file cannot be written.
    pub fn install(dir: &Path, name: &str, stdout: &str, stderr: &str, code: i32) -> FakeTool {
        assert!(!name.is_empty() && !name.contains('/'), "tool name {name:?}");
        // Credentials run tools from another directory (`cd /bin && az ...`): use absolute paths.
        let dir = std::path::absolute(dir).expect("absolute directory");
        let file = |suffix: &str| dir.join(format!("{name}{suffix}"));
        let (script, args, out, err) = (file(""), file(".args"), file(".stdout"), file(".stderr"));
        std::fs::write(&out, stdout).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
        std::fs::write(&err, stderr).unwrap_or_else(|e| panic!("{}: {e}", err.display()));

        let mut text = Vec::new();
        text.extend_from_slice(b"#!/bin/sh\n");
        text.extend_from_slice(b"# A fake tool for tests (partner-center-tests FakeTool).\n");
        text.extend_from_slice(b"printf '%s\\n' \"$*\" >> ");
        text.extend_from_slice(&sh_quote(&args));
        text.extend_from_slice(
            b"\nemit() { while IFS= read -r line; do printf '%s\\n' \"$line\"; done; \
              printf '%s' \"$line\"; }\n",
        );
        text.extend_from_slice(b"emit < ");
        text.extend_from_slice(&sh_quote(&out));
        text.extend_from_slice(b"\nemit < ");
        text.extend_from_slice(&sh_quote(&err));
        text.extend_from_slice(b" >&2\n");
        text.extend_from_slice(format!("exit {}\n", code.rem_euclid(256)).as_bytes());

        let written = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o755)
            .open(&script)
            .and_then(|mut f| f.write_all(&text))
            .and_then(|()| {
                std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))
            });
        written.unwrap_or_else(|e| panic!("{}: {e}", script.display()));
        FakeTool { args }
    }

    /// The argument lines of every run so far, in order (empty if it never ran).
    pub fn calls(&self) -> Vec<String> {
        match std::fs::read(&self.args) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).lines().map(String::from).collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => panic!("{}: {e}", self.args.display()),
        }
    }
}

/// `path` single-quoted for `sh`.
fn sh_quote(path: &Path) -> Vec<u8> {
    let mut quoted = vec![b'\''];
    for &b in path.as_os_str().as_bytes() {
        if b == b'\'' {
            quoted.extend_from_slice(b"'\\''");
        } else {
            quoted.push(b);
        }
    }
    quoted.push(b'\'');
    quoted
}

/// What `az account get-access-token -o json` prints for `token` expiring at
/// `expires_on_unix` (`expiresOn` is that instant as `YYYY-MM-DD HH:MM:SS.ffffff`, in UTC here).
pub fn az_token_json(token: &str, expires_on_unix: i64) -> String {
    let body = serde_json::json!({
        "accessToken": token,
        "expiresOn": az_datetime(expires_on_unix),
        "expires_on": expires_on_unix,
        "subscription": "00000000-0000-0000-0000-0000000000aa",
        "tenant": "00000000-0000-0000-0000-000000000001",
        "tokenType": "Bearer",
    });
    let mut text = serde_json::to_string_pretty(&body).unwrap_or_default();
    text.push('\n');
    text
}

/// What `azd auth token --output json` prints for `token` expiring at `expires_on_rfc3339`
/// (e.g. `2026-11-29T17:00:00Z`).
pub fn azd_token_json(token: &str, expires_on_rfc3339: &str) -> String {
    let body = serde_json::json!({ "token": token, "expiresOn": expires_on_rfc3339 });
    format!("{body}\n")
}

/// `unix` seconds as `YYYY-MM-DD HH:MM:SS.000000` (UTC).
fn az_datetime(unix: i64) -> String {
    let (days, secs) = (unix.div_euclid(86_400), unix.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let (era, doe) = (z.div_euclid(146_097), z.rem_euclid(146_097));
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}.000000",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn az_and_azd_output_parses() {
        let az: serde_json::Value =
            serde_json::from_str(&az_token_json("tok", 1_795_971_600)).expect("json");
        assert_eq!(az["accessToken"], "tok");
        assert_eq!(az["expires_on"], 1_795_971_600);
        assert_eq!(az["expiresOn"], "2026-11-29 17:00:00.000000");
        assert_eq!(az["tokenType"], "Bearer");
        assert_eq!(az_datetime(0), "1970-01-01 00:00:00.000000");
        assert_eq!(az_datetime(951_868_799), "2000-02-29 23:59:59.000000");
        let azd: serde_json::Value =
            serde_json::from_str(&azd_token_json("tok", "2026-11-29T17:00:00Z")).expect("json");
        assert_eq!(azd, serde_json::json!({ "token": "tok", "expiresOn": "2026-11-29T17:00:00Z" }));
    }

    #[test]
    fn a_fake_tool_runs_with_only_itself_on_path_and_records_its_arguments() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("it's $HOME");
        std::fs::create_dir(&dir).expect("mkdir");
        let out = "{\"a\": \"$x `y` \\\\n %s\"}\n  indented\nno newline";
        let tool = FakeTool::install(&dir, "az", out, "warn: 'x'\n", 3);
        assert!(tool.calls().is_empty());
        let run = |command: &str| {
            std::process::Command::new("/bin/sh")
                .args(["-c", command])
                .env_clear()
                .env("PATH", &dir)
                .current_dir("/")
                .output()
                .expect("runs")
        };
        let output = run("az account get-access-token -o json");
        assert_eq!(output.status.code(), Some(3));
        assert_eq!(String::from_utf8_lossy(&output.stdout), out);
        assert_eq!(String::from_utf8_lossy(&output.stderr), "warn: 'x'\n");
        let output = run("az --version");
        assert_eq!(output.status.code(), Some(3));
        assert_eq!(tool.calls(), ["account get-access-token -o json", "--version"]);

        let ok = FakeTool::install(&dir, "azd", "", "", 0);
        let output = run("azd auth token");
        assert!(output.status.success());
        assert!(output.stdout.is_empty() && output.stderr.is_empty());
        assert_eq!(ok.calls(), ["auth token"]);
    }
}
