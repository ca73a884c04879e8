//! EF_DatiPersonali (`3F00/1100/1102`, cns.md §2.2): ASCII, a 6-hex-digit header, then
//! 16 fields each as 2 hex digits of length plus that many characters, then `00` padding.
//!
//! The header is ambiguous between cards (length with or without itself, cns.md §2.2 and
//! §9 q5), so it is only an upper bound: the parser walks the fields and stops cleanly at
//! padding, at the bound or at garbage, keeping the fields read so far.

/// Field positions (cns.md §2.2).
pub const SURNAME: usize = 3;
pub const GIVEN_NAME: usize = 4;
pub const CODICE_FISCALE: usize = 8;
const FIELD_COUNT: usize = 16;
const HEADER_LEN: usize = 6;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonalDataError {
    /// The first six bytes are not hexadecimal digits.
    BadHeader,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonalData {
    /// Fields 0..16 as far as they could be read; empty fields are `None`.
    fields: Vec<Option<Field>>,
}

/// One non-empty field: the bytes as stored (surrounding blanks trimmed) and as text.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Field {
    raw: Vec<u8>,
    text: String,
}

impl PersonalData {
    /// Field `index` as text (Latin-1, control characters dropped).
    pub fn field(&self, index: usize) -> Option<&str> {
        self.fields
            .get(index)
            .and_then(Option::as_ref)
            .map(|f| f.text.as_str())
    }

    /// Field `index` as the card stores it, blanks around it trimmed.
    pub fn raw_field(&self, index: usize) -> Option<&[u8]> {
        self.fields
            .get(index)
            .and_then(Option::as_ref)
            .map(|f| f.raw.as_slice())
    }

    /// How many of the 16 fields the file held (fewer when it is truncated).
    pub fn field_count(&self) -> usize {
        self.fields.len()
    }

    pub fn surname(&self) -> Option<&str> {
        self.field(SURNAME)
    }

    pub fn given_name(&self) -> Option<&str> {
        self.field(GIVEN_NAME)
    }

    pub fn codice_fiscale(&self) -> Option<&str> {
        self.field(CODICE_FISCALE)
    }

    /// The file in the card's format with only the fields the token shows (surname, given
    /// name, codice fiscale — all in the certificate too): what the public-data cache keeps,
    /// read back by `parse` like the card's own file.
    pub fn shown_fields_file(&self) -> Vec<u8> {
        let shown = [SURNAME, GIVEN_NAME, CODICE_FISCALE];
        let mut body = Vec::new();
        for index in 0..=CODICE_FISCALE {
            let value = match self.raw_field(index) {
                Some(v) if shown.contains(&index) && v.len() <= 0xFF => v,
                _ => &[],
            };
            body.extend(format!("{:02X}", value.len()).bytes());
            body.extend_from_slice(value);
        }
        let mut file = format!("{:06X}", body.len()).into_bytes();
        file.extend(body);
        file
    }

    /// "SURNAME GIVEN", the holder as shown in the token label.
    pub fn holder(&self) -> Option<String> {
        match (self.surname(), self.given_name()) {
            (Some(s), Some(g)) => Some(format!("{s} {g}")),
            (Some(n), None) | (None, Some(n)) => Some(n.to_string()),
            (None, None) => None,
        }
    }
}

/// The most bytes worth reading once the first six are known (header + declared length).
pub fn declared_end(prefix: &[u8]) -> Option<usize> {
    let header = prefix.get(..HEADER_LEN)?;
    hex_value(header).map(|len| len.saturating_add(HEADER_LEN))
}

pub fn parse(file: &[u8]) -> Result<PersonalData, PersonalDataError> {
    let header = file.get(..HEADER_LEN).ok_or(PersonalDataError::BadHeader)?;
    let declared = hex_value(header).ok_or(PersonalDataError::BadHeader)?;
    let end = file.len().min(declared.saturating_add(HEADER_LEN));
    let mut fields = Vec::with_capacity(FIELD_COUNT);
    let mut pos = HEADER_LEN;
    while fields.len() < FIELD_COUNT {
        let Some(len_digits) = file.get(pos..pos + 2).filter(|_| pos + 2 <= end) else {
            break;
        };
        let Some(len) = hex_value(len_digits) else {
            // Padding (`00`) or garbage: the fields end here.
            break;
        };
        pos += 2;
        let Some(value) = file.get(pos..pos + len).filter(|_| pos + len <= end) else {
            break;
        };
        pos += len;
        fields.push(field(value));
    }
    Ok(PersonalData { fields })
}

fn hex_value(digits: &[u8]) -> Option<usize> {
    digits.iter().try_fold(0usize, |acc, d| {
        let v = char::from(*d).to_digit(16)?;
        Some(acc * 16 + v as usize)
    })
}

/// A field: blanks around it trimmed; as text, bytes read as Latin-1 (never fails) with
/// control characters dropped; empty → `None`.
fn field(value: &[u8]) -> Option<Field> {
    let start = value.iter().position(|b| !is_blank(*b))?;
    let end = value.iter().rposition(|b| !is_blank(*b))? + 1;
    let raw = value.get(start..end)?.to_vec();
    let text: String = raw
        .iter()
        .map(|b| char::from(*b))
        .filter(|c| !c.is_control())
        .collect();
    let text = text.trim().to_string();
    (!text.is_empty()).then_some(Field { raw, text })
}

/// Blanks a card may pad a field with: space, NUL, FF.
fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | 0x00 | 0xFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cached_file_keeps_only_the_shown_fields() {
        let mut fields = vec!["x"; 16];
        fields[SURNAME] = "ROSSI";
        fields[GIVEN_NAME] = "MARIO";
        fields[CODICE_FISCALE] = "RSSMRA80A01H501U";
        fields[5] = "01011980";
        let card = parse(&build(&fields, false, 0)).unwrap();
        let cached = parse(&card.shown_fields_file()).unwrap();
        assert_eq!(cached.holder(), card.holder());
        assert_eq!(cached.codice_fiscale(), Some("RSSMRA80A01H501U"));
        assert_eq!(cached.field(5), None, "birth date not kept");
        assert_eq!(cached.field(0), None);
    }

    /// Builds a file the way the card stores it; `header_includes_itself` picks the variant.
    fn build(fields: &[&str], header_includes_itself: bool, pad_to: usize) -> Vec<u8> {
        let mut body = String::new();
        for f in fields {
            body.push_str(&format!("{:02X}{f}", f.len()));
        }
        let len = body.len() + if header_includes_itself { 6 } else { 0 };
        let mut file = format!("{len:06X}{body}").into_bytes();
        file.resize(pad_to.max(file.len()), 0);
        file
    }

    const FIELDS: [&str; 16] = [
        "A123",
        "01012020",
        "01012026",
        "ROSSI",
        "MARIO",
        "02031970",
        "M",
        "",
        "RSSMRA70C02H501X",
        "",
        "H501",
        "",
        "",
        "H501",
        "VIA ROMA 1",
        "",
    ];

    #[test]
    fn reads_both_header_variants() {
        for includes in [false, true] {
            let pd = parse(&build(&FIELDS, includes, 400)).unwrap();
            assert_eq!(pd.surname(), Some("ROSSI"), "includes={includes}");
            assert_eq!(pd.given_name(), Some("MARIO"));
            assert_eq!(pd.codice_fiscale(), Some("RSSMRA70C02H501X"));
            assert_eq!(pd.field(14), Some("VIA ROMA 1"));
            assert_eq!(pd.field(7), None);
            assert_eq!(pd.holder().as_deref(), Some("ROSSI MARIO"));
        }
    }

    #[test]
    fn declared_end_is_an_upper_bound() {
        let file = build(&FIELDS, false, 400);
        let end = declared_end(&file).unwrap();
        assert!(end <= 400);
        assert_eq!(
            parse(&file[..end]).unwrap().codice_fiscale(),
            Some("RSSMRA70C02H501X")
        );
        assert_eq!(declared_end(b"00"), None);
        assert_eq!(declared_end(b"zz0065"), None);
    }

    #[test]
    fn truncated_file_keeps_leading_fields() {
        let file = build(&FIELDS, false, 0);
        let pd = parse(&file[..40]).unwrap();
        assert_eq!(pd.surname(), Some("ROSSI"));
        assert_eq!(pd.codice_fiscale(), None);
    }

    #[test]
    fn header_smaller_than_fields_bounds_the_walk() {
        let mut file = build(&FIELDS, false, 400);
        // 12 bytes after the header: field 0 ("04A123") fits, field 1 does not.
        file[..6].copy_from_slice(b"00000C");
        let pd = parse(&file).unwrap();
        assert_eq!(pd.field(0), Some("A123"));
        assert_eq!(pd.field(1), None);
        assert_eq!(pd.surname(), None);
    }

    #[test]
    fn garbage_is_an_error_or_empty_never_a_panic() {
        assert_eq!(parse(b""), Err(PersonalDataError::BadHeader));
        assert_eq!(parse(b"XYZ123"), Err(PersonalDataError::BadHeader));
        assert_eq!(parse(&[0u8; 400]), Err(PersonalDataError::BadHeader));
        let pd = parse(b"FFFFFFFF\xFF\xFFzz").unwrap();
        assert_eq!(pd.holder(), None);
        for a in 0..=255u8 {
            let _ = parse(&[b'0', b'0', b'0', b'0', b'F', b'F', a, b'F', a, a, a]);
        }
    }

    #[test]
    fn non_ascii_and_control_characters() {
        let file = build(&["", "", "", "D'ANGELO\x01", "NICOL\u{D2}"], false, 0);
        // Field 4 written as Latin-1 byte D2.
        let mut latin1 = file.clone();
        let pos = latin1.windows(2).position(|w| w == [0xC3, 0x92]).unwrap();
        latin1.splice(pos..pos + 2, [0xD2]);
        let len_pos = pos - 5 - 2;
        latin1[len_pos..len_pos + 2].copy_from_slice(b"06");
        let pd = parse(&latin1).unwrap();
        assert_eq!(pd.surname(), Some("D'ANGELO"));
        assert_eq!(pd.given_name(), Some("NICOL\u{D2}"));
    }
}
