//! General, slot and token information (PKCS#11 3.0 §5.4 C_GetInfo, §5.5 C_GetSlotList,
//! C_GetSlotInfo, C_GetTokenInfo): the fixed-size, blank-padded C structures.

use super::instance::Instance;
use super::slots::Slot;
use super::Rv;
use crate::token::PinKind;
use cryptoki_sys::*;

pub const MANUFACTURER: &str = "cie-cns-pkcs11";
/// At most 32 bytes (CK_INFO.libraryDescription).
pub const DESCRIPTION: &str = "CIE 3.0 and TS-CNS smart cards";
const _: () = assert!(DESCRIPTION.len() <= 32 && MANUFACTURER.len() <= 32);

/// The PKCS#11 version this module implements (the 2.40 function list says 2.40).
pub const CRYPTOKI_VERSION: CK_VERSION = CK_VERSION { major: 3, minor: 0 };

/// The crate's own version, as CK_VERSION.
pub fn library_version() -> CK_VERSION {
    let part = |s: &str| s.parse::<u8>().unwrap_or(0);
    CK_VERSION {
        major: part(env!("CARGO_PKG_VERSION_MAJOR")),
        minor: part(env!("CARGO_PKG_VERSION_MINOR")),
    }
}

/// C_GetInfo (§5.4): strings blank-padded, flags 0 (§3.5 CK_INFO).
pub fn module_info() -> CK_INFO {
    CK_INFO {
        cryptokiVersion: CRYPTOKI_VERSION,
        manufacturerID: padded(MANUFACTURER),
        flags: 0,
        libraryDescription: padded(DESCRIPTION),
        libraryVersion: library_version(),
    }
}

/// `text` blank-padded (or cut, on a character boundary) to N bytes, as §3.2 wants
/// for every CK_UTF8CHAR array.
pub fn padded<const N: usize>(text: &str) -> [u8; N] {
    // Reader names and card data: no control character reaches the caller (issue #11).
    let text = &crate::token::text::printable(text);
    let mut out = [b' '; N];
    let mut end = text.len().min(N);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    out[..end].copy_from_slice(&text.as_bytes()[..end]);
    out
}

/// The last N characters of `text`, blank-padded: long serials keep their distinctive end.
pub fn padded_tail<const N: usize>(text: &str) -> [u8; N] {
    let mut start = text.len().saturating_sub(N);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    padded(&text[start..])
}

fn ulong(n: usize) -> CK_ULONG {
    CK_ULONG::try_from(n).unwrap_or(CK_UNAVAILABLE_INFORMATION)
}

impl Instance {
    /// C_GetSlotList (§5.5). The reader list is re-read only when `refresh` (the caller's
    /// list pointer is NULL, or the first call): §5.5 says the list only changes then.
    /// `token_present`: only slots holding a supported card.
    pub fn slot_list(&self, token_present: bool, refresh: bool) -> Vec<CK_SLOT_ID> {
        if refresh || !self.slots.is_enumerated() {
            self.refresh_readers();
        }
        self.slots
            .attached()
            .iter()
            .filter(|slot| !token_present || self.token_present(slot))
            .map(|slot| slot.id)
            .collect()
    }

    /// C_GetSlotInfo (§5.5).
    pub fn slot_info(&self, slot_id: CK_SLOT_ID) -> Result<CK_SLOT_INFO, Rv> {
        let slot = self.slots.get(slot_id)?;
        let present = self.token_present(&slot);
        let token = if present { CKF_TOKEN_PRESENT } else { 0 };
        Ok(CK_SLOT_INFO {
            slotDescription: padded(&slot.reader),
            manufacturerID: padded("PC/SC"),
            flags: CKF_REMOVABLE_DEVICE | CKF_HW_SLOT | token,
            hardwareVersion: CK_VERSION { major: 0, minor: 0 },
            firmwareVersion: CK_VERSION { major: 0, minor: 0 },
        })
    }

    /// C_GetTokenInfo (§5.5): the card's label, serial and retry-counter flags.
    pub fn token_info(&self, slot_id: CK_SLOT_ID) -> Result<CK_TOKEN_INFO, Rv> {
        let slot = self.slots.get(slot_id)?;
        let Some(mut state) = self.probe_for_query(&slot) else {
            // The slot is busy with the card: the info as last built.
            return self.known(&slot).token_info.ok_or(Rv::TOKEN_NOT_PRESENT);
        };
        let token = state.token.as_mut().ok_or(Rv::TOKEN_NOT_PRESENT)?;
        // Flags that warn may be stale (another process unblocked the PIN).
        token.device.refresh_warning_counters();
        let info = token.device.info();
        let pin = token.device.pin_policy(PinKind::User);
        let (sessions, rw_sessions) = self.sessions.count(token.binding);
        let info = CK_TOKEN_INFO {
            label: padded(&info.label),
            manufacturerID: padded(&info.manufacturer),
            model: padded(&info.model),
            serialNumber: padded_tail(&info.serial),
            flags: token.device.flags(),
            ulMaxSessionCount: CK_EFFECTIVELY_INFINITE,
            ulSessionCount: ulong(sessions),
            ulMaxRwSessionCount: CK_EFFECTIVELY_INFINITE,
            ulRwSessionCount: ulong(rw_sessions),
            ulMaxPinLen: ulong(pin.max_len),
            ulMinPinLen: ulong(pin.min_len),
            ulTotalPublicMemory: CK_UNAVAILABLE_INFORMATION,
            ulFreePublicMemory: CK_UNAVAILABLE_INFORMATION,
            ulTotalPrivateMemory: CK_UNAVAILABLE_INFORMATION,
            ulFreePrivateMemory: CK_UNAVAILABLE_INFORMATION,
            hardwareVersion: CK_VERSION { major: 0, minor: 0 },
            firmwareVersion: CK_VERSION { major: 0, minor: 0 },
            // No CKF_CLOCK_ON_TOKEN: the field is not meaningful (§3.3 CK_TOKEN_INFO).
            utcTime: [b' '; 16],
        };
        drop(state);
        self.remember_token_info(&slot, info);
        Ok(info)
    }

    /// Whether `slot` holds a token now, or, while another thread is busy with its card, as
    /// last seen.
    fn token_present(&self, slot: &Slot) -> bool {
        match self.probe_for_query(slot) {
            Some(state) => state.token.is_some(),
            None => self.known(slot).present,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_blanks_and_cuts_on_char_boundaries() {
        assert_eq!(&padded::<6>("ab"), b"ab    ");
        assert_eq!(&padded::<3>("abcdef"), b"abc");
        // "è" is two bytes: cut before it rather than in the middle.
        assert_eq!(&padded::<3>("abè"), b"ab ");
        assert_eq!(&padded_tail::<4>("1234567890"), b"7890");
        assert_eq!(&padded_tail::<4>("12"), b"12  ");
        // Card data with an escape sequence or a newline: shown, never obeyed.
        assert_eq!(&padded::<8>("AB\x1b[2J\n"), b"AB?[2J? ");
    }

    #[test]
    fn module_info_is_3_0_and_padded() {
        let info = module_info();
        assert_eq!(info.cryptokiVersion.major, 3);
        assert_eq!(info.cryptokiVersion.minor, 0);
        assert!(info.manufacturerID.starts_with(b"cie-cns-pkcs11 "));
        assert_eq!(info.flags, 0);
    }
}
