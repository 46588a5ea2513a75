//! Scripted faults: the next N matching requests fail in a chosen way.

use std::time::{Duration, SystemTime};

use uuid::Uuid;

use crate::routes::{Operation, Target};

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
    /// A Partner Center error answer with this status and code, as a refusal the sandbox does
    /// not model (a renewal in progress, a pending operation, ...).
    Refuse {
        /// The HTTP status.
        status: u16,
        /// Partner Center's error code.
        code: i64,
    },
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

    /// Wait, then answer normally. The wait is where a slow server's is, in the handler: a
    /// delayed delete holds its `MS-RequestId`, so a retry sent meanwhile waits for its answer.
    pub fn delay(delay: Duration) -> Self {
        Self::new(FaultKind::Delay(delay))
    }

    /// Answer with a Partner Center error of this status and code, as the service refuses in
    /// cases the sandbox does not model: `Fault::refusal(409, 900278)` is "a pending operation
    /// on this subscription; try again after 24 hours".
    pub fn refusal(status: u16, code: i64) -> Self {
        Self::new(FaultKind::Refuse { status, code })
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

/// A fault written as `KIND:TIMES[:ARG][@OPERATION]`, as the sandbox binary's `--fault` takes
/// it (feature `cli`): `throttle:2:1s` (429 with `Retry-After: 1`, twice), `error:3:503`, `delay:5:200ms`,
/// `drop:1`; `@NAME` limits it to one operation ([`Operation::name`]: `@list`, `@delete`, …).
///
/// ```
/// use partner_center_sandbox::{Fault, Operation, RetryAfter};
///
/// let f: Fault = "throttle:2:1s@delete".parse().unwrap();
/// assert_eq!(f, Fault::throttle(RetryAfter::Seconds(1)).times(2).for_operation(Operation::DeleteCustomer));
/// assert!("throttle:two:1s".parse::<Fault>().is_err());
/// ```
#[cfg(feature = "cli")]
impl std::str::FromStr for Fault {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let usage = format!(
            "write KIND:TIMES[:ARG][@OPERATION]: throttle:2:1s, error:3:503, delay:5:200ms, drop:1, refuse:1:409/900278; OPERATION is one of {}",
            Operation::names()
        );
        let (spec, operation) = match text.split_once('@') {
            Some((spec, name)) => match Operation::from_name(name) {
                Some(op) => (spec, Some(op)),
                None => {
                    return Err(format!("fault `{text}`: unknown operation `{name}`; {usage}"));
                }
            },
            None => (text, None),
        };
        let mut parts = spec.split(':');
        let kind = parts.next().unwrap_or_default();
        let times: u32 = parts
            .next()
            .and_then(|t| t.parse().ok())
            .ok_or_else(|| format!("fault `{text}`: TIMES must be a whole number; {usage}"))?;
        let arg = parts.next();
        if parts.next().is_some() {
            return Err(format!("fault `{text}`: too many parts; {usage}"));
        }
        let duration = |what: &str| {
            arg.and_then(|a| humantime::parse_duration(a).ok()).ok_or_else(|| {
                format!("fault `{text}`: {what} needs a duration such as 1s or 200ms; {usage}")
            })
        };
        let fault = match (kind, arg) {
            ("throttle", _) => {
                Fault::throttle(RetryAfter::Seconds(duration("throttle")?.as_secs().max(1)))
            }
            ("error", Some(status)) => match status.parse::<u16>() {
                Ok(code @ 500..=599) => Fault::server_error(code),
                _ => return Err(format!("fault `{text}`: error needs a 5xx status; {usage}")),
            },
            ("delay", _) => Fault::delay(duration("delay")?),
            ("drop", None) => Fault::drop_connection(),
            ("refuse", Some(arg)) => {
                let parsed = arg.split_once('/').and_then(|(status, code)| {
                    let status = status.parse::<u16>().ok().filter(|s| (400..=599).contains(s))?;
                    Some((status, code.parse::<i64>().ok()?))
                });
                match parsed {
                    Some((status, code)) => Fault::refusal(status, code),
                    None => {
                        return Err(format!(
                            "fault `{text}`: refuse needs STATUS/CODE such as 409/900278; {usage}"
                        ));
                    }
                }
            }
            _ => return Err(format!("fault `{text}`: {usage}")),
        };
        let fault = fault.times(times);
        Ok(match operation {
            Some(op) => fault.for_operation(op),
            None => fault,
        })
    }
}
