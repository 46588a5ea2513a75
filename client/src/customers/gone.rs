//! When a customer is gone: one rule for the delete procedure and the CLI's plain delete.
//!
//! A 404 alone does not say it. Partner Center's own answer for a customer that does not exist
//! for this partner carries its tenant-not-found code (60003); a gateway in front of it answers
//! a wrong route with `{"statusCode":404,"message":"Resource not found"}` (reported for a
//! sandbox delete), and an unknown order is 404/20000. So a 404 without that code is decided by
//! reading the customer (`GET /v1/customers/{id}`).

use crate::customers::CustomerById;
use crate::error::Error;

impl CustomerById<'_> {
    /// Whether `err` — a call's failure about this customer — means the customer does not
    /// exist. `Ok(true)` on Partner Center's tenant-not-found answer
    /// ([`Error::customer_is_gone`]); for any other 404 (plain or after a retry) the customer
    /// is read and `Ok(true)` only if that read says it is gone, `Ok(false)` if it is there;
    /// `Ok(false)` for anything else. `Err` when the read itself fails.
    ///
    /// ```no_run
    /// use partner_center_client::{CustomerTenantId, PartnerCenter};
    ///
    /// # async fn run(pc: PartnerCenter, id: CustomerTenantId) -> Result<(), partner_center_client::Error> {
    /// let customer = pc.customers().by_id(id);
    /// match customer.delete().await {
    ///     Ok(deleted) => println!("deleted ({})", deleted.status()),
    ///     Err(e) if customer.confirm_gone(&e).await? => println!("already gone"),
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn confirm_gone(&self, err: &Error) -> Result<bool, Error> {
        if err.customer_is_gone() {
            return Ok(true);
        }
        if !(err.is_not_found() || err.is_not_found_after_retry()) {
            return Ok(false);
        }
        match self.get().await {
            Ok(_) => Ok(false),
            Err(read) if read.customer_is_gone() => Ok(true),
            Err(read) => Err(read),
        }
    }
}
