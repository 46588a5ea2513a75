//! The CLI's id-file reader (`--from-file`) on any bytes: it never panics; every problem is
//! reported as `file:line: ...` with a line of the file; what it accepts is a list of distinct
//! ids that reads back the same when written one per line.

#![no_main]

use libfuzzer_sys::fuzz_target;
use partner_center_cli::ids::from_bytes;

const NAME: &str = "ids.txt";

fuzz_target!(|data: &[u8]| {
    let lines = data.split(|&b| b == b'\n').count();
    match from_bytes(NAME, data) {
        Ok(ids) => {
            assert!(ids.len() <= lines);
            for (i, id) in ids.iter().enumerate() {
                assert!(!id.as_uuid().is_nil());
                assert!(!ids[..i].contains(id), "{id} is listed twice");
            }
            let written: String = ids.iter().map(|id| format!("{id}\n")).collect();
            let again = from_bytes(NAME, written.as_bytes()).expect("written ids read back");
            assert_eq!(again, ids);
        }
        Err(bad) => {
            assert!(!bad.0.is_empty(), "a refusal without a reason");
            for message in &bad.0 {
                let line = message
                    .strip_prefix("ids.txt:")
                    .and_then(|rest| rest.split_once(": "))
                    .and_then(|(line, _)| line.parse::<usize>().ok())
                    .unwrap_or_else(|| panic!("no file:line in `{message}`"));
                assert!((1..=lines).contains(&line), "line {line} of {lines}: {message}");
            }
        }
    }
});
