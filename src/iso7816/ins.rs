//! Instruction bytes of the ISO/IEC 7816-4 commands the drivers send (ISO 7816-4 §7–§11),
//! named once for every driver.

pub const INS_VERIFY: u8 = 0x20;
pub const INS_MSE: u8 = 0x22;
pub const INS_CHANGE_REFERENCE_DATA: u8 = 0x24;
pub const INS_PSO: u8 = 0x2A;
pub const INS_RESET_RETRY_COUNTER: u8 = 0x2C;
pub const INS_EXTERNAL_AUTHENTICATE: u8 = 0x82;
pub const INS_GET_CHALLENGE: u8 = 0x84;
pub const INS_INTERNAL_AUTHENTICATE: u8 = 0x88;
pub const INS_SELECT: u8 = 0xA4;
pub const INS_READ_BINARY: u8 = 0xB0;
pub const INS_GET_DATA: u8 = 0xCB;
