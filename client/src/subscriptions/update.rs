//! `PATCH /v1/customers/{customer-tenant-id}/subscriptions/{subscription-id}`: change a
//! subscription's status ("Cancel a commercial marketplace or new commerce subscription",
//! "Suspend a subscription"), sending the subscription back whole as it was read.

use progenitor_client::ResponseValue;
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use serde_json::{Map, Value};

use crate::customers::id::CustomerTenantId;
use crate::engine::ids::CallIds;
use crate::engine::pacer::Resource;
use crate::engine::pending::Pending;
use crate::engine::{Operation, Sent, call_span};
use crate::error::{CallInfo, Error};
use crate::generated::{self, types};
use crate::subscriptions::get::MAX_SUBSCRIPTION_BODY;
use crate::subscriptions::id::SubscriptionId;
use crate::subscriptions::{Subscription, SubscriptionChange, object, seen_json};

/// A pending update, `PATCH /v1/customers/{id}/subscriptions/{subscription-id}`; `.await` it
/// (see [`Pending`]).
pub type UpdateSubscription<'a> = Pending<'a, UpdateSubscriptionRequest>;

/// What an update of a subscription sends: the subscription as read, with its new status.
#[derive(Debug)]
pub struct UpdateSubscriptionRequest {
    pub(crate) customer: CustomerTenantId,
    pub(crate) subscription: SubscriptionId,
    pub(crate) body: Map<String, Value>,
    pub(crate) etag: Option<String>,
    pub(crate) change: SubscriptionChange,
}

/// The two documented successes, before they are read.
#[derive(Debug)]
pub enum UpdateAnswer {
    Updated(Box<(types::Subscription, Map<String, Value>)>),
    Accepted(Option<String>),
}

impl Operation for UpdateSubscriptionRequest {
    type Body = UpdateAnswer;
    type Output = SubscriptionUpdated;
    const MAX_SUCCESS_BODY: usize = MAX_SUBSCRIPTION_BODY;
    const CHANGES_STATE: bool = true;
    const RESOURCE: Resource = Resource::Subscription;
    const PRODUCTION_WRITE: Option<&'static str> = Some("an update of a subscription");

    fn span(&self, ids: CallIds) -> tracing::Span {
        call_span!(
            "partner_center.update_subscription",
            ids,
            customer_id = %self.customer,
            subscription_id = %self.subscription,
            change = %self.change
        )
    }

    /// Both documented successes, `200` with the subscription and `202` with a `Location`,
    /// come back as `()` from the generated method (progenitor allows one success type; see
    /// `xtask/src/codegen.rs`): the `200`'s body is read here, from what the hooks kept.
    async fn send_attempt<'c>(&'c self, client: &'c generated::Client) -> Sent<UpdateAnswer> {
        let mut extra = self.body.clone();
        extra.remove("status");
        let body = types::SubscriptionUpdate { status: self.change.generated(), extra };
        let mut request = client
            .update_subscription()
            .customer_tenant_id(self.customer.as_uuid())
            .subscription_id(self.subscription.generated())
            .body(body);
        if let Some(etag) = &self.etag {
            request = request.if_match(if_match(etag));
        }
        let answer = request.send().await?;
        let (status, headers) = (answer.status(), answer.headers().clone());
        let read = if status == StatusCode::ACCEPTED {
            let location = headers.get(LOCATION).and_then(|l| l.to_str().ok()).map(str::to_owned);
            UpdateAnswer::Accepted(location)
        } else {
            let json = seen_json(client)?;
            let typed =
                serde_json::from_value::<types::Subscription>(json.clone()).map_err(|e| {
                    progenitor_client::Error::InvalidResponsePayload(
                        serde_json::to_vec(&json).unwrap_or_default().into(),
                        e,
                    )
                })?;
            UpdateAnswer::Updated(Box::new((typed, object(json))))
        };
        Ok(ResponseValue::new(read, status, headers))
    }

    fn read(
        &self,
        answer: ResponseValue<UpdateAnswer>,
        call: CallInfo,
    ) -> Result<SubscriptionUpdated, Error> {
        Ok(match answer.into_inner() {
            UpdateAnswer::Updated(read) => {
                let (raw, json) = *read;
                SubscriptionUpdated::Updated(Box::new(Subscription::read(raw, json, call)))
            }
            UpdateAnswer::Accepted(location) => SubscriptionUpdated::Accepted {
                subscription: self.subscription.clone(),
                location,
                call,
            },
        })
    }
}

/// `etag` as an HTTP entity tag: in double quotes (as Partner Center's "Test and debug" page
/// says ETags are sent), unless it already is one.
fn if_match(etag: &str) -> String {
    if etag.starts_with('"') || etag.starts_with("W/\"") {
        etag.to_owned()
    } else {
        format!("\"{etag}\"")
    }
}

/// What Partner Center answered to an update.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum SubscriptionUpdated {
    /// `200`: the subscription as the answer shows it. Its status may not be the new one
    /// yet: read it again until it is.
    Updated(Box<Subscription>),
    /// `202`: accepted; the change takes longer than the call. Read the subscription (which
    /// `location` names) until it shows the new status.
    Accepted {
        /// The subscription updated.
        subscription: SubscriptionId,
        /// The `Location` header, as sent (`None` if absent or not text). The client does not
        /// send requests to a URL an answer gives it: it reads the subscription at its
        /// documented path.
        location: Option<String>,
        /// The call: ids, attempts, elapsed.
        call: CallInfo,
    },
}

impl SubscriptionUpdated {
    /// The call: ids, attempts, elapsed.
    pub fn call(&self) -> &CallInfo {
        match self {
            SubscriptionUpdated::Updated(s) => s.call(),
            SubscriptionUpdated::Accepted { call, .. } => call,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_go_in_quotes_once() {
        assert_eq!(if_match("eyJpZCI6"), "\"eyJpZCI6\"");
        assert_eq!(if_match("\"eyJpZCI6\""), "\"eyJpZCI6\"");
        assert_eq!(if_match("W/\"x\""), "W/\"x\"");
    }
}
