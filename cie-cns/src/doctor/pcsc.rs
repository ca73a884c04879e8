//! PC/SC as the doctor sees it: pcscd reachable, the readers, a card in each. Only status
//! queries (SCardListReaders, SCardGetStatusChange): nothing is sent to a card here.

use super::report::{Report, Verdict};
use std::time::Duration;

/// What PC/SC says about one reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    Empty,
    Card,
    /// A card that does not answer the reset (upside down, dirty contacts).
    Mute,
}

pub struct Reader {
    pub name: String,
    pub presence: Presence,
}

/// The readers, or `None` when PC/SC is not usable (reported).
pub fn check(report: &mut Report) -> Option<Vec<Reader>> {
    let ctx = match pcsc::Context::establish(pcsc::Scope::User) {
        Ok(ctx) => ctx,
        Err(e) => {
            report.say(
                Verdict::Problem,
                "pcscd",
                (
                    &format!("non raggiungibile ({e})"),
                    &format!("not reachable ({e})"),
                ),
                Some((
                    "avvialo: sudo systemctl enable --now pcscd.socket (pacchetto pcscd)",
                    "start it: sudo systemctl enable --now pcscd.socket (package pcscd)",
                )),
            );
            return None;
        }
    };
    report.say(Verdict::Ok, "pcscd", ("raggiungibile", "reachable"), None);
    let names = match ctx.list_readers_owned() {
        Ok(names) => names,
        Err(pcsc::Error::NoReadersAvailable) => Vec::new(),
        Err(e) => {
            report.say(
                Verdict::Problem,
                "PC/SC",
                (
                    &format!("elenco dei lettori: {e}"),
                    &format!("listing the readers: {e}"),
                ),
                Some((
                    "riavvia pcscd: sudo systemctl restart pcscd",
                    "restart pcscd: sudo systemctl restart pcscd",
                )),
            );
            return None;
        }
    };
    if names.is_empty() {
        report.say(
            Verdict::Problem,
            "lettori / readers",
            ("nessun lettore trovato", "no reader found"),
            Some((
                "collega il lettore; se è collegato, controlla che lsusb lo veda e installa il driver (libccid per quasi tutti)",
                "connect the reader; if it is connected, check that lsusb sees it and install its driver (libccid for most)",
            )),
        );
        return Some(Vec::new());
    }
    let mut states: Vec<_> = names
        .iter()
        .map(|name| pcsc::ReaderState::new(name.clone(), pcsc::State::UNAWARE))
        .collect();
    // UNAWARE: answers at once with the current state.
    let _ = ctx.get_status_change(Duration::from_millis(500), &mut states);
    Some(
        names
            .iter()
            .zip(&states)
            .map(|(name, state)| Reader {
                name: name.to_string_lossy().into_owned(),
                presence: presence(state.event_state()),
            })
            .collect(),
    )
}

fn presence(state: pcsc::State) -> Presence {
    if state.contains(pcsc::State::MUTE) {
        Presence::Mute
    } else if state.contains(pcsc::State::PRESENT) {
        Presence::Card
    } else {
        Presence::Empty
    }
}
