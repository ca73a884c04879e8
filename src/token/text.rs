//! Text from the card on its way to a UTF-8 field of a PKCS#11 structure or to a log
//! (issue #11): card data is untrusted, and a control character in a token label (an escape
//! sequence, a newline, a bidirectional override) would reach whatever an application
//! prints it on, or forge lines in a log. Every such character becomes `?`.

/// `text` with every control character (Unicode Cc) and bidirectional formatting character
/// replaced by `?`.
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if is_unsafe(c) { '?' } else { c })
        .collect()
}

fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        || matches!(c, '\u{2028}' | '\u{2029}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_become_question_marks() {
        assert_eq!(printable("TS-CNS ROSSI MARIO"), "TS-CNS ROSSI MARIO");
        assert_eq!(printable("ROSSI\x1b[31m"), "ROSSI?[31m");
        assert_eq!(printable("a\nb\r\0c\x7f"), "a?b??c?");
        assert_eq!(printable("ab\u{202E}cd\u{2028}"), "ab?cd?");
        // Letters of any script stay.
        assert_eq!(printable("NICOLÒ D'ANGELO"), "NICOLÒ D'ANGELO");
    }
}
