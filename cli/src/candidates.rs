//! The customers a command is for: the ids given, or those a listing finds.

use partner_center_client::CustomerTenantId;

use crate::args::Selection;
use crate::exit::Failure;
use crate::list;
use crate::target::Connected;

/// A customer to delete, with its name when a listing found it.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub id: CustomerTenantId,
    pub name: Option<String>,
}

impl Candidate {
    pub(crate) fn label(&self) -> String {
        match &self.name {
            Some(name) => format!("{}  {name}", self.id),
            None => self.id.to_string(),
        }
    }
}

/// The customers a command is for: the given ids, or those a listing finds.
pub async fn resolve(
    conn: &Connected,
    which: &Selection,
    given: Vec<CustomerTenantId>,
) -> Result<Vec<Candidate>, Failure> {
    if let Some(age) = which.fixtures_older_than {
        return fixtures(conn, age, which.fixture_tag.as_deref()).await;
    }
    if !which.all && which.prefix.is_none() {
        return Ok(given.into_iter().map(|id| Candidate { id, name: None }).collect());
    }
    let found = list::customers(&conn.pc, which.prefix.as_deref()).await?;
    Ok(found
        .into_iter()
        .map(|c| Candidate { id: c.id(), name: c.company_name().map(str::to_string) })
        .collect())
}

/// The fixtures at least `age` old (of `tag`), each read back first: one whose run died right
/// after its create may not read yet, and a delete then would take its 404 for "gone". One
/// that never reads back is named and left out.
async fn fixtures(
    conn: &Connected,
    age: std::time::Duration,
    tag: Option<&str>,
) -> Result<Vec<Candidate>, Failure> {
    use futures_util::StreamExt;
    let tag = tag
        .map(partner_center_fixtures::RunTag::new)
        .transpose()
        .map_err(|e| Failure::Usage(vec![format!("--fixture-tag: {e}")]))?;
    let found = partner_center_fixtures::stale_fixtures(&conn.pc, age, tag.as_ref())
        .await
        .map_err(|e| Failure::Call(format!("listing fixtures: {e}")))?;
    let pc = &conn.pc;
    let read: Vec<_> = futures_util::stream::iter(found)
        .map(|(customer, _)| async move {
            let read = pc.customers().by_id(customer.id()).wait_until_readable().await;
            (customer, read)
        })
        .buffer_unordered(8)
        .collect()
        .await;
    let mut candidates = Vec::new();
    for (customer, read) in read {
        match read {
            Ok(_) => candidates.push(Candidate {
                id: customer.id(),
                name: customer.company_name().map(str::to_string),
            }),
            Err(e) => eprintln!(
                "warning: fixture {} did not read back ({e}); left alone this run: it may still appear",
                customer.id()
            ),
        }
    }
    candidates.sort_by_key(|c| c.id);
    Ok(candidates)
}
