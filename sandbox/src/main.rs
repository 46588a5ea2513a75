//! `partner-center-sandbox`: serve the sandbox until Ctrl-C.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;

use clap::{CommandFactory, FromArgMatches, Parser};
use std::time::Duration;

use partner_center_sandbox::{
    CANCELLATION_WINDOW, Fault, NEW_COMMERCE_CANCELLATION_WINDOW, Operation, OrderSeed, Sandbox,
    SubscriptionSeed,
};
use uuid::Uuid;

/// An offline Partner Center integration sandbox on loopback.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Address to listen on; loopback unless you mean otherwise.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    host: IpAddr,
    /// Customers to seed for the TiP partner.
    #[arg(long, default_value_t = 10)]
    customers: usize,
    /// Also seed this customer id (repeatable).
    #[arg(long = "customer", value_name = "UUID")]
    extra: Vec<Uuid>,
    /// The TiP partner's bearer token (default: a fresh random one).
    #[arg(long)]
    token: Option<String>,
    /// Script a fault: KIND:TIMES[:ARG][@OPERATION], such as throttle:2:1s (429 with
    /// Retry-After: 1, twice), error:3:503, delay:5:200ms, drop:1, refuse:1:409/900278 (a
    /// Partner Center refusal with that status and code) (repeatable; in order).
    #[arg(long = "fault", value_name = "FAULT")]
    faults: Vec<Fault>,
    /// Throttle above this many requests a minute on each documented resource (customers,
    /// orders; 429 with Retry-After), as Partner Center does above its documented 500 a
    /// minute; bursts of up to --burst.
    #[arg(long, value_name = "N")]
    rate_limit: Option<NonZeroU32>,
    /// Give about this share (0 to 1) of the seeded customers Reserved Instance and software
    /// orders, which must be cancelled before the customer can be deleted.
    #[arg(long, value_name = "SHARE", default_value_t = 0.0)]
    purchases_share: f64,
    /// Give about this share (0 to 1) of the seeded customers without orders subscriptions
    /// (new commerce; with a legacy or a marketplace one beside it), which must be cancelled
    /// or suspended before the customer can be deleted.
    #[arg(long, value_name = "SHARE", default_value_t = 0.0)]
    subscriptions_share: f64,
    /// The most customers a partner may hold; a create past it is refused (400, 800018).
    #[arg(long, value_name = "N", default_value_t = partner_center_sandbox::TIP_CUSTOMER_LIMIT)]
    customer_limit: usize,
    /// How long a created customer reads as not found by id (the listing shows it at once).
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = humantime::parse_duration)]
    read_after_create_lag: std::time::Duration,
    /// Give the last N of the --customers an Azure plan each (two Azure subscriptions).
    #[arg(long, value_name = "N", default_value_t = 0)]
    azure_plans: usize,
    /// Also seed this customer with an active new-commerce subscription (repeatable).
    #[arg(long = "customer-with-subscription", value_name = "UUID")]
    with_subscription: Vec<Uuid>,
    /// Also seed this customer with a new-commerce subscription past its 7-day cancellation
    /// window, which can be suspended but not cancelled (repeatable).
    #[arg(long = "customer-with-late-subscription", value_name = "UUID")]
    with_late_subscription: Vec<Uuid>,
    /// Also seed this customer with an active Reserved Instance and software order
    /// (repeatable).
    #[arg(long = "customer-with-orders", value_name = "UUID")]
    with_orders: Vec<Uuid>,
    /// Also seed this customer with a software order older than the 60-day cancellation
    /// window (repeatable).
    #[arg(long = "customer-with-old-order", value_name = "UUID")]
    with_old_order: Vec<Uuid>,
    /// Also seed this customer with an Azure plan holding two Azure subscriptions, which
    /// blocks its deletion until it is suspended, which waits until each Azure subscription is
    /// cancelled and reads inactive (repeatable).
    #[arg(long = "customer-with-azure-plan", value_name = "UUID")]
    with_azure_plan: Vec<Uuid>,
    /// How long a cancelled Azure subscription (Azure entitlement) takes to read inactive
    /// (Partner Center says about 10 minutes: --azure-entitlement-latency 10m).
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = humantime::parse_duration)]
    azure_entitlement_latency: std::time::Duration,
    /// How long a cancelled or suspended subscription takes to read its new status.
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = humantime::parse_duration)]
    subscription_latency: std::time::Duration,
    /// How long a cancelled order takes to read `cancelled`.
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = humantime::parse_duration)]
    cancellation_latency: std::time::Duration,
    /// Name the --customers seeded customers `TEXT 0001`, `TEXT 0002`, … (domain
    /// `text0001.onmicrosoft.com`) instead of `Contoso Test NNNN`.
    #[arg(long, value_name = "TEXT")]
    name_prefix: Option<String>,
    /// Also seed N customers named after --bystander-prefix: customers a run aimed at the
    /// others must never touch (with purchases as --purchases-share says).
    #[arg(long, value_name = "N", default_value_t = 0)]
    bystanders: usize,
    /// The bystanders' name prefix.
    #[arg(long, value_name = "TEXT", default_value = "Bystander")]
    bystander_prefix: String,
    /// Also seed a customer with this company name and domain (`COMPANY=DOMAIN`, repeatable),
    /// printed with the bystanders.
    #[arg(long = "named-customer", value_name = "COMPANY=DOMAIN", value_parser = parse_named)]
    named_customers: Vec<(String, String)>,
    /// Seeded random faults on every route: SEED:RATE (42:0.05 or 42:5%): 429s, 500/503s,
    /// dropped connections, delays, and for DELETE/PATCH "applied, then dropped". Without
    /// --seed, SEED also seeds the ids, so the same command replays the same faults.
    #[arg(long, value_name = "SEED:RATE")]
    chaos: Option<partner_center_sandbox::Chaos>,
    /// Draw the seeded customer, bystander and order ids from N: the same command, the same
    /// ids (default: the --chaos seed, else fresh random ids).
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Open the admin routes (/_sandbox/state, /_sandbox/requests, /_sandbox/hold,
    /// /_sandbox/release) to this bearer token.
    #[arg(long, value_name = "TOKEN")]
    admin_token: Option<String>,
    /// The burst the rate limit allows.
    #[arg(long, value_name = "N", default_value = "1", requires = "rate_limit")]
    burst: NonZeroU32,
    /// Serve HTTPS with a certificate authority made at start (HTTP/2 or HTTP/1.1 by ALPN);
    /// its certificate is written to FILE, for the client to trust (`partner-center
    /// --ca-cert FILE`). Needs the `tls` feature.
    #[cfg(feature = "tls")]
    #[arg(long, value_name = "FILE")]
    tls_ca_out: Option<std::path::PathBuf>,
}

/// `COMPANY=DOMAIN`.
fn parse_named(text: &str) -> Result<(String, String), String> {
    match text.rsplit_once('=') {
        Some((company, domain)) if !company.is_empty() && !domain.is_empty() => {
            Ok((company.to_owned(), domain.to_owned()))
        }
        _ => Err(format!("`{text}`: write COMPANY=DOMAIN")),
    }
}

/// Seeds `ids` named `PREFIX 0001`, … with domains `prefix0001.onmicrosoft.com`, ….
fn named(
    builder: partner_center_sandbox::SandboxBuilder,
    prefix: &str,
    ids: &[Uuid],
) -> partner_center_sandbox::SandboxBuilder {
    let domain: String =
        prefix.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_lowercase();
    ids.iter().enumerate().fold(builder, |b, (i, id)| {
        let n = i + 1;
        b.named_customer(*id, format!("{prefix} {n:04}"), format!("{domain}{n:04}.onmicrosoft.com"))
    })
}

/// The flags' parser, its `--fault` help naming the operations.
fn command() -> clap::Command {
    // The operation names come from the sandbox's routing table, not a copy here.
    let operations = Operation::all().map(Operation::name).collect::<Vec<_>>().join(", ");
    Args::command().mut_arg("faults", |arg| {
        let help = arg.get_long_help().or(arg.get_help()).map(ToString::to_string);
        arg.long_help(format!("{}\nOPERATION: {operations}.", help.unwrap_or_default()))
    })
}

/// The builder with the TiP partner (`token`), its customers and the bystanders, seeded and
/// with chaos as `args` say; and the customer and bystander ids, as printed.
fn seeded(
    args: &Args,
    token: &str,
) -> (partner_center_sandbox::SandboxBuilder, Vec<Uuid>, Vec<Uuid>) {
    let mut builder = Sandbox::builder().tip_partner(token);
    if let Some(seed) = args.seed {
        builder = builder.seed(seed);
    }
    if let Some(chaos) = args.chaos {
        builder = builder.chaos(chaos);
    }
    // Drawn from the seed when there is one: the customers first, then the bystanders.
    let mut fresh = builder.customer_ids();
    let customers: Vec<Uuid> =
        args.extra.iter().copied().chain(fresh.by_ref().take(args.customers)).collect();
    let mut bystanders: Vec<Uuid> = fresh.by_ref().take(args.bystanders).collect();
    builder = match &args.name_prefix {
        None => builder.customers(customers.iter().copied()),
        Some(prefix) => named(builder, prefix, &customers),
    };
    builder = named(builder, &args.bystander_prefix, &bystanders);
    for (company, domain) in &args.named_customers {
        let id = fresh.next().unwrap_or_else(Uuid::new_v4);
        builder = builder.named_customer(id, company.clone(), domain.clone());
        bystanders.push(id);
    }
    let planned = customers.len().saturating_sub(args.azure_plans);
    for &c in &customers[planned..] {
        builder = builder.azure_plan_for(c);
    }
    (builder, customers, bystanders)
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::from_arg_matches(&command().get_matches()).unwrap_or_else(|e| e.exit());
    // Never from the seed: a token a seed gives away would sign anyone in.
    let token =
        args.token.clone().unwrap_or_else(|| format!("sandbox-{}", Uuid::new_v4().simple()));
    let (mut builder, customers, bystanders) = seeded(&args, &token);
    if let Some(admin) = &args.admin_token {
        builder = builder.admin_token(admin.clone());
    }
    let mut builder = builder
        .purchases_share(args.purchases_share)
        .subscriptions_share(args.subscriptions_share)
        .subscription_latency(args.subscription_latency)
        .azure_entitlement_latency(args.azure_entitlement_latency)
        .cancellation_latency(args.cancellation_latency)
        .customer_limit(args.customer_limit)
        .read_after_create_lag(args.read_after_create_lag)
        .bind(SocketAddr::new(args.host, args.port));
    for &c in &args.with_orders {
        builder = builder.customer_with_active_purchases(c);
    }
    let old = OrderSeed::software().created_ago(CANCELLATION_WINDOW + Duration::from_secs(86_400));
    for &c in &args.with_old_order {
        builder = builder.customer_with_orders(c, [old.clone()]);
    }
    for &c in &args.with_subscription {
        builder = builder.customer_with_subscriptions(c, [SubscriptionSeed::new_commerce()]);
    }
    let late = SubscriptionSeed::new_commerce()
        .created_ago(NEW_COMMERCE_CANCELLATION_WINDOW + Duration::from_secs(86_400));
    for &c in &args.with_late_subscription {
        builder = builder.customer_with_subscriptions(c, [late.clone()]);
    }
    for &c in &args.with_azure_plan {
        builder = builder.customer_with_azure_plan(c);
    }
    if let Some(per_minute) = args.rate_limit {
        builder = builder.rate_limit(per_minute, args.burst);
    }
    #[cfg(feature = "tls")]
    if args.tls_ca_out.is_some() {
        builder = builder.tls();
    }
    let sandbox = builder.start().await?;
    #[cfg(feature = "tls")]
    if let (Some(path), Some(pem)) = (&args.tls_ca_out, sandbox.ca_certificate_pem()) {
        std::fs::write(path, pem).map_err(|e| {
            std::io::Error::new(e.kind(), format!("--tls-ca-out {}: {e}", path.display()))
        })?;
    }
    for fault in args.faults {
        sandbox.inject(fault);
    }
    // The first line is the base URL, so scripts can read it. Write errors (a reader that
    // went away) must not stop the server.
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", sandbox.base_url());
    let _ = writeln!(out, "token: {token}");
    #[cfg(feature = "tls")]
    if let Some(path) = &args.tls_ca_out {
        let _ = writeln!(out, "CA certificate: {}", path.display());
    }
    let _ = writeln!(out, "customers:");
    for c in &customers {
        let _ = writeln!(out, "  {c}");
    }
    if !bystanders.is_empty() {
        let _ = writeln!(out, "bystanders:");
        for c in &bystanders {
            let _ = writeln!(out, "  {c}");
        }
    }
    let _ = writeln!(out, "serving until Ctrl-C");
    let _ = out.flush();
    drop(out);
    tokio::signal::ctrl_c().await?;
    drop(sandbox);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(flags: &[&str]) -> Args {
        let argv = std::iter::once("partner-center-sandbox").chain(flags.iter().copied());
        Args::from_arg_matches(&command().get_matches_from(argv)).expect("flags parse")
    }

    /// The customer and bystander ids `flags` seed.
    fn ids(flags: &[&str]) -> (Vec<Uuid>, Vec<Uuid>) {
        let (_, customers, bystanders) = seeded(&parse(flags), "t");
        (customers, bystanders)
    }

    #[test]
    fn the_flags_are_consistent() {
        command().debug_assert();
    }

    #[test]
    fn a_seed_gives_the_same_ids_each_run_and_chaos_alone_seeds_them() {
        let seeded = ids(&["--customers", "3", "--bystanders", "2", "--seed", "42"]);
        assert_eq!(seeded.0.len(), 3);
        assert_eq!(seeded.1.len(), 2);
        assert_eq!(seeded, ids(&["--customers", "3", "--bystanders", "2", "--seed", "42"]));
        // `--chaos SEED:RATE` alone seeds the ids with SEED; `--seed` wins over it.
        let chaos = ["--customers", "3", "--bystanders", "2", "--chaos", "42:0.2"];
        assert_eq!(seeded, ids(&chaos));
        let both = ["--customers", "3", "--bystanders", "2", "--chaos", "42:0.2", "--seed", "7"];
        assert_ne!(seeded, ids(&both));
        assert_eq!(ids(&both), ids(&["--customers", "3", "--bystanders", "2", "--seed", "7"]));
        assert_ne!(seeded, ids(&["--customers", "3", "--bystanders", "2", "--seed", "43"]));
        // Unseeded: fresh ids each run. Ids given are kept, first.
        assert_ne!(ids(&["--customers", "3"]), ids(&["--customers", "3"]));
        let given = "3b4a9d4f-2b1e-4c67-9f0a-1a2b3c4d5e6f";
        let (customers, _) = ids(&["--customer", given, "--customers", "3", "--seed", "42"]);
        assert_eq!(customers[0].to_string(), given);
        assert_eq!(customers[1..], seeded.0[..]);
    }

    #[test]
    fn the_help_documents_the_seed() {
        let help = command().render_long_help().to_string();
        assert!(help.contains("--seed <N>"), "{help}");
        assert!(help.contains("--chaos <SEED:RATE>"), "{help}");
        assert!(help.contains("Without --seed, SEED also seeds the ids"), "{help}");
    }
}
