//! Where a function's output goes: the caller's buffer, behind PKCS#11 3.0 §5.2's
//! length convention (NULL buffer → length only; too small → CKR_BUFFER_TOO_SMALL with the
//! length set). The convention itself is implemented once, in `ffi::out_buffer`; the state
//! machine only learns the outcome, because it decides whether the operation goes on.

use super::Rv;

/// What happened to an output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// The caller passed no buffer: only the length was returned; the operation stays active.
    LengthOnly,
    /// The bytes were copied; a single-part operation ends here.
    Written,
}

/// Whether a caller's buffer can take an output of a known length before it is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Room {
    /// A length query, answered.
    LengthOnly,
    /// The buffer is big enough.
    Available,
}

pub trait Output {
    /// `Err(BUFFER_TOO_SMALL)` (length set) when the buffer cannot take `len` bytes.
    fn room_for(&mut self, len: usize) -> Result<Room, Rv>;
    /// `Err(BUFFER_TOO_SMALL)` (length set) when the buffer cannot take `bytes`.
    fn deliver(&mut self, bytes: &[u8]) -> Result<Delivery, Rv>;
}

/// An in-memory `Output` with the same convention, for tests of the state machine.
/// An operation ends with its result (§5.12.2, §5.13.2), unless the result answers a length
/// query or is CKR_BUFFER_TOO_SMALL: then the caller asks again with room, and the operation
/// (with a signature the card made once) stays.
pub fn keep_or_end<Op>(
    operation: &mut Option<Op>,
    outcome: Result<Delivery, Rv>,
) -> Result<(), Rv> {
    match outcome {
        Ok(Delivery::LengthOnly) | Err(Rv::BUFFER_TOO_SMALL) => {}
        _ => *operation = None,
    }
    outcome.map(|_| ())
}

#[cfg(test)]
pub struct TestOutput {
    pub capacity: Option<usize>,
    pub len: usize,
    pub bytes: Vec<u8>,
}

#[cfg(test)]
impl TestOutput {
    pub fn query() -> Self {
        TestOutput {
            capacity: None,
            len: 0,
            bytes: Vec::new(),
        }
    }
    pub fn with_capacity(n: usize) -> Self {
        TestOutput {
            capacity: Some(n),
            len: 0,
            bytes: Vec::new(),
        }
    }
}

#[cfg(test)]
impl Output for TestOutput {
    fn room_for(&mut self, len: usize) -> Result<Room, Rv> {
        self.len = len;
        match self.capacity {
            None => Ok(Room::LengthOnly),
            Some(c) if c < len => Err(Rv::BUFFER_TOO_SMALL),
            Some(_) => Ok(Room::Available),
        }
    }
    fn deliver(&mut self, bytes: &[u8]) -> Result<Delivery, Rv> {
        match self.room_for(bytes.len())? {
            Room::LengthOnly => Ok(Delivery::LengthOnly),
            Room::Available => {
                self.bytes = bytes.to_vec();
                Ok(Delivery::Written)
            }
        }
    }
}
