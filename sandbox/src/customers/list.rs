//! `GET /v1/customers?size=N[&seekOperation=Next]` with `MS-ContinuationToken` on later pages.
//!
//! Customers are listed in the order they were added. A continuation token says "after the
//! customer with this position", so deleting customers between two page requests never makes
//! the listing skip or repeat one that remains.

use axum::body::Body;
use axum::http::{Response, StatusCode};
use serde_json::json;

use crate::customers::continuation::{self, Position};
use crate::customers::customer_json;
use crate::layers::auth::Partner;
use crate::routes::Incoming;
use crate::shared::Shared;
use crate::{answer, codes};

/// The largest page (and the size of a page when the request names none).
pub const MAX_PAGE_SIZE: usize = 500;

pub(crate) fn handle(shared: &Shared, partner: Partner, req: &Incoming<'_>) -> Response<Body> {
    let (uri, headers) = (&req.parts.uri, &req.parts.headers);
    let query = match Query::parse(uri.query().unwrap_or_default()) {
        Ok(q) => q,
        Err(message) => return bad_request(&message),
    };
    let token = headers
        .get("ms-continuationtoken")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let after = match (query.seek_next, token) {
        // Without seekOperation=Next a token is not asked to be used: the first page.
        (false, _) => None,
        (true, Some(token)) => match continuation::decode(&token, partner.index, shared.secret) {
            Ok(position) => Some(position),
            Err(why) => {
                return bad_request(&format!(
                    "The continuation token is {why}; list again from the first page."
                ));
            }
        },
        (true, None) => {
            return bad_request(
                "seekOperation=Next needs the MS-ContinuationToken header of the previous page.",
            );
        }
    };

    let (items, more) = match shared.store.lock() {
        Ok(store) => store.page(partner.index, after.map(|p| p.after), query.size),
        Err(_) => {
            return answer::error(
                StatusCode::INTERNAL_SERVER_ERROR,
                500,
                "sandbox state is poisoned",
            );
        }
    };
    let mut links = json!({ "self": link(&uri.to_string(), None) });
    if let (true, Some(last)) = (more, items.last()) {
        let token = continuation::encode(
            Position { partner: partner.index, after: last.seq },
            shared.secret,
        );
        let next = format!("/v1/customers?size={}&seekOperation=Next", query.size);
        links["next"] = link(&next, Some(&token));
    }
    let body = json!({
        "totalCount": items.len(),
        "items": items.iter().map(customer_json).collect::<Vec<_>>(),
        "links": links,
        "attributes": { "objectType": "Collection" },
    });
    answer::json(StatusCode::OK, &body)
}

struct Query {
    size: usize,
    seek_next: bool,
}

impl Query {
    fn parse(query: &str) -> Result<Self, String> {
        let mut size = MAX_PAGE_SIZE;
        let mut seek_next = false;
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            match &*name {
                "size" => match value.parse::<usize>() {
                    Ok(n) if (1..=MAX_PAGE_SIZE).contains(&n) => size = n,
                    _ => {
                        return Err(format!(
                            "Invalid size `{}`: expected 1 to {MAX_PAGE_SIZE}.",
                            shown(&value)
                        ));
                    }
                },
                "seekOperation" if value == "Next" => seek_next = true,
                "seekOperation" => {
                    return Err(format!(
                        "Invalid seekOperation `{}`: expected Next.",
                        shown(&value)
                    ));
                }
                // Unknown parameters are ignored, as ASP.NET services do.
                _ => {}
            }
        }
        Ok(Self { size, seek_next })
    }
}

fn shown(value: &str) -> String {
    value.chars().take(64).collect()
}

fn bad_request(message: &str) -> Response<Body> {
    answer::error(StatusCode::BAD_REQUEST, codes::INVALID_REQUEST_INPUT, message)
}

fn link(uri: &str, continuation_token: Option<&str>) -> serde_json::Value {
    let headers: Vec<_> = continuation_token
        .map(|t| json!({ "key": "MS-ContinuationToken", "value": t }))
        .into_iter()
        .collect();
    json!({ "uri": uri, "method": "GET", "headers": headers })
}
