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
    if !which.all && which.prefix.is_none() {
        return Ok(given.into_iter().map(|id| Candidate { id, name: None }).collect());
    }
    let found = list::customers(&conn.pc, which.prefix.as_deref()).await?;
    Ok(found
        .into_iter()
        .map(|c| Candidate { id: c.id(), name: c.company_name().map(str::to_string) })
        .collect())
}
