//! A customer's subscriptions (`/v1/customers/{customer-tenant-id}/subscriptions`): list them,
//! read one, and change one's status — cancel (`deleted`), suspend, reactivate — with the
//! whole subscription as read. Which call ends which kind of subscription is [`kind`]'s table;
//! the delete procedure ([`crate::removal`]) ends subscriptions only through it.

pub(crate) mod azure_entitlements;
pub(crate) mod get;
pub(crate) mod id;
pub(crate) mod kind;
pub(crate) mod list;
mod model;
pub(crate) mod update;

pub use model::{Subscription, SubscriptionChange, SubscriptionStatus};

use serde_json::{Map, Value};

use crate::client::PartnerCenter;
use crate::customers::id::CustomerTenantId;
use crate::engine::pending::Pending;
use get::{GetSubscription, GetSubscriptionRequest};
use id::SubscriptionId;
use list::{ListSubscriptions, ListSubscriptionsRequest};
use update::{UpdateSubscription, UpdateSubscriptionRequest};

/// A customer's subscriptions (`pc.customers().by_id(id).subscriptions()`).
///
/// ```no_run
/// use partner_center_client::{CustomerTenantId, PartnerCenter, SubscriptionChange, SubscriptionStatus};
///
/// # async fn run(pc: PartnerCenter, id: CustomerTenantId) -> Result<(), partner_center_client::Error> {
/// let subscriptions = pc.customers().by_id(id).subscriptions();
/// for s in subscriptions.list().await?.items() {
///     if *s.status() == SubscriptionStatus::Active && s.product_type() == Some("OnlineServicesNCE") {
///         let answer = subscriptions.update(s, SubscriptionChange::Cancel).await?;
///         println!("{}: {answer:?}", s.name());
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct CustomerSubscriptions<'a> {
    pub(crate) pc: &'a PartnerCenter,
    pub(crate) customer: CustomerTenantId,
}

impl<'a> CustomerSubscriptions<'a> {
    /// All of the customer's subscriptions, whatever their status and kind
    /// (`GET …/subscriptions`).
    pub fn list(self) -> ListSubscriptions<'a> {
        Pending::new(self.pc, ListSubscriptionsRequest { customer: self.customer })
    }

    /// One subscription, as in `Subscriptions.ById(id)`. Parse the id first
    /// (`"…".parse::<SubscriptionId>()?`): an id that could change the request's path is
    /// refused there, before anything is sent.
    pub fn by_id(self, subscription: SubscriptionId) -> SubscriptionById<'a> {
        SubscriptionById { pc: self.pc, customer: self.customer, subscription }
    }

    /// Changes `subscription`'s status (`PATCH …/subscriptions/{id}`), sending it back whole
    /// as it was read, with `status` set to `change`'s and its etag, if it has one, in
    /// `If-Match`. Read it first (a listing or [`SubscriptionById::get`]). Where it has an
    /// etag (legacy subscriptions), an update from a read that is stale by then is refused;
    /// new-commerce and marketplace subscriptions carry none, and their update is sent without
    /// `If-Match`, as the .NET SDK sends every update. Retried under one `MS-RequestId`
    /// like a delete; see [`update::SubscriptionUpdated`] for the two answers.
    pub fn update(
        self,
        subscription: &Subscription,
        change: SubscriptionChange,
    ) -> UpdateSubscription<'a> {
        Pending::new(
            self.pc,
            UpdateSubscriptionRequest {
                customer: self.customer,
                subscription: subscription.id().clone(),
                body: subscription.json().clone(),
                etag: subscription.etag().map(str::to_owned),
                change,
            },
        )
    }
}

/// Operations on one subscription.
#[derive(Debug, Clone)]
pub struct SubscriptionById<'a> {
    pc: &'a PartnerCenter,
    customer: CustomerTenantId,
    subscription: SubscriptionId,
}

impl<'a> SubscriptionById<'a> {
    /// Reads the subscription (`GET …/subscriptions/{id}`).
    pub fn get(self) -> GetSubscription<'a> {
        Pending::new(
            self.pc,
            GetSubscriptionRequest { customer: self.customer, subscription: self.subscription },
        )
    }

    /// The subscription's id.
    pub fn id(&self) -> &SubscriptionId {
        &self.subscription
    }
}

/// The JSON object a success answer carried, from what the hooks kept of it: a subscription
/// is sent back whole, so what the generated type does not name is kept from here.
// The generated client's error, as every attempt returns it to the engine.
#[allow(clippy::result_large_err)]
pub(crate) fn seen_json(
    client: &crate::generated::Client,
) -> Result<Value, progenitor_client::Error<crate::generated::types::ErrorResponse>> {
    use progenitor_client::ClientInfo;
    let body = client.inner().seen().map(|seen| seen.body.clone()).unwrap_or_default();
    serde_json::from_slice(&body)
        .map_err(|e| progenitor_client::Error::InvalidResponsePayload(body, e))
}

/// `value` as an object, or an empty one (the generated type has already required an object).
pub(crate) fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}
