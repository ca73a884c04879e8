//! ISO 7816-4 status words the virtual cards answer with.

/// A status word (SW1 SW2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sw(pub u16);

impl Sw {
    pub const OK: Sw = Sw(0x9000);
    /// Wrong length (Lc/Le inconsistent with the command).
    pub const WRONG_LENGTH: Sw = Sw(0x6700);
    /// Security status not satisfied (e.g. PSO before VERIFY).
    pub const SECURITY_NOT_SATISFIED: Sw = Sw(0x6982);
    /// Authentication method blocked (PIN/PUK counter at 0).
    pub const AUTH_BLOCKED: Sw = Sw(0x6983);
    /// Reference data not usable (IDEMIA 2021: key DF not selected before MSE, cns.md §6.4).
    pub const REF_DATA_NOT_USABLE: Sw = Sw(0x6984);
    /// Conditions of use not satisfied (e.g. PSO without MSE SET).
    pub const CONDITIONS_NOT_SATISFIED: Sw = Sw(0x6985);
    /// Command not allowed (no current EF).
    pub const NO_CURRENT_EF: Sw = Sw(0x6986);
    pub const WRONG_DATA: Sw = Sw(0x6A80);
    pub const FUNC_NOT_SUPPORTED: Sw = Sw(0x6A81);
    pub const FILE_NOT_FOUND: Sw = Sw(0x6A82);
    pub const WRONG_P1P2: Sw = Sw(0x6A86);
    pub const REF_NOT_FOUND: Sw = Sw(0x6A88);
    /// Wrong parameters P1-P2: offset outside the EF.
    pub const OFFSET_OUTSIDE: Sw = Sw(0x6B00);
    pub const INS_NOT_SUPPORTED: Sw = Sw(0x6D00);
    pub const CLA_NOT_SUPPORTED: Sw = Sw(0x6E00);

    /// `63 Cx`: verification failed, `x` tries left.
    pub fn tries_left(x: u8) -> Sw {
        Sw(0x63C0 | u16::from(x.min(15)))
    }

    pub fn bytes(self) -> [u8; 2] {
        self.0.to_be_bytes()
    }
}

/// Response APDU: `data ‖ SW1 SW2`.
pub fn respond(data: &[u8], sw: Sw) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 2);
    out.extend_from_slice(data);
    out.extend_from_slice(&sw.bytes());
    out
}

/// Response APDU with no data.
pub fn status(sw: Sw) -> Vec<u8> {
    sw.bytes().to_vec()
}
