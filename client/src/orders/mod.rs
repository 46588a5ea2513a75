//! A customer's orders: `GET` and `PATCH /v1/customers/{customer-tenant-id}/orders/{order-id}`,
//! read one and cancel one ("Cancel an order from the integration sandbox").

pub(crate) mod carts;
pub(crate) mod id;

use std::fmt;
use std::future::Future;
use std::time::SystemTime;

use progenitor_client::ResponseValue;

use crate::client::PartnerCenter;
use crate::customers::id::CustomerTenantId;
use crate::engine::ids::CallIds;
use crate::engine::pacer::Resource;
use crate::engine::pending::Pending;
use crate::engine::{Operation, Sent, call_span};
use crate::error::{CallInfo, Error};
use crate::generated::{self, types};
use crate::orders::id::OrderId;

/// A customer's orders (`pc.customers().by_id(id).orders()`).
#[derive(Debug, Clone, Copy)]
pub struct CustomerOrders<'a> {
    pub(crate) pc: &'a PartnerCenter,
    pub(crate) customer: CustomerTenantId,
}

impl<'a> CustomerOrders<'a> {
    /// One order, as in `Orders.ById(id)`. Parse the id first (`"…".parse::<OrderId>()?`):
    /// an id that could change the request's path is refused there, before anything is sent.
    pub fn by_id(self, order: OrderId) -> OrderById<'a> {
        OrderById { pc: self.pc, customer: self.customer, order }
    }
}

/// Operations on one order.
#[derive(Debug, Clone)]
pub struct OrderById<'a> {
    pc: &'a PartnerCenter,
    customer: CustomerTenantId,
    order: OrderId,
}

impl<'a> OrderById<'a> {
    /// Reads the order (`GET …/orders/{order-id}`).
    pub fn get(self) -> GetOrder<'a> {
        Pending::new(self.pc, GetOrderRequest { customer: self.customer, order: self.order })
    }

    /// Asks Partner Center to cancel the order (`PATCH …/orders/{order-id}` with
    /// `{"id": …, "status": "cancelled"}`). Retried under one `MS-RequestId` like a delete;
    /// the answer is provisional: read the order back ([`Self::get`]) until it
    /// [`is_cancelled`](OrderStatus::is_cancelled), as the documented procedure does.
    ///
    /// ```no_run
    /// use partner_center_client::{CustomerTenantId, PartnerCenter};
    ///
    /// # async fn run(pc: PartnerCenter, id: CustomerTenantId) -> Result<(), Box<dyn std::error::Error>> {
    /// let orders = pc.customers().by_id(id).orders();
    /// let order = "YxH1q4KScfvfkJQjgRI8QY1DznnUWZTH1".parse()?;
    /// let answer = orders.by_id(order).cancel().await?;
    /// println!("{} {}", answer.id(), answer.status());
    /// # Ok(()) }
    /// ```
    pub fn cancel(self) -> CancelOrder<'a> {
        Pending::new(self.pc, CancelOrderRequest { customer: self.customer, order: self.order })
    }

    /// The order's id.
    pub fn id(&self) -> &OrderId {
        &self.order
    }
}

/// A pending `GET /v1/customers/{id}/orders/{order-id}`; `.await` it (see [`Pending`]).
pub type GetOrder<'a> = Pending<'a, GetOrderRequest>;

/// A pending cancel, `PATCH /v1/customers/{id}/orders/{order-id}`; `.await` it (see
/// [`Pending`]).
pub type CancelOrder<'a> = Pending<'a, CancelOrderRequest>;

/// What reading an order sends.
#[derive(Debug)]
pub struct GetOrderRequest {
    customer: CustomerTenantId,
    order: OrderId,
}

/// What cancelling an order sends.
#[derive(Debug)]
pub struct CancelOrderRequest {
    customer: CustomerTenantId,
    order: OrderId,
}

/// An order is about 1 KiB per line item.
const MAX_ORDER_BODY: usize = 1024 * 1024;

impl Operation for GetOrderRequest {
    type Body = types::Order;
    type Output = Order;
    const MAX_SUCCESS_BODY: usize = MAX_ORDER_BODY;
    const CHANGES_STATE: bool = false;
    const RESOURCE: Resource = Resource::Order;

    fn span(&self, ids: CallIds) -> tracing::Span {
        call_span!("partner_center.get_order", ids, customer_id = %self.customer, order_id = %self.order)
    }

    fn send_attempt<'c>(
        &'c self,
        client: &'c generated::Client,
    ) -> impl Future<Output = Sent<types::Order>> + Send + 'c {
        client
            .get_order()
            .customer_tenant_id(self.customer.as_uuid())
            .order_id(self.order.generated())
            .send()
    }

    fn read(&self, answer: ResponseValue<types::Order>, call: CallInfo) -> Result<Order, Error> {
        Ok(Order::read(answer.into_inner(), call))
    }
}

impl Operation for CancelOrderRequest {
    type Body = types::Order;
    type Output = Order;
    const MAX_SUCCESS_BODY: usize = MAX_ORDER_BODY;
    const CHANGES_STATE: bool = true;
    const RESOURCE: Resource = Resource::Order;
    const PRODUCTION_WRITE: Option<&'static str> = Some("a cancel of an order");

    fn span(&self, ids: CallIds) -> tracing::Span {
        call_span!("partner_center.cancel_order", ids, customer_id = %self.customer, order_id = %self.order)
    }

    fn send_attempt<'c>(
        &'c self,
        client: &'c generated::Client,
    ) -> impl Future<Output = Sent<types::Order>> + Send + 'c {
        // The documented body: the id and the new status, lower case as on the REST page.
        let body = types::OrderUpdate {
            id: self.order.as_str().to_owned(),
            status: OrderStatus::Cancelled.as_str().to_owned(),
            line_items: Vec::new(),
        };
        client
            .update_order()
            .customer_tenant_id(self.customer.as_uuid())
            .order_id(self.order.generated())
            .body(body)
            .send()
    }

    fn read(&self, answer: ResponseValue<types::Order>, call: CallInfo) -> Result<Order, Error> {
        Ok(Order::read(answer.into_inner(), call))
    }
}

/// An order, as Partner Center describes it.
#[derive(Debug, Clone)]
pub struct Order {
    id: OrderId,
    status: OrderStatus,
    raw: types::Order,
    call: CallInfo,
}

impl Order {
    /// The spec holds an order's `id` to the `order-id` pattern, which the generated type has
    /// already checked: an answer with any other id never gets here.
    pub(crate) fn read(raw: types::Order, call: CallInfo) -> Self {
        let id = OrderId::from_generated(raw.id.clone());
        Self { id, status: OrderStatus::from(raw.status.as_str()), raw, call }
    }

    /// Its id.
    pub fn id(&self) -> &OrderId {
        &self.id
    }

    /// Its short (friendly) id, which delete refusals name.
    pub fn alternate_id(&self) -> Option<&str> {
        self.raw.alternate_id.as_deref()
    }

    /// Its status.
    pub fn status(&self) -> &OrderStatus {
        &self.status
    }

    /// When it was created, as sent (RFC 3339 text).
    pub fn creation_date(&self) -> Option<&str> {
        self.raw.creation_date.as_deref()
    }

    /// When it was created; `None` if it was not sent or does not read as RFC 3339 (any
    /// offset, `Z` or `±hh:mm`, with or without fractional seconds).
    pub fn created_at(&self) -> Option<SystemTime> {
        let date = self.creation_date()?;
        time::OffsetDateTime::parse(date.trim(), &time::format_description::well_known::Rfc3339)
            .ok()
            .map(SystemTime::from)
    }

    /// Everything Partner Center sent, as the generated type (line items, links, …).
    pub fn raw(&self) -> &types::Order {
        &self.raw
    }

    /// The call that read (or cancelled) it: ids, attempts, elapsed.
    pub fn call(&self) -> &CallInfo {
        &self.call
    }
}

/// An order's status. Partner Center adds values over time (the REST reference lists more
/// than the resource page); any other is kept as [`OrderStatus::Other`]. Read
/// case-insensitively, as the documented procedure compares.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OrderStatus {
    /// `unknown`.
    Unknown,
    /// `completed`: the normal end state (also of a partly cancelled order).
    Completed,
    /// `pending`: being provisioned.
    Pending,
    /// `cancelled`.
    Cancelled,
    /// `pending_po_upload`.
    PendingPoUpload,
    /// `po_upload_complete`.
    PoUploadComplete,
    /// `partial_success`.
    PartialSuccess,
    /// `po_review_rejected`.
    PoReviewRejected,
    /// `suspended`.
    Suspended,
    /// `pending_review`.
    PendingReview,
    /// `error`.
    Error,
    /// Any other value, as sent.
    Other(String),
}

const NAMED: [(OrderStatus, &str); 11] = [
    (OrderStatus::Unknown, "unknown"),
    (OrderStatus::Completed, "completed"),
    (OrderStatus::Pending, "pending"),
    (OrderStatus::Cancelled, "cancelled"),
    (OrderStatus::PendingPoUpload, "pending_po_upload"),
    (OrderStatus::PoUploadComplete, "po_upload_complete"),
    (OrderStatus::PartialSuccess, "partial_success"),
    (OrderStatus::PoReviewRejected, "po_review_rejected"),
    (OrderStatus::Suspended, "suspended"),
    (OrderStatus::PendingReview, "pending_review"),
    (OrderStatus::Error, "error"),
];

impl OrderStatus {
    /// As Partner Center writes it (lower case; `Other` as sent).
    pub fn as_str(&self) -> &str {
        match self {
            OrderStatus::Other(text) => text,
            named => NAMED.iter().find(|(s, _)| s == named).map_or("", |(_, text)| text),
        }
    }

    /// `cancelled`.
    pub fn is_cancelled(&self) -> bool {
        *self == OrderStatus::Cancelled
    }
}

impl From<&str> for OrderStatus {
    fn from(text: &str) -> Self {
        NAMED
            .iter()
            .find(|(_, name)| name.eq_ignore_ascii_case(text))
            .map_or_else(|| OrderStatus::Other(text.to_owned()), |(s, _)| s.clone())
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_read_case_insensitively_and_keep_unknown_values() {
        assert_eq!(OrderStatus::from("Cancelled"), OrderStatus::Cancelled);
        assert!(OrderStatus::from("CANCELLED").is_cancelled());
        assert_eq!(OrderStatus::from("partial_success"), OrderStatus::PartialSuccess);
        assert_eq!(OrderStatus::from("archived"), OrderStatus::Other("archived".into()));
        for (status, text) in NAMED {
            assert_eq!(status.as_str(), text);
            assert_eq!(OrderStatus::from(text), status);
        }
    }
}
