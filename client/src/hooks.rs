//! placeholder
#[derive(Clone, Debug, Default)]
pub struct CallContext;
impl progenitor_client::ClientHooks<CallContext> for crate::generated::Client {}
