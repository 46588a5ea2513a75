//! `GET /v1/customers/{customer-tenant-id}/entitlements`: what a customer is entitled to by its
//! purchases, each entitlement naming the order it came from.

use std::future::Future;

use progenitor_client::ResponseValue;

use crate::customers::id::CustomerTenantId;
use crate::engine::ids::CallIds;
use crate::engine::pacer::Resource;
use crate::engine::pending::Pending;
use crate::engine::{Operation, Sent, call_span};
use crate::error::hints::HintsFor;
use crate::error::{CallInfo, Error};
use crate::generated::{self, types};
use crate::orders::id::{OrderId, ParseOrderIdError};

/// A pending `GET /v1/customers/{id}/entitlements`; `.await` it (see [`Pending`]).
///
/// ```no_run
/// use partner_center_client::{CustomerTenantId, PartnerCenter};
///
/// # async fn run(pc: PartnerCenter, id: CustomerTenantId) -> Result<(), partner_center_client::Error> {
/// let software = pc.customers().by_id(id).entitlements().entitlement_type("software").await?;
/// for e in software.all() {
///     println!("{:?} from order {}", e.entitlement_type(), e.reference_order().id());
/// }
/// # Ok(()) }
/// ```
pub type ListEntitlements<'a> = Pending<'a, EntitlementsRequest>;

/// What a listing of entitlements sends.
#[derive(Debug)]
pub struct EntitlementsRequest {
    pub(crate) customer: CustomerTenantId,
    pub(crate) entitlement_type: Option<String>,
    pub(crate) show_expiry: Option<bool>,
}

impl<'a> ListEntitlements<'a> {
    /// Only entitlements of this type (`entitlementType`), such as `software` or
    /// `reservedInstance`; the service matches it case-insensitively.
    pub fn entitlement_type(mut self, entitlement_type: impl Into<String>) -> Self {
        self.request_mut().entitlement_type = Some(entitlement_type.into());
        self
    }

    /// Asks for each entitlement's expiry date where one applies (`showExpiry`).
    pub fn show_expiry(mut self, show: bool) -> Self {
        self.request_mut().show_expiry = Some(show);
        self
    }
}

impl Operation for EntitlementsRequest {
    type Body = types::EntitlementCollection;
    type Output = Entitlements;
    /// A customer holds a few entitlements (the sandbox caps subscriptions at 5); 16 MiB is
    /// far above any real answer.
    const MAX_SUCCESS_BODY: usize = 16 * 1024 * 1024;
    const CHANGES_STATE: bool = false;
    const RESOURCE: Resource = Resource::Customer;
    const HINTS: HintsFor = HintsFor::Entitlements;

    fn span(&self, ids: CallIds) -> tracing::Span {
        call_span!(
            "partner_center.list_entitlements",
            ids,
            customer_id = %self.customer,
            entitlement_type = self.entitlement_type.as_deref()
        )
    }

    fn send_attempt<'c>(
        &'c self,
        client: &'c generated::Client,
    ) -> impl Future<Output = Sent<types::EntitlementCollection>> + Send + 'c {
        let mut request = client.list_entitlements().customer_tenant_id(self.customer.as_uuid());
        if let Some(t) = &self.entitlement_type {
            request = request.entitlement_type(t.as_str());
        }
        if let Some(show) = self.show_expiry {
            request = request.show_expiry(show);
        }
        request.send()
    }

    fn read(
        &self,
        answer: ResponseValue<types::EntitlementCollection>,
        call: CallInfo,
    ) -> Result<Entitlements, Error> {
        let body = answer.into_inner();
        crate::engine::answer::whole_collection(
            "entitlements",
            body.links.as_ref().and_then(|l| l.next.as_ref()),
            body.total_count,
            body.items.len(),
            call,
        )?;
        Ok(Entitlements {
            customer: self.customer,
            items: body.items.into_iter().map(Entitlement::new).collect(),
            call,
        })
    }
}

/// A customer's entitlements.
#[derive(Debug, Clone)]
pub struct Entitlements {
    customer: CustomerTenantId,
    items: Vec<Entitlement>,
    call: CallInfo,
}

impl Entitlements {
    /// The customer.
    pub fn customer(&self) -> CustomerTenantId {
        self.customer
    }

    /// The top-level entitlements, in Partner Center's order.
    pub fn items(&self) -> &[Entitlement] {
        &self.items
    }

    /// Every entitlement, included ones too (each after the one that includes it).
    pub fn all(&self) -> impl Iterator<Item = &Entitlement> {
        let mut stack: Vec<&Entitlement> = self.items.iter().rev().collect();
        std::iter::from_fn(move || {
            let next = stack.pop()?;
            stack.extend(next.included.iter().rev());
            Some(next)
        })
    }

    /// The call that read them: ids, attempts, elapsed.
    pub fn call(&self) -> &CallInfo {
        &self.call
    }
}

/// One entitlement, as Partner Center describes it.
#[derive(Debug, Clone)]
pub struct Entitlement {
    /// As sent, less its included entitlements (which are in `included`).
    raw: types::Entitlement,
    included: Vec<Entitlement>,
}

impl Entitlement {
    fn new(mut raw: types::Entitlement) -> Self {
        let included = std::mem::take(&mut raw.included_entitlements);
        Self { raw, included: included.into_iter().map(Entitlement::new).collect() }
    }

    /// Its type as Partner Center writes it, such as `software` or `reservedinstance`.
    pub fn entitlement_type(&self) -> Option<&str> {
        self.raw.entitlement_type.as_deref()
    }

    /// Whether it is of one of the kinds the documented delete procedure cancels by order:
    /// Azure Reserved Instances and software (compared case-insensitively).
    pub fn is_cancelled_by_order(&self) -> bool {
        self.entitlement_type().is_some_and(|t| {
            ["software", "reservedinstance", "virtualmachinereservedinstance"]
                .iter()
                .any(|kind| t.eq_ignore_ascii_case(kind))
        })
    }

    /// The order (line item) it came from.
    pub fn reference_order(&self) -> ReferenceOrder<'_> {
        ReferenceOrder(&self.raw.reference_order)
    }

    /// The product id.
    pub fn product_id(&self) -> Option<&str> {
        self.raw.product_id.as_deref()
    }

    /// The SKU id.
    pub fn sku_id(&self) -> Option<&str> {
        self.raw.sku_id.as_deref()
    }

    /// How many.
    pub fn quantity(&self) -> Option<i64> {
        self.raw.quantity.map(i64::from)
    }

    /// When it expires (RFC 3339 text), if asked for with `show_expiry` and one applies.
    pub fn expiry_date(&self) -> Option<&str> {
        self.raw.expiry_date.as_deref()
    }

    /// The entitlements it includes (they name the same order).
    pub fn included(&self) -> std::slice::Iter<'_, Entitlement> {
        self.included.iter()
    }

    /// Everything else Partner Center sent, as the generated type (its
    /// `included_entitlements` are in [`Self::included`] instead).
    pub fn raw(&self) -> &types::Entitlement {
        &self.raw
    }
}

/// The order line item an entitlement came from.
#[derive(Debug, Clone, Copy)]
pub struct ReferenceOrder<'e>(&'e types::ReferenceOrder);

impl ReferenceOrder<'_> {
    /// The order's id as sent.
    pub fn id(&self) -> &str {
        &self.0.id
    }

    /// The order's id, if it is one this client can send (see [`OrderId`]).
    pub fn order_id(&self) -> Result<OrderId, ParseOrderIdError> {
        self.0.id.parse()
    }

    /// The line item, as text (`"0"`).
    pub fn line_item_id(&self) -> Option<&str> {
        self.0.line_item_id.as_deref()
    }

    /// The order line item's alternate (short) id, which delete refusals name.
    pub fn alternate_id(&self) -> Option<&str> {
        self.0.alternate_id.as_deref()
    }
}
