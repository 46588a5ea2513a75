//! `POST /v1/customers/{id}/carts` and `POST …/carts/{cart-id}/checkout`: a purchase the
//! delete procedure must then undo. The sandbox sells what a fresh integration sandbox is
//! documented to allow: a perpetual-software item and an Azure Reserved VM Instance, at most 25
//! of a kind (the documented license limit, 403/800067). A checkout places one order per kind,
//! read `completed` at once; its entitlements appear after the purchase lag (a new order can
//! take up to 15 minutes to appear), so a caller must keep the order ids the checkout gives.

// A refusal is the answer itself, moved once (as in `crate::handlers`), so it is not boxed.
#![allow(clippy::result_large_err)]

use axum::body::Body;
use axum::http::{Response, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::customers::address::field;
use crate::handlers::{customer_id, refused, with_store};
use crate::layers::auth::Partner;
use crate::orders::purchases::ProductKind;
use crate::routes::Incoming;
use crate::shared::Shared;
use crate::store::CartRecord;
use crate::{answer, codes};

/// The catalog items the sandbox sells, with what they are.
pub const CATALOG: &[(&str, ProductKind)] = &[
    // Perpetual software, as in the documented multi-item cart.
    ("DG7GMGF0DWTL:0001:DG7GMGF0DSFM", ProductKind::Software),
    // A Reserved VM Instance (Standard_NV12, US East 2, 1 year), as in the same cart.
    ("DZH318Z0BQ36:004G:DZH318Z08C0S", ProductKind::ReservedInstance),
];

/// The most licenses of one item a sandbox purchase may hold.
pub const MAX_SANDBOX_QUANTITY: u64 = 25;

pub(crate) fn create(shared: &Shared, partner: Partner, req: &Incoming<'_>) -> Response<Body> {
    let customer = match customer_id(req.customer) {
        Ok(id) => id,
        Err(refusal) => return refusal,
    };
    let items = match line_items(req.body) {
        Ok(items) => items,
        Err(refusal) => return refusal,
    };
    let cart = Uuid::new_v4();
    let record = CartRecord { customer, items: items.clone(), ordered: false };
    match with_store(shared, |store| store.add_cart(partner.index, cart, record)) {
        Err(refusal) => refusal,
        Ok(Err(lookup)) => refused(lookup, partner, customer),
        Ok(Ok(())) => {
            let now = crate::orders::purchases::rfc3339(std::time::SystemTime::now());
            let lines: Vec<Value> = items
                .iter()
                .enumerate()
                .map(|(n, (_, quantity, catalog))| {
                    json!({ "id": n, "catalogItemId": catalog, "quantity": quantity,
                            "currencyCode": "USD", "billingCycle": "one_time", "orderGroup": "0" })
                })
                .collect();
            answer::json(
                StatusCode::CREATED,
                &json!({
                    "id": cart,
                    "creationTimestamp": now,
                    "lastModifiedTimestamp": now,
                    "status": "Active",
                    "lineItems": lines,
                    "links": { "self": { "uri": format!("/customers/{customer}/carts/{cart}"), "method": "GET", "headers": [] } },
                    "attributes": { "objectType": "Cart" },
                }),
            )
        }
    }
}

/// The line items a cart's body asks for, or the refusal.
fn line_items(body: &[u8]) -> Result<Vec<(ProductKind, u32, String)>, Response<Body>> {
    let bad = |why: &str| answer::error(StatusCode::BAD_REQUEST, codes::INVALID_REQUEST_INPUT, why);
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(body) else {
        return Err(bad("The body must be a JSON object with LineItems."));
    };
    let Some(Value::Array(lines)) = field(&body, "LineItems") else {
        return Err(bad("LineItems must be a list."));
    };
    if lines.is_empty() {
        return Err(bad("LineItems must hold at least one item."));
    }
    let mut items = Vec::new();
    for line in lines {
        let Some(line) = line.as_object() else {
            return Err(bad("Each line item must be an object."));
        };
        if field(line, "Id").is_some_and(|v| v.as_u64().is_none_or(|n| n > i32::MAX as u64)) {
            return Err(bad("Id must be a whole number from 0."));
        }
        let Some(catalog) = field(line, "CatalogItemId").and_then(Value::as_str) else {
            return Err(bad("CatalogItemId is required."));
        };
        let Some(quantity) = field(line, "Quantity")
            .and_then(Value::as_u64)
            .filter(|q| (1..=i32::MAX as u64).contains(q))
        else {
            return Err(bad("Quantity must be a whole number from 1."));
        };
        for name in ["BillingCycle", "TermDuration"] {
            match field(line, name) {
                None if name == "TermDuration" => {}
                Some(Value::String(v)) if !v.is_empty() => {}
                _ => return Err(bad(&format!("{name} must be text."))),
            }
        }
        let shaped = catalog.split(':').count() == 3
            && catalog
                .split(':')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric()));
        if !shaped {
            return Err(bad("CatalogItemId must be {productId}:{skuId}:{availabilityId}."));
        }
        let Some(&(_, kind)) = CATALOG.iter().find(|(id, _)| id.eq_ignore_ascii_case(catalog))
        else {
            return Err(answer::error(
                StatusCode::BAD_REQUEST,
                codes::CATALOG_ITEM_ID_NOT_VALID,
                &format!(
                    "The catalog item id {} is not valid in this sandbox.",
                    catalog.chars().take(64).collect::<String>()
                ),
            ));
        };
        if quantity > MAX_SANDBOX_QUANTITY {
            return Err(answer::error(
                StatusCode::FORBIDDEN,
                codes::SEAT_LIMIT_EXCEEDED,
                "The desired seat count exceeded the maximum seat count allowed per subscription",
            ));
        }
        items.push((kind, quantity as u32, catalog.to_owned()));
    }
    Ok(items)
}

pub(crate) fn checkout(shared: &Shared, partner: Partner, req: &Incoming<'_>) -> Response<Body> {
    let customer = match customer_id(req.customer) {
        Ok(id) => id,
        Err(refusal) => return refusal,
    };
    let Ok(cart) = Uuid::try_parse(req.cart) else {
        return answer::error(
            StatusCode::BAD_REQUEST,
            codes::INVALID_REQUEST_INPUT,
            "Invalid cart id.",
        );
    };
    match with_store(shared, |store| store.checkout(partner.index, customer, cart)) {
        Err(refusal) => refusal,
        Ok(Err(lookup)) => refused(lookup, partner, customer),
        Ok(Ok(None)) => answer::error(StatusCode::NOT_FOUND, codes::NOT_FOUND, "Cart not found."),
        Ok(Ok(Some(Err(())))) => answer::error(
            StatusCode::CONFLICT,
            codes::CART_ALREADY_ORDERED,
            "The cart has already been checked out.",
        ),
        Ok(Ok(Some(Ok(orders)))) => {
            answer::json(StatusCode::CREATED, &json!({ "orders": orders, "orderErrors": [] }))
        }
    }
}
