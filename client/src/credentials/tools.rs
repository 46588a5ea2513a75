//! Running `az` and `azd` with the chain's environment instead of the process's, so a test (or
//! a service with its own configuration) decides which `PATH` they are found on, and stopping
//! them when they take too long (a prompt no one will answer, a hung network).

use std::ffi::OsStr;
use std::io;
use std::process::{Output, Stdio};
use std::time::Duration;

use azure_identity::Executor;

use super::Env;

/// `azure_identity`'s developer-tool credentials run their command through this.
#[derive(Debug)]
pub(crate) struct ToolRunner {
    pub(crate) env: Env,
    pub(crate) timeout: Duration,
}

#[async_trait::async_trait]
impl Executor for ToolRunner {
    async fn run(&self, program: &OsStr, args: &[&OsStr]) -> io::Result<Output> {
        let mut command = tokio::process::Command::new(program);
        command
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // A run dropped by a timeout (here or the caller's) does not leave the tool behind.
            .kill_on_drop(true);
        if let Some(vars) = self.env.replacement() {
            command.env_clear().envs(vars);
        }
        match tokio::time::timeout(self.timeout, command.output()).await {
            Ok(output) => output,
            Err(_) => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!(
                    "it did not print a token within {} s and was stopped",
                    self.timeout.as_secs()
                ),
            )),
        }
    }
}
