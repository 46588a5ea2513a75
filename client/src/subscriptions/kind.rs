//! Which kind a subscription is, by the call that ends it: one table, each row with the marker
//! that places a subscription in it, how the kind is ended, and whether that is documented,
//! reported or inferred (with its source). The delete procedure acts on a subscription only
//! through this table; a subscription no row places is reported and never touched.

use std::fmt;

use crate::subscriptions::Subscription;

/// A subscription's kind, by the call that ends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SubscriptionKind {
    /// Software (`productType.id` `Software`): it is also an order, which the order cancel
    /// ends; joined to that order by its `orderId`, so it gets one action.
    Software,
    /// New-commerce license-based (`productType.id` `OnlineServicesNCE`): cancelled with
    /// `status` `deleted` within its window, else suspended.
    NewCommerce,
    /// Commercial-marketplace SaaS (`isMicrosoftProduct` `false`, or `productType`
    /// `Azure`/`SaaS`): cancelled with `status` `deleted`.
    Marketplace,
    /// An Azure plan (offer `DZH318Z0BPS6:…`): its Azure entitlements cancelled, then the
    /// plan suspended.
    AzurePlan,
    /// Legacy license-based (no `productType`, a GUID offer): suspended.
    Legacy,
    /// None of the above (a legacy Azure `MS-AZR-…` offer, a product type not known here):
    /// reported by name and kind, never touched.
    Unknown,
}

/// How a kind is ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SubscriptionEnding {
    /// By cancelling its order (`PATCH …/orders/{id}` `cancelled`), as the delete page says.
    CancelOrder,
    /// `PATCH …/subscriptions/{id}` with `status` `deleted`.
    Cancel,
    /// `PATCH …/subscriptions/{id}` with `status` `suspended`.
    Suspend,
    /// Each active Azure entitlement cancelled (`POST …/azureEntitlements/{id}/cancel`), then
    /// the plan suspended.
    CancelEntitlementsThenSuspend,
    /// Not ended: reported only.
    LeaveAlone,
}

/// How much is known about a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Evidence {
    /// A Partner Center page or Microsoft's SDK says so.
    Documented,
    /// A user's public report says so (no page does).
    Reported,
    /// Chosen here from what the pages show elsewhere; `openapi/SOURCES.md` says why.
    Inferred,
}

/// One row of [`SUBSCRIPTION_KINDS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubscriptionKindRow {
    /// The kind.
    pub kind: SubscriptionKind,
    /// What places a subscription in it.
    pub marker: &'static str,
    /// How it is ended.
    pub ending: SubscriptionEnding,
    /// Whether the marker and the ending are documented, reported or inferred.
    pub evidence: Evidence,
    /// Where that comes from.
    pub source: &'static str,
}

/// The table, in the order rows are tried: the first whose marker fits places the
/// subscription.
pub const SUBSCRIPTION_KINDS: [SubscriptionKindRow; 6] = [
    SubscriptionKindRow {
        kind: SubscriptionKind::Software,
        marker: "productType.id is `Software`",
        ending: SubscriptionEnding::CancelOrder,
        evidence: Evidence::Documented,
        source: "\"Get all of a customer's subscriptions\" (a software subscription); \"Cancel an order from the integration sandbox\" (software: order or subscription)",
    },
    SubscriptionKindRow {
        kind: SubscriptionKind::NewCommerce,
        marker: "productType.id is `OnlineServicesNCE`",
        ending: SubscriptionEnding::Cancel,
        evidence: Evidence::Documented,
        source: "\"Get a subscription by ID\" (new commerce); \"Cancel a commercial marketplace or new commerce subscription\"; the .NET samples test ProductType.Id",
    },
    SubscriptionKindRow {
        kind: SubscriptionKind::AzurePlan,
        marker: "offerId starts with `DZH318Z0BPS6:` (the catalog's Microsoft Azure plan)",
        ending: SubscriptionEnding::CancelEntitlementsThenSuspend,
        evidence: Evidence::Reported,
        source: "marker inferred from usage records and the catalog (no subscription example shows a plan); ending reported in Partner-Center-PowerShell issue 215 and \"Create an Azure plan\"",
    },
    SubscriptionKindRow {
        kind: SubscriptionKind::Marketplace,
        marker: "isMicrosoftProduct is false, or productType is `Azure` with subType `SaaS`",
        ending: SubscriptionEnding::Cancel,
        evidence: Evidence::Inferred,
        source: "marker inferred from the marketplace cancel example (isMicrosoftProduct false) and the catalog's Azure/SaaS type; ending documented on \"Cancel a commercial marketplace or new commerce subscription\"",
    },
    SubscriptionKindRow {
        kind: SubscriptionKind::Legacy,
        marker: "no productType and a GUID offerId",
        ending: SubscriptionEnding::Suspend,
        evidence: Evidence::Documented,
        source: "\"Get a subscription by ID\" (legacy add-on); \"Suspend a subscription\"; \"Subscription lifecycle\" (legacy: active, suspended, deleted)",
    },
    SubscriptionKindRow {
        kind: SubscriptionKind::Unknown,
        marker: "anything else",
        ending: SubscriptionEnding::LeaveAlone,
        evidence: Evidence::Inferred,
        source: "no row places it: acting on a guess could cancel what the user keeps",
    },
];

impl SubscriptionKind {
    /// Its row in [`SUBSCRIPTION_KINDS`].
    pub fn row(self) -> &'static SubscriptionKindRow {
        SUBSCRIPTION_KINDS
            .iter()
            .find(|r| r.kind == self)
            .unwrap_or(&SUBSCRIPTION_KINDS[SUBSCRIPTION_KINDS.len() - 1])
    }

    /// How it is ended.
    pub fn ending(self) -> SubscriptionEnding {
        self.row().ending
    }

    /// The kind of `s`: the first row of [`SUBSCRIPTION_KINDS`] whose marker fits.
    pub fn of(s: &Subscription) -> SubscriptionKind {
        let product = s.product_type();
        let is = |a: Option<&str>, b: &str| a.is_some_and(|a| a.eq_ignore_ascii_case(b));
        let offer = s.offer_id().unwrap_or_default();
        if is(product, "Software") {
            SubscriptionKind::Software
        } else if is(product, "OnlineServicesNCE") {
            SubscriptionKind::NewCommerce
        } else if offer.to_ascii_uppercase().starts_with("DZH318Z0BPS6:") {
            SubscriptionKind::AzurePlan
        } else if s.is_microsoft_product() == Some(false)
            || (is(product, "Azure") && is(s.product_subtype(), "SaaS"))
        {
            SubscriptionKind::Marketplace
        } else if product.is_none() && uuid::Uuid::try_parse(offer).is_ok() {
            SubscriptionKind::Legacy
        } else {
            SubscriptionKind::Unknown
        }
    }
}

impl fmt::Display for SubscriptionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SubscriptionKind::Software => "software",
            SubscriptionKind::NewCommerce => "new commerce",
            SubscriptionKind::Marketplace => "marketplace",
            SubscriptionKind::AzurePlan => "Azure plan",
            SubscriptionKind::Legacy => "legacy",
            SubscriptionKind::Unknown => "unknown kind",
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::error::CallInfo;
    use crate::subscriptions::object;

    fn subscription(fields: Value) -> Subscription {
        let mut json = json!({ "id": "a4c1340d-6911-4758-bba3-0c4c6007d161", "status": "active" });
        if let (Value::Object(map), Value::Object(more)) = (&mut json, fields) {
            map.extend(more);
        }
        let raw = serde_json::from_value(json.clone()).expect("a subscription");
        Subscription::read(raw, object(json), CallInfo::for_fuzzing())
    }

    #[test]
    fn each_documented_shape_gets_its_row_and_anything_else_is_left_alone() {
        let kind = |fields| SubscriptionKind::of(&subscription(fields));
        // The documented examples' markers.
        assert_eq!(
            kind(
                json!({ "productType": { "id": "OnlineServicesNCE" }, "offerId": "CFQ7TTC0LH18:0001:CFQ7TTC0K971" })
            ),
            SubscriptionKind::NewCommerce
        );
        assert_eq!(
            kind(
                json!({ "productType": { "id": "Software" }, "offerId": "DG7GMGF0FKZV:0003:DG7GMGF0DQLM" })
            ),
            SubscriptionKind::Software
        );
        assert_eq!(
            kind(
                json!({ "offerId": "DZH318Z0BXWC:0001:DZH318Z0BMJX", "isMicrosoftProduct": false })
            ),
            SubscriptionKind::Marketplace
        );
        assert_eq!(
            kind(json!({ "offerId": "2828BE95-46BA-4F91-B2FD-0BEF192ECF60" })),
            SubscriptionKind::Legacy
        );
        // Inferred markers.
        assert_eq!(
            kind(json!({ "offerId": "DZH318Z0BPS6:0001:DZH318Z0BML6" })),
            SubscriptionKind::AzurePlan
        );
        assert_eq!(
            kind(json!({ "productType": { "id": "Azure", "subType": { "id": "SaaS" } } })),
            SubscriptionKind::Marketplace
        );
        // Nothing places these: never touched.
        assert_eq!(kind(json!({ "offerId": "MS-AZR-0145P" })), SubscriptionKind::Unknown);
        assert_eq!(
            kind(json!({ "productType": { "id": "SomethingNew" }, "offerId": "X:1:Y" })),
            SubscriptionKind::Unknown
        );
        assert_eq!(SubscriptionKind::Unknown.ending(), SubscriptionEnding::LeaveAlone);
        for row in SUBSCRIPTION_KINDS {
            assert_eq!(row.kind.row(), &row, "one row per kind");
        }
    }
}
