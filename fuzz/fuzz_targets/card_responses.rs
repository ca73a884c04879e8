//! Every parser of card responses on arbitrary bytes (the list is shared with
//! tests/parsers_never_panic.rs). None may panic.
#![no_main]

#[path = "../../tests/common/card_parsers.rs"]
mod card_parsers;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| card_parsers::parse_card_responses(data));
