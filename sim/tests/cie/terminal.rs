//! An independent host side of the CIE protocol, written from docs/cards/cie.md alone (it shares
//! no code with the virtual chip besides the published terminal constants): DH (§4.3), the terminal
//! certificate and EXTERNAL AUTHENTICATE (§4.4), the chip-authentication check, and IAS secure
//! messaging with chaining (§5).

use cardsim::cie::terminal_keys::{
    CA_PRIVATE_EXPONENT, IFD_MODULUS, IFD_PRIVATE_EXPONENT, IFD_PUBLIC_EXPONENT, SN_IFD,
};
use cardsim::VirtualCard;
use des::cipher::generic_array::GenericArray;
use des::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use des::{Des, TdesEde2};
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::rand_core::{OsRng, RngCore};
use rsa::traits::PublicKeyParts;
use rsa::{BigUint, RsaPublicKey};
use sha2::{Digest, Sha256};

pub type Resp = (Vec<u8>, u16);

pub fn sha256(parts: &[&[u8]]) -> Vec<u8> {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().to_vec()
}

fn fixed(n: &BigUint, k: usize) -> Vec<u8> {
    let b = n.to_bytes_be();
    let mut out = vec![0u8; k - b.len()];
    out.extend(b);
    out
}

fn pad(d: &[u8]) -> Vec<u8> {
    let mut v = d.to_vec();
    v.push(0x80);
    while !v.len().is_multiple_of(8) {
        v.push(0);
    }
    v
}

fn cbc(key: &[u8; 16], data: &[u8], enc: bool) -> Vec<u8> {
    let c = TdesEde2::new(GenericArray::from_slice(key));
    let mut iv = [0u8; 8];
    let mut out = Vec::new();
    for blk in data.chunks(8) {
        let mut b = GenericArray::clone_from_slice(blk);
        if enc {
            for i in 0..8 {
                b[i] ^= iv[i];
            }
            c.encrypt_block(&mut b);
            iv.copy_from_slice(&b);
            out.extend_from_slice(&b);
        } else {
            c.decrypt_block(&mut b);
            for i in 0..8 {
                out.push(b[i] ^ iv[i]);
            }
            iv.copy_from_slice(blk);
        }
    }
    out
}

fn mac(key: &[u8; 16], data: &[u8]) -> Vec<u8> {
    let d = pad(data);
    let k1 = Des::new(GenericArray::from_slice(&key[..8]));
    let k = TdesEde2::new(GenericArray::from_slice(key));
    let mut st = GenericArray::clone_from_slice(&[0u8; 8]);
    let n = d.len() / 8;
    for (i, blk) in d.chunks(8).enumerate() {
        for j in 0..8 {
            st[j] ^= blk[j];
        }
        if i + 1 == n {
            k.encrypt_block(&mut st);
        } else {
            k1.encrypt_block(&mut st);
        }
    }
    st.to_vec()
}

pub fn tlv(tag: &[u8], v: &[u8]) -> Vec<u8> {
    let mut out = tag.to_vec();
    match v.len() {
        n @ 0..=0x7F => out.push(n as u8),
        n @ 0x80..=0xFF => out.extend([0x81, n as u8]),
        n => out.extend([0x82, (n >> 8) as u8, n as u8]),
    }
    out.extend_from_slice(v);
    out
}

/// Children of a BER template (one- or two-byte tags): (tag bytes, value).
pub fn children(mut d: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut out = Vec::new();
    while !d.is_empty() {
        let tl = if d[0] & 0x1F == 0x1F {
            if d[1] & 0x80 != 0 {
                3
            } else {
                2
            }
        } else {
            1
        };
        let tag = d[..tl].to_vec();
        let (len, hl) = match d[tl] {
            l @ 0..=0x7F => (l as usize, 1),
            0x81 => (d[tl + 1] as usize, 2),
            _ => (((d[tl + 1] as usize) << 8) | d[tl + 2] as usize, 3),
        };
        let start = tl + hl;
        out.push((tag, d[start..start + len].to_vec()));
        d = &d[start + len..];
    }
    out
}

/// Walk `levels` first-children down a template (C1/C3: "read by position").
pub fn first_child(d: &[u8], levels: usize) -> Vec<u8> {
    let mut cur = d.to_vec();
    for _ in 0..levels {
        cur = children(&cur).remove(0).1;
    }
    cur
}

pub struct Sm {
    pub kenc: [u8; 16],
    pub kmac: [u8; 16],
    pub ssc: [u8; 8],
}

fn inc(s: &mut [u8; 8]) {
    for b in s.iter_mut().rev() {
        *b = b.wrapping_add(1);
        if *b != 0 {
            break;
        }
    }
}

pub struct Terminal {
    pub card: Box<dyn VirtualCard>,
    pub apdus: usize,
    pub sm: Option<Sm>,
    pub g: Vec<u8>,
    pub p: Vec<u8>,
    pub q: Vec<u8>,
    pub y_ifd: Vec<u8>,
    pub y_icc: Vec<u8>,
    pub dapp: Option<RsaPublicKey>,
    pub ca_n: Vec<u8>,
    pub ca_e: Vec<u8>,
    pub ca_chr: Vec<u8>,
    pub ca_cha: Vec<u8>,
    /// The last protected command as sent, for replay tests.
    pub last_wire: Vec<u8>,
}

impl Terminal {
    pub fn new(card: Box<dyn VirtualCard>) -> Self {
        Terminal {
            card,
            apdus: 0,
            sm: None,
            g: vec![],
            p: vec![],
            q: vec![],
            y_ifd: vec![],
            y_icc: vec![],
            dapp: None,
            ca_n: vec![],
            ca_e: vec![],
            ca_chr: vec![],
            ca_cha: vec![],
            last_wire: vec![],
        }
    }

    /// One APDU on the wire, no GET RESPONSE handling.
    pub fn raw(&mut self, apdu: &[u8]) -> Resp {
        self.apdus += 1;
        let mut r = self.card.process(apdu);
        assert!(r.len() >= 2, "response without SW");
        let sw = r.split_off(r.len() - 2);
        (r, u16::from_be_bytes([sw[0], sw[1]]))
    }

    /// One APDU plus GET RESPONSE while `61xx` (§5.3, unprotected `00 C0`).
    pub fn transmit(&mut self, apdu: &[u8]) -> Resp {
        let (mut data, mut sw) = self.raw(apdu);
        while sw >> 8 == 0x61 {
            let (more, sw2) = self.raw(&[0x00, 0xC0, 0x00, 0x00, sw as u8]);
            data.extend(more);
            sw = sw2;
        }
        (data, sw)
    }

    /// Plain command, chained by 255 (`10`) when longer (§5.4).
    pub fn plain(&mut self, cla: u8, ins: u8, p1: u8, p2: u8, data: &[u8], le: Option<u8>) -> Resp {
        let chunks = pieces(data, 255);
        let n = chunks.len();
        let mut last = (vec![], 0);
        for (i, c) in chunks.into_iter().enumerate() {
            let mut a = vec![if i + 1 < n { cla | 0x10 } else { cla }, ins, p1, p2];
            if !c.is_empty() {
                a.push(c.len() as u8);
                a.extend_from_slice(c);
            }
            if i + 1 == n {
                if let Some(le) = le {
                    a.push(le);
                }
            }
            last = self.transmit(&a);
            if i + 1 < n && last.1 != 0x9000 {
                return last;
            }
        }
        last
    }

    /// Protected command per §5.2, pieces of ≤ 231 bytes chained with CLA 1C (§5.4); the response
    /// per §5.3 (only 9000 is unwrapped; any other outer status is returned as is).
    pub fn sm(&mut self, ins: u8, p1: u8, p2: u8, data: &[u8], le: Option<u8>) -> Resp {
        let chunks = pieces(data, 231);
        let n = chunks.len();
        let mut last = (vec![], 0);
        for (i, c) in chunks.into_iter().enumerate() {
            let cla = if i + 1 < n { 0x1C } else { 0x0C };
            let wire = self.wrap([cla, ins, p1, p2], c, if i + 1 == n { le } else { None });
            let (body, sw) = self.transmit(&wire);
            last = if sw == 0x9000 {
                self.unwrap(&body)
            } else {
                (body, sw)
            };
            if i + 1 < n && last.1 != 0x9000 {
                return last;
            }
        }
        last
    }

    pub fn wrap(&mut self, h: [u8; 4], data: &[u8], le: Option<u8>) -> Vec<u8> {
        let sm = self.sm.as_mut().expect("SM session");
        inc(&mut sm.ssc);
        let mut dos = Vec::new();
        if !data.is_empty() {
            let mut v = vec![0x01];
            v.extend(cbc(&sm.kenc, &pad(data), true));
            dos.extend(tlv(&[if h[1] & 1 == 1 { 0x85 } else { 0x87 }], &v));
        }
        if let Some(le) = le {
            dos.extend([0x97, 0x01, le]);
        }
        let mut m = pad(&[&sm.ssc[..], &h[..]].concat());
        m.extend(&dos);
        dos.extend(tlv(&[0x8E], &mac(&sm.kmac, &m)));
        let mut wire = h.to_vec();
        wire.push(dos.len() as u8);
        wire.extend(dos);
        wire.push(0x00);
        self.last_wire = wire.clone();
        wire
    }

    pub fn unwrap(&mut self, body: &[u8]) -> Resp {
        let sm = self.sm.as_mut().expect("SM session");
        inc(&mut sm.ssc);
        let dos = children(body);
        let (mut data, mut sw, mut covered, mut got_mac) = (vec![], None, Vec::new(), None);
        for (tag, v) in &dos {
            match tag[0] {
                0x87 => {
                    covered.extend(tlv(tag, v));
                    let plain = cbc(&sm.kenc, &v[1..], false);
                    let end = plain.iter().rposition(|&b| b == 0x80).expect("padding");
                    data = plain[..end].to_vec();
                }
                0x99 => {
                    covered.extend(tlv(tag, v));
                    sw = Some(u16::from_be_bytes([v[0], v[1]]));
                }
                0x8E => got_mac = Some(v.clone()),
                t => panic!("unexpected DO {t:02X} in SM response"),
            }
        }
        let expect = mac(&sm.kmac, &[&sm.ssc[..], &covered[..]].concat());
        assert_eq!(got_mac.expect("DO 8E"), expect, "response MAC");
        (data, sw.expect("DO 99"))
    }

    // ---- the protocol steps -------------------------------------------------------------------

    /// §1.2 selection as LNX does it (MF for ITJ4/NXP, else the IAS AID), then the CIE DF.
    pub fn select_applications(&mut self, by_mf: bool) {
        let r = if by_mf {
            self.transmit(&[0x00, 0xA4, 0x00, 0x00])
        } else {
            let mut a = vec![0x00, 0xA4, 0x04, 0x0C, 0x0D];
            a.extend([
                0xA0, 0x00, 0x00, 0x00, 0x30, 0x80, 0x00, 0x00, 0x00, 0x09, 0x81, 0x60, 0x01,
            ]);
            self.transmit(&a)
        };
        assert_eq!(r.1, 0x9000, "select IAS");
        let r = self.transmit(&[
            0x00, 0xA4, 0x04, 0x0C, 0x06, 0xA0, 0x00, 0x00, 0x00, 0x00, 0x39,
        ]);
        assert_eq!(r.1, 0x9000, "select CIE");
    }

    /// §4.2 three GET DATAs, C3 layout.
    pub fn read_dh_params(&mut self) {
        for (tag, slot) in [(0x97u8, 0), (0x98, 1), (0x99, 2)] {
            let mut a = vec![
                0x00, 0xCB, 0x3F, 0xFF, 0x0C, 0x4D, 0x0A, 0x70, 0x08, 0xBF, 0xA1, 0x01, 0x04, 0xA3,
                0x02,
            ];
            a.extend([tag, 0x00]);
            let (d, sw) = self.transmit(&a);
            assert_eq!(sw, 0x9000);
            let (t, v) = children(&first_child(&d, 3)).remove(0);
            assert_eq!(t, vec![tag]);
            match slot {
                0 => self.g = v,
                1 => self.p = v,
                _ => self.q = v,
            }
        }
    }

    /// EF 1004 in plain: SEQUENCE{n, e}.
    pub fn read_dapp_key(&mut self) {
        let r = self.transmit(&[0x00, 0xA4, 0x02, 0x04, 0x02, 0x10, 0x04]);
        assert_eq!(r.1, 0x9000);
        let content = self.read_file_plain();
        self.dapp = Some(RsaPublicKey::from_pkcs1_der(&content).expect("EF 1004"));
    }

    pub fn read_file_plain(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        loop {
            let off = out.len();
            let (d, sw) = self.transmit(&[0x00, 0xB0, (off >> 8) as u8, off as u8, 0x80]);
            match sw {
                0x9000 => out.extend(d),
                0x6282 => {
                    out.extend(d);
                    return out;
                }
                0x6B00 => return out,
                sw => panic!("READ BINARY {sw:04X}"),
            }
        }
    }

    /// §4.1 / C1.
    pub fn read_ca_key(&mut self) {
        let (d, sw) = self.transmit(&[
            0x00, 0xCB, 0x3F, 0xFF, 0x0B, 0x4D, 0x09, 0x70, 0x07, 0xBF, 0xA0, 0x04, 0x03, 0x7F,
            0x49, 0x80,
        ]);
        assert_eq!(sw, 0x9000);
        let key = children(&first_child(&d, 3));
        assert_eq!(
            key.iter().map(|k| k.0.clone()).collect::<Vec<_>>(),
            vec![vec![0x81], vec![0x82], vec![0x5F, 0x20], vec![0x5F, 0x4C]]
        );
        self.ca_n = key[0].1.clone();
        self.ca_e = key[1].1.clone();
        self.ca_chr = key[2].1.clone();
        self.ca_cha = key[3].1.clone();
    }

    /// §4.3 with the wire form of C4 (266-byte MSE in plain, chained 255 + 11).
    pub fn key_agreement(&mut self) {
        let p = BigUint::from_bytes_be(&self.p);
        let mut xb = vec![0u8; self.q.len()];
        OsRng.fill_bytes(&mut xb);
        let x = BigUint::from_bytes_be(&xb);
        self.y_ifd = fixed(
            &BigUint::from_bytes_be(&self.g).modpow(&x, &p),
            self.p.len(),
        );
        let mut d = vec![0x80, 0x01, 0x9B, 0x83, 0x01, 0x81];
        d.extend(tlv(&[0x91], &self.y_ifd));
        assert_eq!(d.len(), 266);
        let before = self.apdus;
        let r = self.plain(0x00, 0x22, 0x41, 0xA6, &d, None);
        assert_eq!(r.1, 0x9000, "MSE KAT");
        assert_eq!(self.apdus - before, 2, "255 + 11");
        let (resp, sw) = self.transmit(&[
            0x00, 0xCB, 0x3F, 0xFF, 0x06, 0x4D, 0x04, 0xA6, 0x02, 0x91, 0x00,
        ]);
        assert_eq!(sw, 0x9000);
        let outer = children(&resp);
        assert_eq!(outer[0].0, vec![0xA6]);
        self.y_icc = first_child(&resp, 2);
        let z = fixed(
            &BigUint::from_bytes_be(&self.y_icc).modpow(&x, &p),
            self.p.len(),
        );
        let k = |c: u8| -> [u8; 16] { sha256(&[&z, &[0, 0, 0, c]])[..16].try_into().unwrap() };
        self.sm = Some(Sm {
            kenc: k(1),
            kmac: k(2),
            ssc: [0, 0, 0, 0, 0, 0, 0, 1],
        });
    }

    /// The terminal CV certificate of §4.4 step 1, signed with the published CA private exponent
    /// under the modulus the card reported (C2).
    pub fn terminal_certificate(&self) -> Vec<u8> {
        let car = &self.ca_chr[4..];
        let mut body = vec![0x8A];
        body.extend_from_slice(car);
        body.extend([0, 0, 0, 0]);
        body.extend(SN_IFD);
        body.extend_from_slice(&self.ca_cha[..6]);
        body.push(0x01);
        body.extend([0x2A, 0x81, 0x22, 0xF4, 0x2A, 0x02, 0x04, 0x01, 0x04]);
        body.extend(IFD_MODULUS);
        body.extend(IFD_PUBLIC_EXPONENT);
        let k = self.ca_n.len();
        let split = k - 34;
        let mut block = vec![0x6A];
        block.extend_from_slice(&body[..split]);
        block.extend(sha256(&[&body]));
        block.push(0xBC);
        let n = BigUint::from_bytes_be(&self.ca_n);
        let sig = fixed(
            &BigUint::from_bytes_be(&block)
                .modpow(&BigUint::from_bytes_be(&CA_PRIVATE_EXPONENT), &n),
            k,
        );
        // C2: the host checks its own certificate with the card's exponent.
        assert_eq!(
            fixed(
                &BigUint::from_bytes_be(&sig).modpow(&BigUint::from_bytes_be(&self.ca_e), &n),
                k
            ),
            block
        );
        let mut inner = tlv(&[0x5F, 0x37], &sig);
        inner.extend(tlv(&[0x5F, 0x38], &body[split..]));
        inner.extend(tlv(&[0x42], car));
        tlv(&[0x7F, 0x21], &inner)
    }

    /// §4.4 steps 2–9 under SM. Returns the status of the first failing step.
    pub fn mutual_auth(&mut self) -> Result<(), (&'static str, u16)> {
        let check = |r: Resp, step| {
            if r.1 == 0x9000 {
                Ok(r.0)
            } else {
                Err((step, r.1))
            }
        };
        check(
            self.sm(
                0x22,
                0x81,
                0xB6,
                &[0x80, 0x01, 0x41, 0x83, 0x01, 0x84],
                Some(0x00),
            ),
            "MSE B6",
        )?;
        let cvc = self.terminal_certificate();
        check(
            self.sm(0x2A, 0x00, 0xAE, &cvc, None),
            "PSO VERIFY CERTIFICATE",
        )?;
        let mut chr = vec![0x83, 0x0C, 0, 0, 0, 0];
        chr.extend(SN_IFD);
        check(self.sm(0x22, 0x81, 0xA4, &chr, None), "MSE A4")?;
        let rnd_icc = check(self.sm(0x84, 0x00, 0x00, &[], Some(8)), "GET CHALLENGE")?;
        assert_eq!(rnd_icc.len(), 8);
        // EXTERNAL AUTHENTICATE
        let mut prnd = vec![0u8; IFD_MODULUS.len() - 34];
        OsRng.fill_bytes(&mut prnd);
        let h = sha256(&[
            &prnd,
            &self.y_ifd,
            &SN_IFD,
            &rnd_icc,
            &self.y_icc,
            &self.g,
            &self.p,
            &self.q,
        ]);
        let block = [&[0x6A][..], &prnd, &h, &[0xBC]].concat();
        let n = BigUint::from_bytes_be(&IFD_MODULUS);
        let s = fixed(
            &BigUint::from_bytes_be(&block)
                .modpow(&BigUint::from_bytes_be(&IFD_PRIVATE_EXPONENT), &n),
            256,
        );
        let ea = [&SN_IFD[..], &s].concat();
        assert_eq!(ea.len(), 264);
        check(
            self.sm(0x82, 0x00, 0x00, &ea, None),
            "EXTERNAL AUTHENTICATE",
        )?;
        check(
            self.sm(
                0x22,
                0x41,
                0xA4,
                &[0x84, 0x01, 0x82, 0x80, 0x01, 0x9B],
                None,
            ),
            "MSE DAPP",
        )?;
        let mut rnd_ifd = [0u8; 8];
        OsRng.fill_bytes(&mut rnd_ifd);
        let resp = check(
            self.sm(0x88, 0x00, 0x00, &rnd_ifd, None),
            "INTERNAL AUTHENTICATE",
        )?;
        // chip authentication check (C8)
        let dapp = self.dapp.as_ref().expect("EF 1004 read");
        let (sn_icc, r) = resp.split_at(8);
        let m = fixed(
            &BigUint::from_bytes_be(r).modpow(dapp.e(), dapp.n()),
            dapp.size(),
        );
        assert_eq!((m[0], m[m.len() - 1]), (0x6A, 0xBC), "give-random block");
        let (prnd2, h2) = (&m[1..m.len() - 33], &m[m.len() - 33..m.len() - 1]);
        assert_eq!(prnd2.len(), dapp.size() - 34);
        let expect = sha256(&[
            prnd2,
            &self.y_icc,
            sn_icc,
            &rnd_ifd,
            &self.y_ifd,
            &self.g,
            &self.p,
            &self.q,
        ]);
        assert_eq!(h2, &expect[..], "H2");
        let sm = self.sm.as_mut().unwrap();
        sm.ssc[..4].copy_from_slice(&rnd_icc[4..]);
        sm.ssc[4..].copy_from_slice(&rnd_ifd[4..]);
        Ok(())
    }

    /// The public chip data a first session reads (§4.1): DH group, DAPP key, CA key.
    pub fn read_chip_data(&mut self) {
        self.read_dh_params();
        self.read_dapp_key();
        self.read_ca_key();
    }

    /// The whole §4 sequence; returns the APDU count of the part that every session pays
    /// (selects, DH, mutual authentication — C12) separately from the first-session reads.
    pub fn open_session(&mut self, by_mf: bool) -> usize {
        self.select_applications(by_mf);
        let start = self.apdus;
        self.read_chip_data();
        let first_session_reads = self.apdus - start;
        self.key_agreement();
        self.mutual_auth().expect("mutual authentication");
        self.apdus - first_session_reads
    }

    /// Read an EF of the current DF under SM (Le 0xE7 per §2 / PAGO), to its end.
    pub fn read_file_sm(&mut self, fid: [u8; 2]) -> Resp {
        let r = self.sm(0xA4, 0x02, 0x04, &fid, None);
        if r.1 != 0x9000 {
            return r;
        }
        let mut out = Vec::new();
        loop {
            let off = out.len();
            let (d, sw) = self.sm(0xB0, (off >> 8) as u8, off as u8, &[], Some(0xE7));
            match sw {
                0x9000 => out.extend(d),
                0x6282 => {
                    out.extend(d);
                    return (out, 0x9000);
                }
                0x6B00 => return (out, 0x9000),
                sw => return (out, sw),
            }
        }
    }
}

/// `data` in pieces of at most `size` bytes for command chaining (§5.4); no data is one empty
/// piece.
fn pieces(data: &[u8], size: usize) -> Vec<&[u8]> {
    if data.is_empty() {
        vec![&[][..]]
    } else {
        data.chunks(size).collect()
    }
}
