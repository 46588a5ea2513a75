//! The customers resource (`/v1/customers`): the collection ([`Customers`]) and one customer
//! ([`CustomerById`]), with one module per operation on them, the customer's id and model,
//! and what the delete's answers mean (gone, refused for purchases).

pub(crate) mod address;
pub(crate) mod create;
pub(crate) mod delete;
pub(crate) mod domain;
pub(crate) mod filter;
pub(crate) mod get;
pub(crate) mod gone;
pub(crate) mod id;
pub(crate) mod list;
mod model;
pub(crate) mod readable;
pub(crate) mod refusal;

pub use model::Customer;

use crate::client::PartnerCenter;
use crate::engine::pending::Pending;
use crate::entitlements::{EntitlementsRequest, ListEntitlements};
use crate::orders::CustomerOrders;
use crate::removal::DeleteWithPurchases;
use crate::subscriptions::CustomerSubscriptions;
use address::{Address, ValidateAddress, ValidateAddressRequest};
use create::{CreateCustomer, NewCustomer};
use delete::{DeleteCustomer, DeleteRequest};
use domain::{CheckDomain, CheckDomainRequest};
use get::{GetCustomer, GetCustomerRequest};
use id::CustomerTenantId;
use list::ListCustomers;
use readable::WaitUntilReadable;

/// The customers collection, as in the .NET SDK's `partnerOperations.Customers`.
#[derive(Debug, Clone, Copy)]
pub struct Customers<'a> {
    pub(crate) pc: &'a PartnerCenter,
}

impl<'a> Customers<'a> {
    /// One customer, as in `Customers.ById(id)`.
    pub fn by_id(self, id: CustomerTenantId) -> CustomerById<'a> {
        CustomerById { pc: self.pc, id }
    }

    /// The partner's customers, page by page (`GET /v1/customers`); see [`ListCustomers`].
    pub fn list(self) -> ListCustomers<'a> {
        ListCustomers::new(self.pc)
    }

    /// Creates a customer (`POST /v1/customers`); see [`CreateCustomer`]. Validate its
    /// address ([`Self::validate_address`]) and check its domain ([`Self::check_domain`])
    /// first, and wait until it reads back ([`CustomerById::wait_until_readable`]) before
    /// using it.
    pub fn create(self, customer: &NewCustomer) -> CreateCustomer<'a> {
        CreateCustomer::new(self.pc, customer)
    }

    /// Runs an address through Partner Center's address validation service (`POST
    /// /v1/validations/address`). Only a verified address
    /// ([`AddressValidation::is_verified`](crate::AddressValidation::is_verified)) is safe for
    /// a sandbox customer: one created with an invalid address can never be deleted.
    pub fn validate_address(self, address: &Address) -> ValidateAddress<'a> {
        Pending::new(self.pc, ValidateAddressRequest::new(address))
    }

    /// Whether a domain is taken (`HEAD /v1/domains/{domain}`: `200` taken, `404` free).
    pub fn check_domain(self, domain: &str) -> CheckDomain<'a> {
        Pending::new(self.pc, CheckDomainRequest::new(domain))
    }
}

/// Operations on one customer.
#[derive(Debug, Clone, Copy)]
pub struct CustomerById<'a> {
    pc: &'a PartnerCenter,
    id: CustomerTenantId,
}

impl<'a> CustomerById<'a> {
    /// Reads the customer (`GET /v1/customers/{id}`), as in `Customers.ById(id).Get()`: the
    /// customer if the signed-in partner has it; a customer it does not have (never had, or
    /// deleted) is an [`Error::Api`](crate::Error::Api) `404` with code
    /// [`TENANT_NOT_FOUND`](crate::codes::TENANT_NOT_FOUND) (60003). See [`GetCustomer`].
    pub fn get(self) -> GetCustomer<'a> {
        Pending::new(self.pc, GetCustomerRequest { id: self.id })
    }

    /// Reads the customer until it is found, for a customer just created (reads have been
    /// seen to fail for about 90 s after a create); see [`WaitUntilReadable`].
    pub fn wait_until_readable(self) -> WaitUntilReadable<'a> {
        WaitUntilReadable::new(self)
    }

    /// Deletes the customer from the integration sandbox (`DELETE /v1/customers/{id}`).
    /// Await it, optionally after setting a correlation id.
    pub fn delete(self) -> DeleteCustomer<'a> {
        Pending::new(self.pc, DeleteRequest { id: self.id })
    }

    /// The customer's entitlements (`GET /v1/customers/{id}/entitlements`), each naming the
    /// order it came from; optionally of one type ([`ListEntitlements::entitlement_type`]).
    pub fn entitlements(self) -> ListEntitlements<'a> {
        Pending::new(
            self.pc,
            EntitlementsRequest { customer: self.id, entitlement_type: None, show_expiry: None },
        )
    }

    /// The documented delete procedure: cancel the customer's Azure Reserved Instance and
    /// software orders, wait until each reads `cancelled`, then delete the customer. See
    /// [`DeleteWithPurchases`].
    pub fn delete_with_purchases(self) -> DeleteWithPurchases<'a> {
        DeleteWithPurchases::new(self.pc, self.id)
    }

    /// The customer's carts: `.create(&items)` and `.checkout(cart_id)` (a purchase).
    pub fn carts(self) -> crate::orders::carts::CustomerCarts<'a> {
        crate::orders::carts::CustomerCarts { pc: self.pc, customer: self.id }
    }

    /// The customer's orders: `.by_id(order_id).get()` and `.cancel()`.
    pub fn orders(self) -> CustomerOrders<'a> {
        CustomerOrders { pc: self.pc, customer: self.id }
    }

    /// The customer's subscriptions: `.list()`, `.by_id(subscription_id).get()` and
    /// `.update(&subscription, change)`.
    pub fn subscriptions(self) -> CustomerSubscriptions<'a> {
        CustomerSubscriptions { pc: self.pc, customer: self.id }
    }

    /// The customer's tenant id.
    pub fn id(&self) -> CustomerTenantId {
        self.id
    }
}
