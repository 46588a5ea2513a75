//! The customers resource (`/v1/customers`): one handler per operation on it, the listing's
//! continuation tokens, and the customer as the listing and a read by id both write it.

pub(crate) mod address;
pub(crate) mod continuation;
pub(crate) mod create;
pub(crate) mod delete;
pub(crate) mod domains;
pub(crate) mod get;
pub(crate) mod list;

use serde_json::json;

use crate::store::CustomerRecord;

/// A customer as the sandbox writes it in a listing (and, with more, in a read by id).
pub(crate) fn customer_json(c: &CustomerRecord) -> serde_json::Value {
    json!({
        "id": c.id,
        "companyProfile": {
            "tenantId": c.id,
            "domain": c.domain,
            "companyName": c.company_name,
            "attributes": { "objectType": "CustomerCompanyProfile" },
        },
        "relationshipToPartner": "reseller",
        "attributes": { "objectType": "Customer" },
    })
}
