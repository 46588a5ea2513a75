//! `GET /v1/customers/{customer-tenant-id}/entitlements[?entitlementType=…&showExpiry=…]`: the
//! entitlements the customer's orders give, cancelled orders' included (the documented
//! procedure reads them back and skips orders that read `cancelled`).

use axum::body::Body;
use axum::http::{Response, StatusCode};
use serde_json::json;

use crate::handlers::{customer_id, refused, with_store};
use crate::layers::auth::Partner;
use crate::routes::Incoming;
use crate::shared::Shared;
use crate::{answer, codes};

pub(crate) fn handle(shared: &Shared, partner: Partner, req: &Incoming<'_>) -> Response<Body> {
    let customer = match customer_id(req.customer) {
        Ok(id) => id,
        Err(refusal) => return refusal,
    };
    let mut filter = None;
    let mut show_expiry = false;
    for (name, value) in
        form_urlencoded::parse(req.parts.uri.query().unwrap_or_default().as_bytes())
    {
        // The documented example writes `entitlementtype`, the SDKs `entitlementType`.
        if name.eq_ignore_ascii_case("entitlementType") {
            filter = Some(value.into_owned());
        } else if name.eq_ignore_ascii_case("showExpiry") {
            // .NET sends `True`/`False`.
            show_expiry = match value.to_ascii_lowercase().as_str() {
                "true" => true,
                "false" => false,
                _ => {
                    let shown: String = value.chars().take(64).collect();
                    return answer::error(
                        StatusCode::BAD_REQUEST,
                        codes::INVALID_REQUEST_INPUT,
                        &format!("Invalid showExpiry `{shown}`: expected true or false."),
                    );
                }
            };
        }
    }
    let items = with_store(shared, |store| {
        let orders = store.orders(partner.index, customer)?;
        Ok(orders
            .iter()
            .filter(|o| o.is_listed())
            .filter(|o| filter.as_deref().is_none_or(|f| o.kind.selected_by(f)))
            .flat_map(|o| o.entitlements(show_expiry))
            .collect::<Vec<_>>())
    });
    match items {
        Err(refusal) => refusal,
        Ok(Err(lookup)) => refused(lookup, partner, customer),
        Ok(Ok(items)) => answer::json(
            StatusCode::OK,
            &json!({
                "totalCount": items.len(),
                "items": items,
                "attributes": { "objectType": "Collection" },
            }),
        ),
    }
}
