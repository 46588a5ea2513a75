//! `partner-center`: list and clean up the customers of a Partner Center Testing-in-Production
//! (integration) sandbox. The guide is `cli/README.md`.

mod args;
mod auth;
mod candidates;
mod create;
mod delete;
mod exit;
mod hints;
mod list;
mod pace;
mod purchases;
mod target;

use std::process::ExitCode;

use clap::Parser;
use partner_center_cli::ids;

use crate::args::{Auth, Cli, Command, Customers, Selection};
use crate::exit::Failure;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.verbose {
        tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .with_max_level(tracing::Level::INFO)
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
            .init();
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return Failure::Config(format!("cannot start the async runtime: {e}")).report(),
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => failure.report(),
    }
}

async fn run(cli: Cli) -> Result<u8, Failure> {
    match &cli.command {
        Command::Customers(Customers::List(args)) => {
            let conn = target::connect(&cli.target, &[], true).await?;
            list::run(&conn.pc, args).await?;
            Ok(exit::OK)
        }
        Command::Customers(Customers::Delete(args)) => {
            // Every id is checked before anything is sent (or a sandbox started).
            let (given, from_stdin) =
                given_ids(&args.which).map_err(|bad| Failure::Usage(bad.0))?;
            let conn = target::connect(&cli.target, &given, true).await?;
            // A run that will cancel purchases refuses before its first read unless the
            // partner is known to be a TiP account (a cancel works in production too).
            if args.cancel_purchases && !args.dry_run {
                conn.pc.check_tip_account().await.map_err(|e| Failure::Config(e.to_string()))?;
            }
            let targets = candidates::resolve(&conn, &args.which, given).await?;
            delete::run(&conn, args, targets, from_stdin).await
        }
        Command::Customers(Customers::Create(args)) => {
            let conn = target::connect(&cli.target, &[], true).await?;
            create::run(&conn, args).await
        }
        Command::Customers(Customers::Purchases(args)) => {
            let (given, _) = given_ids(&args.which).map_err(|bad| Failure::Usage(bad.0))?;
            let conn = target::connect(&cli.target, &given, true).await?;
            let targets = candidates::resolve(&conn, &args.which, given).await?;
            purchases::run(&conn, args, targets).await
        }
        Command::Auth(Auth::Status(args)) => {
            let conn = target::connect(&cli.target, &[], false).await?;
            auth::status(&conn, args).await
        }
    }
}

fn given_ids(
    args: &Selection,
) -> Result<(Vec<partner_center_client::CustomerTenantId>, bool), ids::BadIds> {
    match &args.from_file {
        Some(path) => Ok((ids::from_file(path)?, path.as_os_str() == "-")),
        None => Ok((ids::from_args(&args.ids)?, false)),
    }
}
