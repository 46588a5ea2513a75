//! One small handler per operation, called by [`crate::app::answer`]; what they share runs
//! before them ([`crate::layers`]).

pub(crate) mod delete;
pub(crate) mod list;
