//! The output length convention of PKCS#11 3.0 §5.2, written once.
//!
//! A function that returns variable-length output takes a buffer pointer and a pointer
//! to its length (in bytes, or in elements for lists):
//! - buffer NULL: the needed length is returned, CKR_OK, nothing else happens;
//! - buffer too small: the needed length is returned, CKR_BUFFER_TOO_SMALL;
//! - otherwise the output is copied and its length returned.
//!
//! Used by C_GetSlotList, C_GetMechanismList, C_GetInterfaceList, C_FindObjects' caller
//! arrays, C_Sign, C_SignFinal, C_Digest, C_DigestFinal and, per attribute, by
//! C_GetAttributeValue (`fit`).

use super::ptr::{ulong_of, usize_of};
use crate::cryptoki::{Delivery, Output, Room, Rv};
use cryptoki_sys::CK_ULONG;

/// How a needed length relates to the caller's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// No buffer: a length query.
    LengthOnly,
    TooSmall,
    Fits,
}

/// The decision of §5.2. `capacity`: `None` for a NULL buffer.
pub fn fit(capacity: Option<usize>, needed: usize) -> Fit {
    match capacity {
        None => Fit::LengthOnly,
        Some(c) if c < needed => Fit::TooSmall,
        Some(_) => Fit::Fits,
    }
}

/// A caller's output buffer of `T` (bytes, slot IDs, mechanism types, interfaces).
pub struct OutBuffer<T> {
    data: *mut T,
    len: *mut CK_ULONG,
    /// The caller's length on entry; `None` for a NULL buffer.
    capacity: Option<usize>,
}

impl<T: Copy> OutBuffer<T> {
    /// # Safety
    /// `len` is NULL or valid for reading and writing; `data` is NULL or valid for
    /// writing `*len` elements.
    pub unsafe fn new(data: *mut T, len: *mut CK_ULONG) -> Result<Self, Rv> {
        if len.is_null() {
            return Err(Rv::ARGUMENTS_BAD);
        }
        let capacity = if data.is_null() {
            None
        } else {
            // SAFETY: non-NULL, valid for reading (this function's contract).
            Some(usize_of(unsafe { *len })?)
        };
        Ok(OutBuffer {
            data,
            len,
            capacity,
        })
    }

    fn set_len(&mut self, n: usize) -> Result<(), Rv> {
        // SAFETY: `len` checked non-NULL in `new`, valid per its contract.
        unsafe { *self.len = ulong_of(n)? };
        Ok(())
    }

    /// Announces `needed` elements before they are computed.
    pub fn room_for(&mut self, needed: usize) -> Result<Room, Rv> {
        self.set_len(needed)?;
        match fit(self.capacity, needed) {
            Fit::LengthOnly => Ok(Room::LengthOnly),
            Fit::TooSmall => Err(Rv::BUFFER_TOO_SMALL),
            Fit::Fits => Ok(Room::Available),
        }
    }

    /// Copies `items` out under the convention.
    pub fn deliver(&mut self, items: &[T]) -> Result<Delivery, Rv> {
        match self.room_for(items.len())? {
            Room::LengthOnly => Ok(Delivery::LengthOnly),
            Room::Available => {
                // SAFETY: `data` is non-NULL (capacity is Some) and valid for `capacity`
                // ≥ items.len() elements per `new`'s contract; caller memory never
                // overlaps ours.
                unsafe { std::ptr::copy_nonoverlapping(items.as_ptr(), self.data, items.len()) };
                Ok(Delivery::Written)
            }
        }
    }
}

impl Output for OutBuffer<u8> {
    fn room_for(&mut self, len: usize) -> Result<Room, Rv> {
        OutBuffer::room_for(self, len)
    }
    fn deliver(&mut self, bytes: &[u8]) -> Result<Delivery, Rv> {
        OutBuffer::deliver(self, bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_decides_the_three_cases() {
        assert_eq!(fit(None, 5), Fit::LengthOnly);
        assert_eq!(fit(Some(4), 5), Fit::TooSmall);
        assert_eq!(fit(Some(5), 5), Fit::Fits);
        assert_eq!(fit(Some(0), 0), Fit::Fits);
    }

    #[test]
    fn out_buffer_follows_the_convention() {
        let items = [1u8, 2, 3];
        let mut len: CK_ULONG = 99;
        // SAFETY: pointers to live locals (or NULL), the lengths true.
        let mut out = unsafe { OutBuffer::new(std::ptr::null_mut(), &mut len) }.unwrap();
        assert_eq!(out.deliver(&items), Ok(Delivery::LengthOnly));
        assert_eq!(len, 3);

        let mut small = [0u8; 2];
        let mut len: CK_ULONG = 2;
        // SAFETY: pointers to live locals (or NULL), the lengths true.
        let mut out = unsafe { OutBuffer::new(small.as_mut_ptr(), &mut len) }.unwrap();
        assert_eq!(out.deliver(&items), Err(Rv::BUFFER_TOO_SMALL));
        assert_eq!(len, 3);
        assert_eq!(small, [0, 0]);

        let mut big = [0u8; 8];
        let mut len: CK_ULONG = 8;
        // SAFETY: pointers to live locals (or NULL), the lengths true.
        let mut out = unsafe { OutBuffer::new(big.as_mut_ptr(), &mut len) }.unwrap();
        assert_eq!(out.deliver(&items), Ok(Delivery::Written));
        assert_eq!(len, 3);
        assert_eq!(&big[..3], &items);

        // SAFETY: pointers to live locals (or NULL), the lengths true.

        let no_len = unsafe { OutBuffer::<u8>::new(big.as_mut_ptr(), std::ptr::null_mut()) };
        assert_eq!(no_len.err(), Some(Rv::ARGUMENTS_BAD));
    }
}
