//! The subscription model: the fields the client reads, and the answer's JSON as sent, which an
//! update sends back whole.

use std::fmt;
use std::time::SystemTime;

use serde_json::{Map, Value};

use crate::error::CallInfo;
use crate::generated::types;
use crate::subscriptions::id::SubscriptionId;

/// A customer's subscription, as Partner Center describes it.
///
/// Besides the fields read here, it keeps the answer's JSON object exactly as sent
/// ([`Self::json`]): an update sends the subscription back whole, and a field this client does
/// not know (Partner Center adds them over time) must not be dropped on the way, or the
/// service would turn auto-renew off or drop scheduled instructions.
#[derive(Debug, Clone)]
pub struct Subscription {
    id: SubscriptionId,
    status: SubscriptionStatus,
    raw: types::Subscription,
    json: Map<String, Value>,
    call: CallInfo,
}

impl Subscription {
    /// The spec holds a subscription's `id` to the subscription-id pattern, which the
    /// generated type has already checked: an answer with any other id never gets here.
    pub(crate) fn read(raw: types::Subscription, json: Map<String, Value>, call: CallInfo) -> Self {
        let id = SubscriptionId::from_generated(raw.id.clone());
        Self { id, status: SubscriptionStatus::from(raw.status.as_str()), raw, json, call }
    }

    /// Its id.
    pub fn id(&self) -> &SubscriptionId {
        &self.id
    }

    /// Its status.
    pub fn status(&self) -> &SubscriptionStatus {
        &self.status
    }

    /// Its offer (`offerId`), such as `CFQ7TTC0LH18:0001:CFQ7TTC0K971`.
    pub fn offer_id(&self) -> Option<&str> {
        self.raw.offer_id.as_deref()
    }

    /// A name for people: the friendly name, else the offer's name, else the id.
    pub fn name(&self) -> &str {
        [self.raw.friendly_name.as_deref(), self.raw.offer_name.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .find(|n| !n.is_empty())
            .unwrap_or_else(|| self.id.as_str())
    }

    /// `productType.id`, such as `OnlineServicesNCE` or `Software`; absent on legacy
    /// subscriptions.
    pub fn product_type(&self) -> Option<&str> {
        self.raw.product_type.as_ref()?.id.as_deref()
    }

    /// `productType.subType.id`, such as `SaaS`.
    pub fn product_subtype(&self) -> Option<&str> {
        self.raw.product_type.as_ref()?.sub_type.as_ref()?.id.as_deref()
    }

    /// `isMicrosoftProduct`: `Some(false)` for a commercial-marketplace (third-party) product.
    pub fn is_microsoft_product(&self) -> Option<bool> {
        self.raw.is_microsoft_product
    }

    /// The order that created it (`orderId`), as sent; not always an order id this client
    /// could send (legacy subscriptions name a GUID).
    pub fn order_id(&self) -> Option<&str> {
        self.raw.order_id.as_deref().filter(|o| !o.is_empty())
    }

    /// The last moment it can be cancelled (`cancellationAllowedUntilDate`), as sent.
    pub fn cancellation_allowed_until_date(&self) -> Option<&str> {
        self.raw.cancellation_allowed_until_date.as_deref().filter(|d| !d.trim().is_empty())
    }

    /// The last moment it can be cancelled; `None` if none was sent or it does not read as
    /// RFC 3339 (any offset, with or without fractional seconds). No window is guessed where
    /// the subscription states none.
    pub fn cancellation_allowed_until(&self) -> Option<SystemTime> {
        let date = self.cancellation_allowed_until_date()?;
        time::OffsetDateTime::parse(date.trim(), &time::format_description::well_known::Rfc3339)
            .ok()
            .map(SystemTime::from)
    }

    /// The end of its current term (`commitmentEndDate`), as sent: when a subscription
    /// cancelled past its window ends (commercial marketplace), or renews.
    pub fn commitment_end_date(&self) -> Option<&str> {
        self.raw.commitment_end_date.as_deref().filter(|d| !d.trim().is_empty())
    }

    /// Whether it renews at the end of its term (`autoRenewEnabled`).
    pub fn auto_renew_enabled(&self) -> Option<bool> {
        self.raw.auto_renew_enabled
    }

    /// Its etag (`attributes.etag`), for `If-Match`; `None` where it has none or an empty one.
    pub fn etag(&self) -> Option<&str> {
        self.raw.attributes.as_ref()?.etag.as_deref().filter(|e| !e.is_empty())
    }

    /// Its kind, by the call that ends it ([`SubscriptionKind::of`](crate::SubscriptionKind::of): one table, each row with
    /// its evidence).
    pub fn kind(&self) -> crate::subscriptions::kind::SubscriptionKind {
        crate::subscriptions::kind::SubscriptionKind::of(self)
    }

    /// Everything Partner Center sent, as the generated type.
    pub fn raw(&self) -> &types::Subscription {
        &self.raw
    }

    /// The answer's JSON object for this subscription, exactly as sent (every field, known or
    /// not): what an update sends back, with `status` changed.
    pub fn json(&self) -> &Map<String, Value> {
        &self.json
    }

    /// The call that read it (for a listed subscription, the listing): ids, attempts, elapsed.
    pub fn call(&self) -> &CallInfo {
        &self.call
    }
}

/// A subscription's status. Partner Center adds values over time (`disabled` arrived in 2023
/// and broke clients that did not expect it); any other is kept as
/// [`SubscriptionStatus::Other`], never an error. Read case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SubscriptionStatus {
    /// `none`.
    None,
    /// `active`.
    Active,
    /// `pending`.
    Pending,
    /// `suspended`: no access for users; still billed (new commerce).
    Suspended,
    /// `expired`: the term ended without renewal.
    Expired,
    /// `disabled`: after a suspended or expired term; data kept for a while.
    Disabled,
    /// `deleted`: cancelled, or at the end of its life.
    Deleted,
    /// Any other value, as sent.
    Other(String),
}

const NAMED: [(SubscriptionStatus, &str); 7] = [
    (SubscriptionStatus::None, "none"),
    (SubscriptionStatus::Active, "active"),
    (SubscriptionStatus::Pending, "pending"),
    (SubscriptionStatus::Suspended, "suspended"),
    (SubscriptionStatus::Expired, "expired"),
    (SubscriptionStatus::Disabled, "disabled"),
    (SubscriptionStatus::Deleted, "deleted"),
];

impl SubscriptionStatus {
    /// As Partner Center writes it (lower case; `Other` as sent).
    pub fn as_str(&self) -> &str {
        match self {
            SubscriptionStatus::Other(text) => text,
            named => NAMED.iter().find(|(s, _)| s == named).map_or("", |(_, text)| text),
        }
    }
}

impl From<&str> for SubscriptionStatus {
    fn from(text: &str) -> Self {
        NAMED
            .iter()
            .find(|(_, name)| name.eq_ignore_ascii_case(text))
            .map_or_else(|| SubscriptionStatus::Other(text.to_owned()), |(s, _)| s.clone())
    }
}

impl fmt::Display for SubscriptionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A status an update may set (the documented values of an update's `status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SubscriptionChange {
    /// `deleted`: cancel a new-commerce or commercial-marketplace subscription (within its
    /// cancellation window).
    Cancel,
    /// `suspended`: suspend it (how legacy license-based subscriptions and Azure plans end).
    Suspend,
    /// `active`: reactivate a suspended one.
    Reactivate,
}

impl SubscriptionChange {
    /// The status it sets, as sent: `deleted`, `suspended`, `active`.
    pub fn status(self) -> SubscriptionStatus {
        match self {
            SubscriptionChange::Cancel => SubscriptionStatus::Deleted,
            SubscriptionChange::Suspend => SubscriptionStatus::Suspended,
            SubscriptionChange::Reactivate => SubscriptionStatus::Active,
        }
    }

    pub(crate) fn generated(self) -> types::SubscriptionUpdateStatus {
        match self {
            SubscriptionChange::Cancel => types::SubscriptionUpdateStatus::Deleted,
            SubscriptionChange::Suspend => types::SubscriptionUpdateStatus::Suspended,
            SubscriptionChange::Reactivate => types::SubscriptionUpdateStatus::Active,
        }
    }
}

impl fmt::Display for SubscriptionChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SubscriptionChange::Cancel => "cancel",
            SubscriptionChange::Suspend => "suspend",
            SubscriptionChange::Reactivate => "reactivate",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_read_case_insensitively_and_keep_unknown_values() {
        assert_eq!(SubscriptionStatus::from("Disabled"), SubscriptionStatus::Disabled);
        assert_eq!(SubscriptionStatus::from("EXPIRED"), SubscriptionStatus::Expired);
        let odd = SubscriptionStatus::from("migrating");
        assert_eq!(odd, SubscriptionStatus::Other("migrating".into()));
        assert_eq!(odd.to_string(), "migrating");
        for (status, text) in NAMED {
            assert_eq!(status.as_str(), text);
        }
        assert_eq!(SubscriptionChange::Cancel.status(), SubscriptionStatus::Deleted);
    }
}
