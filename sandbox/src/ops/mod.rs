//! One small handler per operation; what they share runs before them as middleware
//! ([`crate::layers`]).

pub(crate) mod delete;
pub(crate) mod list;
