//! `GET /v1/customers/{customer-tenant-id}`: read one customer by its id ("Get a customer by
//! ID"); a `404` with code 60003 says the partner has no such customer.

use std::future::Future;

use progenitor_client::ResponseValue;

use crate::customers::Customer;
use crate::customers::id::CustomerTenantId;
use crate::engine::ids::CallIds;
use crate::engine::pacer::Resource;
use crate::engine::pending::Pending;
use crate::engine::{Operation, Sent, call_span};
use crate::error::{CallInfo, Error};
use crate::generated::{self, types};

/// A pending `GET /v1/customers/{id}`; `.await` it (see [`Pending`]).
///
/// ```no_run
/// use partner_center_client::{CustomerTenantId, ErrorCode, PartnerCenter, codes};
///
/// # async fn run(pc: PartnerCenter, id: CustomerTenantId) -> Result<(), partner_center_client::Error> {
/// let gone = ErrorCode::Number(codes::TENANT_NOT_FOUND);
/// match pc.customers().by_id(id).get().await {
///     Ok(found) => println!("{id} is {:?}", found.customer().company_name()),
///     Err(e) if e.api().and_then(|a| a.code()) == Some(&gone) => println!("{id}: no such customer"),
///     Err(e) => return Err(e),
/// }
/// # Ok(()) }
/// ```
pub type GetCustomer<'a> = Pending<'a, GetCustomerRequest>;

/// What reading a customer sends: its id.
#[derive(Debug)]
pub struct GetCustomerRequest {
    pub(crate) id: CustomerTenantId,
}

impl Operation for GetCustomerRequest {
    type Body = types::Customer;
    type Output = FoundCustomer;
    /// A customer is about 2 KiB of JSON.
    const MAX_SUCCESS_BODY: usize = 1024 * 1024;
    const CHANGES_STATE: bool = false;
    const RESOURCE: Resource = Resource::Customer;

    fn span(&self, ids: CallIds) -> tracing::Span {
        call_span!("partner_center.get_customer", ids, customer_id = %self.id)
    }

    fn send_attempt<'c>(
        &'c self,
        client: &'c generated::Client,
    ) -> impl Future<Output = Sent<types::Customer>> + Send + 'c {
        client.get_customer().customer_tenant_id(self.id.as_uuid()).send()
    }

    fn read(
        &self,
        answer: ResponseValue<types::Customer>,
        call: CallInfo,
    ) -> Result<FoundCustomer, Error> {
        let raw = answer.into_inner();
        Ok(FoundCustomer { customer: Customer::from(raw.clone()), raw, call })
    }
}

/// A customer read by its id ([`CustomerById::get`](crate::CustomerById::get)): it exists and
/// is the signed-in partner's.
#[derive(Debug, Clone)]
pub struct FoundCustomer {
    customer: Customer,
    raw: types::Customer,
    call: CallInfo,
}

impl FoundCustomer {
    /// The customer, as a listing shows it.
    pub fn customer(&self) -> &Customer {
        &self.customer
    }

    /// The customer, owned.
    pub fn into_customer(self) -> Customer {
        self.customer
    }

    /// Everything Partner Center sent that the spec names, as the generated type
    /// (`allowDelegatedAccess`, `customDomains`, `commerceId`, ...).
    pub fn raw(&self) -> &types::Customer {
        &self.raw
    }

    /// The call that read it: ids, attempts, elapsed.
    pub fn call(&self) -> &CallInfo {
        &self.call
    }
}
