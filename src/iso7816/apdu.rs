//! Command and response APDUs (ISO/IEC 7816-4 §5.1). TODO: implement.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusWord(pub u16);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response;
