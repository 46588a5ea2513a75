//! The call record every answer and every network error carries.

use std::fmt;
use std::time::Duration;

use uuid::Uuid;

/// What a call had done when it ended: the ids a support ticket needs, how many attempts it
/// made, how long it took, and whether an attempt may have taken effect on the server.
///
/// Carried once by every error that reached the network ([`Error::call`](crate::Error::call)) and by every
/// successful answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallInfo {
    pub(crate) request_id: Uuid,
    pub(crate) correlation_id: Uuid,
    pub(crate) attempts: u32,
    pub(crate) elapsed: Duration,
    pub(crate) may_have_applied: bool,
}

impl CallInfo {
    /// The context the fuzz targets' parser entry points (and unit tests) report with: one
    /// attempt, nil ids.
    #[cfg(any(fuzzing, test))]
    pub(crate) fn for_fuzzing() -> Self {
        Self {
            request_id: Uuid::nil(),
            correlation_id: Uuid::nil(),
            attempts: 1,
            elapsed: Duration::ZERO,
            may_have_applied: false,
        }
    }

    /// The call's `MS-RequestId` (as echoed by the server, else as sent). The same on every
    /// retry of the call.
    pub fn request_id(&self) -> Uuid {
        self.request_id
    }

    /// The call's `MS-CorrelationId` (as echoed by the server, else as sent).
    pub fn correlation_id(&self) -> Uuid {
        self.correlation_id
    }

    /// Attempts sent (1 without retries).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Time spent on the whole call, waits between attempts included.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// Whether an attempt ended in a way that may have changed state on the server anyway (a
    /// 5xx, a timeout, a connection lost after sending). See [`Error::NotFoundAfterRetry`](crate::Error::NotFoundAfterRetry).
    pub fn may_have_applied(&self) -> bool {
        self.may_have_applied
    }
}

impl fmt::Display for CallInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MS-RequestId {}, MS-CorrelationId {}", self.request_id, self.correlation_id)?;
        match self.attempts {
            0 => f.write_str(", nothing sent"),
            1 => f.write_str(", 1 attempt"),
            n => write!(f, ", {n} attempts"),
        }?;
        write!(f, ", {} ms", self.elapsed.as_millis())
    }
}
