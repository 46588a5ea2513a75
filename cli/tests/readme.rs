//! `cli/README.md` in step with the parser.
//!
//! The rule: the README's flag listing is the part between the lines `<!-- flags:begin` and
//! `<!-- flags:end -->`. Each long flag (`--xxx`) that the binary's help prints as an option
//! (the first `--xxx` of a line that starts with `-` once trimmed, as clap lays options out) for
//! `--help`, `customers list --help`, `customers delete --help`, `customers purchases --help`,
//! `customers create --help` and `auth status --help` must appear in that section, and every `--xxx` token in that section
//! must be one of those flags. Text outside the section (examples, other tools' flags such as
//! `az login --tenant`) is not checked.

use std::collections::BTreeSet;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_partner-center");
const HELPS: &[&[&str]] = &[
    &["--help"],
    &["customers", "list", "--help"],
    &["customers", "delete", "--help"],
    &["customers", "purchases", "--help"],
    &["customers", "create", "--help"],
    &["auth", "status", "--help"],
];
const BEGIN: &str = "<!-- flags:begin";
const END: &str = "<!-- flags:end -->";

/// Every `--xxx` token in `text` that is not part of a longer word or dash run.
fn long_flags(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while let Some(at) = text[i..].find("--").map(|p| p + i) {
        let before_ok =
            at == 0 || !(bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'-');
        let name: String = text[at + 2..]
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
            .collect();
        if before_ok && name.starts_with(|c: char| c.is_ascii_lowercase()) {
            found.push(format!("--{}", name.trim_end_matches('-')));
        }
        i = at + 2 + name.len();
    }
    found
}

/// The long flags the help output lists as options.
fn options_in_help(help: &str) -> BTreeSet<String> {
    help.lines()
        .map(str::trim_start)
        .filter(|line| line.starts_with('-'))
        .filter_map(|line| long_flags(line).into_iter().next())
        .collect()
}

fn help_flags() -> BTreeSet<String> {
    let mut flags = BTreeSet::new();
    for args in HELPS {
        let out = Command::new(BIN)
            .args(*args)
            .env_remove("PARTNER_CENTER_AUTH")
            .env_remove("AZURE_AUTHORITY_HOST")
            .output()
            .expect("the binary runs");
        assert!(out.status.success(), "partner-center {} failed: {out:?}", args.join(" "));
        let help = String::from_utf8(out.stdout).expect("help is UTF-8");
        let found = options_in_help(&help);
        assert!(
            found.contains("--help"),
            "no options found in `partner-center {}`:\n{help}",
            args.join(" ")
        );
        flags.extend(found);
    }
    flags
}

fn readme_section() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).expect("cli/README.md is readable");
    let start = readme.find(BEGIN).expect("cli/README.md has a `<!-- flags:begin` line");
    let end = readme.find(END).expect("cli/README.md has a `<!-- flags:end -->` line");
    assert!(start < end, "flags:begin comes before flags:end");
    let after_begin = readme[start..].find('\n').map_or(end, |n| start + n);
    readme[after_begin..end].to_owned()
}

#[test]
fn every_flag_the_parser_knows_is_in_the_readme_and_no_other() {
    let help = help_flags();
    let section = readme_section();
    let documented: BTreeSet<String> = long_flags(&section).into_iter().collect();

    let missing: Vec<&String> = help.difference(&documented).collect();
    let unknown: Vec<&String> = documented.difference(&help).collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "cli/README.md's flag section is out of step with --help:\n  printed by --help but not \
         in the README: {missing:?}\n  in the README but printed by no --help: {unknown:?}"
    );
}

#[test]
fn the_flag_scanner_reads_tokens_not_fragments() {
    assert_eq!(long_flags("`--from-file FILE`, -y, --yes"), ["--from-file", "--yes"]);
    assert!(long_flags("#purchases-first---cancel-purchases a--b --- -- --X").is_empty());
    let help = "Options:\n      --cloud <CLOUD>  With --base-url, …\n  -h, --help  Print help\n";
    assert_eq!(
        options_in_help(help),
        BTreeSet::from(["--cloud".to_string(), "--help".to_string()])
    );
}
