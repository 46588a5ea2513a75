//! What a customer has bought: orders (with their line items) and the entitlements they give,
//! shaped like the documented examples ("Get a collection of entitlements", "Get an order by
//! ID"). Seeded through [`OrderSeed`]; cancelled through `PATCH …/orders/{id}`.

use std::time::{Duration, Instant, SystemTime};

use serde_json::{Value, json};
use uuid::Uuid;

/// How long a sandbox order stays cancellable after it was created (Partner Center: "orders
/// older than 60 days can't be cancelled"); later, a cancel is `400` with code 900117.
pub const CANCELLATION_WINDOW: Duration = Duration::from_secs(60 * 24 * 60 * 60);

/// How long a cancelled order takes to read `cancelled` by default (see
/// [`SandboxBuilder::cancellation_latency`](crate::SandboxBuilder::cancellation_latency)).
pub const DEFAULT_CANCELLATION_LATENCY: Duration = Duration::from_secs(2);

/// The kind of product an order bought; the delete procedure cancels these by order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProductKind {
    /// An Azure Reserved VM Instance (`entitlementType` `reservedinstance`).
    ReservedInstance,
    /// Perpetual software or a software subscription (`entitlementType` `software`).
    Software,
}

impl ProductKind {
    pub(crate) fn entitlement_type(self) -> &'static str {
        match self {
            ProductKind::ReservedInstance => "reservedinstance",
            ProductKind::Software => "software",
        }
    }

    /// Whether an `entitlementType` filter (matched case-insensitively, as the documented
    /// example's lower-case `entitlementtype=software` shows) selects this kind.
    pub(crate) fn selected_by(self, filter: &str) -> bool {
        match self {
            ProductKind::ReservedInstance => {
                filter.eq_ignore_ascii_case("reservedinstance")
                    || filter.eq_ignore_ascii_case("virtualmachinereservedinstance")
            }
            ProductKind::Software => filter.eq_ignore_ascii_case("software"),
        }
    }
}

/// An order to seed for a customer ([`SandboxBuilder::customer_with_orders`]).
///
/// [`SandboxBuilder::customer_with_orders`]: crate::SandboxBuilder::customer_with_orders
///
/// ```
/// use std::time::Duration;
/// use partner_center_sandbox::OrderSeed;
///
/// let ri = OrderSeed::reserved_instance();
/// let office = OrderSeed::software().line_items(2).included(2).id("Kq3ZlTBN5MWdV1");
/// let stale = OrderSeed::software().created_ago(Duration::from_secs(61 * 24 * 3600));
/// let done = OrderSeed::software().cancelled();
/// # let _ = (ri, office, stale, done);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderSeed {
    pub(crate) kind: ProductKind,
    pub(crate) line_items: u32,
    pub(crate) included: u32,
    pub(crate) age: Duration,
    pub(crate) cancelled: bool,
    pub(crate) id: Option<String>,
    /// Still being placed for this long after the sandbox starts: reads `pending`, and a
    /// cancel meanwhile is `409` with code 800060 ("Your order is in progress").
    pub(crate) placing: Duration,
    /// The ids the sandbox drew for it when it was seeded (its id, unless given, and alternate
    /// id come from the first; its reservation's from the second): from the sandbox's seed
    /// when it has one. `None`: fresh random ones.
    pub(crate) drawn: Option<[Uuid; 2]>,
}

impl OrderSeed {
    /// An Azure Reserved VM Instance order, one line item, created a day ago.
    pub fn reserved_instance() -> Self {
        Self::new(ProductKind::ReservedInstance)
    }

    /// A software order, one line item, created a day ago.
    pub fn software() -> Self {
        Self::new(ProductKind::Software)
    }

    fn new(kind: ProductKind) -> Self {
        Self {
            kind,
            line_items: 1,
            included: 0,
            age: Duration::from_secs(24 * 60 * 60),
            cancelled: false,
            id: None,
            placing: Duration::ZERO,
            drawn: None,
        }
    }

    /// Line items (at least one); each gives one top-level entitlement.
    pub fn line_items(mut self, n: u32) -> Self {
        self.line_items = n.max(1);
        self
    }

    /// Entitlements each line item's entitlement includes (they share its order id).
    pub fn included(mut self, n: u32) -> Self {
        self.included = n;
        self
    }

    /// How long ago the order was created; past [`CANCELLATION_WINDOW`] it cannot be
    /// cancelled.
    pub fn created_ago(mut self, age: Duration) -> Self {
        self.age = age;
        self
    }

    /// Already cancelled.
    pub fn cancelled(mut self) -> Self {
        self.cancelled = true;
        self
    }

    /// Still being placed for `time` after the sandbox starts, as a new order can be: it reads
    /// `pending`, and a cancel meanwhile is refused with `409`, code 800060 ("Your order is in
    /// progress. Check your order history for recent orders in few minutes") — not accepted.
    pub fn placing_for(mut self, time: Duration) -> Self {
        self.placing = time;
        self
    }

    /// This order id (default: a fresh one shaped like the documented ids). Two seeds with the
    /// same id for one customer are one order: its line items are added up.
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }
}

/// Where an order is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OrderState {
    Completed,
    /// Cancel accepted at this instant; reads `cancelled` once the latency has passed.
    Cancelling(Instant),
    Cancelled,
}

/// An order as the sandbox keeps it.
#[derive(Debug, Clone)]
pub(crate) struct OrderRecord {
    pub id: String,
    pub alternate_id: String,
    pub customer: Uuid,
    pub kind: ProductKind,
    pub created: SystemTime,
    pub line_items: u32,
    pub included: u32,
    pub state: OrderState,
    /// The reservation an RI order's artifact names.
    pub resource: Uuid,
    /// When it is placed: until then it reads `pending` and refuses cancels as in progress.
    pub placed_at: Instant,
    /// When its entitlements appear (a bought order's show up after a while; documented: up
    /// to 15 minutes).
    pub listed_at: Instant,
}

/// What a cancel came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cancel {
    /// Accepted (or already cancelled): the order as it reads now, with status `cancelled`.
    Accepted(Value),
    /// A cancel of this order is still being processed.
    InProgress,
    /// Past the cancellation window.
    WindowPassed,
}

impl OrderRecord {
    pub(crate) fn from_seed(customer: Uuid, seed: &OrderSeed, now: SystemTime) -> Self {
        let [order, resource] = seed.drawn.unwrap_or_else(|| [Uuid::new_v4(), Uuid::new_v4()]);
        let fresh = order.simple().to_string();
        Self {
            // Documented ids are 33 characters of letters and digits ending in `1`.
            id: seed.id.clone().unwrap_or_else(|| format!("{}1", &fresh[..32])),
            alternate_id: fresh[20..32].to_string(),
            customer,
            kind: seed.kind,
            created: now.checked_sub(seed.age).unwrap_or(SystemTime::UNIX_EPOCH),
            line_items: seed.line_items,
            included: seed.included,
            state: if seed.cancelled { OrderState::Cancelled } else { OrderState::Completed },
            resource,
            placed_at: Instant::now() + seed.placing,
            listed_at: Instant::now(),
        }
    }

    /// Whether its entitlements show yet.
    pub(crate) fn is_listed(&self) -> bool {
        Instant::now() >= self.listed_at
    }

    /// Whether it is still being placed (reads `pending`; a cancel is "in progress").
    pub(crate) fn is_placing(&self) -> bool {
        Instant::now() < self.placed_at
    }

    /// Whether it reads `cancelled` now, `latency` after a cancel was accepted.
    pub(crate) fn is_cancelled(&self, latency: Duration) -> bool {
        match self.state {
            OrderState::Cancelled => true,
            OrderState::Cancelling(since) => since.elapsed() >= latency,
            OrderState::Completed => false,
        }
    }

    /// Cancels it now (a cancel takes `latency` to show).
    pub(crate) fn cancel(&mut self, latency: Duration, now: SystemTime) -> Cancel {
        if self.is_cancelled(latency) {
            self.state = OrderState::Cancelled;
            return Cancel::Accepted(self.json(latency, Some("cancelled")));
        }
        if matches!(self.state, OrderState::Cancelling(_)) || self.is_placing() {
            return Cancel::InProgress;
        }
        if now.duration_since(self.created).unwrap_or_default() > CANCELLATION_WINDOW {
            return Cancel::WindowPassed;
        }
        self.state = if latency.is_zero() {
            OrderState::Cancelled
        } else {
            OrderState::Cancelling(Instant::now())
        };
        // The documented answer already says `cancelled`; what GET reads follows the latency.
        Cancel::Accepted(self.json(latency, Some("cancelled")))
    }

    /// Its JSON, as "Get an order by ID" shows it. While a cancel is being processed it reads
    /// `completed`, as before the cancel (see `openapi/SOURCES.md`).
    pub(crate) fn json(&self, latency: Duration, status: Option<&str>) -> Value {
        let status = status.unwrap_or(if self.is_cancelled(latency) {
            "cancelled"
        } else if self.is_placing() {
            "pending"
        } else {
            "completed"
        });
        let (product, sku, name) = self.product();
        let line_items: Vec<Value> = (0..self.line_items)
            .map(|n| {
                json!({
                    "lineItemNumber": n,
                    "offerId": format!("{product}:{sku}:{product}{n:02}"),
                    "friendlyName": name,
                    "quantity": 1,
                    "links": { "sku": link(&format!("/products/{product}/skus/{sku}?country=US")) },
                })
            })
            .collect();
        let path = format!("/customers/{}/orders/{}", self.customer, self.id);
        json!({
            "id": self.id,
            "alternateId": self.alternate_id,
            "referenceCustomerId": self.customer,
            "billingCycle": "one_time",
            "currencyCode": "USD",
            "currencySymbol": "$",
            "lineItems": line_items,
            "creationDate": rfc3339(self.created),
            "status": status,
            "transactionType": "UserPurchase",
            "links": {
                "provisioningStatus": link(&format!("{path}/provisioningstatus")),
                "self": link(&path),
            },
            "attributes": { "objectType": "Order" },
        })
    }

    /// Its entitlements: one per line item, each including `included` more with the same
    /// order id (as the documented software example does).
    pub(crate) fn entitlements(&self, show_expiry: bool) -> Vec<Value> {
        let (product, sku, _) = self.product();
        (0..self.line_items)
            .map(|n| {
                let reference = json!({
                    "id": self.id,
                    "lineItemId": n.to_string(),
                    "alternateId": self.alternate_id,
                });
                let included: Vec<Value> = (0..self.included)
                    .map(|i| {
                        json!({
                            "includedEntitlements": [],
                            "referenceOrder": reference,
                            "productId": format!("{product}{i:02}"),
                            "quantity": 1,
                            "entitledArtifacts": [],
                            "skuId": sku,
                            "entitlementType": self.kind.entitlement_type(),
                        })
                    })
                    .collect();
                let mut e = json!({
                    "includedEntitlements": included,
                    "referenceOrder": reference,
                    "productId": product,
                    "quantity": 1,
                    "entitledArtifacts": self.artifacts(),
                    "skuId": sku,
                    "entitlementType": self.kind.entitlement_type(),
                });
                if show_expiry && self.kind == ProductKind::ReservedInstance {
                    let year = self.created + Duration::from_secs(365 * 24 * 60 * 60);
                    e["expiryDate"] = json!(rfc3339(year));
                }
                e
            })
            .collect()
    }

    fn artifacts(&self) -> Vec<Value> {
        if self.kind != ProductKind::ReservedInstance {
            return Vec::new();
        }
        let resource = self.resource;
        vec![json!({
            "link": link(&format!(
                "/customers/{}/artifacts/reservedinstance/groups/{}/lineitems/{}/resource/{resource}",
                self.customer,
                self.alternate_id,
                self.id,
            )),
            "resourceId": resource,
            "artifactType": "reservedinstance",
            "dynamicAttributes": { "reservationType": "virtualmachines" },
        })]
    }

    fn product(&self) -> (&'static str, &'static str, &'static str) {
        match self.kind {
            ProductKind::ReservedInstance => {
                ("DZH318Z0BQ3W", "007J", "Reserved_VM_Instance_Standard_D2s_v3_1_Year")
            }
            ProductKind::Software => {
                ("DG7GMGF0DWT0", "0001", "Microsoft Identity Manager 2016 - 1 User CAL")
            }
        }
    }
}

fn link(uri: &str) -> Value {
    json!({ "uri": uri, "method": "GET", "headers": [] })
}

/// `2018-03-13T22:49:54Z` (RFC 3339, UTC, whole seconds).
pub(crate) fn rfc3339(t: SystemTime) -> String {
    humantime::format_rfc3339_seconds(t).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cancel_shows_after_the_latency_and_a_second_one_meanwhile_is_in_progress() {
        let now = SystemTime::now();
        let mut order = OrderRecord::from_seed(Uuid::new_v4(), &OrderSeed::software(), now);
        let latency = Duration::from_secs(3600);
        assert!(
            matches!(order.cancel(latency, now), Cancel::Accepted(v) if v["status"] == "cancelled")
        );
        assert_eq!(order.json(latency, None)["status"], "completed", "not yet");
        assert_eq!(order.cancel(latency, now), Cancel::InProgress);
        assert!(order.is_cancelled(Duration::ZERO));
    }

    #[test]
    fn an_order_past_the_window_is_not_cancelled() {
        let now = SystemTime::now();
        let seed = OrderSeed::reserved_instance()
            .created_ago(CANCELLATION_WINDOW + Duration::from_secs(60));
        let mut order = OrderRecord::from_seed(Uuid::new_v4(), &seed, now);
        assert_eq!(order.cancel(Duration::ZERO, now), Cancel::WindowPassed);
        assert_eq!(order.state, OrderState::Completed);
    }

    #[test]
    fn entitlements_share_their_order_id_and_count_line_items() {
        let seed = OrderSeed::software().line_items(2).included(2);
        let order = OrderRecord::from_seed(Uuid::new_v4(), &seed, SystemTime::now());
        let e = order.entitlements(false);
        assert_eq!(e.len(), 2);
        assert_eq!(e[1]["referenceOrder"]["lineItemId"], "1");
        assert_eq!(e[1]["includedEntitlements"][1]["referenceOrder"]["id"], order.id.as_str());
        assert_eq!(order.id.len(), 33);
    }
}
