//! `cie-cns pin status | change | unblock`: the PIN and PUK through the module's C_Login,
//! C_SetPIN and C_InitPIN (PKCS#11 3.0 §5.5.8, §5.5.9, §5.6), as any application of it, so
//! the module's rules hold too. Every code is format-checked and confirmed before anything
//! reaches the card; one wrong code ends the command (no retry of our own); the PUK goes only
//! where the PUK is asked (an SO login), the PIN only to a user login.

mod format;
mod input;

use crate::lang::Lang;
use crate::token::{Family, Module, Token};
use crate::tries::{self, PinTries, PukTries};
use cryptoki::error::{Error, RvError};
use cryptoki::session::{Session, UserType};
use cryptoki::types::AuthPin;
use format::Code;
use input::{Input, InputError, Secret};
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Status,
    Change,
    Unblock,
}

/// Why a command stopped: printed as one message, exit status 1.
struct Stop(String);

pub fn run(lang: Lang, module: &Path, reader: Option<&str>, action: Action) -> bool {
    let result = Module::load(module)
        .map_err(|e| {
            Stop(lang.pick(
                format!(
                    "il modulo {} non si carica ({e}): cie-cns doctor dice perché",
                    module.display()
                ),
                format!(
                    "the module {} does not load ({e}): cie-cns doctor tells why",
                    module.display()
                ),
            ))
        })
        .and_then(|module| {
            let token = choose(lang, &module, reader)?;
            let pin = Pin {
                lang,
                module: &module,
                token: &token,
            };
            match action {
                Action::Status => pin.status(),
                Action::Change => pin.change(&mut Input::from_stdin()),
                Action::Unblock => pin.unblock(&mut Input::from_stdin()),
            }
        });
    match result {
        Ok(()) => true,
        Err(Stop(message)) => {
            if !message.is_empty() {
                eprintln!("{message}");
            }
            false
        }
    }
}

/// The one card to work on: the only one, or the one in the reader named (in part) by `reader`.
fn choose(lang: Lang, module: &Module, reader: Option<&str>) -> Result<Token, Stop> {
    let mut tokens: Vec<Token> = module
        .tokens()
        .into_iter()
        .filter(|t| reader.is_none_or(|name| t.reader.contains(name)))
        .collect();
    match tokens.len() {
        1 => Ok(tokens.remove(0)),
        0 => Err(Stop(lang.pick(
            "nessuna CIE o TS-CNS trovata: inserisci la carta (cie-cns doctor dice perché non si vede)".into(),
            "no CIE or TS-CNS found: insert the card (cie-cns doctor tells why it is not seen)".into(),
        ))),
        _ => {
            let readers: Vec<_> = tokens.iter().map(|t| t.reader.as_str()).collect();
            Err(Stop(lang.pick(
                format!("più carte; scegline una con --reader NOME: {}", readers.join(", ")),
                format!("more than one card; choose one with --reader NAME: {}", readers.join(", ")),
            )))
        }
    }
}

struct Pin<'a> {
    lang: Lang,
    module: &'a Module,
    token: &'a Token,
}

impl Pin<'_> {
    fn family(&self) -> Family {
        self.token.family
    }

    fn status(&self) -> Result<(), Stop> {
        let l = self.lang;
        let info = &self.token.info;
        println!(
            "{} ({} {})",
            info.label().trim(),
            l.pick("lettore", "reader"),
            self.token.reader
        );
        let pin = tries::pin(self.family(), info);
        let puk = tries::puk(info);
        println!("PIN: {}", pin.text(l));
        println!("PUK: {}", puk.text(l, self.family()));
        if pin == PinTries::Locked && puk != PukTries::Locked {
            println!(
                "{}",
                l.pick(
                    "sbloccalo con il PUK: cie-cns pin unblock",
                    "unblock it with the PUK: cie-cns pin unblock"
                )
            );
        }
        if pin == PinTries::Locked || puk == PukTries::Locked {
            return Err(Stop(String::new()));
        }
        Ok(())
    }

    fn change(&self, input: &mut Input) -> Result<(), Stop> {
        let l = self.lang;
        if tries::pin(self.family(), &self.token.info) == PinTries::Locked {
            return Err(Stop(l.pick(
                "il PIN è bloccato: nulla è stato inviato alla carta; sbloccalo con il PUK: cie-cns pin unblock".into(),
                "the PIN is blocked: nothing was sent to the card; unblock it with the PUK: cie-cns pin unblock".into(),
            )));
        }
        let current = self.ask(input, l.pick("PIN attuale:", "Current PIN:"), Code::Pin)?;
        let new = self.ask_new(input)?;
        let session = self.session()?;
        // A user login first: in a public session the module would take the code for the PUK
        // if the PIN were blocked meanwhile (its C_SetPIN rule), and a PIN must never be sent
        // as a PUK.
        match session.login(UserType::User, Some(&AuthPin::from(current.as_str()))) {
            Ok(()) => {}
            Err(e) => return Err(self.wrong_pin(e)),
        }
        let changed = session.set_pin(
            &AuthPin::from(current.as_str()),
            &AuthPin::from(new.as_str()),
        );
        let _ = session.logout();
        match changed {
            Ok(()) => {
                println!("{}", l.pick("PIN cambiato.", "PIN changed."));
                Ok(())
            }
            Err(e) => Err(self.wrong_pin(e)),
        }
    }

    fn unblock(&self, input: &mut Input) -> Result<(), Stop> {
        let l = self.lang;
        if tries::puk(&self.token.info) == PukTries::Locked {
            return Err(Stop(format!(
                "PUK: {}",
                PukTries::Locked.text(l, self.family())
            )));
        }
        let puk = self.ask(input, "PUK:", Code::Puk)?;
        let new = self.ask_new(input)?;
        let session = self.session()?;
        // The SO's PIN is the PUK: C_Login(SO) verifies it, C_InitPIN sets the new PIN and
        // resets the PIN's counter (the module's C_InitPIN, README PIN table).
        if let Err(e) = session.login(UserType::So, Some(&AuthPin::from(puk.as_str()))) {
            return Err(self.wrong_puk(e));
        }
        let set = session.init_pin(&AuthPin::from(new.as_str()));
        let _ = session.logout();
        match set {
            Ok(()) => {
                println!(
                    "{}",
                    l.pick(
                        "PIN sbloccato: il nuovo PIN è attivo.",
                        "PIN unblocked: the new PIN is set."
                    )
                );
                Ok(())
            }
            Err(e) => Err(self.failed(e)),
        }
    }

    /// One code of kind `code`, refused (nothing sent) in the wrong format.
    fn ask(&self, input: &mut Input, prompt: &str, code: Code) -> Result<Secret, Stop> {
        let l = self.lang;
        let value = input.read(prompt).map_err(|e| self.input_failed(e))?;
        if format::check(self.family(), &value) {
            Ok(value)
        } else {
            Err(Stop(l.pick(
                format!(
                    "{}: nulla è stato inviato alla carta",
                    format::rule(l, self.family(), code)
                ),
                format!(
                    "{}: nothing was sent to the card",
                    format::rule(l, self.family(), code)
                ),
            )))
        }
    }

    /// The new PIN, typed twice.
    fn ask_new(&self, input: &mut Input) -> Result<Secret, Stop> {
        let l = self.lang;
        let new = self.ask(input, l.pick("Nuovo PIN:", "New PIN:"), Code::Pin)?;
        let again = input
            .read(l.pick("Ripeti il nuovo PIN:", "Retype new PIN:"))
            .map_err(|e| self.input_failed(e))?;
        if *new != *again {
            return Err(Stop(l.pick(
                "i due nuovi PIN sono diversi: nulla è stato inviato alla carta".into(),
                "the two new PINs differ: nothing was sent to the card".into(),
            )));
        }
        Ok(new)
    }

    fn session(&self) -> Result<Session, Stop> {
        self.module
            .pkcs11()
            .open_rw_session(self.token.slot)
            .map_err(|e| self.failed(e))
    }

    /// After a refused PIN: how many tries the card has left, from the flags it updated.
    fn wrong_pin(&self, e: Error) -> Stop {
        let l = self.lang;
        if !matches!(
            e,
            Error::Pkcs11(RvError::PinIncorrect | RvError::PinLocked, _)
        ) {
            return self.failed(e);
        }
        let before = tries::pin(self.family(), &self.token.info);
        if matches!(e, Error::Pkcs11(RvError::PinLocked, _)) && before == PinTries::Unknown {
            // A CIE tells only now: blocked before this try, or by it (63C0 or 6983).
            return Stop(l.pick(
                "il PIN è bloccato: sbloccalo con il PUK: cie-cns pin unblock".into(),
                "the PIN is blocked: unblock it with the PUK: cie-cns pin unblock".into(),
            ));
        }
        let info = self.module.token_info(self.token.slot);
        let left = info
            .map(|i| tries::pin(self.family(), &i))
            .unwrap_or(PinTries::Unknown);
        Stop(match left {
            PinTries::Locked => l.pick(
                "PIN errato: ora il PIN è bloccato; sbloccalo con il PUK: cie-cns pin unblock"
                    .into(),
                "wrong PIN: the PIN is now blocked; unblock it with the PUK: cie-cns pin unblock"
                    .into(),
            ),
            PinTries::Left(_) => l.pick(
                format!("PIN errato: {}", left.text(l)),
                format!("wrong PIN: {}", left.text(l)),
            ),
            PinTries::Unknown => l.pick("PIN errato".into(), "wrong PIN".into()),
        })
    }

    fn wrong_puk(&self, e: Error) -> Stop {
        let l = self.lang;
        if !matches!(
            e,
            Error::Pkcs11(RvError::PinIncorrect | RvError::PinLocked, _)
        ) {
            return self.failed(e);
        }
        let left = self
            .module
            .token_info(self.token.slot)
            .map(|i| tries::puk(&i))
            .unwrap_or(PukTries::Fewer);
        let mut message = l.pick(
            format!("PUK errato: {}", left.text(l, self.family())),
            format!("wrong PUK: {}", left.text(l, self.family())),
        );
        if self.family() == Family::Cie && left != PukTries::Locked {
            // cie.md §6: the tenth wrong PUK ends the card's digital identity for good.
            message.push_str(l.pick(
                "\nattenzione: con 10 PUK errati l'identità digitale della CIE finisce per sempre",
                "\ncareful: 10 wrong PUKs end the CIE's digital identity for good",
            ));
        }
        Stop(message)
    }

    fn failed(&self, e: Error) -> Stop {
        Stop(self.lang.pick(
            format!("la carta non ha eseguito l'operazione: {e}"),
            format!("the card did not do it: {e}"),
        ))
    }

    fn input_failed(&self, e: InputError) -> Stop {
        Stop(match e {
            InputError::Ended => self.lang.pick(
                "l'input è finito prima del codice: nulla è stato inviato alla carta".into(),
                "input ended before the code: nothing was sent to the card".into(),
            ),
            InputError::Io(e) => format!("{e}"),
        })
    }
}
