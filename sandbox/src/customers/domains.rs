//! `HEAD /v1/domains/{domain}`: `200` when the domain is in use (or was claimed by a create,
//! even one that failed), `404` when it is free, `400` for a name no domain can have. No
//! answer has a body.

use axum::body::Body;
use axum::http::{Response, StatusCode};

use crate::handlers::with_store;
use crate::layers::auth::Partner;
use crate::routes::Incoming;
use crate::shared::Shared;

/// Whether `name` is a domain name: dot-separated labels of letters, digits and inner `-`,
/// at least two labels, at most 253 characters.
pub(crate) fn is_domain(name: &str) -> bool {
    let labels: Vec<&str> = name.split('.').collect();
    name.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            (1..=63).contains(&l.len())
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
}

fn empty(status: StatusCode) -> Response<Body> {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = status;
    r
}

pub(crate) fn handle(shared: &Shared, _: Partner, req: &Incoming<'_>) -> Response<Body> {
    let domain = percent_encoding::percent_decode_str(req.domain).decode_utf8_lossy();
    if !is_domain(&domain) {
        return empty(StatusCode::BAD_REQUEST);
    }
    match with_store(shared, |store| store.domain_taken(&domain)) {
        Ok(true) => empty(StatusCode::OK),
        Ok(false) => empty(StatusCode::NOT_FOUND),
        Err(refusal) => refusal,
    }
}

#[cfg(test)]
mod tests {
    use super::is_domain;

    #[test]
    fn domains_are_labels_of_letters_digits_and_inner_hyphens() {
        assert!(is_domain("contoso.onmicrosoft.com"));
        assert!(is_domain("a-b.ccsctp.net"));
        for bad in ["abc!.ccsctp.net", "nodot", "-a.com", "a..com", "a.com.", "a b.com", ""] {
            assert!(!is_domain(bad), "{bad}");
        }
    }
}
