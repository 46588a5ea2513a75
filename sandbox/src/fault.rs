//! Scripted faults: the next N matching requests fail in a chosen way.

use std::time::{Duration, SystemTime};

use uuid::Uuid;

use crate::app::{Operation, Target};

/// How a `429` says when to come back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    /// `Retry-After: <seconds>`.
    Seconds(u64),
    /// `Retry-After: <HTTP-date>`, this far in the future when the answer is sent.
    HttpDateIn(Duration),
}

impl RetryAfter {
    pub(crate) fn header_value(self) -> String {
        match self {
            RetryAfter::Seconds(s) => s.to_string(),
            RetryAfter::HttpDateIn(d) => httpdate::fmt_http_date(SystemTime::now() + d),
        }
    }

    pub(crate) fn seconds(self) -> u64 {
        match self {
            RetryAfter::Seconds(s) => s,
            RetryAfter::HttpDateIn(d) => d.as_secs(),
        }
    }
}

/// What a faulty answer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// `429 Too Many Requests` with `Retry-After` and the throttling body.
    Throttle(RetryAfter),
    /// A server error status (500, 502, 503, 504, ...) with a Partner Center error body.
    ServerError(u16),
    /// Wait this long, then answer normally.
    Delay(Duration),
    /// Close the connection without answering.
    Drop,
}

/// A fault for the next `times` requests (optionally only those of one operation, or for one
/// customer).
///
/// ```
/// use std::time::Duration;
/// use partner_center_sandbox::{Fault, Operation, RetryAfter};
///
/// let f = Fault::throttle(RetryAfter::Seconds(1)).times(2);
/// let g = Fault::delay(Duration::from_millis(50)).for_customer(uuid::Uuid::new_v4());
/// let h = Fault::server_error(503).for_operation(Operation::ListCustomers);
/// # let _ = (f, g, h);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub(crate) kind: FaultKind,
    pub(crate) remaining: u32,
    pub(crate) customer: Option<Uuid>,
    pub(crate) operation: Option<Operation>,
}

impl Fault {
    /// Answer `429` with this `Retry-After` and the documented throttling body.
    pub fn throttle(retry_after: RetryAfter) -> Self {
        Self::new(FaultKind::Throttle(retry_after))
    }

    /// Answer this server error status.
    pub fn server_error(status: u16) -> Self {
        Self::new(FaultKind::ServerError(status))
    }

    /// Wait, then answer normally.
    pub fn delay(delay: Duration) -> Self {
        Self::new(FaultKind::Delay(delay))
    }

    /// Close the connection without an answer.
    pub fn drop_connection() -> Self {
        Self::new(FaultKind::Drop)
    }

    fn new(kind: FaultKind) -> Self {
        Self { kind, remaining: 1, customer: None, operation: None }
    }

    /// Applies to the next `n` matching requests (default 1).
    pub fn times(mut self, n: u32) -> Self {
        self.remaining = n;
        self
    }

    /// Applies only to requests for this customer (whose path names it).
    pub fn for_customer(mut self, customer: Uuid) -> Self {
        self.customer = Some(customer);
        self
    }

    /// Applies only to requests of this operation.
    pub fn for_operation(mut self, operation: Operation) -> Self {
        self.operation = Some(operation);
        self
    }

    fn matches(&self, target: Option<Target>) -> bool {
        let customer_ok =
            self.customer.is_none() || self.customer == target.and_then(|t| t.customer);
        let operation_ok =
            self.operation.is_none() || self.operation == target.map(|t| t.operation);
        customer_ok && operation_ok
    }
}

/// Takes one use of the first fault that matches a request for `target`, if any.
pub(crate) fn take(faults: &mut Vec<Fault>, target: Option<Target>) -> Option<FaultKind> {
    faults.retain(|f| f.remaining > 0);
    let i = faults.iter().position(|f| f.matches(target))?;
    let kind = faults[i].kind;
    faults[i].remaining = faults[i].remaining.saturating_sub(1);
    if faults[i].remaining == 0 {
        faults.remove(i);
    }
    Some(kind)
}
