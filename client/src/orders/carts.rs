//! A purchase: `POST /v1/customers/{id}/carts` ("Create a cart") and `POST
//! …/carts/{cart-id}/checkout` ("Checkout a cart"), which places the orders. A checkout is
//! charged in production: it is sent only to a known TiP account.

use progenitor_client::ResponseValue;
use uuid::Uuid;

use super::Order;
use crate::customers::id::CustomerTenantId;
use crate::engine::ids::CallIds;
use crate::engine::pacer::Resource;
use crate::engine::pending::Pending;
use crate::engine::{Operation, Sent, call_span};
use crate::error::{CallInfo, Error};
use crate::generated::{self, types};

/// A pending `POST …/carts`; `.await` it.
pub type CreateCart<'a> = Pending<'a, CreateCartRequest>;

/// A pending `POST …/carts/{cart-id}/checkout`; `.await` it.
pub type CheckoutCart<'a> = Pending<'a, CheckoutRequest>;

/// One catalog item to put in a cart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartItem {
    catalog_item_id: String,
    quantity: u32,
    billing_cycle: String,
    term_duration: Option<String>,
}

impl CartItem {
    /// `quantity` of the catalog item `{productId}:{skuId}:{availabilityId}`, billed
    /// `billing_cycle` (`one_time`, `monthly`, …).
    pub fn new(
        catalog_item_id: impl Into<String>,
        quantity: u32,
        billing_cycle: impl Into<String>,
    ) -> Self {
        Self {
            catalog_item_id: catalog_item_id.into(),
            quantity,
            billing_cycle: billing_cycle.into(),
            term_duration: None,
        }
    }

    /// With a term (`P1M`, `P1Y`, `P3Y`).
    pub fn term_duration(mut self, term: impl Into<String>) -> Self {
        self.term_duration = Some(term.into());
        self
    }
}

/// What creating a cart sends.
#[derive(Debug)]
pub struct CreateCartRequest {
    customer: CustomerTenantId,
    body: Result<types::NewCart, String>,
}

impl CreateCartRequest {
    pub(crate) fn new(customer: CustomerTenantId, items: &[CartItem]) -> Self {
        let line_items: Vec<serde_json::Value> = items
            .iter()
            .enumerate()
            .map(|(n, item)| {
                let mut line = serde_json::json!({
                    "Id": n,
                    "CatalogItemId": item.catalog_item_id,
                    "Quantity": item.quantity,
                    "BillingCycle": item.billing_cycle,
                });
                if let Some(term) = &item.term_duration {
                    line["TermDuration"] = term.clone().into();
                }
                line
            })
            .collect();
        let body = serde_json::from_value(serde_json::json!({ "LineItems": line_items }))
            .map_err(|e| format!("the cart is not one Partner Center takes: {e}"));
        Self { customer, body }
    }
}

/// A created cart.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Cart {
    /// Its id (the `{cart-id}` of its checkout).
    pub id: Uuid,
    /// `Active`, or `Ordered` once checked out.
    pub status: Option<String>,
    /// Everything Partner Center sent, as the generated type.
    pub raw: types::Cart,
    /// The call: ids, attempts, elapsed.
    pub call: CallInfo,
}

impl Operation for CreateCartRequest {
    type Body = types::Cart;
    type Output = Cart;
    const MAX_SUCCESS_BODY: usize = 1024 * 1024;
    const CHANGES_STATE: bool = true;
    // A choice: the throttling page lists carts apart; they lead to orders.
    const RESOURCE: Resource = Resource::Order;

    fn span(&self, ids: CallIds) -> tracing::Span {
        call_span!("partner_center.create_cart", ids, customer_id = %self.customer)
    }

    async fn send_attempt<'c>(&'c self, client: &'c generated::Client) -> Sent<types::Cart> {
        match &self.body {
            Ok(body) => {
                client
                    .create_cart()
                    .customer_tenant_id(self.customer.as_uuid())
                    .body(body.clone())
                    .send()
                    .await
            }
            Err(message) => Err(progenitor_client::Error::InvalidRequest(message.clone())),
        }
    }

    fn read(&self, answer: ResponseValue<types::Cart>, call: CallInfo) -> Result<Cart, Error> {
        let raw = answer.into_inner();
        Ok(Cart { id: raw.id, status: raw.status.clone(), raw, call })
    }
}

/// What checking out a cart sends.
#[derive(Debug)]
pub struct CheckoutRequest {
    customer: CustomerTenantId,
    cart: Uuid,
}

/// An order group a checkout could not place.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OrderError {
    /// Its order group.
    pub order_group_id: Option<String>,
    /// Partner Center's code.
    pub code: Option<i32>,
    /// What went wrong.
    pub description: Option<String>,
}

/// What a checkout placed: the orders (keep their ids: new orders can take minutes to appear
/// in the order list and entitlements) and what failed.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Checkout {
    /// The orders placed.
    pub orders: Vec<Order>,
    /// The order groups that failed.
    pub order_errors: Vec<OrderError>,
    /// The call: ids, attempts, elapsed.
    pub call: CallInfo,
}

impl Operation for CheckoutRequest {
    type Body = types::CartCheckoutResult;
    type Output = Checkout;
    const MAX_SUCCESS_BODY: usize = 4 * 1024 * 1024;
    const CHANGES_STATE: bool = true;
    const RESOURCE: Resource = Resource::Order;
    const PRODUCTION_WRITE: Option<&'static str> = Some("a purchase (a cart's checkout)");

    fn span(&self, ids: CallIds) -> tracing::Span {
        call_span!("partner_center.checkout_cart", ids, customer_id = %self.customer, cart_id = %self.cart)
    }

    async fn send_attempt<'c>(
        &'c self,
        client: &'c generated::Client,
    ) -> Sent<types::CartCheckoutResult> {
        client
            .checkout_cart()
            .customer_tenant_id(self.customer.as_uuid())
            .cart_id(self.cart)
            .send()
            .await
    }

    fn read(
        &self,
        answer: ResponseValue<types::CartCheckoutResult>,
        call: CallInfo,
    ) -> Result<Checkout, Error> {
        let body = answer.into_inner();
        Ok(Checkout {
            orders: body.orders.into_iter().map(|o| Order::read(o, call)).collect(),
            order_errors: body
                .order_errors
                .into_iter()
                .map(|e| OrderError {
                    order_group_id: e.order_group_id,
                    code: e.code,
                    description: e.description,
                })
                .collect(),
            call,
        })
    }
}

/// The customer's carts.
#[derive(Debug, Clone, Copy)]
pub struct CustomerCarts<'a> {
    pub(crate) pc: &'a crate::client::PartnerCenter,
    pub(crate) customer: CustomerTenantId,
}

impl<'a> CustomerCarts<'a> {
    /// Creates a cart of `items` (`POST …/carts`): nothing is bought until its checkout.
    pub fn create(self, items: &[CartItem]) -> CreateCart<'a> {
        Pending::new(self.pc, CreateCartRequest::new(self.customer, items))
    }

    /// Checks the cart out (`POST …/carts/{cart-id}/checkout`): places its orders. Charged in
    /// production, so sent only to a known TiP account (see
    /// [`PartnerCenterBuilder::tip_partner_tenant`](crate::PartnerCenterBuilder::tip_partner_tenant)).
    pub fn checkout(self, cart: Uuid) -> CheckoutCart<'a> {
        Pending::new(self.pc, CheckoutRequest { customer: self.customer, cart })
    }
}
