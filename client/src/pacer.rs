//! Pacing: a hook every attempt of every call waits on, shared by all clones of a client, so a
//! program can keep a whole run under a rate limit and make every worker pause together when
//! Partner Center says to slow down.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

/// Decides when the next attempt may be sent; set with
/// [`PartnerCenterBuilder::pacer`](crate::PartnerCenterBuilder::pacer).
///
/// [`ready`](Pacer::ready) is awaited before **every** attempt (retries included, and every
/// page of a listing); the time it takes counts against the call's deadline.
/// [`throttled`](Pacer::throttled) is told about every `429` with a `Retry-After`, so other
/// calls can hold back too instead of each meeting the limit on its own.
///
/// ```
/// use std::time::Duration;
/// use partner_center_client::Pacer;
///
/// /// Lets every attempt through at once: what a client without a pacer does.
/// struct Unpaced;
///
/// #[async_trait::async_trait]
/// impl Pacer for Unpaced {
///     async fn ready(&self) {}
///     fn throttled(&self, _wait: Duration) {}
/// }
/// ```
#[async_trait]
pub trait Pacer: Send + Sync + 'static {
    /// Returns when the next attempt may be sent.
    async fn ready(&self);

    /// An answer asked callers to wait `wait` from now (a `429` with `Retry-After`).
    fn throttled(&self, wait: Duration);
}

/// A shared pacer paces too, so a program can keep its own handle (to read what its pacer
/// counted) and give the client a clone.
#[async_trait]
impl<P: Pacer + ?Sized> Pacer for Arc<P> {
    async fn ready(&self) {
        (**self).ready().await;
    }

    fn throttled(&self, wait: Duration) {
        (**self).throttled(wait);
    }
}
