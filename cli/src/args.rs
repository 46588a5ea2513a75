//! The command line, with clap's derive API.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use partner_center_client::Cloud;
use partner_center_client::credentials::Source;

/// List and clean up the customers of a Partner Center Testing-in-Production (integration)
/// sandbox.
///
/// Credentials come from a chain, tried in order: a token in PARTNER_CENTER_TOKEN (or the
/// variable --token-env names); an app's secret or certificate (AZURE_* variables); workload
/// identity; an App Service managed identity; `az login`; `azd auth login`. --auth picks one;
/// `partner-center auth status` shows which one is used and what its token says. Try
/// everything offline with --sandbox, which starts an embedded local sandbox seeded with test
/// customers.
#[derive(Debug, Parser)]
#[command(name = "partner-center", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub target: Target,
    /// Show the client's tracing output (each call's span, retries) on stderr.
    #[arg(long, short, global = true)]
    pub verbose: bool,
    #[command(subcommand)]
    pub command: Command,
}

/// Where calls go and how they are paced.
#[derive(Debug, Args)]
pub struct Target {
    /// The Partner Center cloud: global, china, us-government (usgov), germany (retired:
    /// refused with the reason).
    /// With --base-url, the cloud still decides the scope and authority of the token.
    #[arg(long, global = true, value_parser = parse_cloud, default_value = "global", conflicts_with = "sandbox")]
    pub cloud: Cloud,
    /// Use this credential source alone instead of the chain: token, secret, certificate,
    /// workload-identity, managed-identity (a VM's IMDS only this way), az, azd.
    /// (Ignored with --sandbox, so an exported PARTNER_CENTER_AUTH does not get in the way.)
    #[arg(long, global = true, value_name = "SOURCE", env = "PARTNER_CENTER_AUTH", value_parser = parse_source)]
    pub auth: Option<Source>,
    /// The partner's Entra ID tenant (id or domain), over AZURE_TENANT_ID; `az` and `azd` are
    /// asked for a token in it.
    #[arg(long, global = true, value_name = "TENANT", conflicts_with = "sandbox")]
    pub tenant: Option<String>,
    /// The scope `az` and `azd` ask for instead of the cloud's `/.default` (for example
    /// https://api.partnercenter.microsoft.com/user_impersonation); app credentials always ask
    /// for `/.default`.
    #[arg(long, global = true, value_name = "SCOPE", conflicts_with = "sandbox")]
    pub scope: Option<String>,
    /// Also trust the certificate authorities in this PEM file (added to the system's roots;
    /// SSL_CERT_FILE instead replaces them), for a TLS-inspecting proxy or a private endpoint.
    #[arg(long, global = true, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// Sign in at this authority host instead of the cloud's (app credentials: workload
    /// identity, secret, certificate). Ignored with --sandbox.
    #[arg(long, global = true, value_name = "URL", env = "AZURE_AUTHORITY_HOST")]
    pub authority_host: Option<String>,
    /// Call this base URL instead of the cloud's (https://, or http:// on loopback).
    #[arg(long, global = true, value_name = "URL", conflicts_with = "sandbox")]
    pub base_url: Option<String>,
    /// The environment variable the `token` source reads (first in the chain; with
    /// `--auth token`, it must be set).
    #[arg(
        long,
        global = true,
        value_name = "VAR",
        default_value = "PARTNER_CENTER_TOKEN",
        conflicts_with = "sandbox"
    )]
    pub token_env: String,
    /// The partner's Testing in Production (integration sandbox) tenant id. Runs that cancel
    /// purchases (`delete --cancel-purchases`) need it and refuse to start without it: a
    /// cancel works on production accounts too, so it is sent only with a token of this
    /// tenant. Not needed with --sandbox or a loopback --base-url.
    #[arg(long, global = true, value_name = "GUID", env = "PARTNER_CENTER_TIP_TENANT", value_parser = parse_tenant)]
    pub tip_tenant: Option<uuid::Uuid>,
    /// Run against an embedded local sandbox (no credentials), seeded with --seed customers
    /// plus any ids given.
    #[arg(long, global = true)]
    pub sandbox: bool,
    /// Customers the embedded sandbox starts with (with --sandbox).
    #[arg(long, global = true, value_name = "N", default_value_t = 25, requires = "sandbox")]
    pub seed: usize,
    /// The share (0 to 1) of the embedded sandbox's customers that hold Reserved Instance or
    /// software orders, which must be cancelled before they can be deleted (with --sandbox).
    #[arg(long, global = true, value_name = "SHARE", default_value_t = 0.33, requires = "sandbox", value_parser = parse_share)]
    pub purchases_share: f64,
    /// The share (0 to 1) of the embedded sandbox's other customers that hold subscriptions
    /// (new commerce; some with a legacy or a marketplace one too), which must be cancelled or
    /// suspended before they can be deleted (with --sandbox).
    #[arg(long, global = true, value_name = "SHARE", default_value_t = 0.25, requires = "sandbox", value_parser = parse_share)]
    pub subscriptions_share: f64,
    /// How many of the embedded sandbox's customers hold an Azure plan with two Azure
    /// subscriptions (with --sandbox).
    #[arg(long, global = true, value_name = "N", default_value_t = 1, requires = "sandbox")]
    pub azure_plans: usize,
    /// Requests a minute on each documented resource (customers, orders, subscriptions) for
    /// the whole run, lists included, evenly spaced, in the order they were asked for (0: no
    /// pacing). Partner Center documents 500 a minute per partner on each; a 429 pauses that
    /// resource for its Retry-After.
    #[arg(long, global = true, value_name = "N/min", default_value = "500/min", value_parser = parse_rate)]
    pub rate: u32,
    /// The first wait before retrying a failed call; the rest of the retry policy is the
    /// client's (its help text below is made from `RetryPolicy`'s defaults).
    #[arg(long, global = true, value_name = "DURATION", default_value = "500ms", value_parser = parse_duration, help = retry_backoff_help())]
    pub retry_backoff: std::time::Duration,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Customers of the signed-in partner.
    #[command(subcommand)]
    Customers(Customers),
    /// Credentials: which source is used and what its token says.
    #[command(subcommand)]
    Auth(Auth),
}

#[derive(Debug, Subcommand)]
pub enum Auth {
    /// Which credential source would be used (and why the others are skipped), the cloud,
    /// authority and scope, and the token's claims, read without verifying it and never
    /// printed: tenant, app, user, roles or scopes, audience, issuer, expiry.
    Status(StatusArgs),
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// text: aligned lines; json: one JSON object.
    #[arg(long, value_enum, default_value_t = DeleteOutput::Text)]
    pub output: DeleteOutput,
}

#[derive(Debug, Subcommand)]
pub enum Customers {
    /// List every customer (all pages).
    List(ListArgs),
    /// Delete customers from the integration sandbox.
    Delete(DeleteArgs),
    /// Create TiP test customers (fixtures), named so that `delete --fixtures-older-than`
    /// finds them later: JSON lines of what was created on stdout.
    Create(CreateArgs),
    /// Show what would block deleting customers: their Reserved Instance and software orders
    /// (from their entitlements), each order's status, and whether it can be cancelled.
    Purchases(PurchasesArgs),
}

/// Which customers a command is for: ids, a file of ids, all, or a name prefix.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("which").required(true).args(["ids", "from_file", "all", "prefix", "fixtures_older_than"])))]
pub struct Selection {
    /// Customer tenant ids (GUIDs).
    #[arg(value_name = "ID")]
    pub ids: Vec<String>,
    /// Read ids from FILE, one per line (blank lines and `#` comments allowed); `-` reads
    /// standard input.
    #[arg(long, value_name = "FILE")]
    pub from_file: Option<PathBuf>,
    /// Every customer of the partner (found with list).
    #[arg(long)]
    pub all: bool,
    /// The customers whose company name or domain starts with TEXT (found with list; an
    /// empty TEXT is refused: --all says "every customer").
    #[arg(long, value_name = "TEXT", value_parser = parse_prefix)]
    pub prefix: Option<String>,
    /// The test customers `customers create` made (found by their names) at least DURATION
    /// ago (`2h`; `0s` for all of them). Each is read back before anything is done to it: a
    /// customer created moments ago may not read yet.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub fixtures_older_than: Option<std::time::Duration>,
    /// With --fixtures-older-than: only the fixtures of this run tag (`--name-prefix` of
    /// `customers create`).
    #[arg(long, value_name = "TAG", requires = "fixtures_older_than")]
    pub fixture_tag: Option<String>,
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// How many customers (1 to 75, a TiP account's limit).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=75))]
    pub count: u8,
    /// The run's tag, at the start of every name after the fixture marker (1 to 9 letters
    /// and digits): `customers delete --fixtures-older-than … --fixture-tag TEXT` finds them.
    #[arg(long, value_name = "TEXT")]
    pub name_prefix: String,
    /// The customers' address, a JSON object (camelCase or PascalCase: addressLine1, city,
    /// state, postalCode, country, firstName, lastName, phoneNumber); it must validate as
    /// verified. Default: 1 Microsoft Way, Redmond, WA 98052, US (the docs' verified example).
    #[arg(long, value_name = "FILE")]
    pub address: Option<PathBuf>,
    /// Write each customer's admin user and password (JSON lines) to FILE, which must not
    /// exist: it is created readable by its owner only. Without it no password is written
    /// anywhere.
    #[arg(long, value_name = "FILE")]
    pub passwords_file: Option<PathBuf>,
    /// Customer slots to leave free for others sharing the account: a batch that would pass
    /// 75 less this is refused before anything is created.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub headroom: usize,
    /// Give each customer a test purchase (one license of perpetual software, checked out),
    /// which the delete's --cancel-purchases then cancels. Against the local sandbox only:
    /// which product a fresh TiP account can buy is not established.
    #[arg(long)]
    pub with_purchase: bool,
    /// First reap the fixtures (of any tag) older than DURATION.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub reap_stale_first: Option<std::time::Duration>,
    /// Customers created at once.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=75))]
    pub concurrency: u16,
}

#[derive(Debug, Args)]
pub struct PurchasesArgs {
    #[command(flatten)]
    pub which: Selection,
    /// Customers looked up at once.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub concurrency: u16,
    /// table: aligned columns; json: one JSON object per order (and per customer with none).
    #[arg(long, value_enum, default_value_t = ListOutput::Table)]
    pub output: ListOutput,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only customers whose company name or domain starts with TEXT (case-insensitive; not
    /// empty).
    #[arg(long, value_name = "TEXT", value_parser = parse_prefix)]
    pub prefix: Option<String>,
    /// table: aligned columns; json: one JSON object per line; ids: one tenant id per line.
    #[arg(long, value_enum, default_value_t = ListOutput::Table)]
    pub output: ListOutput,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListOutput {
    Table,
    Json,
    Ids,
}

#[derive(Debug, Args)]
pub struct DeleteArgs {
    #[command(flatten)]
    pub which: Selection,
    /// End everything that blocks each customer's delete first, wait until Partner Center
    /// reads it ended, then delete it: Azure Reserved Instance and software orders are
    /// cancelled (the documented procedure), then new-commerce and marketplace subscriptions
    /// cancelled (one past its cancellation window is suspended instead, and said so) and
    /// legacy subscriptions suspended. A subscription of a kind it cannot place, or an Azure
    /// plan, is reported and left alone.
    #[arg(long)]
    pub cancel_purchases: bool,
    /// With --cancel-purchases: also end Azure plans — cancel each active Azure subscription
    /// of the plan (the documented call is meant for compromise or abuse and needs a Global
    /// Administrator with the Admin Agent role), wait until each reads inactive (about ten
    /// minutes), then suspend the plan. Without it an Azure plan is reported and left alone.
    /// Implied with --sandbox.
    #[arg(long, requires = "cancel_purchases")]
    pub cancel_azure_subscriptions: bool,
    /// With --cancel-purchases: the first pause while waiting for cancelled orders and ended
    /// subscriptions (the rest of each wait is `PollPolicy`'s defaults, which the help text
    /// below is made from).
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_poll_interval, requires = "cancel_purchases", help = poll_interval_help())]
    pub poll_interval: std::time::Duration,
    /// Do not ask for confirmation.
    #[arg(long, short)]
    pub yes: bool,
    /// Show what would be deleted (with --cancel-purchases, and the orders that would be
    /// cancelled: those are read); send no DELETE or cancel.
    #[arg(long)]
    pub dry_run: bool,
    /// Deletes in flight at once.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub concurrency: u16,
    /// text: progress and log lines on stderr; json: also one JSON object per customer on
    /// stdout, for audit logs.
    #[arg(long, value_enum, default_value_t = DeleteOutput::Text)]
    pub output: DeleteOutput,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DeleteOutput {
    Text,
    Json,
}

/// The client's names (its `FromStr` knows the aliases, `usgov` among them).
fn parse_cloud(text: &str) -> Result<Cloud, String> {
    text.parse::<Cloud>().map_err(|e| e.to_string())
}

/// A credential source's name (the client's `FromStr`).
fn parse_source(text: &str) -> Result<Source, String> {
    text.parse::<Source>().map_err(|e| e.to_string())
}

/// A share from 0 to 1.
fn parse_share(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(share) if (0.0..=1.0).contains(&share) => Ok(share),
        _ => Err(format!("`{text}` is not a share: write a number from 0 to 1, such as 0.33")),
    }
}

/// `500ms`, `2s`, `1m`.
fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    humantime::parse_duration(text)
        .map_err(|_| format!("`{text}` is not a duration: write one such as 500ms, 2s or 1m"))
}

/// A selection's name prefix: never empty, so that a selection never widens to everyone.
fn parse_prefix(text: &str) -> Result<String, String> {
    if text.trim().is_empty() {
        return Err(
            "an empty prefix would select every customer: give the start of a company name or domain, or use --all to mean every customer".to_string(),
        );
    }
    Ok(text.to_string())
}

/// A tenant id (a GUID).
fn parse_tenant(text: &str) -> Result<uuid::Uuid, String> {
    text.trim().parse().map_err(|_| {
        format!("`{text}` is not a tenant id: write the TiP partner's Entra ID tenant GUID, such as 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")
    })
}

/// `--poll-interval`: a duration no shorter than the procedure's floor (never a tight loop).
fn parse_poll_interval(text: &str) -> Result<std::time::Duration, String> {
    let floor = partner_center_client::PollPolicy::MIN_INTERVAL;
    match parse_duration(text)? {
        d if d < floor => Err(format!(
            "`{text}` is shorter than the shortest pause ({}): polling with no pause would spend the order budget every other customer needs",
            humantime::format_duration(floor)
        )),
        d => Ok(d),
    }
}

/// `480/min`, `480` (a minute), or `0` (off).
fn parse_rate(text: &str) -> Result<u32, String> {
    let number = text.strip_suffix("/min").unwrap_or(text).trim();
    number.parse::<u32>().map_err(|_| {
        format!(
            "`{text}` is not a rate: write requests a minute, such as 480/min (0 turns pacing off)"
        )
    })
}

/// `--retry-backoff`'s help, from the client's defaults (their one home is `RetryPolicy`).
fn retry_backoff_help() -> String {
    let policy = partner_center_client::RetryPolicy::default();
    format!(
        "The first wait before retrying a failed call (429, 5xx, a lost connection); it doubles each retry, up to {}, {} attempts in all. A server's Retry-After wins when longer.",
        humantime::format_duration(policy.max_backoff()),
        policy.max_attempts()
    )
}

/// `--poll-interval`'s help, from the procedure's defaults (their one home is `PollPolicy`).
fn poll_interval_help() -> String {
    use partner_center_client::PollPolicy;
    format!(
        "With --cancel-purchases: the first pause while waiting for cancelled orders, and for cancelled or suspended subscriptions (it grows to {}; each wait gives up after {}).",
        humantime::format_duration(PollPolicy::DEFAULT_MAX_INTERVAL),
        humantime::format_duration(PollPolicy::DEFAULT_LIMIT)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_and_clouds_parse() {
        assert_eq!(parse_rate("480/min"), Ok(480));
        assert_eq!(parse_rate("0"), Ok(0));
        assert!(parse_rate("fast").is_err());
        assert!(parse_rate("10/s").is_err());
        assert_eq!(parse_cloud("usgov"), Ok(Cloud::UsGovernment));
        assert!(parse_cloud("mars").is_err());
        assert_eq!(parse_share("0.33"), Ok(0.33));
        assert!(parse_share("1.5").is_err() && parse_share("lots").is_err());
        assert_eq!(parse_duration("250ms"), Ok(std::time::Duration::from_millis(250)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_prefix("").is_err() && parse_prefix("  ").is_err());
        assert_eq!(parse_prefix("Contoso").as_deref(), Ok("Contoso"));
        assert!(parse_poll_interval("0s").is_err());
        assert!(parse_tenant("tip").is_err());
    }

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
