//! The customer model, as the listing returns it.

use crate::customers::id::CustomerTenantId;
use crate::generated::types;

/// A customer of the partner, as listed. Fields Partner Center adds that this type does not
/// name are ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Customer {
    id: CustomerTenantId,
    company_name: Option<String>,
    domain: Option<String>,
    relationship_to_partner: Option<String>,
}

impl Customer {
    /// The customer's tenant id (the id to delete it by).
    pub fn id(&self) -> CustomerTenantId {
        self.id
    }

    /// The company name (`companyProfile.companyName`).
    pub fn company_name(&self) -> Option<&str> {
        self.company_name.as_deref()
    }

    /// The default domain (`companyProfile.domain`), such as `contoso.onmicrosoft.com`.
    pub fn domain(&self) -> Option<&str> {
        self.domain.as_deref()
    }

    /// The licensing relationship: `reseller`, `advisor`, `none`, ...
    pub fn relationship_to_partner(&self) -> Option<&str> {
        self.relationship_to_partner.as_deref()
    }
}

impl From<types::Customer> for Customer {
    fn from(c: types::Customer) -> Self {
        let profile = c.company_profile.unwrap_or_default();
        Self {
            id: CustomerTenantId::from_uuid(c.id),
            company_name: profile.company_name,
            domain: profile.domain,
            relationship_to_partner: c.relationship_to_partner,
        }
    }
}
