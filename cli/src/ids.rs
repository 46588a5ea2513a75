//! Customer ids from the command line or a file, all validated before anything is sent.

use std::io::Read;
use std::path::Path;

use partner_center_client::CustomerTenantId;

/// Every bad id, each with where it came from; nothing is sent when there is one.
#[derive(Debug, Default)]
pub struct BadIds(pub Vec<String>);

/// The ids given as arguments, in order, without repeats.
pub fn from_args(args: &[String]) -> Result<Vec<CustomerTenantId>, BadIds> {
    collect(args.iter().enumerate().map(|(i, a)| (format!("argument {}", i + 1), a.as_str())))
}

/// The ids in `path` (`-`: standard input), one per line; see [`from_bytes`].
pub fn from_file(path: &Path) -> Result<Vec<CustomerTenantId>, BadIds> {
    let name = path.display().to_string();
    if name == "-" {
        let name = "standard input";
        let mut bytes = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .map_err(|e| BadIds(vec![format!("{name}: cannot read: {e}")]))?;
        return from_bytes(name, &bytes);
    }
    let bytes =
        std::fs::read(path).map_err(|e| BadIds(vec![format!("{name}: cannot read: {e}")]))?;
    from_bytes(&name, &bytes)
}

/// The ids in `bytes`, the contents of the file called `name` in messages, one per line, in
/// order, without repeats; blank lines and `#` comments (whole-line or after an id) are
/// skipped. Every problem is reported as `name:line: ...`; the text must be UTF-8.
pub fn from_bytes(name: &str, bytes: &[u8]) -> Result<Vec<CustomerTenantId>, BadIds> {
    let mut lines = Vec::new();
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        match std::str::from_utf8(line) {
            Ok(text) => lines.push(text),
            Err(_) => return Err(BadIds(vec![format!("{name}:{}: not UTF-8 text", i + 1)])),
        }
    }
    collect(lines.iter().enumerate().filter_map(|(i, line)| {
        let text = line.split('#').next().unwrap_or_default().trim();
        (!text.is_empty()).then(|| (format!("{name}:{}", i + 1), text))
    }))
}

fn collect<'a>(
    items: impl Iterator<Item = (String, &'a str)>,
) -> Result<Vec<CustomerTenantId>, BadIds> {
    let mut ids = Vec::new();
    let mut bad = BadIds::default();
    for (place, text) in items {
        match text.trim().parse::<CustomerTenantId>() {
            Ok(id) if !ids.contains(&id) => ids.push(id),
            Ok(_) => {}
            Err(e) => bad.0.push(format!("{place}: {e}")),
        }
    }
    if bad.0.is_empty() { Ok(ids) } else { Err(bad) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_allow_blank_lines_and_comments_and_name_bad_lines() {
        let dir = std::env::temp_dir().join(format!("pc-ids-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let file = dir.join("ids.txt");
        let id = "3b4a9d4f-2b1e-4c67-9f0a-1a2b3c4d5e6f";
        std::fs::write(&file, format!("# test customers\n\n{id}  # the first\r\n{id}\nnope\n"))
            .expect("write");
        let err = from_file(&file).expect_err("a bad line");
        assert_eq!(err.0.len(), 1);
        assert!(err.0[0].contains("ids.txt:5: invalid customer tenant id `nope`"), "{:?}", err.0);
        std::fs::write(&file, format!("# test customers\n\n{id}  # the first\r\n{id}\n"))
            .expect("write");
        assert_eq!(from_file(&file).expect("valid").len(), 1, "repeats are dropped");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn bytes_are_read_as_lines_named_after_the_file() {
        let id = "3b4a9d4f-2b1e-4c67-9f0a-1a2b3c4d5e6f";
        let ids = from_bytes("standard input", format!("{id}\r\n\n# x\n").as_bytes());
        assert_eq!(ids.expect("valid").len(), 1);
        let err =
            from_bytes("ids.txt", &[id.as_bytes(), b"\n\xff\n"].concat()).expect_err("binary");
        assert_eq!(err.0, ["ids.txt:2: not UTF-8 text"]);
    }

    #[test]
    fn arguments_are_named_by_position() {
        let err = from_args(&["3b4a9d4f-2b1e-4c67-9f0a-1a2b3c4d5e6f".into(), "x".into()])
            .expect_err("bad");
        assert!(err.0[0].starts_with("argument 2: invalid customer tenant id `x`"), "{:?}", err.0);
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn any_file_is_read_or_refused_with_line_numbers(lines in proptest::collection::vec(".{0,60}", 0..20)) {
                let dir = std::env::temp_dir().join(format!("pc-ids-prop-{}-{:?}", std::process::id(), std::thread::current().id()));
                std::fs::create_dir_all(&dir).expect("dir");
                let file = dir.join("ids.txt");
                std::fs::write(&file, lines.join("\n")).expect("write");
                match from_file(&file) {
                    Ok(ids) => prop_assert!(ids.len() <= lines.len()),
                    Err(bad) => {
                        prop_assert!(!bad.0.is_empty());
                        prop_assert!(bad.0.iter().all(|m| m.contains("ids.txt:")), "{:?}", bad.0);
                    }
                }
            }

            #[test]
            fn valid_ids_survive_comments_blank_lines_and_case(ids in proptest::collection::vec(any::<[u8; 16]>(), 1..10)) {
                let ids: Vec<uuid::Uuid> = ids.into_iter().map(uuid::Uuid::from_bytes).filter(|u| !u.is_nil()).collect();
                prop_assume!(!ids.is_empty());
                let text: String = ids.iter().map(|u| format!("  {}  # note\n\n", u.to_string().to_uppercase())).collect();
                let dir = std::env::temp_dir().join(format!("pc-ids-ok-{}-{:?}", std::process::id(), std::thread::current().id()));
                std::fs::create_dir_all(&dir).expect("dir");
                let file = dir.join("ids.txt");
                std::fs::write(&file, format!("# header\n{text}")).expect("write");
                let read: Vec<uuid::Uuid> = from_file(&file).expect("valid").into_iter().map(|c| c.as_uuid()).collect();
                let mut unique = ids.clone();
                unique.dedup();
                let mut seen = std::collections::HashSet::new();
                unique.retain(|u| seen.insert(*u));
                prop_assert_eq!(read, unique);
            }
        }
    }
}
