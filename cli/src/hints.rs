//! What to do about a refusal, in one line: the client's hint for the call
//! ([`ApiError::hint`], chosen by operation, status and code), except a refused token, where
//! the CLI knows the better next step (`auth status`).

use partner_center_client::{Cloud, Error};

/// The one hint for `err`, if there is one.
pub fn for_error(err: &Error, cloud: Cloud) -> Option<String> {
    let api = err.api()?;
    if api.status().as_u16() == 401 {
        return Some(format!(
            "the access token was refused: run `partner-center auth status` to see which \
             credential was used and what its token says (it must be for {}, issued by {})",
            cloud.token_scope(),
            cloud.authority()
        ));
    }
    api.hint().map(str::to_owned)
}
