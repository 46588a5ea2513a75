//! `partner-center customers create`: TiP test customers (fixtures), created all or nothing
//! with the fixture crate, printed as JSON lines; their admin passwords only into a new
//! owner-only file, when asked.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;

use partner_center_client::{Address, Creation};
use partner_center_fixtures::{FixtureSet, Fixtures};
use serde_json::json;

use crate::args::CreateArgs;
use crate::exit::{self, Failure};
use crate::target::Connected;

pub async fn run(conn: &Connected, args: &CreateArgs) -> Result<u8, Failure> {
    let address = match &args.address {
        Some(path) => read_address(path)?,
        None => Address::documented_example().with_contact("Avery", "Quinn"),
    };
    // The file is made before anything is created: a path that cannot take it stops the run
    // while nothing needs tearing down.
    let mut passwords = args.passwords_file.as_deref().map(new_private_file).transpose()?;
    let mut fixtures = Fixtures::new(&conn.pc)
        .count(usize::from(args.count))
        .tag(&args.name_prefix)
        .address(address)
        .quota(partner_center_fixtures::TIP_CUSTOMER_LIMIT, args.headroom)
        .concurrency(usize::from(args.concurrency))
        .with_purchase(args.with_purchase);
    if let Some(age) = args.reap_stale_first {
        fixtures = fixtures.reap_stale_first(age);
    }
    let set = fixtures
        .create()
        .await
        .map_err(|e| Failure::Call(format!("creating test customers: {e}")))?;
    let written = write_lines(&set, passwords.as_mut());
    let tag = set.tag().as_str().to_owned();
    // They stay: this command's job is to leave them for the caller.
    let kept = set.keep();
    let ids: Vec<String> = kept.iter().map(|f| f.id().to_string()).collect();
    // Said whatever happens next: the customers exist.
    eprintln!(
        "created {} test customer(s) tagged `{tag}`: {}; delete them with: partner-center customers delete {} --cancel-purchases --yes",
        ids.len(),
        ids.join(", "),
        ids.join(" ")
    );
    written.map_err(|e| {
        Failure::Call(format!(
            "writing what was created: {e} (the customers exist: delete them as said above)"
        ))
    })?;
    Ok(exit::OK)
}

fn write_lines(set: &FixtureSet, mut passwords: Option<&mut File>) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    for f in set.fixtures() {
        let line = json!({
            "id": f.id(),
            "company_name": f.customer().company_name(),
            "domain": f.customer().domain(),
            "tag": f.name().tag(),
            "created_unix": f.name().created().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default(),
            "creation": match f.creation() { Creation::Adopted => "adopted", _ => "created" },
            "password_known": f.admin().is_some(),
            "purchase_orders": f.purchase().iter().map(ToString::to_string).collect::<Vec<_>>(),
        });
        writeln!(out, "{line}")?;
        if let (Some(file), Some(admin)) = (passwords.as_deref_mut(), f.admin()) {
            let secret = json!({
                "id": f.id(),
                "domain": f.customer().domain(),
                "user_name": admin.user_name(),
                "password": admin.expose_password(),
            });
            writeln!(file, "{secret}")?;
        }
    }
    if let Some(file) = passwords {
        file.sync_all()?;
    }
    Ok(())
}

fn read_address(path: &Path) -> Result<Address, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::Usage(vec![format!("--address {}: {e}", path.display())]))?;
    serde_json::from_str(&text).map_err(|e| {
        Failure::Usage(vec![format!("--address {}: not an address ({e})", path.display())])
    })
}

/// A new file only its owner can read: it must not exist (a symlink there, dangling or not,
/// is refused too: `create_new` never follows one).
fn new_private_file(path: &Path) -> Result<File, Failure> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map_err(|e| {
        Failure::Usage(vec![format!(
            "--passwords-file {}: {e} (it must be a new file: nothing is overwritten)",
            path.display()
        )])
    })
}
