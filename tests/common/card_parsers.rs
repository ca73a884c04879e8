//! Every parser of card data, on one input: the list both the deterministic never-panic
//! test (tests/parsers_never_panic.rs) and the coverage-guided fuzz target
//! (fuzz/fuzz_targets/card_responses.rs) run, so that a new parser is added in one place.

use cie_cns_pkcs11::parsers::{
    atr, codec, detect, dh, fcp, files, iso9796, params, personal_data, tlv, CachedLayout,
    ChipData, CnsAtr, Response, SessionKeys, Ssc,
};

/// TS-CNS and generic parsers: BER-TLV, FCP/FCI, ATR, the TS-CNS ATR decode,
/// EF_DatiPersonali, response APDUs.
pub fn parse_card_responses(input: &[u8]) {
    let _ = tlv::parse_one(input);
    let _ = tlv::encoded_length(input);
    for t in tlv::TlvIter::new(input).flatten() {
        let _ = t.children().count();
    }
    let _ = fcp::parse(input);
    let _ = atr::historical_bytes(input);
    let _ = CnsAtr::decode(input);
    let _ = personal_data::parse(input);
    let _ = personal_data::declared_end(input);
    let _ = Response::decode(input);
    parse_cie_answers(input);
    parse_cache_entries(input);
}

/// What the public-data cache gives back, read like card data (token::cache).
pub fn parse_cache_entries(input: &[u8]) {
    let _ = ChipData::decode(input);
    let _ = CachedLayout::decode(input);
}

/// The CIE's parsers of card answers (cie.md §2, §4, §5.3) and its ATR hint.
pub fn parse_cie_answers(input: &[u8]) {
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
