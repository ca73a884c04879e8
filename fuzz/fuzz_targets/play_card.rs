//! `cie_cns_pkcs11::fuzzing::play_card` (src/fuzzing.rs says what the input means).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| cie_cns_pkcs11::fuzzing::play_card(data));
