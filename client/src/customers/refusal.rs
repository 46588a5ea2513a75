//! Partner Center's refusal to delete a customer that still holds purchases, recognised in one
//! place by what it says, for the procedure and the CLI alike.
//!
//! Neither its status nor a code is documented: the only public record is a user's report of
//! its wording ("Customer relationship cannot be removed due to active Azure reserved
//! instances.Please cancel the following orders: 0bed3bbca6c", Partner-Center-PowerShell issue
//! 215, for a customer that held only an Azure plan). So it is recognised by that wording on
//! any 4xx, never by status alone.

use crate::error::{ApiError, Error};

/// The part of the reported wording that says "refused for active purchases".
const WORDING: &str = "cannot be removed due to active";
/// What precedes the orders the refusal names.
const ORDERS_FOLLOW: &str = "following orders:";

/// A refusal to delete a customer for purchases still active, and the orders it names (by
/// alternate id).
///
/// ```
/// use partner_center_client::{DeleteRefusal, Error};
///
/// fn explain(err: &Error) -> String {
///     match DeleteRefusal::of(err) {
///         Some(refusal) => format!("still active: {}", refusal.orders().join(", ")),
///         None => err.to_string(),
///     }
/// }
/// # let _ = explain;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteRefusal {
    orders: Vec<String>,
}

impl DeleteRefusal {
    /// The refusal `err` is, if it is one: a 4xx whose description carries the reported
    /// wording.
    pub fn of(err: &Error) -> Option<Self> {
        Self::of_api(err.api()?)
    }

    pub(crate) fn of_api(api: &ApiError) -> Option<Self> {
        if !api.status().is_client_error() {
            return None;
        }
        Self::from_description(api.description()?)
    }

    fn from_description(description: &str) -> Option<Self> {
        let lower = description.to_ascii_lowercase();
        if !lower.contains(WORDING) {
            return None;
        }
        let orders = match lower.find(ORDERS_FOLLOW) {
            Some(at) => description[at + ORDERS_FOLLOW.len()..]
                .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
                .map(|id| id.trim_end_matches('.'))
                // Alternate ids are letters and digits; a subscription's order id can be a
                // GUID (legacy subscriptions), with hyphens.
                .filter(|id| {
                    !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                })
                .map(str::to_owned)
                .collect(),
            None => Vec::new(),
        };
        Some(Self { orders })
    }

    /// The orders it names, by alternate id (the short id an order's `alternateId` carries);
    /// empty when it names none.
    pub fn orders(&self) -> &[String] {
        &self.orders
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reported_wording_is_recognised_and_its_orders_read() {
        let reported = "Customer relationship cannot be removed due to active Azure reserved instances.Please cancel the following orders: 0bed3bbca6c";
        let r = DeleteRefusal::from_description(reported).expect("recognised");
        assert_eq!(r.orders(), ["0bed3bbca6c"]);
        let two = DeleteRefusal::from_description(
            "Customer relationship cannot be removed due to active Azure reserved instances. Please cancel the following orders: a1b2, c3d4.",
        )
        .expect("recognised");
        assert_eq!(two.orders(), ["a1b2", "c3d4"]);
        let bare = DeleteRefusal::from_description(
            "Relationship CANNOT be removed due to active subscriptions",
        )
        .expect("case-insensitive");
        assert!(bare.orders().is_empty());
        assert_eq!(DeleteRefusal::from_description("Order ID not found"), None);
    }
}
