//! `CustomerTenantId::from_str` on any text: it never panics, an accepted id is what the `uuid`
//! crate reads and round-trips through `Display`, and a refusal names the input (cut short) in
//! a message of bounded length.

#![no_main]

use std::str::FromStr;

use libfuzzer_sys::fuzz_target;
use partner_center_client::CustomerTenantId;

/// The message shows at most 80 characters of the input, plus the reason `uuid` gives.
const MAX_MESSAGE_CHARS: usize = 400;

fuzz_target!(|text: &str| {
    match CustomerTenantId::from_str(text) {
        Ok(id) => {
            assert!(!id.as_uuid().is_nil(), "the nil GUID is refused");
            assert_eq!(uuid::Uuid::try_parse(text).ok(), Some(id.as_uuid()));
            let shown = id.to_string();
            assert_eq!(shown, id.as_uuid().hyphenated().to_string());
            assert_eq!(CustomerTenantId::from_str(&shown), Ok(id), "Display round-trips");
        }
        Err(e) => {
            let message = e.to_string();
            assert!(
                message.chars().count() <= MAX_MESSAGE_CHARS,
                "a {}-character message",
                message.chars().count()
            );
            let start: String = text.chars().take(80).collect();
            assert!(message.contains(&start), "the message names the input: {message}");
        }
    }
});
