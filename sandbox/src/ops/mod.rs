//! One small handler per operation, called through the routing table ([`crate::routes`]); what they share runs
//! before them ([`crate::layers`]).

pub(crate) mod delete;
pub(crate) mod list;
