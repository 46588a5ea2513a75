//! `GET /v1/customers?size=N[&filter=F][&seekOperation=Next]` with `MS-ContinuationToken` on
//! later pages. A filter (`{"Field":"CompanyName"|"Domain","Value":…,"Operator":"starts_with"}`)
//! keeps the customers whose field starts with the value, compared without regard to case.
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
        Ok(store) => store.filtered_page(
            partner.index,
            after.map(|p| p.after),
            query.size,
            query.filter.as_ref(),
        ),
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
        let filter = query.filter_text.as_deref().map_or(String::new(), |f| {
            format!("&filter={}", form_urlencoded::byte_serialize(f.as_bytes()).collect::<String>())
        });
        let next = format!("/v1/customers?size={}{filter}&seekOperation=Next", query.size);
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
    filter: Option<Filter>,
    /// The filter as sent, for the next link.
    filter_text: Option<String>,
}

/// Which field a filter compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    CompanyName,
    Domain,
}

/// A listing's filter: the customers whose field starts with `prefix` (lower case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Filter {
    field: Field,
    prefix: String,
}

impl Filter {
    fn parse(text: &str) -> Result<Self, String> {
        let bad = |why: &str| format!("Invalid filter `{}`: {why}.", shown(text));
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|_| bad("not a JSON object"))?;
        let object = value.as_object().ok_or_else(|| bad("not a JSON object"))?;
        let get = |name: &str| {
            object.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).and_then(|(_, v)| v.as_str())
        };
        let field = match get("Field") {
            Some(f) if f.eq_ignore_ascii_case("CompanyName") => Field::CompanyName,
            Some(f) if f.eq_ignore_ascii_case("Domain") => Field::Domain,
            _ => return Err(bad("Field must be CompanyName or Domain")),
        };
        if !get("Operator").is_some_and(|o| o.eq_ignore_ascii_case("starts_with")) {
            return Err(bad("the only supported Operator is starts_with"));
        }
        let prefix = get("Value").ok_or_else(|| bad("Value must be a string"))?.to_lowercase();
        Ok(Self { field, prefix })
    }

    pub(crate) fn matches(&self, c: &crate::store::CustomerRecord) -> bool {
        let value = match self.field {
            Field::CompanyName => &c.company_name,
            Field::Domain => &c.domain,
        };
        value.to_lowercase().starts_with(&self.prefix)
    }
}

impl Query {
    fn parse(query: &str) -> Result<Self, String> {
        let mut size = MAX_PAGE_SIZE;
        let mut seek_next = false;
        let (mut filter, mut filter_text) = (None, None);
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            match &*name {
                "size" => match value.parse::<usize>() {
                    // 0, as the .NET SDK's unpaged query sends: the server's own page size.
                    Ok(0) => size = MAX_PAGE_SIZE,
                    Ok(n) if n <= MAX_PAGE_SIZE => size = n,
                    _ => {
                        return Err(format!(
                            "Invalid size `{}`: expected 0 to {MAX_PAGE_SIZE}.",
                            shown(&value)
                        ));
                    }
                },
                "filter" => {
                    filter = Some(Filter::parse(&value)?);
                    filter_text = Some(value.into_owned());
                }
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
        Ok(Self { size, seek_next, filter, filter_text })
    }
}

/// At most 64 characters of what a request sent, for a message.
pub(crate) fn shown(value: &str) -> String {
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
