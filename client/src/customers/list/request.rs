//! One page request of the listing, as the call engine sends it: the first page (with a size)
//! or a following one (as the page before's `next` link says).

use std::future::Future;
use std::num::NonZeroU32;

use progenitor_client::ResponseValue;

use super::continuation::{Continuation, next_of};
use super::page::CustomerPage;
use crate::customers::Customer;
use crate::customers::filter::CustomerFilter;
use crate::engine::ids::CallIds;
use crate::engine::pacer::Resource;
use crate::engine::{Operation, Sent, call_span};
use crate::error::{CallInfo, Error};
use crate::generated::{self, types};

/// One page request: the first (with a size) or a following one (as its `next` link says).
pub(super) struct PageRequest<'c> {
    pub(super) size: Option<NonZeroU32>,
    pub(super) continuation: Option<&'c Continuation>,
    /// Sent on every page (the server's next link carries it too, but the continuation keeps
    /// only the token and size); the page keeps only what matches it here as well.
    pub(super) filter: Option<&'c CustomerFilter>,
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
            // At most MAX_PAGE_SIZE (checked when the request was made).
            request = request.size(i32::try_from(size.get()).unwrap_or(i32::MAX));
        }
        if let Some(filter) = self.filter {
            request = request.filter(filter.to_query());
        }
        if let Some(continuation) = self.continuation {
            request = request
                .seek_operation(types::ListCustomersSeekOperation::Next)
                .ms_continuation_token(continuation.token());
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
            customers: body
                .items
                .into_iter()
                .map(Customer::from)
                .filter(|c| self.filter.is_none_or(|f| f.matches(c)))
                .collect(),
            total_count: body.total_count.and_then(|n| u32::try_from(n).ok()),
            continuation,
            next_link_error,
            call,
        })
    }
}
