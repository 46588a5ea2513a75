//! `GET /v1/customers`: the signed-in partner's customers, one page per call, as pages or as a
//! stream of customers.

use std::collections::HashSet;
use std::future::Future;
use std::num::NonZeroU32;
use std::pin::Pin;

use futures_util::{Stream, TryStreamExt, stream};
use progenitor_client::ResponseValue;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::answer::shown;
use crate::client::PartnerCenter;
use crate::customer_id::CustomerTenantId;
use crate::engine::{self, Operation, Sent, call_span};
use crate::error::{CallInfo, Error};
use crate::generated::{self, types};
use crate::ids::CallIds;
use crate::pacer::Resource;

/// The largest page Partner Center serves (and the page size used when none is set).
pub const MAX_PAGE_SIZE: u32 = 500;

/// A pending listing of the partner's customers; see [`ListCustomers::stream`] and
/// [`ListCustomers::pages`].
///
/// ```no_run
/// use futures_util::TryStreamExt;
/// use partner_center_client::PartnerCenter;
///
/// # async fn run(pc: PartnerCenter) -> Result<(), partner_center_client::Error> {
/// let mut customers = pc.customers().list().page_size(100).stream();
/// while let Some(customer) = customers.try_next().await? {
///     println!("{} {:?}", customer.id(), customer.company_name());
/// }
/// # Ok(()) }
/// ```
#[must_use = "nothing is sent until a page is asked for"]
#[derive(Debug, Clone)]
pub struct ListCustomers<'a> {
    pc: &'a PartnerCenter,
    page_size: u32,
    correlation_id: Option<Uuid>,
}

impl<'a> ListCustomers<'a> {
    pub(crate) fn new(pc: &'a PartnerCenter) -> Self {
        Self { pc, page_size: MAX_PAGE_SIZE, correlation_id: None }
    }

    /// Customers per page, 1 to [`MAX_PAGE_SIZE`] (default [`MAX_PAGE_SIZE`]); another value
    /// makes the first request fail with [`Error::InvalidArgument`], before anything is sent.
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = size;
        self
    }

    /// Sends this `MS-CorrelationId` with every page request. Without it, [`Self::pages`] and
    /// [`Self::stream`] use one fresh correlation id for all the pages of the listing (each
    /// page request still has its own `MS-RequestId`).
    pub fn correlation_id(mut self, id: Uuid) -> Self {
        self.correlation_id = Some(id);
        self
    }

    /// The first page (one call).
    pub async fn first_page(&self) -> Result<CustomerPage, Error> {
        let request =
            PageRequest { size: Some(checked_page_size(self.page_size)?), continuation: None };
        engine::call(self.pc, &request, self.correlation_id).await
    }

    /// The page after the one `continuation` came from (one call), for a caller that stored
    /// the continuation and resumes later. The page size is the one the continuation carries.
    pub async fn page_after(&self, continuation: &Continuation) -> Result<CustomerPage, Error> {
        let size = match continuation.page_size {
            None => None,
            Some(n) => Some(checked_page_size(n)?),
        };
        let request = PageRequest { size, continuation: Some(continuation) };
        engine::call(self.pc, &request, self.correlation_id).await
    }

    /// Every page, in order, following each page's `next` link; each page is its own call.
    /// The stream ends after the last page, or after the first error.
    pub fn pages(self) -> PageStream<'a> {
        let list =
            Self { correlation_id: Some(self.correlation_id.unwrap_or_else(Uuid::new_v4)), ..self };
        let start = (Some(Position::First), HashSet::new());
        Box::pin(stream::try_unfold(start, move |(position, mut seen)| {
            let list = list.clone();
            async move {
                let page = match position {
                    None => return Ok(None),
                    Some(Position::First) => list.first_page().await?,
                    Some(Position::After(c)) => list.page_after(&c).await?,
                    // The page before was yielded; only now, asked for the page after it, the
                    // link that cannot be followed is an error.
                    Some(Position::Refused { message, call }) => {
                        return Err(Error::InvalidAnswer { message, call });
                    }
                };
                if let Some(message) = page.next_link_error() {
                    let refused =
                        Position::Refused { message: message.to_owned(), call: page.call };
                    return Ok(Some((page, (Some(refused), seen))));
                }
                let next = match page.continuation() {
                    // A server that hands back a token it gave before would page forever.
                    Some(next) if !seen.insert(next.token.clone()) => {
                        return Err(Error::InvalidAnswer {
                            message:
                                "the next link repeats a continuation token of an earlier page"
                                    .into(),
                            call: page.call,
                        });
                    }
                    Some(next) => Some(Position::After(next.clone())),
                    None => None,
                };
                Ok(Some((page, (next, seen))))
            }
        }))
    }

    /// Every customer, page after page (see [`Self::pages`]).
    pub fn stream(self) -> CustomerStream<'a> {
        Box::pin(
            self.pages()
                .map_ok(|page| stream::iter(page.customers.into_iter().map(Ok)))
                .try_flatten(),
        )
    }
}

/// The pages of a listing ([`ListCustomers::pages`]); `Unpin`, so `try_next()` works on it.
pub type PageStream<'a> = Pin<Box<dyn Stream<Item = Result<CustomerPage, Error>> + Send + 'a>>;

/// The customers of a listing ([`ListCustomers::stream`]); `Unpin`, so `try_next()` works on it.
pub type CustomerStream<'a> = Pin<Box<dyn Stream<Item = Result<Customer, Error>> + Send + 'a>>;

fn checked_page_size(size: u32) -> Result<NonZeroU32, Error> {
    NonZeroU32::new(size).filter(|n| n.get() <= MAX_PAGE_SIZE).ok_or_else(|| Error::InvalidArgument {
        message: format!(
            "page size {size} is out of range: Partner Center serves 1 to {MAX_PAGE_SIZE} customers a page"
        ),
    })
}

enum Position {
    First,
    After(Continuation),
    /// The page before had a next link this client cannot follow.
    Refused {
        message: String,
        call: CallInfo,
    },
}

/// One page request: the first (with a size) or a following one (as its `next` link says).
struct PageRequest<'c> {
    size: Option<NonZeroU32>,
    continuation: Option<&'c Continuation>,
}

impl Operation for PageRequest<'_> {
    type Body = types::CustomerCollection;
    type Output = CustomerPage;
    /// A page of 500 customers is about 250 KiB of JSON.
    const MAX_SUCCESS_BODY: usize = 16 * 1024 * 1024;
    const CHANGES_STATE: bool = false;
    const RESOURCE: Resource = Resource::Customer;

    fn span(&self, ids: CallIds) -> tracing::Span {
        call_span!(
            "partner_center.list_customers",
            ids,
            page_size = self.size.map(NonZeroU32::get),
            continued = self.continuation.is_some()
        )
    }

    fn send_attempt<'s>(
        &'s self,
        client: &'s generated::Client,
    ) -> impl Future<Output = Sent<types::CustomerCollection>> + Send + 's {
        let mut request = client.list_customers();
        if let Some(size) = self.size {
            request = request.size(size);
        }
        if let Some(continuation) = self.continuation {
            request = request
                .seek_operation(types::ListCustomersSeekOperation::Next)
                .ms_continuation_token(continuation.token.as_str());
        }
        request.send()
    }

    fn read(
        &self,
        answer: ResponseValue<types::CustomerCollection>,
        call: CallInfo,
    ) -> Result<CustomerPage, Error> {
        let body = answer.into_inner();
        // A next link that cannot be followed does not cost the page its customers: the page
        // says so, and the error comes when the next page is asked for.
        let (continuation, next_link_error) = match next_of(body.links, call) {
            Ok(continuation) => (continuation, None),
            Err(Error::InvalidAnswer { message, .. }) => (None, Some(message)),
            Err(other) => return Err(other),
        };
        Ok(CustomerPage {
            customers: body.items.into_iter().map(Customer::from).collect(),
            total_count: body.total_count.and_then(|n| u32::try_from(n).ok()),
            continuation,
            next_link_error,
            call,
        })
    }
}

/// The continuation a page's `links` give: none on the last page, or its `next` link read by
/// [`Continuation::from_link`]; a link this client cannot follow is an [`Error::InvalidAnswer`]
/// (which the page keeps as its [`CustomerPage::next_link_error`]).
fn next_of(
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

/// One page of customers.
#[derive(Debug, Clone)]
pub struct CustomerPage {
    customers: Vec<Customer>,
    total_count: Option<u32>,
    continuation: Option<Continuation>,
    next_link_error: Option<String>,
    call: CallInfo,
}

impl CustomerPage {
    /// The customers on this page, in Partner Center's order.
    pub fn customers(&self) -> &[Customer] {
        &self.customers
    }

    /// The customers on this page, owned.
    pub fn into_customers(self) -> Vec<Customer> {
        self.customers
    }

    /// The page's `totalCount` (Partner Center counts the customers on this page).
    pub fn total_count(&self) -> Option<u32> {
        self.total_count
    }

    /// How to get the next page; `None` on the last page, and on a page whose next link this
    /// client cannot follow ([`Self::next_link_error`]). Keep it (it serializes with serde) to
    /// resume with [`ListCustomers::page_after`].
    pub fn continuation(&self) -> Option<&Continuation> {
        self.continuation.as_ref()
    }

    /// Why this page's `next` link cannot be followed (a method other than GET, another
    /// collection, a parameter or header this client cannot send, no continuation token), if
    /// so: the page is not the last, but the listing cannot go on. [`ListCustomers::pages`]
    /// and [`ListCustomers::stream`] yield this page's customers, then this as an
    /// [`Error::InvalidAnswer`].
    pub fn next_link_error(&self) -> Option<&str> {
        self.next_link_error.as_deref()
    }

    /// Whether this is the last page: no next link at all.
    pub fn is_last(&self) -> bool {
        self.continuation.is_none() && self.next_link_error.is_none()
    }

    /// The call that fetched this page.
    pub fn call(&self) -> &CallInfo {
        &self.call
    }
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
}

impl Continuation {
    /// A continuation from a stored `MS-ContinuationToken`.
    pub fn new(token: impl Into<String>) -> Self {
        Self { token: token.into(), page_size: None }
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
                Ok(Self { token, page_size })
            }
            Some(_) => Err(format!(
                "the next link `{uri}` has an empty or unsendable MS-ContinuationToken"
            )),
            None => Err(format!("the next link `{uri}` has no MS-ContinuationToken header")),
        }
    }
}

/// A customer of the partner, as listed. Fields Partner Center adds that this type does not
/// name are ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Customer {
    id: CustomerTenantId,
    company_name: Option<String>,
    domain: Option<String>,
    relationship_to_partner: Option<String>,
}

impl Customer {
    /// The customer's tenant id (the id to delete it by).
    pub fn id(&self) -> CustomerTenantId {
        self.id
    }

    /// The company name (`companyProfile.companyName`).
    pub fn company_name(&self) -> Option<&str> {
        self.company_name.as_deref()
    }

    /// The default domain (`companyProfile.domain`), such as `contoso.onmicrosoft.com`.
    pub fn domain(&self) -> Option<&str> {
        self.domain.as_deref()
    }

    /// The licensing relationship: `reseller`, `advisor`, `none`, ...
    pub fn relationship_to_partner(&self) -> Option<&str> {
        self.relationship_to_partner.as_deref()
    }
}

impl From<types::Customer> for Customer {
    fn from(c: types::Customer) -> Self {
        let profile = c.company_profile.unwrap_or_default();
        Self {
            id: CustomerTenantId::from_uuid(c.id),
            company_name: profile.company_name,
            domain: profile.domain,
            relationship_to_partner: c.relationship_to_partner,
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
                prop_assert!(message.chars().count() <= 3 * crate::answer::SHOWN_CHARS + 200, "{}", message);
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
