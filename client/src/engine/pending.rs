//! [`Pending`]: one call, built and not yet sent, for every operation alike. An operation
//! module says only what its request is ([`Operation`]) and adds its own setters; the
//! correlation id, `send`, `.await` and the error contract are written here once.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;

use uuid::Uuid;

use crate::client::PartnerCenter;
use crate::engine::{self, Operation};
use crate::error::Error;

/// A Partner Center call, built and not yet sent: `.await` it (or call [`Pending::send`]).
/// Each operation names its own: [`DeleteCustomer`](crate::DeleteCustomer), … Every call
/// gets a fresh `MS-RequestId`, kept on its retries.
///
/// ```no_run
/// use partner_center_client::{CustomerTenantId, PartnerCenter};
///
/// # async fn run(pc: PartnerCenter, id: CustomerTenantId) -> Result<(), partner_center_client::Error> {
/// let correlation = uuid::Uuid::new_v4();
/// let deleted = pc.customers().by_id(id).delete().correlation_id(correlation).await?;
/// assert_eq!(deleted.call().correlation_id(), correlation);
/// # Ok(()) }
/// ```
#[must_use = "nothing is sent until the call is awaited"]
pub struct Pending<'a, O> {
    pc: &'a PartnerCenter,
    op: O,
    correlation_id: Option<Uuid>,
}

impl<O: fmt::Debug> fmt::Debug for Pending<'_, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pending")
            .field("request", &self.op)
            .field("correlation_id", &self.correlation_id)
            .finish_non_exhaustive()
    }
}

impl<'a, O: Operation + Send + 'a> Pending<'a, O> {
    pub(crate) fn new(pc: &'a PartnerCenter, op: O) -> Self {
        Self { pc, op, correlation_id: None }
    }

    /// The request, for an operation's own setters.
    pub(crate) fn request_mut(&mut self) -> &mut O {
        &mut self.op
    }

    /// Sends this `MS-CorrelationId` instead of a fresh one, to tie several calls together in
    /// Partner Center's logs.
    pub fn correlation_id(mut self, id: Uuid) -> Self {
        self.correlation_id = Some(id);
        self
    }

    /// Sends the call (the same as awaiting it).
    pub async fn send(self) -> Result<O::Output, Error> {
        engine::call(self.pc, &self.op, self.correlation_id, None).await
    }

    /// Sends the call, each attempt only while `may_send` says so (else [`Error::Stopped`]).
    pub(crate) async fn send_while(self, may_send: engine::Gate<'_>) -> Result<O::Output, Error> {
        engine::call(self.pc, &self.op, self.correlation_id, Some(may_send)).await
    }
}

impl<'a, O> IntoFuture for Pending<'a, O>
where
    O: Operation + Send + 'a,
    O::Output: Send,
{
    type Output = Result<O::Output, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}
