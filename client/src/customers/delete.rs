//! `DELETE /v1/customers/{customer-tenant-id}`: delete a customer from the integration sandbox.

use progenitor_client::{ClientInfo, ResponseValue};
use reqwest::StatusCode;
use uuid::Uuid;

use crate::customers::id::CustomerTenantId;
use crate::engine::ids::CallIds;
use crate::engine::pacer::Resource;
use crate::engine::pending::Pending;
use crate::engine::{Operation, Sent, call_span};
use crate::error::{CallInfo, Error};
use crate::generated::{self, types};

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
    const HINTS: crate::error::hints::HintsFor = crate::error::hints::HintsFor::Delete;

    fn span(&self, ids: CallIds) -> tracing::Span {
        call_span!("partner_center.delete_customer", ids, customer_id = %self.id)
    }

    /// Both documented successes, `204` and `200`, come back as `()` from the generated
    /// method (progenitor allows one success type; see `xtask/src/codegen.rs`), which does not
    /// read a `200`'s body: it is read here, from what the hooks kept.
    async fn send_attempt<'c>(&'c self, client: &'c generated::Client) -> Sent<()> {
        let answer = client.delete_customer().customer_tenant_id(self.id.as_uuid()).send().await?;
        if answer.status() == StatusCode::OK
            && let Some(seen) = client.inner().seen()
        {
            ok_body(&seen.body).map_err(|e| {
                progenitor_client::Error::InvalidResponsePayload(seen.body.clone(), e)
            })?;
        }
        Ok(answer)
    }

    fn read(&self, answer: ResponseValue<()>, call: CallInfo) -> Result<Deleted, Error> {
        Ok(Deleted { customer: self.id, status: answer.status(), call })
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

/// What the spec allows in a `200`'s body: nothing, or a JSON object of any fields
/// (`DeleteCustomerAnswer`). Anything else (an HTML page, a JSON array) is not an answer this
/// client can vouch for: an [`Error::InvalidAnswer`] naming the status, as for any success
/// body off the spec.
fn ok_body(body: &[u8]) -> Result<(), serde_json::Error> {
    if body.trim_ascii().is_empty() {
        return Ok(());
    }
    serde_json::from_slice::<types::DeleteCustomerAnswer>(body).map(drop)
}

/// A successful deletion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deleted {
    customer: CustomerTenantId,
    status: StatusCode,
    call: CallInfo,
}

impl Deleted {
    /// The deleted customer.
    pub fn customer(&self) -> CustomerTenantId {
        self.customer
    }

    /// The status Partner Center answered with: `204 No Content`, as the documented example
    /// shows, or `200 OK`, which the REST reference lists beside it (its body, empty or a JSON
    /// object, says nothing more). Both mean the customer was deleted.
    pub fn status(&self) -> StatusCode {
        self.status
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
