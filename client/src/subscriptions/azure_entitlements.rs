//! An Azure plan's Azure entitlements (its Azure subscriptions):
//! `GET …/subscriptions/{subscription-id}/azureEntitlements` ("Get a list of Azure
//! entitlements for a subscription") and `POST …/azureEntitlements/{entitlement-id}/cancel`
//! ("Cancel an Azure subscription"). An Azure plan is suspended only once each reads
//! `inactive`.

use progenitor_client::ResponseValue;
use reqwest::StatusCode;

use crate::customers::id::CustomerTenantId;
use crate::engine::answer::whole_collection;
use crate::engine::ids::CallIds;
use crate::engine::pacer::Resource;
use crate::engine::pending::Pending;
use crate::engine::{Operation, Sent, call_span};
use crate::error::{CallInfo, Error};
use crate::generated::{self, types};
use crate::subscriptions::id::{AzureEntitlementId, SubscriptionId};

/// A pending `GET …/subscriptions/{subscription-id}/azureEntitlements`; `.await` it.
pub type ListAzureEntitlements<'a> = Pending<'a, ListAzureEntitlementsRequest>;

/// A pending `POST …/azureEntitlements/{entitlement-id}/cancel`; `.await` it.
pub type CancelAzureEntitlement<'a> = Pending<'a, CancelAzureEntitlementRequest>;

/// What listing an Azure plan's entitlements sends.
#[derive(Debug)]
pub struct ListAzureEntitlementsRequest {
    pub(crate) customer: CustomerTenantId,
    pub(crate) plan: SubscriptionId,
}

/// What cancelling an Azure entitlement sends.
#[derive(Debug)]
pub struct CancelAzureEntitlementRequest {
    pub(crate) customer: CustomerTenantId,
    pub(crate) plan: SubscriptionId,
    pub(crate) entitlement: AzureEntitlementId,
}

/// An Azure subscription of an Azure plan.
#[derive(Debug, Clone)]
pub struct AzureEntitlement {
    id: AzureEntitlementId,
    raw: types::AzureEntitlement,
}

impl AzureEntitlement {
    fn read(raw: types::AzureEntitlement) -> Self {
        Self { id: AzureEntitlementId::from_generated(raw.id.clone()), raw }
    }

    /// Its id (the Azure subscription's id).
    pub fn id(&self) -> &AzureEntitlementId {
        &self.id
    }

    /// Its name for people, as sent (trimmed).
    pub fn friendly_name(&self) -> Option<&str> {
        self.raw.friendly_name.as_deref().map(str::trim)
    }

    /// Its status as sent: `active`, or `inactive` once cancelled (no list of values is
    /// documented).
    pub fn status(&self) -> &str {
        &self.raw.status
    }

    /// Whether it reads `active` (compared without regard to case, as the .NET sample does).
    pub fn is_active(&self) -> bool {
        self.raw.status.eq_ignore_ascii_case("active")
    }

    /// Whether it reads `inactive` (cancelled). A status neither `active` nor `inactive` is
    /// neither: no list of values is documented.
    pub fn is_inactive(&self) -> bool {
        self.raw.status.eq_ignore_ascii_case("inactive")
    }
}

/// An Azure plan's entitlements, all of them.
#[derive(Debug, Clone)]
pub struct AzureEntitlements {
    items: Vec<AzureEntitlement>,
    call: CallInfo,
}

impl AzureEntitlements {
    /// Each entitlement.
    pub fn items(&self) -> &[AzureEntitlement] {
        &self.items
    }

    /// The call: ids, attempts, elapsed.
    pub fn call(&self) -> &CallInfo {
        &self.call
    }
}

/// What Partner Center answered to a cancel: accepted either way (the how-to page answers
/// `200` with the entitlement still `active`, the REST reference `202`); read the
/// entitlements until it reads `inactive`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AzureEntitlementCancelled {
    /// The entitlement as the `200` shows it; `None` for a `202`.
    pub entitlement: Option<AzureEntitlement>,
    /// The call: ids, attempts, elapsed.
    pub call: CallInfo,
}

impl Operation for ListAzureEntitlementsRequest {
    type Body = types::AzureEntitlementCollection;
    type Output = AzureEntitlements;
    /// A plan holds a few Azure subscriptions (a few hundred bytes each).
    const MAX_SUCCESS_BODY: usize = 4 * 1024 * 1024;
    const CHANGES_STATE: bool = false;
    const RESOURCE: Resource = Resource::Subscription;

    fn span(&self, ids: CallIds) -> tracing::Span {
        call_span!("partner_center.list_azure_entitlements", ids, customer_id = %self.customer, subscription_id = %self.plan)
    }

    async fn send_attempt<'c>(&'c self, client: &'c generated::Client) -> Sent<Self::Body> {
        client
            .list_azure_entitlements()
            .customer_tenant_id(self.customer.as_uuid())
            .subscription_id(self.plan.generated())
            .send()
            .await
    }

    fn read(
        &self,
        answer: ResponseValue<Self::Body>,
        call: CallInfo,
    ) -> Result<AzureEntitlements, Error> {
        let body = answer.into_inner();
        whole_collection(
            "Azure entitlements",
            body.links.as_ref().and_then(|l| l.next.as_ref()),
            body.total_count,
            body.items.len(),
            call,
        )?;
        Ok(AzureEntitlements {
            items: body.items.into_iter().map(AzureEntitlement::read).collect(),
            call,
        })
    }
}

impl Operation for CancelAzureEntitlementRequest {
    type Body = Option<types::AzureEntitlement>;
    type Output = AzureEntitlementCancelled;
    const MAX_SUCCESS_BODY: usize = 1024 * 1024;
    const CHANGES_STATE: bool = true;
    const RESOURCE: Resource = Resource::Subscription;
    const PRODUCTION_WRITE: Option<&'static str> = Some("a cancel of an Azure subscription");
    const HINTS: crate::error::hints::HintsFor =
        crate::error::hints::HintsFor::CancelAzureEntitlement;

    fn span(&self, ids: CallIds) -> tracing::Span {
        call_span!(
            "partner_center.cancel_azure_entitlement",
            ids,
            customer_id = %self.customer,
            subscription_id = %self.plan,
            entitlement_id = %self.entitlement
        )
    }

    /// Both documented successes come back as `()` from the generated method (one success
    /// type; see `xtask/src/codegen.rs`): a `200`'s body is read here, from what the hooks
    /// kept.
    async fn send_attempt<'c>(&'c self, client: &'c generated::Client) -> Sent<Self::Body> {
        let body = types::AzureEntitlementCancellation {
            cancellation_reason: types::AzureEntitlementCancellationCancellationReason::Compromise,
        };
        let answer = client
            .cancel_azure_entitlement()
            .customer_tenant_id(self.customer.as_uuid())
            .subscription_id(self.plan.generated())
            .entitlement_id(self.entitlement.generated())
            .body(body)
            .send()
            .await?;
        let (status, headers) = (answer.status(), answer.headers().clone());
        let read = if status == StatusCode::ACCEPTED {
            None
        } else {
            let json = crate::subscriptions::seen_json(client)?;
            Some(serde_json::from_value::<types::AzureEntitlement>(json.clone()).map_err(|e| {
                progenitor_client::Error::InvalidResponsePayload(
                    serde_json::to_vec(&json).unwrap_or_default().into(),
                    e,
                )
            })?)
        };
        Ok(ResponseValue::new(read, status, headers))
    }

    fn read(
        &self,
        answer: ResponseValue<Self::Body>,
        call: CallInfo,
    ) -> Result<AzureEntitlementCancelled, Error> {
        Ok(AzureEntitlementCancelled {
            entitlement: answer.into_inner().map(AzureEntitlement::read),
            call,
        })
    }
}

impl<'a> super::SubscriptionById<'a> {
    /// This Azure plan's Azure entitlements (`GET …/azureEntitlements`).
    pub fn azure_entitlements(&self) -> ListAzureEntitlements<'a> {
        Pending::new(
            self.pc,
            ListAzureEntitlementsRequest {
                customer: self.customer,
                plan: self.subscription.clone(),
            },
        )
    }

    /// Cancels one of this Azure plan's Azure subscriptions (`POST
    /// …/azureEntitlements/{id}/cancel`, reason `compromise`, the only documented one). The
    /// call is meant for compromise or abuse, needs a Global Administrator with the Admin
    /// Agent role, and works on production partners too: it is sent only to a known TiP
    /// account (see [`PartnerCenterBuilder::tip_partner_tenant`](crate::PartnerCenterBuilder::tip_partner_tenant)).
    /// Read the entitlements until it reads `inactive` (about ten minutes, per the docs).
    pub fn cancel_azure_entitlement(
        &self,
        entitlement: AzureEntitlementId,
    ) -> CancelAzureEntitlement<'a> {
        Pending::new(
            self.pc,
            CancelAzureEntitlementRequest {
                customer: self.customer,
                plan: self.subscription.clone(),
                entitlement,
            },
        )
    }
}
