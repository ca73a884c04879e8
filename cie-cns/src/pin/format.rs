//! The codes' format, checked before anything reaches the card: a code in the wrong format
//! would cost a try on some chips, and never reaches the card through the module either.

use crate::lang::Lang;
use crate::token::Family;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    Pin,
    Puk,
}

/// Digits a code of `family` has: TS-CNS 5 to 8 (cns.md §4), CIE exactly 8 (cie.md §6).
pub fn digits(family: Family) -> (usize, usize) {
    match family {
        Family::Cns => (5, 8),
        Family::Cie => (8, 8),
    }
}

pub fn check(family: Family, code: &str) -> bool {
    let (min, max) = digits(family);
    (min..=max).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_digit())
}

/// "The TS-CNS's PIN has 5 to 8 digits" in `lang`.
pub fn rule(lang: Lang, family: Family, code: Code) -> String {
    let name = match code {
        Code::Pin => "PIN",
        Code::Puk => "PUK",
    };
    let (min, max) = digits(family);
    let family = family.name();
    if min == max {
        lang.pick(
            format!("il {name} della {family} ha esattamente {max} cifre"),
            format!("the {family}'s {name} has exactly {max} digits"),
        )
    } else {
        lang.pick(
            format!("il {name} della {family} ha da {min} a {max} cifre"),
            format!("the {family}'s {name} has {min} to {max} digits"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ts_cns_five_to_eight_digits_cie_exactly_eight() {
        for ok in ["12345", "123456", "12345678"] {
            assert!(check(Family::Cns, ok), "{ok}");
        }
        for wrong in ["1234", "123456789", "1234a", "", "12 345", "١٢٣٤٥"] {
            assert!(!check(Family::Cns, wrong), "{wrong}");
        }
        assert!(check(Family::Cie, "12345678"));
        for wrong in ["1234567", "123456789", "12345", "1234567x"] {
            assert!(!check(Family::Cie, wrong), "{wrong}");
        }
        assert_eq!(
            rule(Lang::En, Family::Cie, Code::Puk),
            "the CIE's PUK has exactly 8 digits"
        );
        assert_eq!(
            rule(Lang::It, Family::Cns, Code::Pin),
            "il PIN della TS-CNS ha da 5 a 8 cifre"
        );
    }
}
