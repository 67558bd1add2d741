//! What pasted text brings along: invisible characters and look-alikes of the ones a
//! phone or an address is written with. Folded before any parser sees the text, so a
//! number copied from a web page or a chat is read like one typed by hand.

/// Folds the look-alikes that matter for phones and email addresses:
/// - Unicode spaces (no-break, narrow no-break, thin, ideographic…) become a plain space;
/// - zero-width space, joiner and non-joiner, word joiner, soft hyphen and the byte order
///   mark disappear;
/// - hyphens and dashes (U+2010–U+2015), the minus sign and their small and fullwidth
///   forms become `-`;
/// - fullwidth ASCII (digits, `＋`, `＠`, `．`, letters, parentheses) becomes ASCII, and
///   the ideographic full stop becomes `.`.
///
/// Everything else is left as it is, for the parser to accept or name.
pub(crate) fn fold_pasted(raw: &str) -> String {
    raw.chars()
        .filter_map(|c| match c {
            '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' => None,
            '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' => Some('-'),
            '\u{3002}' | '\u{FF61}' => Some('.'),
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFF01 + 0x21),
            c if c.is_whitespace() => Some(' '),
            c => Some(c),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasted_look_alikes_become_what_they_look_like() {
        assert_eq!(
            fold_pasted("\u{FEFF}686\u{00A0}555\u{2013}0142\u{200B}"),
            "686 555-0142"
        );
        assert_eq!(fold_pasted("＋５２　６８６"), "+52 686");
        assert_eq!(fold_pasted("ana＠example．com"), "ana@example.com");
        assert_eq!(fold_pasted("55\u{202F}5555\u{2009}0142"), "55 5555 0142");
        assert_eq!(fold_pasted("686\u{2212}555"), "686-555");
        assert_eq!(fold_pasted("josé"), "josé");
    }
}

#[cfg(test)]
mod fuzz {
    use super::*;
    use crate::domain::{Field, hidden_character, refuse_hidden, require_reason};
    use proptest::prelude::*;

    proptest! {
        // Folding never fails, and leaves no fullwidth ASCII behind.
        #[test]
        fn folding_any_text_leaves_no_fullwidth_ascii(raw in any::<String>()) {
            let folded = fold_pasted(&raw);
            let fullwidth = folded.chars().any(|c| matches!(u32::from(c), 0xFF01..=0xFF5E));
            prop_assert!(!fullwidth, "{:?} folded to {:?}", raw, folded);
        }

        // A reason is refused or kept with nothing hidden in it, within its length.
        #[test]
        fn any_reason_is_kept_clean_or_refused_on_the_reason(raw in any::<String>()) {
            match require_reason(&raw) {
                Ok(reason) => {
                    prop_assert!(hidden_character(&reason).is_none());
                    prop_assert!((5..=500).contains(&reason.chars().count()));
                }
                Err(e) => prop_assert_eq!(e.field, Field::Reason),
            }
            prop_assert_eq!(refuse_hidden(&raw, Field::Office, "X").is_ok(), hidden_character(&raw).is_none());
        }
    }
}
