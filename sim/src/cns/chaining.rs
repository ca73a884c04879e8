//! Command chaining (ISO 7816-4 5.1.1: CLA bit `10` on every part but the last) on the variants that
//! accept it. IDEMIA 2021: "the official IDEMIA middleware uses command chaining, but the card also
//! accepts extended APDUs" (docs/cards/cns.md §5.1, commit a4eed9597) — so its 257-byte PSO
//! DECIPHER may come as `10 2A 80 86 FF …` + `00 2A 80 86 02 … 00`. The ST 2021 refuses chaining
//! with 6E00 (§6.1, #2370); the variant table says which.
//!
//! A part whose INS/P1/P2 differ from the chain's drops the chain and counts as a fresh command
//! (chosen; ISO leaves the answer to the card).

use crate::apdu::Command;

/// Longest chained command body kept (a 4096-bit block plus padding indicator fits easily).
const MAX_CHAINED: usize = 1024;

/// The parts received so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Chain {
    header: Option<(u8, u8, u8)>,
    data: Vec<u8>,
}

/// What to do with one APDU.
pub enum Step {
    /// A non-final part was stored: answer 9000.
    Stored,
    /// Too much chained data: answer 6700 (the chain is dropped).
    TooLong,
    /// Execute this command: the whole chain with the last part's Le, or an unchained command.
    Execute(Vec<u8>, Option<usize>),
}

impl Chain {
    /// Feed one parsed APDU; `chained` is its CLA bit `10`.
    pub fn feed(&mut self, cmd: &Command, chained: bool) -> Step {
        let header = (cmd.ins, cmd.p1, cmd.p2);
        if self.header != Some(header) {
            *self = Chain::default();
        }
        if self.data.len() + cmd.data.len() > MAX_CHAINED {
            *self = Chain::default();
            return Step::TooLong;
        }
        self.data.extend_from_slice(cmd.data);
        if chained {
            self.header = Some(header);
            return Step::Stored;
        }
        let data = std::mem::take(&mut self.data);
        *self = Chain::default();
        Step::Execute(data, cmd.le)
    }
}
