//! Every parser of card responses on arbitrary bytes: BER-TLV, FCP/FCI, ATR, the
//! TS-CNS ATR decode and EF_DatiPersonali, response APDUs. None may panic.
#![no_main]

use cie_cns_pkcs11::card::cns::{personal_data, profile::CnsAtr};
use cie_cns_pkcs11::iso7816::{atr, fcp, tlv, Response};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = tlv::parse_one(data);
    let _ = tlv::encoded_length(data);
    for t in tlv::TlvIter::new(data).flatten() {
        let _ = t.children().count();
    }
    let _ = fcp::parse(data);
    let _ = atr::historical_bytes(data);
    let _ = CnsAtr::decode(data);
    let _ = personal_data::parse(data);
    let _ = personal_data::declared_end(data);
    let _ = Response::decode(data);
    cie_parsers(data);
});

/// The CIE's parsers of card answers (cie.md §2, §4, §5.3) and its ATR hint.
fn cie_parsers(input: &[u8]) {
    use cie_cns_pkcs11::card::cie::sm::{codec, SessionKeys, Ssc};
    use cie_cns_pkcs11::card::cie::{detect, dh, files, iso9796, params};
    let _ = params::parse_dh_value(input, 0x98);
    let _ = params::parse_dh_all(input);
    let _ = params::parse_ca_key(input);
    let _ = dh::parse_icc_public(input);
    let _ = files::parse_nis(input);
    let _ = files::parse_chip_key(input);
    let _ = iso9796::recover(input);
    let _ = detect::hint(input);
    let keys = SessionKeys::new([0x11; 16], [0x22; 16]);
    let _ = codec::unwrap(&keys, &Ssc([0, 0, 0, 0, 0, 0, 0, 3]), input);
}
