//! Waiting until a created customer reads back. The REST reference calls creation
//! asynchronous, and one public report saw `GET` of a new customer fail for about 90 seconds
//! after the create's answer: anything that reads, purchases for or deletes a new customer
//! should wait for it first (a delete in that window would take a 404 for "already gone").

use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::customers::CustomerById;
use crate::customers::get::FoundCustomer;
use crate::error::Error;

/// How long [`CustomerById::wait_until_readable`] waits by default: twice the ~90 s seen.
pub const DEFAULT_READ_BACK_LIMIT: Duration = Duration::from_secs(180);

/// The first pause between reads; each later one is half as long again, up to
/// [`MAX_READ_BACK_PAUSE`].
const FIRST_READ_BACK_PAUSE: Duration = Duration::from_millis(250);

/// The longest pause between two reads.
pub const MAX_READ_BACK_PAUSE: Duration = Duration::from_secs(10);

/// A pending wait until the customer reads back ([`CustomerById::wait_until_readable`]);
/// `.await` it.
#[must_use = "nothing is sent until the wait is awaited"]
#[derive(Debug, Clone, Copy)]
pub struct WaitUntilReadable<'a> {
    customer: CustomerById<'a>,
    limit: Duration,
}

impl<'a> WaitUntilReadable<'a> {
    pub(crate) fn new(customer: CustomerById<'a>) -> Self {
        Self { customer, limit: DEFAULT_READ_BACK_LIMIT }
    }

    /// Waits at most this long (default [`DEFAULT_READ_BACK_LIMIT`]).
    pub fn limit(mut self, limit: Duration) -> Self {
        self.limit = limit;
        self
    }

    /// Reads the customer until it is found: each `404` is "not yet", any other error ends the
    /// wait with that error. When the limit passes, the last `404` is returned: the customer
    /// did not read back in time (it may still, later).
    pub async fn send(self) -> Result<FoundCustomer, Error> {
        let started = Instant::now();
        let mut pause = FIRST_READ_BACK_PAUSE;
        loop {
            match self.customer.get().await {
                Ok(found) => return Ok(found),
                Err(e) if e.status() == Some(StatusCode::NOT_FOUND) => {
                    let left = self.limit.saturating_sub(started.elapsed());
                    if left.is_zero() {
                        return Err(e);
                    }
                    tracing::debug!(customer = %self.customer.id(), pause_ms = pause.as_millis() as u64, "not readable yet");
                    tokio::time::sleep(pause.min(left)).await;
                    pause = (pause + pause / 2).min(MAX_READ_BACK_PAUSE);
                }
                Err(e) => return Err(e),
            }
        }
    }
}

impl<'a> std::future::IntoFuture for WaitUntilReadable<'a> {
    type Output = Result<FoundCustomer, Error>;
    type IntoFuture =
        std::pin::Pin<Box<dyn std::future::Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}
