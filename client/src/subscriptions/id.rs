//! [`SubscriptionId`]: a subscription id that is safe to put in a path.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::generated::types;

/// A Partner Center subscription id, such as `a4c1340d-6911-4758-bba3-0c4c6007d161`.
///
/// Every documented subscription id is a GUID, written in lower or upper case
/// (`A356AC8C-E310-44F4-BF85-C7F29044AF99`); the id is kept as written, since the client does
/// not rewrite an id Partner Center gave it. It goes into a request path, so anything that is
/// not a GUID's 36 characters (`..`, `/`, `%2e`) is refused before anything is sent.
///
/// ```
/// use partner_center_client::SubscriptionId;
///
/// let id: SubscriptionId = "A356AC8C-E310-44F4-BF85-C7F29044AF99".parse().unwrap();
/// assert_eq!(id.as_str(), "A356AC8C-E310-44F4-BF85-C7F29044AF99");
/// assert!(id.same_as(&"a356ac8c-e310-44f4-bf85-c7f29044af99".parse().unwrap()));
/// for bad in ["..", "a/b", "a356ac8c-e310-44f4-bf85-c7f29044af9", "", "%2e%2e"] {
///     assert!(bad.parse::<SubscriptionId>().is_err(), "{bad}");
/// }
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SubscriptionId(types::SubscriptionId);

impl SubscriptionId {
    /// The id as text, as it was written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether both name the same subscription (GUIDs compare without regard to case).
    pub fn same_as(&self, other: &SubscriptionId) -> bool {
        self.as_str().eq_ignore_ascii_case(other.as_str())
    }

    pub(crate) fn generated(&self) -> types::SubscriptionId {
        self.0.clone()
    }

    /// An id the generated code has checked (a subscription's own `id` in an answer).
    pub(crate) fn from_generated(id: types::SubscriptionId) -> Self {
        Self(id)
    }
}

impl fmt::Debug for SubscriptionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for SubscriptionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SubscriptionId {
    type Err = ParseSubscriptionIdError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        // The rule is the spec's (the generated type checks its pattern).
        text.parse::<types::SubscriptionId>().map(SubscriptionId).map_err(|e| {
            ParseSubscriptionIdError {
                input: text.chars().take(80).collect(),
                reason: e.to_string(),
            }
        })
    }
}

impl TryFrom<&str> for SubscriptionId {
    type Error = ParseSubscriptionIdError;

    fn try_from(text: &str) -> Result<Self, Self::Error> {
        text.parse()
    }
}

/// A text that is not a subscription id (see [`SubscriptionId`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{input:?} is not a Partner Center subscription id: it {reason} (a GUID, as every documented subscription id is, so that it cannot change the request's path)"
)]
pub struct ParseSubscriptionIdError {
    input: String,
    reason: String,
}
