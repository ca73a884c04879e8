//! CIE 3.0 terminal-authentication constants (cie.md §4.4; data sheet docs/cards/cie-terminal-keys.md).
//!
//! Licence notice, kept with this copy as the data sheet requires:
//! They are published in italia/cie-middleware-linux (cie-pkcs11/CSP/IAS.cpp: defModule, defPrivExp, defPubExp, snIFD;
//! cie-pkcs11/CSP/ExtAuthKey.cpp: ExtAuth_PrivExp), BSD 3-Clause licence,
//! Copyright (c) 2017-2022, the respective contributors of that repository. Keep this notice with any copy.
//!
//! The chip needs the IFD public key only to check EXTERNAL AUTHENTICATE; the private exponents are
//! here for the host side of the tests (a terminal must sign its certificate and its challenge
//! response with them). The CA modulus that pairs with `CA_PRIVATE_EXPONENT` is not published: the
//! virtual chip's own one is a fixture (C2).

/// IFD RSA-2048 modulus (`defModule`).
pub const IFD_MODULUS: [u8; 256] =
    *include_bytes!("../../../docs/cards/cie-terminal-keys/ifd_modulus.bin");

/// IFD private exponent (`defPrivExp`).
pub const IFD_PRIVATE_EXPONENT: [u8; 256] =
    *include_bytes!("../../../docs/cards/cie-terminal-keys/ifd_private_exponent.bin");

/// IFD public exponent (`defPubExp`).
pub const IFD_PUBLIC_EXPONENT: [u8; 4] = [0x00, 0x01, 0x00, 0x01];

/// Private exponent of the CA key that signs the terminal CV certificate (`ExtAuth_PrivExp`).
pub const CA_PRIVATE_EXPONENT: [u8; 256] =
    *include_bytes!("../../../docs/cards/cie-terminal-keys/ca_private_exponent.bin");

/// SN.IFD (`snIFD`).
pub const SN_IFD: [u8; 8] = [0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01];
