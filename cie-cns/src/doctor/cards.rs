//! Each reader's card, seen through the module as a browser sees it: family, batch, holder,
//! certificate validity and what the token flags tell about the PIN. Never a VERIFY: the flags
//! come from C_GetTokenInfo, the certificate from a public session.

use super::pcsc::{Presence, Reader};
use super::report::{Report, Verdict};
use crate::certificate::{CertificateFacts, Validity};
use crate::token::{Family, Module, Token};
use crate::tries::{self, PinTries, PukTries};
use cryptoki::slot::TokenInfo;
use std::time::SystemTime;

/// Reports every reader; true when at least one holds a CIE or TS-CNS.
pub fn check(report: &mut Report, module: Option<&Module>, readers: &[Reader]) -> bool {
    let mut found = false;
    for reader in readers {
        let subject = format!("{} {}", report.lang.pick("lettore", "reader"), reader.name);
        match reader.presence {
            Presence::Empty => {
                report.say(Verdict::Info, &subject, ("nessuna carta", "no card"), None)
            }
            Presence::Mute => report.say(
                Verdict::Problem,
                &subject,
                ("la carta non risponde", "the card does not answer"),
                Some((
                    "inseriscila fino in fondo con il chip dal verso giusto; pulisci i contatti",
                    "insert it fully with the chip the right way round; clean the contacts",
                )),
            ),
            Presence::Card => {
                let Some(module) = module else {
                    report.say(
                        Verdict::Info,
                        &subject,
                        (
                            "una carta (senza modulo non si sa quale)",
                            "a card (which one, only the module can tell)",
                        ),
                        None,
                    );
                    continue;
                };
                match module
                    .slot_of_reader(&reader.name)
                    .and_then(|slot| module.token(slot, &reader.name))
                {
                    Some(token) => {
                        found = true;
                        card(report, module, &subject, &token);
                    }
                    None => report.say(
                        Verdict::Problem,
                        &subject,
                        (
                            "c'è una carta nel lettore ma non è una CIE né una TS-CNS",
                            "a card is in the reader but it is not a CIE or TS-CNS",
                        ),
                        Some(("inserisci la CIE o la TS-CNS", "insert your CIE or TS-CNS")),
                    ),
                }
            }
        }
    }
    found
}

fn card(report: &mut Report, module: &Module, subject: &str, token: &Token) {
    let l = report.lang;
    let facts = module
        .certificate(token.slot)
        .as_deref()
        .and_then(CertificateFacts::parse);
    let holder = facts
        .as_ref()
        .and_then(|f| f.holder.clone())
        .or_else(|| holder_from_label(token));
    let info = &token.info;
    let mut text = format!(
        "{}, {} {} ({})",
        token.family.name(),
        l.pick("lotto", "batch"),
        info.model().trim(),
        info.manufacturer_id().trim()
    );
    match holder {
        Some(holder) => text.push_str(&format!(", {} {holder}", l.pick("titolare", "holder"))),
        None => text.push_str(l.pick(
            ", titolare noto dopo il primo accesso con il PIN",
            ", holder known after the first login with the PIN",
        )),
    }
    report.line(Verdict::Ok, subject, &text, None);
    certificate(report, token, facts.as_ref());
    pin(report, token.family, info);
}

/// The holder the module put in the label ("TS-CNS ROSSI MARIO"), not the serial it shows
/// before it knows the holder ("CIE 123456789012").
fn holder_from_label(token: &Token) -> Option<String> {
    let rest = token
        .info
        .label()
        .trim()
        .strip_prefix(token.family.name())?
        .trim();
    (!rest.is_empty() && rest != token.info.serial_number().trim()).then(|| rest.to_string())
}

fn certificate(report: &mut Report, token: &Token, facts: Option<&CertificateFacts>) {
    let l = report.lang;
    let subject = l.pick("certificato", "certificate");
    let Some(facts) = facts else {
        let (verdict, text) = match token.family {
            Family::Cie => (
                Verdict::Info,
                (
                    "la CIE lo mostra solo dopo il PIN; comparirà qui dopo il primo accesso",
                    "the CIE shows it only after the PIN; it shows here after the first login",
                ),
            ),
            Family::Cns => (Verdict::Problem, ("non leggibile", "not readable")),
        };
        report.say(verdict, subject, text, None);
        return;
    };
    match facts.validity_at(SystemTime::now()) {
        Validity::Valid { until } => report.line(
            Verdict::Ok,
            subject,
            &l.pick(
                format!("valido fino al {until}"),
                format!("valid until {until}"),
            ),
            None,
        ),
        Validity::ExpiresSoon { on, days } => report.line(
            Verdict::Warning,
            subject,
            &l.pick(
                format!("scade il {on} (tra {days} giorni)"),
                format!("expires on {on} (in {days} days)"),
            ),
            Some(l.pick(
                "chiedi ora il rinnovo della carta a chi l'ha emessa",
                "ask the issuer for a new card now",
            )),
        ),
        Validity::Expired { on } => report.line(
            Verdict::Problem,
            subject,
            &l.pick(format!("SCADUTO il {on}"), format!("EXPIRED on {on}")),
            Some(l.pick(
                "i siti non accettano più la carta: chiedine una nuova a chi l'ha emessa",
                "sites no longer accept the card: ask the issuer for a new one",
            )),
        ),
        Validity::NotYetValid { from } => report.line(
            Verdict::Problem,
            subject,
            &l.pick(
                format!("valido solo dal {from}"),
                format!("valid only from {from}"),
            ),
            Some(l.pick(
                "controlla data e ora del computer",
                "check the computer's date and time",
            )),
        ),
    }
}

/// What the flags tell without a try (crate::tries).
fn pin(report: &mut Report, family: Family, info: &TokenInfo) {
    let l = report.lang;
    let puk = tries::puk(info);
    if puk == PukTries::Locked {
        report.line(Verdict::Problem, "PUK", &puk.text(l, family), None);
    }
    let pin = tries::pin(family, info);
    let (verdict, todo) = match pin {
        PinTries::Locked => (
            Verdict::Problem,
            Some(l.pick(
                "sbloccalo con il PUK: cie-cns pin unblock",
                "unblock it with the PUK: cie-cns pin unblock",
            )),
        ),
        PinTries::Left(1) => (
            Verdict::Warning,
            Some(l.pick(
                "se non sei sicuro del PIN, impostane uno nuovo con il PUK: cie-cns pin unblock",
                "if you are not sure of the PIN, set a new one with the PUK: cie-cns pin unblock",
            )),
        ),
        PinTries::Left(n) if n < tries::PIN_MAX_TRIES => (Verdict::Warning, None),
        PinTries::Left(_) => (Verdict::Ok, None),
        PinTries::Unknown => (Verdict::Info, None),
    };
    report.line(verdict, "PIN", &pin.text(l), todo);
}
