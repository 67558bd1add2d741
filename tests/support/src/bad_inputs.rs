//! The catalogue of bad inputs (`core/tests/data/entradas_malas.csv`), read once for the
//! tests that put it through the core (`core/tests/core/bad_inputs.rs`) and through the
//! app's commands (`tests/app/commands.rs`).
//!
//! The file's `entrada` column is escaped: `\n`, `\r`, `\t`, `\0`, `\\`, `\"`,
//! `\u{HHHH}`, `\xHH` (a raw byte, for roster lines), `\uHHHH` after `json:` (the text as
//! the front end's JSON carries it), and `{N*text}` for `text` repeated `N` times.

const CATALOGUE: &str = include_str!("../../../core/tests/data/entradas_malas.csv");

pub struct Entry {
    pub line: usize,
    pub field: String,
    pub raw: String,
    pub bytes: Vec<u8>,
    pub expected: String,
    pub what: String,
}

impl Entry {
    pub fn text(&self) -> String {
        String::from_utf8(self.bytes.clone())
            .unwrap_or_else(|_| panic!("line {}: not UTF-8 outside a roster line", self.line))
    }

    pub fn about(&self) -> String {
        format!(
            "line {} ({}: {} «{}»)",
            self.line, self.field, self.what, self.raw
        )
    }
}

pub fn catalogue() -> Vec<Entry> {
    let mut reader = csv::Reader::from_reader(CATALOGUE.as_bytes());
    reader
        .records()
        .enumerate()
        .map(|(i, record)| {
            let record = record.unwrap();
            let raw = record[1].to_owned();
            Entry {
                line: i + 2,
                field: record[0].to_owned(),
                bytes: if raw.starts_with("json:") {
                    Vec::new()
                } else {
                    unescape(&raw)
                },
                raw,
                expected: record[2].to_owned(),
                what: record[3].to_owned(),
            }
        })
        .collect()
}

/// The `entrada` column's escapes, as bytes.
pub fn unescape(raw: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = raw;
    while let Some(c) = rest.chars().next() {
        if let Some(inner) = rest.strip_prefix('{')
            && let Some((count, tail)) = inner.split_once('*')
            && !count.is_empty()
            && count.chars().all(|c| c.is_ascii_digit())
            && let Some((text, after)) = tail.split_once('}')
        {
            let n: usize = count.parse().unwrap();
            out.extend(unescape(text).repeat(n));
            rest = after;
            continue;
        }
        if let Some(escaped) = rest.strip_prefix('\\') {
            let mut chars = escaped.chars();
            match chars.next() {
                Some('n') => out.push(b'\n'),
                Some('r') => out.push(b'\r'),
                Some('t') => out.push(b'\t'),
                Some('0') => out.push(0),
                Some('\\') => out.push(b'\\'),
                Some('"') => out.push(b'"'),
                Some('x') => {
                    let hex = &escaped[1..3];
                    out.push(u8::from_str_radix(hex, 16).unwrap());
                    rest = &escaped[3..];
                    continue;
                }
                Some('u') => {
                    let (hex, after) = escaped[2..].split_once('}').unwrap();
                    let c = char::from_u32(u32::from_str_radix(hex, 16).unwrap()).unwrap();
                    out.extend(c.to_string().as_bytes());
                    rest = after;
                    continue;
                }
                other => panic!("unknown escape {other:?} in {raw}"),
            }
            rest = chars.as_str();
            continue;
        }
        let mut buf = [0u8; 4];
        out.extend(c.encode_utf8(&mut buf).as_bytes());
        rest = &rest[c.len_utf8()..];
    }
    out
}
