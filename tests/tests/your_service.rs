//! "Testing your service offline" (README): a service function that deletes a customer,
//! tested against the sandbox with a throttle fault — the way a service that depends on
//! `partner-center-client` tests itself with `partner-center-sandbox` in its dev-dependencies.

use std::time::Duration;

use partner_center_client::{CustomerTenantId, Error, PartnerCenter, RetryPolicy};
use partner_center_sandbox::{Fault, RetryAfter, Sandbox};

/// The service's code: remove a test tenant, treating "already gone" as done.
async fn offboard(pc: &PartnerCenter, tenant: CustomerTenantId) -> Result<&'static str, Error> {
    match pc.customers().by_id(tenant).delete().await {
        Ok(_) => Ok("deleted"),
        Err(e) if e.customer_is_gone() => Ok("already gone"),
        Err(e) => Err(e),
    }
}

#[tokio::test]
async fn offboarding_survives_throttling() -> Result<(), Box<dyn std::error::Error>> {
    let tenant = uuid::Uuid::new_v4();
    let sandbox = Sandbox::builder().tip_partner("test-token").customers([tenant]).start().await?;
    // Partner Center throttles the first attempt: 429 with Retry-After: 1.
    sandbox.inject(Fault::throttle(RetryAfter::Seconds(1)));

    let pc = PartnerCenter::builder()
        .base_url(sandbox.base_url())
        .bearer_token("test-token")
        .retry_policy(RetryPolicy::default().with_max_retry_after(Duration::from_secs(2)))
        .build()?;

    assert_eq!(offboard(&pc, tenant.into()).await?, "deleted");
    assert!(!sandbox.has_customer(tenant));
    // Both attempts carried the same MS-RequestId: the retry was idempotent.
    let requests = sandbox.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].header("ms-requestid"), requests[1].header("ms-requestid"));
    // Running it again is harmless.
    assert_eq!(offboard(&pc, tenant.into()).await?, "already gone");
    Ok(())
}
