//! `GET /v1/customers/{customer-tenant-id}`: one of the partner's customers, as "Get a customer
//! by ID" shows it.

use axum::body::Body;
use axum::http::{Response, StatusCode};
use serde_json::json;

use crate::answer;
use crate::customers::customer_json;
use crate::handlers::{customer_id, refused, with_store};
use crate::layers::auth::Partner;
use crate::routes::Incoming;
use crate::shared::Shared;

pub(crate) fn handle(shared: &Shared, partner: Partner, req: &Incoming<'_>) -> Response<Body> {
    let customer = match customer_id(req.customer) {
        Ok(id) => id,
        Err(refusal) => return refusal,
    };
    let found = with_store(shared, |store| store.customer(partner.index, customer).cloned());
    match found {
        Err(refusal) => refusal,
        Ok(Err(lookup)) => refused(lookup, partner, customer),
        Ok(Ok(record)) => {
            let mut body = customer_json(&record);
            // What the documented read adds to a listed customer (the resource page says
            // `allowDelegatedAccess` comes with a read by id, not in lists).
            body["allowDelegatedAccess"] = json!(true);
            body["customDomains"] = json!([record.domain]);
            body["links"] = json!({
                "self": { "uri": format!("/customers/{}", record.id), "method": "GET", "headers": [] },
            });
            answer::json(StatusCode::OK, &body)
        }
    }
}
