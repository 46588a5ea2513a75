//! `GET /v1/customers/{customer-tenant-id}/subscriptions/{subscription-id}`: read one
//! subscription ("Get a subscription by ID").

use progenitor_client::ResponseValue;
use serde_json::{Map, Value};

use crate::customers::id::CustomerTenantId;
use crate::engine::ids::CallIds;
use crate::engine::pacer::Resource;
use crate::engine::pending::Pending;
use crate::engine::{Operation, Sent, call_span};
use crate::error::{CallInfo, Error};
use crate::generated::{self, types};
use crate::subscriptions::id::SubscriptionId;
use crate::subscriptions::{Subscription, object, seen_json};

/// A pending `GET /v1/customers/{id}/subscriptions/{subscription-id}`; `.await` it (see
/// [`Pending`]).
pub type GetSubscription<'a> = Pending<'a, GetSubscriptionRequest>;

/// What reading a subscription sends.
#[derive(Debug)]
pub struct GetSubscriptionRequest {
    pub(crate) customer: CustomerTenantId,
    pub(crate) subscription: SubscriptionId,
}

/// A subscription is a few KiB.
pub(crate) const MAX_SUBSCRIPTION_BODY: usize = 1024 * 1024;

impl Operation for GetSubscriptionRequest {
    type Body = (types::Subscription, Map<String, Value>);
    type Output = Subscription;
    const MAX_SUCCESS_BODY: usize = MAX_SUBSCRIPTION_BODY;
    const CHANGES_STATE: bool = false;
    const RESOURCE: Resource = Resource::Subscription;

    fn span(&self, ids: CallIds) -> tracing::Span {
        call_span!("partner_center.get_subscription", ids, customer_id = %self.customer, subscription_id = %self.subscription)
    }

    async fn send_attempt<'c>(&'c self, client: &'c generated::Client) -> Sent<Self::Body> {
        let answer = client
            .get_subscription()
            .customer_tenant_id(self.customer.as_uuid())
            .subscription_id(self.subscription.generated())
            .send()
            .await?;
        let json = object(seen_json(client)?);
        let (status, headers) = (answer.status(), answer.headers().clone());
        Ok(ResponseValue::new((answer.into_inner(), json), status, headers))
    }

    fn read(
        &self,
        answer: ResponseValue<Self::Body>,
        call: CallInfo,
    ) -> Result<Subscription, Error> {
        let (raw, json) = answer.into_inner();
        Ok(Subscription::read(raw, json, call))
    }
}
