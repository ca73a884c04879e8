//! The module as an application loads it (cryptoki, as a browser does): the tool reaches the
//! cards only through it, so the module's rules (PIN format before any APDU, no retries) hold.

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::object::{Attribute, AttributeType, ObjectClass};
use cryptoki::slot::{Slot, TokenInfo};
use std::path::Path;

/// The card families the module supports, as its token label names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// TS-CNS / CRS (docs/cards/cns.md).
    Cns,
    /// CIE 3.0 (docs/cards/cie.md).
    Cie,
}

impl Family {
    /// From CK_TOKEN_INFO.label, "TS-CNS …" or "CIE …".
    pub fn of_label(label: &str) -> Option<Family> {
        if label.starts_with("TS-CNS") {
            Some(Family::Cns)
        } else if label.starts_with("CIE") {
            Some(Family::Cie)
        } else {
            None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Family::Cns => "TS-CNS",
            Family::Cie => "CIE",
        }
    }
}

/// The loaded and initialized module.
pub struct Module {
    pkcs11: Pkcs11,
}

/// A token the module shows in a reader.
pub struct Token {
    pub slot: Slot,
    pub reader: String,
    pub family: Family,
    pub info: TokenInfo,
}

impl Module {
    pub fn load(path: &Path) -> Result<Module, cryptoki::error::Error> {
        let pkcs11 = Pkcs11::new(path)?;
        pkcs11.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK))?;
        Ok(Module { pkcs11 })
    }

    pub fn pkcs11(&self) -> &Pkcs11 {
        &self.pkcs11
    }

    /// The slot of PC/SC reader `reader` (CK_SLOT_INFO.slotDescription holds its name, cut at
    /// 64 bytes).
    pub fn slot_of_reader(&self, reader: &str) -> Option<Slot> {
        self.pkcs11.get_all_slots().ok()?.into_iter().find(|slot| {
            self.pkcs11.get_slot_info(*slot).is_ok_and(|info| {
                let description = info.slot_description().trim_end();
                !description.is_empty() && reader.starts_with(description)
            })
        })
    }

    /// The CIE or TS-CNS in `slot`, `None` when the module sees no token there.
    pub fn token(&self, slot: Slot, reader: &str) -> Option<Token> {
        let present = self.pkcs11.get_slot_info(slot).ok()?.token_present();
        if !present {
            return None;
        }
        let info = self.pkcs11.get_token_info(slot).ok()?;
        Some(Token {
            slot,
            reader: reader.to_string(),
            family: Family::of_label(info.label())?,
            info,
        })
    }

    /// Every CIE and TS-CNS in every slot.
    pub fn tokens(&self) -> Vec<Token> {
        let slots = self.pkcs11.get_slots_with_token().unwrap_or_default();
        slots
            .into_iter()
            .filter_map(|slot| {
                let info = self.pkcs11.get_slot_info(slot).ok()?;
                self.token(slot, info.slot_description().trim_end())
            })
            .collect()
    }

    /// The token's flags now (they change after a wrong code).
    pub fn token_info(&self, slot: Slot) -> Option<TokenInfo> {
        self.pkcs11.get_token_info(slot).ok()
    }

    /// The token's certificate (DER) as a public session shows it; `None` when the card shows
    /// it only after login (a CIE whose certificate is not in the module's cache yet).
    pub fn certificate(&self, slot: Slot) -> Option<Vec<u8>> {
        let session = self.pkcs11.open_ro_session(slot).ok()?;
        let found = session
            .find_objects(&[Attribute::Class(ObjectClass::CERTIFICATE)])
            .ok()?;
        let value = session
            .get_attributes(*found.first()?, &[AttributeType::Value])
            .ok()?;
        value.into_iter().find_map(|attribute| match attribute {
            Attribute::Value(der) => Some(der),
            _ => None,
        })
    }
}
