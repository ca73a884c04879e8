//! The fixed terminal keys of the CIE 3.0 mutual authentication (cie.md §4.4; data sheet
//! docs/cards/cie-terminal-keys.md, whose bytes are in docs/cards/cie-terminal-keys/, shared
//! with the virtual card).
//!
//! Licence notice of the data below (kept with every copy, as its licence requires):
//! Numbers published in italia/cie-middleware-linux (cie-pkcs11/CSP/IAS.cpp: defModule,
//! defPrivExp, defPubExp, snIFD; cie-pkcs11/CSP/ExtAuthKey.cpp: ExtAuth_PrivExp),
//! BSD 3-Clause licence, Copyright (c) 2017-2022, the respective contributors of that
//! repository.
//!
//! These keys are public: every CIE host uses them. They authenticate "a CIE host", not
//! this one; the real protection is the PIN and the chip's own key (INTERNAL AUTHENTICATE,
//! checked with EF 1004).

/// An RSA key pair of the terminal side.
#[derive(Debug, Clone, Copy)]
pub struct TerminalKey {
    pub modulus: &'static [u8],
    pub private_exponent: &'static [u8],
    pub public_exponent: &'static [u8],
}

/// The IFD (terminal) key: signs EXTERNAL AUTHENTICATE, its public half goes into the
/// terminal certificate (§4.4 steps 1 and 6).
pub const IFD: TerminalKey = TerminalKey {
    modulus: &IFD_MODULUS,
    private_exponent: &IFD_PRIVATE_EXPONENT,
    public_exponent: &IFD_PUBLIC_EXPONENT,
};

/// Private exponent of the CA key that signs the terminal certificate; its modulus is not
/// published, the card returns it (§4.1, C2).
pub const CA_PRIVATE_EXPONENT: &[u8] = &CA_PRIVATE_EXPONENT_BYTES;

/// SN.IFD, the terminal serial number (§4.4).
pub const SN_IFD: [u8; 8] = [0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01];

const IFD_MODULUS: [u8; 256] =
    *include_bytes!("../../../docs/cards/cie-terminal-keys/ifd_modulus.bin");

const IFD_PRIVATE_EXPONENT: [u8; 256] =
    *include_bytes!("../../../docs/cards/cie-terminal-keys/ifd_private_exponent.bin");

const IFD_PUBLIC_EXPONENT: [u8; 4] = [0x00, 0x01, 0x00, 0x01];

const CA_PRIVATE_EXPONENT_BYTES: [u8; 256] =
    *include_bytes!("../../../docs/cards/cie-terminal-keys/ca_private_exponent.bin");

#[cfg(test)]
mod tests {
    use super::*;

    /// The key files hold the bytes the data sheet prints (docs/cards/cie-terminal-keys.md).
    #[test]
    fn key_files_are_the_data_sheet() {
        let sheet = include_str!("../../../docs/cards/cie-terminal-keys.md");
        for (name, bytes) in [
            ("ifd_modulus", &IFD_MODULUS[..]),
            ("ifd_private_exponent", &IFD_PRIVATE_EXPONENT[..]),
            ("ifd_public_exponent", &IFD_PUBLIC_EXPONENT[..]),
            ("ca_private_exponent", &CA_PRIVATE_EXPONENT_BYTES[..]),
        ] {
            let start = sheet.find(&format!("\n{name} (")).expect(name);
            let printed: String = sheet[start + 1..]
                .lines()
                .skip(1)
                .take_while(|line| line.starts_with("  "))
                .flat_map(|line| line.split_whitespace())
                .collect();
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(printed, hex, "{name}");
        }
    }
}
