//! [`OrderId`]: an order id that is safe to put in a path.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::generated::types;

/// A Partner Center order id, such as `YxH1q4KScfvfkJQjgRI8QY1DznnUWZTH1`.
///
/// Order ids are not GUIDs, and the generated client puts them in the path as they are
/// (`.`, `\` and non-ASCII are not percent-encoded): an order id of `..` would turn
/// "cancel this order" into a `PATCH` of the customer itself. So only what the documented ids
/// look like is accepted, the spec's `OrderId` pattern (ASCII letters, digits, `_`, `-`; at
/// most 64), and everything else is refused before anything is sent.
///
/// ```
/// use partner_center_client::OrderId;
///
/// let id: OrderId = "YxH1q4KScfvfkJQjgRI8QY1DznnUWZTH1".parse().unwrap();
/// assert_eq!(id.as_str(), "YxH1q4KScfvfkJQjgRI8QY1DznnUWZTH1");
/// for bad in ["..", "a/b", "a\\b", "é", ""] {
///     assert!(bad.parse::<OrderId>().is_err(), "{bad}");
/// }
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OrderId(types::OrderId);

impl OrderId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub(crate) fn generated(&self) -> types::OrderId {
        self.0.clone()
    }

    /// An id the generated code has checked (an order's own `id` in an answer).
    pub(crate) fn from_generated(id: types::OrderId) -> Self {
        Self(id)
    }
}

impl fmt::Debug for OrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for OrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OrderId {
    type Err = ParseOrderIdError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        // The rule is the spec's (the generated type checks its pattern); this adds what
        // was refused, cut short, and why it matters.
        text.parse::<types::OrderId>().map(OrderId).map_err(|e| ParseOrderIdError {
            input: text.chars().take(80).collect(),
            reason: e.to_string(),
        })
    }
}

impl TryFrom<&str> for OrderId {
    type Error = ParseOrderIdError;

    fn try_from(text: &str) -> Result<Self, Self::Error> {
        text.parse()
    }
}

/// A text that is not an order id (see [`OrderId`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{input:?} is not a Partner Center order id: it {reason} (ASCII letters, digits, `_` and `-` only, as documented ids are, so that it cannot change the request's path)"
)]
pub struct ParseOrderIdError {
    input: String,
    reason: String,
}
