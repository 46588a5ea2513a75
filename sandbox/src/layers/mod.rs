//! What every route shares, as middleware (outermost first in [`crate::app::router`]):
//! recording, id echo, fault injection, authentication, the per-partner rate limit, `MS-*`
//! header validation and idempotent replay.

pub(crate) mod auth;
pub(crate) mod faults;
pub(crate) mod idempotency;
pub(crate) mod ids;
pub(crate) mod rate_limit;
pub(crate) mod record;
