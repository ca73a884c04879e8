//! The certificate read from a card (or from the public-data cache) is untrusted input.
#![no_main]

use cie_cns_pkcs11::parsers::CertificateInfo;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(info) = CertificateInfo::parse(data) {
        let _ = info.modulus_bits();
        let _ = info.key_id();
    }
});
