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
});
