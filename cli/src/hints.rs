//! What to do about a refusal the user can fix, in one line.

use partner_center_client::{Cloud, Error, ErrorCode, codes};

/// A one-line explanation of what to do, for refusals the user can act on.
pub fn for_error(err: &Error, cloud: Cloud) -> Option<String> {
    let api = err.api()?;
    let code = match api.code() {
        Some(ErrorCode::Number(n)) => Some(*n),
        Some(ErrorCode::Text(t)) => t.parse().ok(),
        None => None,
    };
    let description = api.description().unwrap_or_default().to_ascii_lowercase();
    let hint = match (api.status().as_u16(), code) {
        // The refusal of a delete for active purchases only (Partner Center documents no code
        // for it; this is the wording users report), not any error that mentions an order.
        (409, _) if description.contains("cannot be removed due to active") => {
            "the customer has active Azure Reserved Instance or software orders: run the delete \
             again with --cancel-purchases to cancel them first (the documented procedure), or \
             cancel them in Partner Center"
                .to_string()
        }
        (403, Some(codes::ACCESS_DENIED)) => "this partner account is not a Testing in Production (integration \
             sandbox) account: Partner Center deletes customers only from one; use the TiP account's credentials"
            .to_string(),
        (403, Some(codes::NO_RELATIONSHIP)) => "this customer belongs to another partner: check the id, or sign in as \
             the partner that owns it"
            .to_string(),
        (401, _) => format!(
            "the access token was refused: run `partner-center auth status` to see which \
             credential was used and what its token says (it must be for {}, issued by {})",
            cloud.token_scope(),
            cloud.authority()
        ),
        _ => return None,
    };
    Some(hint)
}
