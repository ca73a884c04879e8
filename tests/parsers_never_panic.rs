//! Card data is untrusted input (DESIGN.md contracts): every parser of card responses returns
//! an error on malformed data and never panics. Deterministic random inputs plus mutations of
//! valid samples on every test run; coverage-guided fuzzing of the same parsers: scripts/fuzz.

#[path = "common/card_parsers.rs"]
mod card_parsers;

use cie_cns_pkcs11::parsers::CertificateInfo;

/// xorshift64*: reproducible, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn bytes(&mut self, max_len: usize) -> Vec<u8> {
        let len = self.below(max_len + 1);
        (0..len).map(|_| self.next() as u8).collect()
    }

    /// Flips, inserts, deletes or truncates a few bytes of `sample`.
    fn mutate(&mut self, sample: &[u8]) -> Vec<u8> {
        let mut v = sample.to_vec();
        for _ in 0..=self.below(4) {
            let pos = if v.is_empty() { 0 } else { self.below(v.len()) };
            match self.below(4) {
                0 if !v.is_empty() => v[pos] ^= 1 << self.below(8),
                1 => v.insert(pos, self.next() as u8),
                2 if !v.is_empty() => {
                    v.remove(pos);
                }
                _ => v.truncate(pos),
            }
        }
        v
    }
}

fn parse_everything(input: &[u8]) {
    card_parsers::parse_card_responses(input);
    let _ = CertificateInfo::parse(input);
}

#[test]
fn random_inputs() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..20_000 {
        parse_everything(&rng.bytes(64));
    }
}

#[test]
fn mutated_samples() {
    let cert = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/cns-auth.der"
    ))
    .expect("fixture");
    let samples: Vec<Vec<u8>> = vec![
        cert,
        b"00006B04A123080101202008010120260505ROSSI05MARIO".to_vec(),
        vec![
            0x6F, 0x14, 0x80, 0x02, 0x01, 0x90, 0x82, 0x03, 0x01, 0x00, 0x00, 0x83, 0x02, 0x11,
            0x02, 0x86, 0x03, 0x00, 0xFF, 0xFF, 0x8A, 0x01, 0x05,
        ],
        vec![
            0x3B, 0xFF, 0x18, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x55, 0x00, 0x6B, 0x02, 0x09, 0x16,
            0x17, 0x01, 0x11, 0x01, 0x43, 0x4E, 0x53, 0x11, 0x31, 0x80, 0x8D,
        ],
        // CIE: a protected response (DO 87, 99, 8E) and a DH parameter answer (C3).
        vec![
            0x87, 0x11, 0x01, 0xA8, 0x5C, 0xEB, 0x8C, 0xDA, 0xDF, 0xF8, 0x08, 0xD2, 0xD3, 0x75,
            0xB3, 0xBF, 0xBD, 0x8F, 0xC1, 0x99, 0x02, 0x90, 0x00, 0x8E, 0x08, 0x2C, 0x6F, 0xB7,
            0x2C, 0x0D, 0x3C, 0xE9, 0x91,
        ],
        vec![
            0x70, 0x0C, 0xBF, 0xA1, 0x01, 0x08, 0xA3, 0x06, 0x98, 0x04, 0xC3, 0xC3, 0xC3, 0xC3,
        ],
    ];
    let mut rng = Rng(42);
    for sample in &samples {
        for _ in 0..3_000 {
            parse_everything(&rng.mutate(sample));
        }
    }
}
