//! The card side of IAS secure messaging (cie.md §5): unwrap a protected command (DOs 87/85, 97,
//! 8E), protect a response (DOs 87, 99, 8E), with the SSC stepped before each check and before each
//! protection (§5.1). Any integrity failure is an error status; the caller then ends the session.

use super::sm_crypto::{decrypt, encrypt, pad, retail_mac, unpad};
use super::tlv;
use crate::sw::Sw;

/// `69 87`: expected secure-messaging data objects missing (ISO 7816-4).
pub const SM_DO_MISSING: Sw = Sw(0x6987);
/// `69 88`: incorrect secure-messaging data objects (bad MAC, bad cryptogram, unexpected DO).
pub const SM_DO_INCORRECT: Sw = Sw(0x6988);

/// Keys and counter of one SM session (from the DH key agreement, §4.3).
pub struct SmSession {
    k_enc: [u8; 16],
    k_mac: [u8; 16],
    ssc: [u8; 8],
}

/// A protected command, unwrapped.
pub struct Unwrapped {
    pub data: Vec<u8>,
    /// Le from DO 97 (`Some(256)` for `00`).
    pub le: Option<usize>,
}

fn increment(ssc: &mut [u8; 8]) {
    for b in ssc.iter_mut().rev() {
        *b = b.wrapping_add(1);
        if *b != 0 {
            break;
        }
    }
}

impl SmSession {
    /// SSC starts at 1 after DH (§4.3 step 6).
    pub fn new(k_enc: [u8; 16], k_mac: [u8; 16]) -> Self {
        SmSession {
            k_enc,
            k_mac,
            ssc: [0, 0, 0, 0, 0, 0, 0, 1],
        }
    }

    /// After the chip authentication the SSC restarts from the two challenges (§4.4 step 9, C8).
    pub fn set_ssc(&mut self, ssc: [u8; 8]) {
        self.ssc = ssc;
    }

    #[cfg(test)]
    pub fn ssc(&self) -> [u8; 8] {
        self.ssc
    }

    /// Check and decrypt a protected command. `header` is the wire CLA INS P1 P2 (CLA with `0C`,
    /// possibly `1C` when chained: the MAC covers the wire CLA, §5.2/§5.4).
    pub fn unwrap_command(&mut self, header: [u8; 4], body: &[u8]) -> Result<Unwrapped, Sw> {
        increment(&mut self.ssc);
        let dos = tlv::read_all(body).ok_or(SM_DO_INCORRECT)?;
        let (mac_do, rest) = dos.split_last().ok_or(SM_DO_MISSING)?;
        if mac_do.tag != 0x8E {
            return Err(SM_DO_MISSING);
        }
        // DO 8E is `8E 08 <mac>` and last; everything before it, byte for byte as sent, is MACed.
        let Some(covered_len) = body.len().checked_sub(10) else {
            return Err(SM_DO_INCORRECT);
        };
        if mac_do.value.len() != 8 || body[covered_len..covered_len + 2] != [0x8E, 0x08] {
            return Err(SM_DO_INCORRECT);
        }
        let covered = &body[..covered_len];
        let mut input = self.ssc.to_vec();
        input.extend_from_slice(&header);
        let mut input = pad(&input);
        input.extend_from_slice(covered);
        if retail_mac(&self.k_mac, &input)[..] != mac_do.value[..] {
            return Err(SM_DO_INCORRECT);
        }
        let odd_ins = header[1] & 1 == 1;
        let mut data = Vec::new();
        let mut le = None;
        let mut seen_le = false;
        for (i, d) in rest.iter().enumerate() {
            match d.tag {
                // Cryptogram with padding-indicator byte (even INS) / without (odd INS), first.
                0x87 if i == 0 && !odd_ins => {
                    let (&indicator, cryptogram) = d.value.split_first().ok_or(SM_DO_INCORRECT)?;
                    if indicator != 0x01 {
                        return Err(SM_DO_INCORRECT);
                    }
                    data = self.decipher(cryptogram)?;
                }
                0x85 if i == 0 && odd_ins => data = self.decipher(d.value)?,
                0x97 if !seen_le => {
                    seen_le = true;
                    le = match d.value {
                        [] => None,
                        [0] => Some(256),
                        [n] => Some(usize::from(*n)),
                        _ => return Err(SM_DO_INCORRECT),
                    };
                }
                _ => return Err(SM_DO_INCORRECT),
            }
        }
        Ok(Unwrapped { data, le })
    }

    fn decipher(&self, cryptogram: &[u8]) -> Result<Vec<u8>, Sw> {
        let plain = decrypt(&self.k_enc, cryptogram).ok_or(SM_DO_INCORRECT)?;
        unpad(&plain).map(<[u8]>::to_vec).ok_or(SM_DO_INCORRECT)
    }

    /// Protect a response: DO 87 (if data) ‖ DO 99 (status) ‖ DO 8E. The outer status is `9000`
    /// (C7); the real status travels in DO 99.
    pub fn wrap_response(&mut self, data: &[u8], sw: Sw) -> Vec<u8> {
        increment(&mut self.ssc);
        let mut dos = Vec::new();
        if !data.is_empty() {
            let mut v = vec![0x01];
            v.extend(encrypt(&self.k_enc, &pad(data)));
            dos.extend(tlv::encode(&[0x87], &v));
        }
        dos.extend(tlv::encode(&[0x99], &sw.bytes()));
        let mut input = self.ssc.to_vec();
        input.extend_from_slice(&dos);
        let mac = retail_mac(&self.k_mac, &input);
        dos.extend(tlv::encode(&[0x8E], &mac));
        dos
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A host-side wrap written independently from §5.2, to check the card's unwrap.
    fn host_wrap(
        s: &mut [u8; 8],
        kenc: &[u8; 16],
        kmac: &[u8; 16],
        h: [u8; 4],
        data: &[u8],
        le: Option<u8>,
    ) -> Vec<u8> {
        increment(s);
        let mut dos = Vec::new();
        if !data.is_empty() {
            let mut v = vec![1];
            v.extend(encrypt(kenc, &pad(data)));
            dos.extend(tlv::encode(&[0x87], &v));
        }
        if let Some(le) = le {
            dos.extend([0x97, 1, le]);
        }
        let mut input = s.to_vec();
        input.extend_from_slice(&h);
        let mut input = pad(&input);
        input.extend_from_slice(&dos);
        let mac = retail_mac(kmac, &input);
        dos.extend(tlv::encode(&[0x8E], &mac));
        dos
    }

    #[test]
    fn unwrap_then_replay_fails() {
        let (ke, km) = ([1u8; 16], [2u8; 16]);
        let mut card = SmSession::new(ke, km);
        let mut host = [0, 0, 0, 0, 0, 0, 0, 1];
        let h = [0x0C, 0x20, 0x00, 0x81];
        let body = host_wrap(&mut host, &ke, &km, h, b"12345678", None);
        let u = card.unwrap_command(h, &body).ok().unwrap();
        assert_eq!((u.data.as_slice(), u.le), (&b"12345678"[..], None));
        assert_eq!(card.ssc(), host);
        // The same bytes again: SSC has moved on, so the MAC no longer matches.
        assert_eq!(card.unwrap_command(h, &body).err(), Some(SM_DO_INCORRECT));
    }

    #[test]
    fn missing_mac_and_garbage() {
        let mut card = SmSession::new([1; 16], [2; 16]);
        assert_eq!(
            card.unwrap_command([0x0C, 0xB0, 0, 0], &[0x97, 1, 0]).err(),
            Some(SM_DO_MISSING)
        );
        assert_eq!(
            card.unwrap_command([0x0C, 0xB0, 0, 0], &[]).err(),
            Some(SM_DO_MISSING)
        );
        assert_eq!(
            card.unwrap_command([0x0C, 0xB0, 0, 0], &[0x97, 5]).err(),
            Some(SM_DO_INCORRECT)
        );
        assert_eq!(
            card.unwrap_command([0x0C, 0xB0, 0, 0], &[0x8E, 2, 0, 0])
                .err(),
            Some(SM_DO_INCORRECT)
        );
    }
}
