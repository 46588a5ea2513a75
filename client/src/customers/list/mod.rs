//! `GET /v1/customers`: the signed-in partner's customers, one page per call, as pages or as a
//! stream of customers.
//!
//! This module is the listing as a caller drives it (the builder, the page and customer
//! streams); [`request`] is one page request through the call engine, [`page`] what a page
//! holds, and [`continuation`] how a page's `next` link is read and kept.

mod continuation;
mod page;
mod request;

use std::collections::HashSet;
use std::num::NonZeroU32;
use std::pin::Pin;

use futures_util::{Stream, TryStreamExt, stream};
use uuid::Uuid;

use crate::client::PartnerCenter;
use crate::customers::Customer;
use crate::customers::filter::CustomerFilter;
use crate::engine;
use crate::error::{CallInfo, Error};

pub use continuation::Continuation;
#[cfg(fuzzing)]
pub(crate) use continuation::fuzzing;
pub use page::CustomerPage;
use request::PageRequest;

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
    filter: Option<CustomerFilter>,
}

impl<'a> ListCustomers<'a> {
    pub(crate) fn new(pc: &'a PartnerCenter) -> Self {
        Self { pc, page_size: MAX_PAGE_SIZE, correlation_id: None, filter: None }
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

    /// Only the customers `filter` matches, chosen by the server (`filter` query) and checked
    /// again here: every page holds only customers that match on this side too, so a server
    /// that ignored or widened the filter cannot widen the listing.
    pub fn filter(mut self, filter: CustomerFilter) -> Self {
        self.filter = Some(filter);
        self
    }

    /// The first page (one call).
    pub async fn first_page(&self) -> Result<CustomerPage, Error> {
        let request = PageRequest {
            size: Some(checked_page_size(self.page_size)?),
            continuation: None,
            filter: self.filter.as_ref(),
        };
        engine::call(self.pc, &request, self.correlation_id, None).await
    }

    /// The page after the one `continuation` came from (one call), for a caller that stored
    /// the continuation and resumes later. The page size is the one the continuation carries.
    pub async fn page_after(&self, continuation: &Continuation) -> Result<CustomerPage, Error> {
        let size = match continuation.page_size() {
            None => None,
            Some(n) => Some(checked_page_size(n)?),
        };
        // The listing's own filter is sent (the link's, whatever it says, is not: the docs'
        // example answers one filter with a link naming another), and every page is matched
        // here again, so a link cannot widen the listing.
        let request =
            PageRequest { size, continuation: Some(continuation), filter: self.filter.as_ref() };
        engine::call(self.pc, &request, self.correlation_id, None).await
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
                    Some(next) if !seen.insert(next.token().to_owned()) => {
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

    /// The customer whose default domain is `domain` (compared without regard to case), if the
    /// partner has one: the server lists those whose domain starts with it (the `Domain`
    /// filter), the exact match is chosen here. Replaces any filter set before.
    pub async fn find_by_domain(self, domain: &str) -> Result<Option<Customer>, Error> {
        let listed: Vec<Customer> =
            self.filter(CustomerFilter::domain_starts_with(domain)).stream().try_collect().await?;
        Ok(listed.into_iter().find(|c| c.domain().is_some_and(|d| d.eq_ignore_ascii_case(domain))))
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

/// Where [`ListCustomers::pages`] is between two pages.
enum Position {
    First,
    After(Continuation),
    /// The page before had a next link this client cannot follow.
    Refused {
        message: String,
        call: CallInfo,
    },
}
