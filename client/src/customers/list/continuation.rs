//! A page's `next` link: read into a [`Continuation`] (the token and page size to ask for the
//! page after), or refused with the reason, never followed blindly.

use serde::{Deserialize, Serialize};

use super::MAX_PAGE_SIZE;
use crate::engine::answer::shown;
use crate::error::{CallInfo, Error};
use crate::generated::types;

/// The continuation a page's `links` give: none on the last page, or its `next` link read by
/// [`Continuation::from_link`]; a link this client cannot follow is an [`Error::InvalidAnswer`]
/// (which the page keeps as its [`CustomerPage::next_link_error`]).
pub(super) fn next_of(
    links: Option<types::CollectionLinks>,
    call: CallInfo,
) -> Result<Option<Continuation>, Error> {
    links
        .and_then(|l| l.next)
        .map(|link| {
            Continuation::from_link(&link).map_err(|message| Error::InvalidAnswer { message, call })
        })
        .transpose()
}

/// Where a listing goes on: the `MS-ContinuationToken` and page size of a page's `next` link.
///
/// ```
/// use partner_center_client::Continuation;
///
/// let c = Continuation::new("AQAAAA==").with_page_size(40);
/// let stored = serde_json::to_string(&c).unwrap();
/// assert_eq!(serde_json::from_str::<Continuation>(&stored).unwrap(), c);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Continuation {
    token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    page_size: Option<u32>,
    /// The `filter` the next link names, as sent (a listing sends its own and refuses a link
    /// that names another).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    filter: Option<String>,
}

impl Continuation {
    /// A continuation from a stored `MS-ContinuationToken`.
    pub fn new(token: impl Into<String>) -> Self {
        Self { token: token.into(), page_size: None, filter: None }
    }

    /// The `filter` its link named, as sent.
    pub fn filter(&self) -> Option<&str> {
        self.filter.as_deref()
    }

    /// The page size to ask for with it.
    pub fn with_page_size(mut self, size: u32) -> Self {
        self.page_size = Some(size);
        self
    }

    /// The opaque `MS-ContinuationToken`.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The page size the `next` link asked for, if it named one.
    pub fn page_size(&self) -> Option<u32> {
        self.page_size
    }

    /// Reads a `next` link: a GET of the customers collection (its uri with or without the
    /// `/v1` prefix, as the docs show both) with `seekOperation=Next`, an optional `size`, and
    /// the `MS-ContinuationToken` header. Anything else is refused rather than dropped.
    /// Messages show what the server sent cut short (see [`shown`]): a link may be of any
    /// length.
    fn from_link(link: &types::Link) -> Result<Self, String> {
        let uri = shown(&link.uri);
        if let Some(method) = link.method.as_deref().filter(|m| !m.eq_ignore_ascii_case("GET")) {
            let method = shown(method);
            return Err(format!("the next link `{uri}` asks for method {method}, not GET"));
        }
        let (path, query) = link.uri.split_once('?').unwrap_or((&link.uri, ""));
        let path = path.trim_start_matches('/');
        if path.strip_prefix("v1/").unwrap_or(path) != "customers" {
            return Err(format!("the next link `{uri}` is not the customers collection"));
        }
        let mut page_size = None;
        let mut seek_next = false;
        let mut filter = None;
        for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
            match &*name {
                "size" => match value.parse::<u32>() {
                    Ok(n) if (1..=MAX_PAGE_SIZE).contains(&n) => page_size = Some(n),
                    _ => {
                        let value = shown(&value);
                        return Err(format!("the next link `{uri}` has an invalid size `{value}`"));
                    }
                },
                "seekOperation" if value.eq_ignore_ascii_case("next") => seek_next = true,
                "filter" => filter = Some(value.into_owned()),
                other => {
                    let parameter = shown(&format!("{other}={value}"));
                    return Err(format!(
                        "the next link `{uri}` asks for query parameter `{parameter}`, which this client cannot send"
                    ));
                }
            }
        }
        if !seek_next {
            return Err(format!("the next link `{uri}` has no `seekOperation=Next`"));
        }
        let mut token = None;
        for header in &link.headers {
            if header.key.eq_ignore_ascii_case("MS-ContinuationToken") {
                token = Some(header.value.clone());
            } else {
                return Err(format!(
                    "the next link `{uri}` asks for header `{}`, which this client cannot send",
                    shown(&header.key)
                ));
            }
        }
        match token {
            Some(token)
                if !token.is_empty() && reqwest::header::HeaderValue::from_str(&token).is_ok() =>
            {
                Ok(Self { token, page_size, filter })
            }
            Some(_) => Err(format!(
                "the next link `{uri}` has an empty or unsendable MS-ContinuationToken"
            )),
            None => Err(format!("the next link `{uri}` has no MS-ContinuationToken header")),
        }
    }
}

/// The next-link reading above for the fuzz targets in `fuzz/` (built with `--cfg fuzzing`
/// only, so the public API does not grow); re-exported as `partner_center_client::fuzzing`.
#[cfg(fuzzing)]
pub(crate) mod fuzzing {
    use super::{Continuation, next_of};
    use crate::error::{CallInfo, Error};
    use crate::generated::types;

    /// What the list operation makes of a page's `links`: see [`next_of`].
    pub fn next_link(links: Option<types::CollectionLinks>) -> Result<Option<Continuation>, Error> {
        let call = CallInfo::for_fuzzing();
        next_of(links, call)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn link(uri: &str, method: Option<&str>, headers: &[(&str, &str)]) -> types::Link {
        serde_json::from_value(serde_json::json!({
            "uri": uri,
            "method": method,
            "headers": headers.iter().map(|(k, v)| serde_json::json!({"key": k, "value": v})).collect::<Vec<_>>(),
        }))
        .expect("a link")
    }

    /// Found by `cargo xtask fuzz` (next_link, crash-15ea00c2…): a 751-byte uri, not UTF-8 (the
    /// fuzz target reads it lossily), was echoed whole, twice, in a 2,199-byte message. A
    /// server's link of any length now makes a message of bounded length.
    #[test]
    fn a_long_refused_link_makes_a_bounded_message() {
        let parts: [&[u8]; 15] = [
            b"/v",
            &[0xff; 4],
            b":",
            &[0xff; 63],
            b"*",
            &[0xff; 74],
            b"0&sxeekOper\xd1(\xd1\xd1",
            &[0xff; 63],
            b"*",
            &[0xff; 74],
            b"0&sxeekOper\xd1(",
            &[0xd1; 210],
            b"ation=er: 1",
            &[0xd1; 208],
            b"ation=er: 1",
        ];
        let input = parts.concat();
        assert_eq!(input.len(), 751);
        let uri = String::from_utf8_lossy(&input);
        let message = Continuation::from_link(&link(&uri, None, &[])).expect_err("refused");
        assert!(message.starts_with("the next link `/v\u{fffd}"), "{message}");
        assert!(message.len() <= 2048, "a {}-byte message", message.len());

        let long = "x".repeat(100_000);
        for refused in [
            link(&format!("/v1/customers?{long}=1"), None, &[]),
            link("/v1/customers?seekOperation=Next", Some(&long), &[]),
            link("/v1/customers?seekOperation=Next", None, &[(&long, "v")]),
            link(&format!("/v1/customers?size={long}&seekOperation=Next"), None, &[]),
            link(&format!("/{long}"), None, &[]),
        ] {
            let message = Continuation::from_link(&refused).expect_err("refused");
            assert!(message.len() <= 2048, "a {}-byte message", message.len());
            assert!(message.contains('…'), "{message}");
        }
    }

    proptest! {
        #[test]
        fn any_next_link_is_read_or_refused_without_panicking(
            uri in ".{0,80}",
            method in proptest::option::of("[A-Za-z]{0,8}"),
            key in ".{0,24}",
            value in ".{0,64}",
        ) {
            if let Err(message) = Continuation::from_link(&link(&uri, method.as_deref(), &[(&key, &value)])) {
                prop_assert!(message.chars().count() <= 3 * crate::engine::answer::SHOWN_CHARS + 200, "{}", message);
            }
        }

        #[test]
        fn documented_next_links_are_followed(size in 1u32..=500, token in "[A-Za-z0-9+/=,_-]{1,200}", v1 in any::<bool>()) {
            let prefix = if v1 { "/v1/customers" } else { "customers" };
            let uri = format!("{prefix}?size={size}&seekOperation=Next");
            let c = Continuation::from_link(&link(&uri, Some("GET"), &[("MS-ContinuationToken", &token)])).expect("followed");
            prop_assert_eq!(c.page_size(), Some(size));
            prop_assert_eq!(c.token(), token.as_str());
        }
    }
}
