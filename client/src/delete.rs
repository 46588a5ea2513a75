//! `DELETE /v1/customers/{customer-tenant-id}`: delete a customer from the integration sandbox.

use std::future::Future;

use progenitor_client::ResponseValue;
use reqwest::StatusCode;
use uuid::Uuid;

use crate::customer_id::CustomerTenantId;
use crate::engine::{Operation, Sent, call_span};
use crate::error::{CallInfo, Error};
use crate::generated;
use crate::ids::CallIds;
use crate::pacer::Resource;
use crate::pending::Pending;

/// A pending `DELETE /v1/customers/{id}`; `.await` it (see [`Pending`]).
pub type DeleteCustomer<'a> = Pending<'a, DeleteRequest>;

/// What a delete sends: the customer.
#[derive(Debug)]
pub struct DeleteRequest {
    pub(crate) id: CustomerTenantId,
}

impl Operation for DeleteRequest {
    type Body = ();
    type Output = Deleted;
    const MAX_SUCCESS_BODY: usize = crate::hooks::MAX_BODY_BYTES;
    const CHANGES_STATE: bool = true;
    const RESOURCE: Resource = Resource::Customer;

    fn span(&self, ids: CallIds) -> tracing::Span {
        call_span!("partner_center.delete_customer", ids, customer_id = %self.id)
    }

    fn send_attempt<'c>(
        &'c self,
        client: &'c generated::Client,
    ) -> impl Future<Output = Sent<()>> + Send + 'c {
        client.delete_customer().customer_tenant_id(self.id.as_uuid()).send()
    }

    fn read(&self, _answer: ResponseValue<()>, call: CallInfo) -> Result<Deleted, Error> {
        Ok(Deleted { customer: self.id, call })
    }

    /// A 404 after an attempt that may have deleted the customer does not mean "never
    /// existed": it may mean "this call deleted it".
    fn reinterpret(&self, err: Error) -> Error {
        match err {
            Error::Api(api) if api.status == StatusCode::NOT_FOUND && api.call.may_have_applied => {
                Error::NotFoundAfterRetry(api)
            }
            other => other,
        }
    }
}

/// A successful deletion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deleted {
    customer: CustomerTenantId,
    call: CallInfo,
}

impl Deleted {
    /// The deleted customer.
    pub fn customer(&self) -> CustomerTenantId {
        self.customer
    }

    /// The call: ids, attempts, elapsed.
    pub fn call(&self) -> &CallInfo {
        &self.call
    }

    /// The `MS-RequestId` of the call (as echoed by the server, else as sent).
    #[deprecated(
        since = "0.1.0",
        note = "use `.call().request_id()`: every result and error reaches its call the same way"
    )]
    pub fn request_id(&self) -> Uuid {
        self.call.request_id
    }

    /// The `MS-CorrelationId` of the call (as echoed by the server, else as sent).
    #[deprecated(
        since = "0.1.0",
        note = "use `.call().correlation_id()`: every result and error reaches its call the same way"
    )]
    pub fn correlation_id(&self) -> Uuid {
        self.call.correlation_id
    }

    /// Attempts the call took (1 without retries).
    #[deprecated(
        since = "0.1.0",
        note = "use `.call().attempts()`: every result and error reaches its call the same way"
    )]
    pub fn attempts(&self) -> u32 {
        self.call.attempts
    }
}
