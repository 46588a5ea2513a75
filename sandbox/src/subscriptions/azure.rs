//! An Azure plan's Azure entitlements: list them ("Get a list of Azure entitlements for a
//! subscription") and cancel one ("Cancel an Azure subscription": `200` with the entitlement
//! still `active`; it reads `inactive` once the store's latency has passed).

use std::time::Instant;

use axum::body::Body;
use axum::http::{Response, StatusCode};
use serde_json::{Value, json};

use super::not_found;
use crate::handlers::{customer_id, refused, with_store};
use crate::layers::auth::Partner;
use crate::routes::Incoming;
use crate::shared::Shared;
use crate::{answer, codes};

pub(crate) fn list(shared: &Shared, partner: Partner, req: &Incoming<'_>) -> Response<Body> {
    let customer = match customer_id(req.customer) {
        Ok(id) => id,
        Err(refusal) => return refusal,
    };
    let found = with_store(shared, |store| {
        let latency = store.azure_entitlement_latency;
        store.subscription_mut(partner.index, customer, req.subscription).map(|s| {
            s.map(|s| s.azure.iter().map(|e| e.json(customer, &s.id, latency)).collect::<Vec<_>>())
        })
    });
    match found {
        Err(refusal) => refusal,
        Ok(Err(lookup)) => refused(lookup, partner, customer),
        Ok(Ok(None)) => not_found(req.subscription),
        Ok(Ok(Some(items))) => answer::json(
            StatusCode::OK,
            &json!({
                "totalCount": items.len(),
                "items": items,
                "attributes": { "objectType": "Collection" },
            }),
        ),
    }
}

pub(crate) fn cancel(shared: &Shared, partner: Partner, req: &Incoming<'_>) -> Response<Body> {
    let customer = match customer_id(req.customer) {
        Ok(id) => id,
        Err(refusal) => return refusal,
    };
    let reason = serde_json::from_slice::<Value>(req.body)
        .ok()
        .and_then(|b| b.get("cancellationReason").and_then(Value::as_str).map(str::to_owned));
    let outcome = with_store(shared, |store| {
        let latency = store.azure_entitlement_latency;
        store.subscription_mut(partner.index, customer, req.subscription).map(|s| {
            s.map(|s| {
                let plan = s.id.clone();
                let entitlement =
                    s.azure.iter_mut().find(|e| e.id.eq_ignore_ascii_case(req.entitlement))?;
                // The reason is checked only for an entitlement that exists (a 404 first).
                if reason.as_deref() == Some("compromise") && entitlement.cancelled.is_none() {
                    entitlement.cancelled = Some(Instant::now());
                }
                Some(entitlement.json(customer, &plan, latency))
            })
        })
    });
    match outcome {
        Err(refusal) => refusal,
        Ok(Err(lookup)) => refused(lookup, partner, customer),
        Ok(Ok(None)) => not_found(req.subscription),
        Ok(Ok(Some(None))) => answer::error(
            StatusCode::NOT_FOUND,
            codes::AZURE_ENTITLEMENT_NOT_FOUND,
            &format!(
                "Azure entitlement with ID {} isn't found.",
                req.entitlement.chars().take(64).collect::<String>()
            ),
        ),
        Ok(Ok(Some(Some(_)))) if reason.as_deref() != Some("compromise") => answer::error(
            StatusCode::BAD_REQUEST,
            codes::INVALID_CANCELLATION_REASON,
            &format!(
                "Cancellation reason '{} is invalid.",
                reason.unwrap_or_default().chars().take(64).collect::<String>()
            ),
        ),
        Ok(Ok(Some(Some(entitlement)))) => answer::json(StatusCode::OK, &entitlement),
    }
}
