//! Running `az` and `azd` with the chain's environment instead of the process's, so a test (or
//! a service with its own configuration) decides which `PATH` they are found on.

use std::ffi::OsStr;
use std::io;
use std::process::{Command, Output, Stdio};

use azure_identity::Executor;

use super::Env;

/// `azure_identity`'s developer-tool credentials run their command through this.
#[derive(Debug)]
pub(crate) struct ToolRunner {
    pub(crate) env: Env,
}

#[async_trait::async_trait]
impl Executor for ToolRunner {
    async fn run(&self, program: &OsStr, args: &[&OsStr]) -> io::Result<Output> {
        let mut command = Command::new(program);
        command.args(args).stdin(Stdio::null());
        if let Some(vars) = self.env.replacement() {
            command.env_clear().envs(vars);
        }
        // The tools take a second or more: off the async threads.
        tokio::task::spawn_blocking(move || command.output())
            .await
            .map_err(|e| io::Error::other(format!("the tool's thread failed: {e}")))?
    }
}
