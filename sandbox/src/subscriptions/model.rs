//! A customer's subscriptions as the sandbox keeps them: new-commerce and legacy license-based,
//! and commercial-marketplace SaaS, shaped like the documented examples ("Get a subscription by
//! ID", "Cancel a commercial marketplace or new commerce subscription"), and what an update
//! does to each. Seeded through [`SubscriptionSeed`].

use std::time::{Duration, Instant, SystemTime};

use base64::Engine as _;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::codes;
use crate::orders::purchases::rfc3339;

/// How long a new-commerce subscription can be cancelled after its term starts: the 7 days
/// the business documentation gives (the sandbox's own window is not documented, so the
/// sandbox applies production's). Stated in each subscription's `cancellationAllowedUntilDate`.
pub const NEW_COMMERCE_CANCELLATION_WINDOW: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// How long a monthly commercial-marketplace subscription is cancelled at once after its
/// purchase (24 hours, per the new-commerce cancellation policy); later, a cancel only ends it
/// at renewal. No marketplace example states this window, so neither does the sandbox's.
pub const MARKETPLACE_CANCELLATION_WINDOW: Duration = Duration::from_secs(24 * 60 * 60);

/// How long a cancelled or suspended subscription takes to read its new status by default
/// (see [`SandboxBuilder::subscription_latency`](crate::SandboxBuilder::subscription_latency)).
pub const DEFAULT_SUBSCRIPTION_LATENCY: Duration = Duration::from_secs(2);

/// The kind of subscription, by the call that ends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SubscriptionKind {
    /// New-commerce license-based (`productType.id` `OnlineServicesNCE`): cancelled with
    /// `status` `deleted` within its window (`cancellationAllowedUntilDate`), after which a
    /// cancel is `400` with code 900117; it can be suspended.
    NewCommerce,
    /// Legacy license-based (no `productType`, a GUID offer id, an etag): suspended, never
    /// cancelled (`deleted` is `400`, code 800096).
    Legacy,
    /// Commercial-marketplace SaaS (`isMicrosoftProduct` `false`; no documented example shows
    /// its `productType`, so it has none here): cancelled with `deleted`, at once within 24
    /// hours of purchase, and after that only at renewal (the answer keeps it `active`, with
    /// auto-renew off).
    Marketplace,
    /// An Azure plan (offer `DZH318Z0BPS6:…`, `productType` `Azure`: no documented
    /// subscription example shows a plan, so its shape here is inferred) holding Azure
    /// entitlements (Azure subscriptions). Suspended, never cancelled (`deleted` is `400`,
    /// code 800096), and only once each entitlement reads `inactive` (else `403`, code
    /// 900115).
    AzurePlan,
}

/// How long a cancelled Azure entitlement takes to read `inactive` by default (see
/// [`SandboxBuilder::azure_entitlement_latency`](crate::SandboxBuilder::azure_entitlement_latency)):
/// seconds, so that tests stay fast.
pub const DEFAULT_AZURE_ENTITLEMENT_LATENCY: Duration = Duration::from_secs(2);

/// How long Partner Center says a cancelled Azure entitlement takes to read `inactive`
/// ("about 10 minutes", "Cancel an Azure subscription"): give it to
/// [`SandboxBuilder::azure_entitlement_latency`](crate::SandboxBuilder::azure_entitlement_latency)
/// to wait as long as the real service.
pub const DOCUMENTED_AZURE_ENTITLEMENT_LATENCY: Duration = Duration::from_secs(10 * 60);

/// An Azure subscription of an Azure plan.
#[derive(Debug, Clone)]
pub(crate) struct AzureEntitlementRecord {
    pub id: String,
    /// When its cancel was accepted: it reads `inactive` once the latency has passed.
    pub cancelled: Option<Instant>,
}

impl AzureEntitlementRecord {
    pub(crate) fn is_active(&self, latency: Duration) -> bool {
        self.cancelled.is_none_or(|at| at.elapsed() < latency)
    }

    pub(crate) fn json(&self, customer: Uuid, plan: &str, latency: Duration) -> Value {
        json!({
            "id": self.id,
            "friendlyName": "Microsoft Azure",
            "status": if self.is_active(latency) { "active" } else { "inactive" },
            "subscriptionId": plan,
            "links": {
                "self": {
                    "uri": format!("/customers/{customer}/subscriptions/{plan}/azureEntitlements/{}", self.id),
                    "method": "GET",
                    "headers": [],
                },
            },
        })
    }
}

/// A subscription to seed for a customer
/// ([`SandboxBuilder::customer_with_subscriptions`](crate::SandboxBuilder::customer_with_subscriptions)).
///
/// ```
/// use std::time::Duration;
/// use partner_center_sandbox::SubscriptionSeed;
///
/// let m365 = SubscriptionSeed::new_commerce();
/// let late = SubscriptionSeed::new_commerce().created_ago(Duration::from_secs(8 * 24 * 3600));
/// let legacy = SubscriptionSeed::legacy().scheduled_change();
/// let saas = SubscriptionSeed::marketplace().suspended();
/// # let _ = (m365, late, legacy, saas);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionSeed {
    pub(crate) kind: SubscriptionKind,
    pub(crate) age: Duration,
    pub(crate) status: Status,
    pub(crate) scheduled: bool,
    pub(crate) id: Option<String>,
    /// How many Azure entitlements an Azure plan holds.
    pub(crate) azure_subscriptions: usize,
    /// The ids drawn for it when seeded (its id, unless given, and its order's).
    pub(crate) drawn: Option<[Uuid; 2]>,
}

impl SubscriptionSeed {
    /// A new-commerce subscription (Microsoft 365 Business Basic), active, auto-renewing,
    /// bought an hour ago: inside its 7-day cancellation window.
    pub fn new_commerce() -> Self {
        Self::new(SubscriptionKind::NewCommerce)
    }

    /// A legacy license-based subscription (Exchange Online Archiving), active, auto-renewing,
    /// with an etag.
    pub fn legacy() -> Self {
        Self::new(SubscriptionKind::Legacy)
    }

    /// A commercial-marketplace SaaS subscription, active, bought an hour ago.
    pub fn marketplace() -> Self {
        Self::new(SubscriptionKind::Marketplace)
    }

    /// An Azure plan, active, with `azure_subscriptions` active Azure entitlements.
    pub fn azure_plan(azure_subscriptions: usize) -> Self {
        Self { azure_subscriptions, ..Self::new(SubscriptionKind::AzurePlan) }
    }

    fn new(kind: SubscriptionKind) -> Self {
        Self {
            kind,
            age: Duration::from_secs(60 * 60),
            status: Status::Active,
            scheduled: false,
            id: None,
            azure_subscriptions: 0,
            drawn: None,
        }
    }

    /// Bought this long ago: past its kind's window, a cancel is refused (new commerce) or
    /// ends it only at renewal (marketplace).
    pub fn created_ago(mut self, age: Duration) -> Self {
        self.age = age;
        self
    }

    /// Already suspended.
    pub fn suspended(mut self) -> Self {
        self.status = Status::Suspended;
        self
    }

    /// Already deleted (cancelled).
    pub fn deleted(mut self) -> Self {
        self.status = Status::Deleted;
        self
    }

    /// With a change scheduled for its next term (`scheduledNextTermInstructions`), which an
    /// update whose body leaves it out drops, as documented.
    pub fn scheduled_change(mut self) -> Self {
        self.scheduled = true;
        self
    }

    /// This subscription id (default: a fresh GUID, upper case for legacy subscriptions as in
    /// the documented examples). Give a GUID: the spec allows nothing else, and a client that
    /// holds to it refuses an answer carrying another id.
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }
}

/// A status the sandbox keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Active,
    Suspended,
    Deleted,
}

impl Status {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Suspended => "suspended",
            Status::Deleted => "deleted",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [Status::Active, Status::Suspended, Status::Deleted]
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(text))
    }
}

/// A subscription as the sandbox keeps it.
#[derive(Debug, Clone)]
pub(crate) struct SubscriptionRecord {
    pub id: String,
    pub customer: Uuid,
    pub kind: SubscriptionKind,
    pub created: SystemTime,
    pub order_id: String,
    /// Its status before the latest change, and when that change was accepted: until the
    /// latency has passed it still reads `was`.
    changed: Option<(Status, Instant)>,
    status: Status,
    pub auto_renew: bool,
    pub scheduled: bool,
    /// Cancelled after the marketplace window: ends at renewal instead.
    pub ends_at_renewal: bool,
    /// Bumped by each accepted update; the etag names it.
    version: u64,
    /// An Azure plan's Azure subscriptions.
    pub azure: Vec<AzureEntitlementRecord>,
}

/// Why an update is refused: the status, Partner Center's code and its description.
pub(crate) type Refusal = (axum::http::StatusCode, i64, String);

impl SubscriptionRecord {
    pub(crate) fn from_seed(customer: Uuid, seed: &SubscriptionSeed, now: SystemTime) -> Self {
        let [id, order] = seed.drawn.unwrap_or_else(|| [Uuid::new_v4(), Uuid::new_v4()]);
        let id = seed.id.clone().unwrap_or_else(|| match seed.kind {
            SubscriptionKind::Legacy => id.hyphenated().to_string().to_uppercase(),
            _ => id.hyphenated().to_string(),
        });
        let order = order.simple().to_string();
        let order_id = match seed.kind {
            // The documented shapes: a GUID (legacy), 12 hex digits (new commerce), 33
            // characters (marketplace).
            SubscriptionKind::Legacy => {
                Uuid::parse_str(&order).map_or(order.clone(), |u| u.to_string().to_uppercase())
            }
            SubscriptionKind::NewCommerce | SubscriptionKind::AzurePlan => order[..12].to_string(),
            SubscriptionKind::Marketplace => format!("{}1", &order[..32]),
        };
        // The entitlements' ids follow from the plan's (a seeded run draws the same ones).
        let base = Uuid::parse_str(&id).map_or_else(|_| Uuid::new_v4().as_u128(), |u| u.as_u128());
        let azure = (0..seed.azure_subscriptions)
            .map(|i| AzureEntitlementRecord {
                id: Uuid::from_u128(base ^ ((i as u128 + 1) << 8)).to_string(),
                cancelled: None,
            })
            .collect();
        Self {
            id,
            customer,
            kind: seed.kind,
            created: now.checked_sub(seed.age).unwrap_or(SystemTime::UNIX_EPOCH),
            order_id,
            changed: None,
            status: seed.status,
            auto_renew: seed.status == Status::Active,
            scheduled: seed.scheduled,
            ends_at_renewal: false,
            version: 1,
            azure,
        }
    }

    /// Its status as a read shows it now.
    pub(crate) fn status(&self, latency: Duration) -> Status {
        match self.changed {
            Some((was, at)) if at.elapsed() < latency => was,
            _ => self.status,
        }
    }

    /// The last moment it can be cancelled, where its kind states one.
    fn cancellable_until(&self) -> Option<SystemTime> {
        (self.kind == SubscriptionKind::NewCommerce)
            .then(|| self.created + NEW_COMMERCE_CANCELLATION_WINDOW)
    }

    fn etag(&self) -> Option<String> {
        (self.kind == SubscriptionKind::Legacy).then(|| {
            let version = json!({ "id": self.id.to_lowercase(), "version": self.version });
            base64::engine::general_purpose::STANDARD.encode(version.to_string())
        })
    }

    /// The subscription as a read shows it (`status` as of now, or `shown` when given).
    pub(crate) fn json(&self, latency: Duration, shown: Option<Status>) -> Value {
        let status = shown.unwrap_or_else(|| self.status(latency)).as_str();
        let created = rfc3339(self.created);
        let term_end = rfc3339(self.created + Duration::from_secs(365 * 24 * 60 * 60));
        let self_link = json!({
            "uri": format!("/customers/{}/subscriptions/{}", self.customer, self.id),
            "method": "GET",
            "headers": [],
        });
        let mut s = match self.kind {
            SubscriptionKind::NewCommerce => json!({
                "id": self.id,
                "offerId": "CFQ7TTC0LH18:0001:CFQ7TTC0K971",
                "offerName": "Microsoft 365 Business Basic",
                "friendlyName": "Microsoft 365 Business Basic",
                "productType": { "id": "OnlineServicesNCE", "displayName": "OnlineServicesNCE" },
                "quantity": 1,
                "unitType": "Licenses",
                "hasPurchasableAddons": false,
                "creationDate": created,
                "effectiveStartDate": created,
                "commitmentEndDate": term_end,
                "cancellationAllowedUntilDate": self.cancellable_until().map(rfc3339),
                "status": status,
                "autoRenewEnabled": self.auto_renew,
                "isTrial": false,
                "billingType": "license",
                "billingCycle": "monthly",
                "termDuration": "P1Y",
                "renewalTermDuration": "",
                "isMicrosoftProduct": true,
                "partnerId": "",
                "attentionNeeded": false,
                "actionTaken": false,
                "contractType": "subscription",
                "links": { "self": self_link },
                "publisherName": "Microsoft Corporation",
                "orderId": self.order_id,
                "attributes": { "objectType": "Subscription" },
            }),
            SubscriptionKind::Legacy => json!({
                "id": self.id,
                "offerId": "2828BE95-46BA-4F91-B2FD-0BEF192ECF60",
                "offerName": "Exchange Online Archiving for Exchange Online",
                "friendlyName": "Exchange Online Archiving",
                "quantity": 2,
                "unitType": "Licenses",
                "creationDate": created,
                "effectiveStartDate": created,
                "commitmentEndDate": term_end,
                "status": status,
                "autoRenewEnabled": self.auto_renew,
                "billingType": "license",
                "contractType": "subscription",
                "links": {
                    "offer": {
                        "uri": "/offers/2828BE95-46BA-4F91-B2FD-0BEF192ECF60?country=US",
                        "method": "GET",
                        "headers": [],
                    },
                    "self": self_link,
                },
                "orderId": self.order_id,
                "attributes": { "etag": self.etag(), "objectType": "Subscription" },
            }),
            SubscriptionKind::Marketplace => json!({
                "id": self.id,
                "offerId": "DZH318Z0BXWC:0001:DZH318Z0BMJX",
                "offerName": "Fabrikam Notes (SaaS)",
                "friendlyName": "Fabrikam Notes",
                "quantity": 1,
                "unitType": "License(s)",
                "hasPurchasableAddons": false,
                "creationDate": created,
                "effectiveStartDate": created,
                "commitmentEndDate": rfc3339(self.created + Duration::from_secs(30 * 24 * 60 * 60)),
                "status": status,
                "autoRenewEnabled": self.auto_renew,
                "isTrial": false,
                "billingType": "license",
                "billingCycle": "monthly",
                "termDuration": "P1M",
                "refundOptions": [
                    { "type": "Full", "expiresAt": rfc3339(self.created + MARKETPLACE_CANCELLATION_WINDOW) },
                ],
                "isMicrosoftProduct": false,
                "partnerId": "",
                "contractType": "subscription",
                "links": { "self": self_link },
                "publisherName": "Fabrikam",
                "orderId": self.order_id,
                "attributes": { "etag": "", "objectType": "Subscription" },
            }),
            SubscriptionKind::AzurePlan => json!({
                "id": self.id,
                "offerId": "DZH318Z0BPS6:0001:DZH318Z0BML6",
                "offerName": "Azure plan",
                "friendlyName": "Azure plan",
                "productType": { "id": "Azure", "displayName": "Azure" },
                "quantity": 1,
                "unitType": "Usage-based",
                "creationDate": created,
                "effectiveStartDate": created,
                "status": status,
                "autoRenewEnabled": false,
                "billingType": "usage",
                "isMicrosoftProduct": true,
                "contractType": "subscription",
                "links": { "self": self_link },
                "orderId": self.order_id,
                "attributes": { "objectType": "Subscription" },
            }),
        };
        if let Value::Object(map) = &mut s {
            // Fields absent where they do not apply, as in the examples.
            map.retain(|_, v| !v.is_null());
            if self.scheduled {
                map.insert(
                    "scheduledNextTermInstructions".into(),
                    json!({
                        "product": {
                            "productId": "CFQ7TTC0LH18",
                            "skuId": "0001",
                            "availabilityId": "CFQ7TTC0K971",
                            "billingCycle": "monthly",
                            "termDuration": "P1Y",
                        },
                        "quantity": 5,
                    }),
                );
            }
        }
        s
    }

    /// Applies an update (`PATCH` with the subscription and its new `status`): the answer's
    /// subscription, or the refusal. `if_match` is the request's `If-Match`, if any.
    pub(crate) fn update(
        &mut self,
        body: &Map<String, Value>,
        if_match: Option<&str>,
        latency: Duration,
        azure_latency: Duration,
        now: SystemTime,
    ) -> Result<Value, Refusal> {
        use axum::http::StatusCode;
        let bad = |code, message: String| Err((StatusCode::BAD_REQUEST, code, message));
        let Some(target) = body.get("status").and_then(Value::as_str).and_then(Status::parse)
        else {
            return bad(
                codes::CANNOT_UPDATE_STATUS,
                "Can't update the status for this subscription: `status` must be active, suspended or deleted.".into(),
            );
        };
        if let Some(id) = body.get("id").and_then(Value::as_str)
            && !id.eq_ignore_ascii_case(&self.id)
        {
            return bad(
                codes::INVALID_REQUEST_INPUT,
                "The subscription id in the body is not the one in the path.".into(),
            );
        }
        if let (Some(sent), Some(current)) = (if_match, self.etag())
            && unquoted(sent) != current
        {
            return bad(codes::ETAG_NO_LONGER_VALID, "Etag is no longer valid".into());
        }
        // What it is now, its latest change included (a read shows `visible` until the
        // latency has passed): an update acts on what the subscription is, not on what a read
        // would still show.
        let current = self.status;
        let visible = self.status(latency);
        if current == Status::Deleted {
            return bad(
                codes::SUBSCRIPTION_DELETED,
                format!("Subscription with ID {} and deleted status can't be updated.", self.id),
            );
        }
        match (target, self.kind) {
            (Status::Deleted, SubscriptionKind::Legacy | SubscriptionKind::AzurePlan) => {
                return bad(
                    codes::CANNOT_UPDATE_STATUS,
                    "Can't update the status for this subscription: a legacy subscription or an Azure plan is suspended, not cancelled.".into(),
                );
            }
            (Status::Suspended, SubscriptionKind::AzurePlan)
                if current == Status::Active
                    && self.azure.iter().any(|e| e.is_active(azure_latency)) =>
            {
                return Err((
                    StatusCode::FORBIDDEN,
                    codes::AZURE_PLAN_HAS_ACTIVE_USAGE,
                    "The Azure plan cannot be suspended while it has active Azure subscriptions or reservations.".into(),
                ));
            }
            (Status::Deleted, SubscriptionKind::NewCommerce)
                if self.cancellable_until().is_some_and(|until| now > until) =>
            {
                return bad(
                    codes::CANCELLATION_WINDOW_PASSED,
                    "You have passed your 7-day cancellation window. We are unable to cancel your purchase".into(),
                );
            }
            _ => {}
        }
        // Accepted: the documented side effect of a body that leaves them out, then the change.
        if !body.contains_key("autoRenewEnabled") {
            self.auto_renew = false;
        }
        if !body.contains_key("scheduledNextTermInstructions") {
            self.scheduled = false;
        }
        let mut shown = target;
        if target == Status::Deleted
            && self.kind == SubscriptionKind::Marketplace
            && now > self.created + MARKETPLACE_CANCELLATION_WINDOW
        {
            // Past the window, a marketplace cancel ends the subscription at renewal.
            self.auto_renew = false;
            self.ends_at_renewal = true;
            shown = current;
        } else if target != current {
            // A cancelled subscription does not renew (the documented cancel answer reads
            // `autoRenewEnabled: false`); suspending a new-commerce one turns auto-renew off.
            if target == Status::Deleted
                || (target == Status::Suspended && self.kind == SubscriptionKind::NewCommerce)
            {
                self.auto_renew = false;
            }
            self.changed = Some((visible, Instant::now()));
            self.status = target;
        }
        self.version += 1;
        Ok(self.json(latency, Some(shown)))
    }
}

/// An entity tag without its quotes (and weak marker), as sent in `If-Match`.
fn unquoted(tag: &str) -> &str {
    let tag = tag.trim();
    let tag = tag.strip_prefix("W/").unwrap_or(tag);
    tag.strip_prefix('"').and_then(|t| t.strip_suffix('"')).unwrap_or(tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(seed: SubscriptionSeed) -> SubscriptionRecord {
        SubscriptionRecord::from_seed(Uuid::new_v4(), &seed, SystemTime::now())
    }

    fn body(s: &SubscriptionRecord, status: &str) -> Map<String, Value> {
        let Value::Object(mut map) = s.json(Duration::ZERO, None) else { unreachable!() };
        map.insert("status".into(), json!(status));
        map
    }

    #[test]
    fn an_azure_plan_is_suspended_only_once_each_azure_subscription_reads_inactive() {
        let now = SystemTime::now();
        let mut plan =
            SubscriptionRecord::from_seed(Uuid::new_v4(), &SubscriptionSeed::azure_plan(2), now);
        assert_eq!(plan.azure.len(), 2);
        assert_ne!(plan.azure[0].id, plan.azure[1].id);
        let latency = Duration::from_secs(60);
        let refused = plan.update(&body(&plan, "suspended"), None, Duration::ZERO, latency, now);
        assert_eq!(refused.map_err(|r| r.1), Err(codes::AZURE_PLAN_HAS_ACTIVE_USAGE));
        let refused = plan.update(&body(&plan, "deleted"), None, Duration::ZERO, latency, now);
        assert_eq!(refused.map_err(|r| r.1), Err(codes::CANNOT_UPDATE_STATUS), "never cancelled");
        for e in &mut plan.azure {
            e.cancelled = Some(Instant::now());
        }
        let still = plan.update(&body(&plan, "suspended"), None, Duration::ZERO, latency, now);
        assert!(still.is_err(), "inactive only after the latency");
        let answer =
            plan.update(&body(&plan, "suspended"), None, Duration::ZERO, Duration::ZERO, now);
        assert_eq!(answer.map(|a| a["status"].clone()).ok(), Some(json!("suspended")));
    }

    #[test]
    fn each_kind_ends_as_documented() {
        let now = SystemTime::now();
        let mut nce = record(SubscriptionSeed::new_commerce());
        let answer = nce.update(&body(&nce, "deleted"), None, Duration::ZERO, Duration::ZERO, now);
        assert_eq!(answer.map(|a| a["status"].clone()), Ok(json!("deleted")));
        let again = nce.update(&body(&nce, "suspended"), None, Duration::ZERO, Duration::ZERO, now);
        assert_eq!(again.map_err(|r| r.1), Err(codes::SUBSCRIPTION_DELETED));

        let mut late =
            record(SubscriptionSeed::new_commerce().created_ago(Duration::from_secs(8 * 86_400)));
        let refused =
            late.update(&body(&late, "deleted"), None, Duration::ZERO, Duration::ZERO, now);
        assert_eq!(refused.map_err(|r| r.1), Err(codes::CANCELLATION_WINDOW_PASSED));
        assert!(
            late.update(&body(&late, "suspended"), None, Duration::ZERO, Duration::ZERO, now)
                .is_ok()
        );

        let mut legacy = record(SubscriptionSeed::legacy());
        let refused =
            legacy.update(&body(&legacy, "deleted"), None, Duration::ZERO, Duration::ZERO, now);
        assert_eq!(refused.map_err(|r| r.1), Err(codes::CANNOT_UPDATE_STATUS));

        let mut saas =
            record(SubscriptionSeed::marketplace().created_ago(Duration::from_secs(2 * 86_400)));
        let answer =
            saas.update(&body(&saas, "deleted"), None, Duration::ZERO, Duration::ZERO, now).ok();
        assert_eq!(
            answer.map(|a| (a["status"].clone(), a["autoRenewEnabled"].clone())),
            Some((json!("active"), json!(false)))
        );
        assert!(saas.ends_at_renewal);
    }

    #[test]
    fn a_stale_etag_is_refused_and_a_minimal_body_has_its_side_effects() {
        let now = SystemTime::now();
        let mut legacy = record(SubscriptionSeed::legacy().scheduled_change());
        let read = legacy.json(Duration::ZERO, None);
        let etag = read["attributes"]["etag"].as_str().map(str::to_owned);
        assert!(etag.is_some());
        let sent = format!("\"{}\"", etag.unwrap_or_default());
        let mut minimal = Map::new();
        minimal.insert("status".into(), json!("suspended"));
        assert!(legacy.update(&minimal, Some(&sent), Duration::ZERO, Duration::ZERO, now).is_ok());
        assert!(!legacy.auto_renew && !legacy.scheduled);
        let stale = legacy.update(&minimal, Some(&sent), Duration::ZERO, Duration::ZERO, now);
        assert_eq!(stale.map_err(|r| r.1), Err(codes::ETAG_NO_LONGER_VALID));
    }

    #[test]
    fn an_update_acts_on_what_the_subscription_is_not_on_what_a_read_still_shows() {
        let latency = Duration::from_secs(3600);
        let now = SystemTime::now();
        let mut nce = record(SubscriptionSeed::new_commerce());
        assert!(nce.update(&body(&nce, "deleted"), None, latency, Duration::ZERO, now).is_ok());
        // Still reads `active`, but it is deleted: frozen.
        assert_eq!(nce.status(latency), Status::Active);
        let again = nce.update(&body(&nce, "suspended"), None, latency, Duration::ZERO, now);
        assert_eq!(again.map_err(|r| r.1), Err(codes::SUBSCRIPTION_DELETED));
        // Suspend, then reactivate within the latency: it ends active.
        let mut other = record(SubscriptionSeed::new_commerce());
        assert!(
            other.update(&body(&other, "suspended"), None, latency, Duration::ZERO, now).is_ok()
        );
        assert!(other.update(&body(&other, "active"), None, latency, Duration::ZERO, now).is_ok());
        assert_eq!(other.status(Duration::ZERO), Status::Active);
    }

    #[test]
    fn a_refused_update_changes_nothing() {
        let now = SystemTime::now();
        let mut legacy = record(SubscriptionSeed::legacy().scheduled_change());
        let mut minimal = Map::new();
        minimal.insert("status".into(), json!("deleted"));
        assert!(legacy.update(&minimal, None, Duration::ZERO, Duration::ZERO, now).is_err());
        assert!(legacy.auto_renew && legacy.scheduled, "a 400 left the subscription as it was");
    }

    #[test]
    fn a_change_reads_only_after_the_latency() {
        let mut nce = record(SubscriptionSeed::new_commerce());
        let latency = Duration::from_secs(3600);
        let answer =
            nce.update(&body(&nce, "suspended"), None, latency, Duration::ZERO, SystemTime::now());
        assert_eq!(answer.map(|a| a["status"].clone()), Ok(json!("suspended")));
        assert_eq!(nce.status(latency), Status::Active);
        assert_eq!(nce.status(Duration::ZERO), Status::Suspended);
    }
}
