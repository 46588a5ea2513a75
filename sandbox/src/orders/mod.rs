//! `GET` and `PATCH /v1/customers/{customer-tenant-id}/orders/{order-id}`: read an order, and
//! cancel it (`{"id": …, "status": "cancelled"}`), as "Cancel an order from the integration
//! sandbox" documents. A cancel takes the sandbox's cancellation latency to read `cancelled`.
//! What the orders hold, and the entitlements they give, is [`purchases`].

pub(crate) mod carts;
pub(crate) mod purchases;

use std::time::SystemTime;

use axum::body::Body;
use axum::http::{Response, StatusCode};
use serde::Deserialize;

use crate::handlers::{customer_id, refused, with_store};
use crate::layers::auth::Partner;
use crate::orders::purchases::{Cancel, ProductKind};
use crate::routes::Incoming;
use crate::shared::Shared;
use crate::{answer, codes};

pub(crate) fn get(shared: &Shared, partner: Partner, req: &Incoming<'_>) -> Response<Body> {
    let customer = match customer_id(req.customer) {
        Ok(id) => id,
        Err(refusal) => return refusal,
    };
    let found = with_store(shared, |store| {
        let latency = store.cancellation_latency;
        store
            .order_mut(partner.index, customer, req.order)
            .map(|o| o.map(|o| o.json(latency, None)))
    });
    match found {
        Err(refusal) => refusal,
        Ok(Err(lookup)) => refused(lookup, partner, customer),
        Ok(Ok(None)) => not_found(),
        Ok(Ok(Some(order))) => answer::json(StatusCode::OK, &order),
    }
}

/// The body "Cancel an order" documents; other fields of an order are accepted and ignored
/// (.NET sends the whole order).
#[derive(Deserialize)]
struct Update {
    id: String,
    status: String,
}

pub(crate) fn update(shared: &Shared, partner: Partner, req: &Incoming<'_>) -> Response<Body> {
    let customer = match customer_id(req.customer) {
        Ok(id) => id,
        Err(refusal) => return refusal,
    };
    // What the path names is looked up first: an unknown customer or order is a `404`
    // whatever the body says.
    let exists = with_store(shared, |store| {
        store.order_mut(partner.index, customer, req.order).map(|o| o.is_some())
    });
    match exists {
        Err(refusal) => return refusal,
        Ok(Err(lookup)) => return refused(lookup, partner, customer),
        Ok(Ok(false)) => return not_found(),
        Ok(Ok(true)) => {}
    }
    let bad = |message: &str| {
        answer::error(StatusCode::BAD_REQUEST, codes::INVALID_REQUEST_INPUT, message)
    };
    let update: Update = match serde_json::from_slice(req.body) {
        Ok(update) => update,
        Err(e) => return bad(&format!("The request body is not an order update: {e}.")),
    };
    if update.id != req.order {
        return bad("The order id in the body is not the one in the path.");
    }
    if !update.status.eq_ignore_ascii_case("cancelled") {
        return answer::error(
            StatusCode::BAD_REQUEST,
            codes::ORDER_CANNOT_BE_CANCELLED,
            "Order cannot be canceled: the integration sandbox only sets status `cancelled`.",
        );
    }
    let outcome = with_store(shared, |store| {
        let latency = store.cancellation_latency;
        store.order_mut(partner.index, customer, req.order).map(|order| {
            order.map(|o| {
                if !partner.tip && o.kind != ProductKind::Software {
                    None
                } else {
                    Some(o.cancel(latency, SystemTime::now()))
                }
            })
        })
    });
    match outcome {
        Err(refusal) => refusal,
        Ok(Err(lookup)) => refused(lookup, partner, customer),
        Ok(Ok(None)) => not_found(),
        Ok(Ok(Some(None))) => answer::error(
            StatusCode::FORBIDDEN,
            codes::NON_SANDBOX_CANCEL,
            "Non-Sandbox tenants are not allowed to cancel purchases other than software subscriptions and perpetual software",
        ),
        Ok(Ok(Some(Some(Cancel::Accepted(order))))) => answer::json(StatusCode::OK, &order),
        Ok(Ok(Some(Some(Cancel::InProgress)))) => answer::error(
            StatusCode::CONFLICT,
            codes::ORDER_IN_PROGRESS,
            "Your order is in progress. Check your order history for recent orders in few minutes",
        ),
        Ok(Ok(Some(Some(Cancel::WindowPassed)))) => answer::error(
            StatusCode::BAD_REQUEST,
            codes::CANCELLATION_WINDOW_PASSED,
            "You have passed your 60-day cancellation window. The order can no longer be cancelled.",
        ),
    }
}

fn not_found() -> Response<Body> {
    answer::error(StatusCode::NOT_FOUND, codes::ORDER_NOT_FOUND, "Order ID not found")
}
