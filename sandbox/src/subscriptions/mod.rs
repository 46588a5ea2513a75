//! The subscriptions resource (`/v1/customers/{customer-tenant-id}/subscriptions`): list a
//! customer's subscriptions, read one, and update one's status ("Cancel a commercial
//! marketplace or new commerce subscription", "Suspend a subscription"). What each kind does
//! on an update is [`model`]'s.

pub(crate) mod azure;
pub(crate) mod model;

use std::time::SystemTime;

use axum::body::Body;
use axum::http::{HeaderValue, Response, StatusCode, header};
use serde_json::{Map, Value, json};

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
        let latency = store.subscription_latency;
        store
            .subscriptions(partner.index, customer)
            .map(|s| s.iter().map(|s| s.json(latency, None)).collect::<Vec<_>>())
    });
    match found {
        Err(refusal) => refusal,
        Ok(Err(lookup)) => refused(lookup, partner, customer),
        Ok(Ok(items)) => answer::json(
            StatusCode::OK,
            &json!({
                "totalCount": items.len(),
                "items": items,
                "links": {
                    "self": {
                        "uri": format!("/customers/{customer}/subscriptions"),
                        "method": "GET",
                        "headers": [],
                    },
                },
                "attributes": { "objectType": "Collection" },
            }),
        ),
    }
}

pub(crate) fn get(shared: &Shared, partner: Partner, req: &Incoming<'_>) -> Response<Body> {
    let customer = match customer_id(req.customer) {
        Ok(id) => id,
        Err(refusal) => return refusal,
    };
    let found = with_store(shared, |store| {
        let latency = store.subscription_latency;
        store
            .subscription_mut(partner.index, customer, req.subscription)
            .map(|s| s.map(|s| s.json(latency, None)))
    });
    match found {
        Err(refusal) => refusal,
        Ok(Err(lookup)) => refused(lookup, partner, customer),
        Ok(Ok(None)) => not_found(req.subscription),
        Ok(Ok(Some(subscription))) => answer::json(StatusCode::OK, &subscription),
    }
}

pub(crate) fn update(shared: &Shared, partner: Partner, req: &Incoming<'_>) -> Response<Body> {
    let customer = match customer_id(req.customer) {
        Ok(id) => id,
        Err(refusal) => return refusal,
    };
    // What the path names is looked up first: an unknown customer or subscription is a `404`
    // whatever the body says.
    let exists = with_store(shared, |store| {
        store.subscription_mut(partner.index, customer, req.subscription).map(|s| s.is_some())
    });
    match exists {
        Err(refusal) => return refusal,
        Ok(Err(lookup)) => return refused(lookup, partner, customer),
        Ok(Ok(false)) => return not_found(req.subscription),
        Ok(Ok(true)) => {}
    }
    let body: Map<String, Value> = match serde_json::from_slice(req.body) {
        Ok(body) => body,
        Err(e) => {
            return answer::error(
                StatusCode::BAD_REQUEST,
                codes::INVALID_REQUEST_INPUT,
                &format!(
                    "The request body is not a subscription: {}.",
                    e.to_string().chars().take(120).collect::<String>()
                ),
            );
        }
    };
    let if_match = req.parts.headers.get(header::IF_MATCH).and_then(|v| v.to_str().ok());
    let outcome = with_store(shared, |store| {
        let latency = store.subscription_latency;
        let azure_latency = store.azure_entitlement_latency;
        let accepted = store.subscription_updates_accepted;
        store.subscription_mut(partner.index, customer, req.subscription).map(|s| {
            s.map(|s| {
                let location = format!("/v1/customers/{customer}/subscriptions/{}", s.id);
                let now = SystemTime::now();
                (s.update(&body, if_match, latency, azure_latency, now), accepted, location)
            })
        })
    });
    match outcome {
        Err(refusal) => refusal,
        Ok(Err(lookup)) => refused(lookup, partner, customer),
        Ok(Ok(None)) => not_found(req.subscription),
        Ok(Ok(Some((Err((status, code, message)), _, _)))) => answer::error(status, code, &message),
        Ok(Ok(Some((Ok(_), true, location)))) => {
            let mut r = Response::new(Body::empty());
            *r.status_mut() = StatusCode::ACCEPTED;
            if let Ok(location) = HeaderValue::from_str(&location) {
                r.headers_mut().insert(header::LOCATION, location);
            }
            r
        }
        Ok(Ok(Some((Ok(subscription), false, _)))) => answer::json(StatusCode::OK, &subscription),
    }
}

pub(crate) fn not_found(subscription: &str) -> Response<Body> {
    let shown: String = subscription.chars().take(64).collect();
    answer::error(
        StatusCode::NOT_FOUND,
        codes::SUBSCRIPTION_NOT_FOUND,
        &format!("Subscription with ID {shown} not found."),
    )
}
