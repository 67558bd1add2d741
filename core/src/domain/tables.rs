//! The table tests of phones and addresses as people type them, kept as data beside the
//! other tests (core/tests/data): each row is one typed form and what must come of it.
//! Invisible characters are written `\u{200B}` in the files, so a reader can see them.

use super::{EmailAddress, Field, Phone, PhoneCountry};

const PHONES: &str = include_str!("../../tests/data/telefonos.csv");
const EMAILS: &str = include_str!("../../tests/data/correos.csv");

/// The rows of a table, with the `\u{…}` escapes of the first column decoded.
fn rows(table: &str) -> Vec<Vec<String>> {
    csv::Reader::from_reader(table.as_bytes())
        .records()
        .map(|r| {
            let r = r.expect("a readable row");
            let mut row: Vec<String> = r.iter().map(str::to_owned).collect();
            row[0] = unescape(&row[0]);
            row
        })
        .collect()
}

fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("\\u{") {
        out.push_str(&rest[..at]);
        let end = rest[at..].find('}').expect("a closed escape") + at;
        let code = u32::from_str_radix(&rest[at + 3..end], 16).expect("hex digits");
        out.push(char::from_u32(code).expect("a character"));
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

#[test]
fn every_typed_phone_in_the_table() {
    let rows = rows(PHONES);
    assert!(rows.len() >= 150, "only {} rows", rows.len());
    let mut wrong = Vec::new();
    for row in &rows {
        let [typed, country, expected, shown, note] = &row[..] else {
            panic!("five columns: {row:?}");
        };
        let country = match country.as_str() {
            "mx" => PhoneCountry::Mexico,
            "us" => PhoneCountry::UnitedStatesOrCanada,
            other => panic!("country {other:?}"),
        };
        let got = match Phone::parse(typed, country) {
            Ok(phone) => {
                // What is shown reads back to the same number.
                let again = Phone::parse(&phone.national_display(), country);
                assert_eq!(again.as_ref(), Ok(&phone), "{typed:?} shown again");
                (phone.e164().to_owned(), phone.national_display())
            }
            Err(e) => {
                assert_eq!(e.field, Field::Phone);
                assert!(e.message.contains("teléfono"), "{typed:?}: {}", e.message);
                (e.code.to_owned(), String::new())
            }
        };
        if (&got.0, &got.1) != (expected, shown) {
            wrong.push(format!(
                "{typed:?} ({note}): expected {expected} «{shown}», got {} «{}»",
                got.0, got.1
            ));
        }
    }
    all_right(&wrong, rows.len());
}

#[test]
fn every_typed_address_in_the_table() {
    let rows = rows(EMAILS);
    assert!(rows.len() >= 150, "only {} rows", rows.len());
    let mut wrong = Vec::new();
    for row in &rows {
        let [typed, expected, suggestion, note] = &row[..] else {
            panic!("four columns: {row:?}");
        };
        let got = match EmailAddress::check(typed) {
            Ok(check) => {
                // What the form accepts is what the mailer sends to.
                assert_eq!(
                    check.address.mailbox().email.to_string(),
                    check.address.as_str()
                );
                assert_eq!(
                    EmailAddress::parse(check.address.as_str()).as_ref(),
                    Ok(&check.address)
                );
                (
                    check.address.to_string(),
                    check.suggestion.unwrap_or_default(),
                )
            }
            Err(e) => {
                assert_eq!(e.field, Field::Email);
                (e.code.to_owned(), String::new())
            }
        };
        if (&got.0, &got.1) != (expected, suggestion) {
            wrong.push(format!(
                "{typed:?} ({note}): expected {expected} «{suggestion}», got {} «{}»",
                got.0, got.1
            ));
        }
    }
    all_right(&wrong, rows.len());
}

/// Every row of a table behaved as written, or the list of those that did not.
fn all_right(wrong: &[String], rows: usize) {
    assert!(
        wrong.is_empty(),
        "{} of {rows} rows:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
