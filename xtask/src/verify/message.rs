//! Parsing an example file as one HTTP/1.1 message.
//!
//! The file holds a request line or a status line, `Name: value` header lines, an empty line
//! and the body. The final newline of the file is not part of the body, so a body written on
//! one line followed by a newline has the length of that line. Start and header lines are
//! checked with `httparse`, one line at a time, so each error carries its line number.

use std::path::Path;

use crate::problem::Problem;

/// The first line of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartLine {
    /// `METHOD target HTTP/1.1`
    Request {
        /// The method, as written.
        method: String,
        /// The request target: origin-form (`/path`) or absolute-form (`https://host/path`).
        target: String,
    },
    /// `HTTP/1.1 code reason`
    Response {
        /// The status code.
        status: u16,
    },
}

/// One header field and where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The field name, as written.
    pub name: String,
    /// The field value, trimmed.
    pub value: String,
    /// 1-based line number.
    pub line: usize,
}

/// A parsed example message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The request or status line.
    pub start: StartLine,
    /// Header fields in file order.
    pub headers: Vec<Header>,
    /// The body bytes (possibly empty).
    pub body: Vec<u8>,
    /// The line the body starts on (or would start on).
    pub body_line: usize,
}

impl Message {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&Header> {
        self.headers.iter().find(|h| h.name.eq_ignore_ascii_case(name))
    }
}

/// Parses `bytes` (the contents of `file`) as an HTTP/1.1 message.
pub fn parse(file: &Path, bytes: &[u8]) -> Result<Message, Vec<Problem>> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(vec![Problem::at(
            file,
            1,
            "empty file: expected a request line or a status line",
        )]);
    }
    let mut lines = Lines { rest: bytes, number: 0 };
    let mut problems = Vec::new();

    let (first, _) = lines.next_line().unwrap_or((&[], 1));
    let start = parse_start_line(first).map_err(|m| Problem::at(file, 1, m));

    let mut headers = Vec::new();
    let mut body: &[u8] = &[];
    let mut body_line = lines.number + 1;
    while let Some((line, number)) = lines.next_line() {
        if line.is_empty() {
            body = strip_final_newline(lines.rest);
            body_line = number + 1;
            break;
        }
        body_line = number + 1;
        match parse_header_line(line) {
            Ok((name, value)) => headers.push(Header { name, value, line: number }),
            Err(m) => problems.push(Problem::at(file, number, m)),
        }
    }

    if let Some(h) = headers.iter().find(|h| h.name.eq_ignore_ascii_case("content-length")) {
        match h.value.parse::<usize>() {
            Ok(n) if n == body.len() => {}
            Ok(n) => problems.push(Problem::at(
                file,
                h.line,
                format!("Content-Length is {n} but the body has {} bytes", body.len()),
            )),
            Err(_) => problems.push(Problem::at(
                file,
                h.line,
                format!("Content-Length `{}` is not a byte count", h.value),
            )),
        }
    }

    match start {
        Ok(start) if problems.is_empty() => {
            Ok(Message { start, headers, body: body.to_vec(), body_line })
        }
        Ok(_) => Err(problems),
        Err(p) => {
            problems.insert(0, p);
            Err(problems)
        }
    }
}

struct Lines<'a> {
    rest: &'a [u8],
    number: usize,
}

impl<'a> Lines<'a> {
    /// The next line without its line ending, and its 1-based number.
    fn next_line(&mut self) -> Option<(&'a [u8], usize)> {
        if self.rest.is_empty() {
            return None;
        }
        self.number += 1;
        let (line, rest) = match self.rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&self.rest[..i], &self.rest[i + 1..]),
            None => (self.rest, &[][..]),
        };
        self.rest = rest;
        Some((line.strip_suffix(b"\r").unwrap_or(line), self.number))
    }
}

fn strip_final_newline(body: &[u8]) -> &[u8] {
    body.strip_suffix(b"\r\n").or_else(|| body.strip_suffix(b"\n")).unwrap_or(body)
}

/// Documentation writes path placeholders as `<name>`, which are not URI characters; they are
/// percent-encoded for the parser and decoded again afterwards.
fn encode_placeholders(line: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(line.len() + 8);
    for &b in line {
        match b {
            b'<' => out.extend_from_slice(b"%3C"),
            b'>' => out.extend_from_slice(b"%3E"),
            _ => out.push(b),
        }
    }
    out
}

fn parse_start_line(line: &[u8]) -> Result<StartLine, String> {
    let shown = String::from_utf8_lossy(line);
    let mut input =
        if line.starts_with(b"HTTP/") { line.to_vec() } else { encode_placeholders(line) };
    input.extend_from_slice(b"\r\n\r\n");
    if line.starts_with(b"HTTP/") {
        let mut response = httparse::Response::new(&mut []);
        match response.parse(&input) {
            Ok(httparse::Status::Complete(_)) if response.version == Some(1) => {
                Ok(StartLine::Response { status: response.code.unwrap_or_default() })
            }
            Ok(httparse::Status::Complete(_)) => {
                Err(format!("status line `{shown}` is not HTTP/1.1"))
            }
            Ok(httparse::Status::Partial) | Err(_) => {
                Err(format!("malformed status line `{shown}`: expected `HTTP/1.1 <code> <reason>`"))
            }
        }
    } else {
        let mut request = httparse::Request::new(&mut []);
        match request.parse(&input) {
            Ok(httparse::Status::Complete(_)) if request.version == Some(1) => {
                let target =
                    request.path.unwrap_or_default().replace("%3C", "<").replace("%3E", ">");
                Ok(StartLine::Request {
                    method: request.method.unwrap_or_default().to_string(),
                    target,
                })
            }
            Ok(httparse::Status::Complete(_)) => {
                Err(format!("request line `{shown}` is not HTTP/1.1"))
            }
            Ok(httparse::Status::Partial) | Err(_) => Err(format!(
                "malformed request line `{shown}`: expected `<METHOD> <target> HTTP/1.1` \
                 (or a status line `HTTP/1.1 <code> <reason>`)"
            )),
        }
    }
}

fn parse_header_line(line: &[u8]) -> Result<(String, String), String> {
    let shown = String::from_utf8_lossy(line);
    let mut input = line.to_vec();
    input.extend_from_slice(b"\r\n\r\n");
    let mut slot = [httparse::EMPTY_HEADER; 1];
    match httparse::parse_headers(&input, &mut slot) {
        Ok(httparse::Status::Complete((_, [header]))) => match std::str::from_utf8(header.value) {
            Ok(value) => Ok((header.name.to_string(), value.trim().to_string())),
            Err(_) => Err(format!("header `{}` has a value that is not UTF-8", header.name)),
        },
        _ => Err(format!("malformed header line `{shown}`: expected `Name: value`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const VALID: &str = "DELETE https://api.partnercenter.microsoft.com/v1/customers/<customer-tenant-id> HTTP/1.1\nAccept: application/json\nMS-RequestId: 655890ba-4d2b-4d09-a95f-4ea1348686a5\nContent-Length: 0\n";

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic_and_errors_name_the_file(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            if let Err(problems) = parse(Path::new("fuzz.http"), &bytes) {
                prop_assert!(!problems.is_empty());
                prop_assert!(problems.iter().all(|p| p.file == Path::new("fuzz.http")));
            }
        }

        #[test]
        fn mutated_valid_examples_never_panic(at in 0usize..200, byte in any::<u8>(), cut in 0usize..200) {
            let mut bytes = VALID.as_bytes().to_vec();
            let at = at % bytes.len();
            bytes[at] = byte;
            bytes.truncate(cut.max(1));
            let _ = parse(Path::new("mutated.http"), &bytes);
        }
    }

    #[test]
    fn a_valid_example_parses_and_its_lines_are_kept() {
        let m = parse(Path::new("ok.http"), VALID.as_bytes()).expect("valid");
        assert_eq!(m.headers.len(), 3);
        assert_eq!(m.headers[1].line, 3);
    }
}
