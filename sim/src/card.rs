//! The `VirtualCard` trait every simulated chip implements, and the table of cards and variants the
//! `cardsim` binary can start.

use crate::state::PinState;
use crate::{cie, cns};

/// A chip as the reader sees it: an ATR, a reset line and an APDU processor.
pub trait VirtualCard: Send {
    /// Answer-to-reset bytes.
    fn atr(&self) -> Vec<u8>;
    /// Power-off / warm reset: drop all volatile security state (verified PINs, current DF/EF,
    /// security environment), as a real chip does when it loses power.
    fn reset(&mut self);
    /// Process one command APDU and return the response APDU (data ‖ SW1 SW2). Never panics.
    fn process(&mut self, apdu: &[u8]) -> Vec<u8>;
    /// Card state the tests observe besides the APDU counts, e.g. `("pin_tries", 3)`: a wrong PIN
    /// must leave exactly one try fewer, and only the chip knows its counter.
    fn counters(&self) -> Vec<(&'static str, u64)> {
        Vec::new()
    }
    /// PIN/PUK values and retry counters to keep across restarts (`--state`, state.rs); `None` if
    /// the card keeps nothing.
    fn pin_state(&self) -> Option<PinState> {
        None
    }
    /// Put back what `pin_state` saved (at start, before the first APDU).
    fn restore_pin_state(&mut self, _state: &PinState) -> Result<(), String> {
        Err("this card does not keep PIN state".into())
    }
}

/// Options common to the card families.
#[derive(Clone, Debug)]
pub struct CardOptions {
    /// User PIN, 5..8 ASCII digits.
    pub pin: String,
    /// PUK, 5..8 ASCII digits.
    pub puk: String,
    /// A deliberate misbehaviour (`--fault`); `None`: the chip as the facts sheets describe it.
    pub fault: Option<crate::fault::Fault>,
    /// TS-CNS: an authentication certificate that expired (`--expired-certificate`).
    pub expired_certificate: bool,
    /// TS-CNS: this DER authentication certificate instead of the variant's (`--certificate`).
    pub certificate: Option<Vec<u8>>,
}

impl Default for CardOptions {
    fn default() -> Self {
        CardOptions {
            pin: "12345678".into(),
            puk: "87654321".into(),
            fault: None,
            expired_certificate: false,
            certificate: None,
        }
    }
}

/// One startable `--card`/`--variant` combination.
pub struct VariantInfo {
    pub card: &'static str,
    pub variant: &'static str,
    pub description: &'static str,
    pub default: bool,
}

/// Every card family and variant, for `--list-variants`.
pub fn variants() -> Vec<VariantInfo> {
    cns::variant::VARIANTS
        .iter()
        .enumerate()
        .map(|(i, v)| VariantInfo {
            card: "cns",
            variant: v.name,
            description: v.description,
            default: i == 0,
        })
        .chain(
            cie::variants::VARIANTS
                .iter()
                .enumerate()
                .map(|(i, v)| VariantInfo {
                    card: "cie",
                    variant: v.name,
                    description: v.description,
                    default: i == 0,
                }),
        )
        .collect()
}

/// The variant `build` starts for `card` when `--variant` is absent.
pub fn default_variant(card: &str) -> Option<&'static str> {
    variants()
        .into_iter()
        .find(|v| v.card == card && v.default)
        .map(|v| v.variant)
}

/// Check a PIN/PUK as the cards store it: 5..8 ASCII digits (docs/cards/cns.md §4).
pub fn check_pin_format(pin: &str) -> Result<(), String> {
    if (5..=8).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!(
            "PIN/PUK must be 5 to 8 digits, got {} characters",
            pin.len()
        ))
    }
}

/// The row of `variants` that `--variant` names (`None`: the family's first row).
fn chosen<V>(
    card: &str,
    variant: Option<&str>,
    variants: &'static [V],
    name_of: fn(&V) -> &str,
) -> Result<&'static V, String> {
    match variant {
        None => variants.first().ok_or_else(|| format!("no {card} variant")),
        Some(name) => variants
            .iter()
            .find(|v| name_of(v) == name)
            .ok_or_else(|| format!("unknown {card} variant {name:?} (see --list-variants)")),
    }
}

/// Build the card named by `--card` and `--variant` (variant `None` = the family's default).
pub fn build(
    card: &str,
    variant: Option<&str>,
    opts: &CardOptions,
) -> Result<Box<dyn VirtualCard>, String> {
    check_pin_format(&opts.pin)?;
    check_pin_format(&opts.puk)?;
    match card {
        "cns" => {
            let v = chosen(card, variant, cns::variant::VARIANTS, |v| v.name)?;
            Ok(Box::new(cns::CnsCard::new(v, opts)?))
        }
        "cie" => {
            let v = chosen(card, variant, cie::variants::VARIANTS, |v| v.name)?;
            Ok(Box::new(cie::CieCard::new(v, opts)?))
        }
        "bank" if variant.is_none() => Ok(Box::new(crate::bank::BankCard)),
        "bank" => Err("--card bank has no variants".into()),
        other => Err(format!("unknown card {other:?} (known: cns, cie, bank)")),
    }
}
