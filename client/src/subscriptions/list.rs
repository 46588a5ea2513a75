//! `GET /v1/customers/{customer-tenant-id}/subscriptions`: all of a customer's subscriptions
//! ("Get all of a customer's subscriptions").

use progenitor_client::ResponseValue;
use serde_json::Value;

use crate::customers::id::CustomerTenantId;
use crate::engine::answer::whole_collection;
use crate::engine::ids::CallIds;
use crate::engine::pacer::Resource;
use crate::engine::pending::Pending;
use crate::engine::{Operation, Sent, call_span};
use crate::error::{CallInfo, Error};
use crate::generated::{self, types};
use crate::subscriptions::{Subscription, object, seen_json};

/// A pending `GET /v1/customers/{id}/subscriptions`; `.await` it (see [`Pending`]).
pub type ListSubscriptions<'a> = Pending<'a, ListSubscriptionsRequest>;

/// What a listing of subscriptions sends.
#[derive(Debug)]
pub struct ListSubscriptionsRequest {
    pub(crate) customer: CustomerTenantId,
}

impl Operation for ListSubscriptionsRequest {
    type Body = (types::SubscriptionCollection, Vec<Value>);
    type Output = Subscriptions;
    /// A customer holds a few dozen subscriptions at most (a few KiB each).
    const MAX_SUCCESS_BODY: usize = 16 * 1024 * 1024;
    const CHANGES_STATE: bool = false;
    const RESOURCE: Resource = Resource::Subscription;

    fn span(&self, ids: CallIds) -> tracing::Span {
        call_span!("partner_center.list_subscriptions", ids, customer_id = %self.customer)
    }

    async fn send_attempt<'c>(&'c self, client: &'c generated::Client) -> Sent<Self::Body> {
        let answer =
            client.list_subscriptions().customer_tenant_id(self.customer.as_uuid()).send().await?;
        let items = match seen_json(client)? {
            Value::Object(mut map) => match map.remove("items") {
                Some(Value::Array(items)) => items,
                _ => Vec::new(),
            },
            _ => Vec::new(),
        };
        let (status, headers) = (answer.status(), answer.headers().clone());
        Ok(ResponseValue::new((answer.into_inner(), items), status, headers))
    }

    fn read(
        &self,
        answer: ResponseValue<Self::Body>,
        call: CallInfo,
    ) -> Result<Subscriptions, Error> {
        let (body, json) = answer.into_inner();
        whole_collection(
            "subscriptions",
            body.links.as_ref().and_then(|l| l.next.as_ref()),
            body.total_count,
            body.items.len(),
            call,
        )?;
        // The typed items and the JSON ones are the same array read twice.
        let items = body
            .items
            .into_iter()
            .zip(json.into_iter().map(object).chain(std::iter::repeat_with(Default::default)))
            .map(|(raw, json)| Subscription::read(raw, json, call))
            .collect();
        Ok(Subscriptions { customer: self.customer, items, call })
    }
}

/// A customer's subscriptions.
#[derive(Debug, Clone)]
pub struct Subscriptions {
    customer: CustomerTenantId,
    items: Vec<Subscription>,
    call: CallInfo,
}

impl Subscriptions {
    /// The customer.
    pub fn customer(&self) -> CustomerTenantId {
        self.customer
    }

    /// Every subscription, in Partner Center's order.
    pub fn items(&self) -> &[Subscription] {
        &self.items
    }

    /// The call that read them: ids, attempts, elapsed.
    pub fn call(&self) -> &CallInfo {
        &self.call
    }
}
