//! `GET /v1/customers/{customer-tenant-id}`: one of the partner's customers, as "Get a customer
//! by ID" shows it; and the customer resource as the listing and this read both write it.

use axum::body::Body;
use axum::http::{Response, StatusCode};
use serde_json::json;

use crate::answer;
use crate::layers::auth::Partner;
use crate::ops::{customer_id, refused, with_store};
use crate::routes::Incoming;
use crate::shared::Shared;
use crate::store::CustomerRecord;

pub(crate) fn get(shared: &Shared, partner: Partner, req: &Incoming<'_>) -> Response<Body> {
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

/// A customer as the sandbox writes it in a listing (and, with more, in a read by id).
pub(crate) fn customer_json(c: &CustomerRecord) -> serde_json::Value {
    json!({
        "id": c.id,
        "companyProfile": {
            "tenantId": c.id,
            "domain": c.domain,
            "companyName": c.company_name,
            "attributes": { "objectType": "CustomerCompanyProfile" },
        },
        "relationshipToPartner": "reseller",
        "attributes": { "objectType": "Customer" },
    })
}
