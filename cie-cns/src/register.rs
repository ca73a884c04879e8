//! `cie-cns register [--remove] [--quiet]`: the module in every browser database of this user
//! (what `scripts/register-browsers` did). Idempotent: a database already right is only read,
//! so the desktop-login autostart costs a few file reads when nothing changed.

use crate::browsers::{self, ChromiumDb, Home};
use crate::lang::Lang;
use crate::nss::{NssDb, NssError};
use std::path::Path;

/// What to do in each database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Add,
    Remove,
}

/// What happened in one database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Added,
    /// The entry pointed at another library (an older install) and now points at this one.
    Updated,
    AlreadyThere,
    Removed,
    NotThere,
    /// A Firefox profile without its database yet (never started).
    NoDatabase,
    /// Chromium's database did not exist and was created (with the module).
    Created,
}

pub struct Register<'a> {
    pub home: &'a Home,
    pub module: &'a Path,
    pub action: Action,
    pub lang: Lang,
    pub quiet: bool,
}

impl Register<'_> {
    /// Registers (or removes) everywhere; `Err` counts the databases that failed.
    pub fn run(&self) -> Result<(), usize> {
        let l = self.lang;
        if self.action == Action::Add && !self.module.is_file() {
            eprintln!(
                "{}",
                l.pick(
                    format!(
                        "nessun modulo in {}: installa il pacchetto (o indica --module)",
                        self.module.display()
                    ),
                    format!(
                        "no module at {}: install the package (or give --module)",
                        self.module.display()
                    ),
                )
            );
            return Err(1);
        }
        let mut failures = 0;
        let profiles = browsers::firefox_profiles(self.home);
        if profiles.is_empty() {
            self.say(l.pick("nessun profilo Firefox trovato", "no Firefox profile found"));
        }
        for profile in &profiles {
            let place = l.pick(
                format!(
                    "profilo Firefox {} ({})",
                    profile.name,
                    profile.db.dir.display()
                ),
                format!(
                    "Firefox profile {} ({})",
                    profile.name,
                    profile.db.dir.display()
                ),
            );
            failures += self.report(&place, self.apply(&profile.db));
        }
        let chromium = match browsers::chromium_db(self.home) {
            ChromiumDb::Existing(db) => Some((db, false)),
            // Created even before Chromium's first start: it then opens this one, with the module.
            ChromiumDb::Missing(db) => (self.action == Action::Add).then_some((db, true)),
        };
        if let Some((db, create)) = chromium {
            let place = format!("Chromium ({})", db.dir.display());
            let outcome = if create {
                db.create()
                    .and_then(|()| db.add(self.module))
                    .map(|()| Outcome::Created)
            } else {
                self.apply(&db)
            };
            failures += self.report(&place, outcome);
        }
        for sandboxed in browsers::sandboxed_browsers(self.home) {
            let kind = format!("{:?}", sandboxed.sandbox);
            self.say(&l.pick(
                format!(
                    "{} {kind}: non legge questi elenchi; raggiunge il modulo solo tramite `p11-kit server` (README: Snap e Flatpak)",
                    sandboxed.browser
                ),
                format!(
                    "{} {kind}: does not read these lists; it reaches the module only through `p11-kit server` (README: Snap and Flatpak)",
                    sandboxed.browser
                ),
            ));
        }
        if failures == 0 {
            Ok(())
        } else {
            Err(failures)
        }
    }

    fn apply(&self, db: &NssDb) -> Result<Outcome, NssError> {
        if !db.exists() {
            return Ok(Outcome::NoDatabase);
        }
        let current = db.our_entry().map_err(NssError::Io)?;
        match (self.action, current) {
            (Action::Remove, None) => Ok(Outcome::NotThere),
            (Action::Remove, Some(entry)) => db.delete(&entry.name).map(|()| Outcome::Removed),
            (Action::Add, None) => db.add(self.module).map(|()| Outcome::Added),
            (Action::Add, Some(entry)) if entry.library == self.module => Ok(Outcome::AlreadyThere),
            (Action::Add, Some(entry)) => {
                db.delete(&entry.name)?;
                db.add(self.module).map(|()| Outcome::Updated)
            }
        }
    }

    /// Prints the outcome for `place`; 1 if it failed.
    fn report(&self, place: &str, outcome: Result<Outcome, NssError>) -> usize {
        let l = self.lang;
        let text = match outcome {
            Err(e) => {
                eprintln!("{}: {e}", l.pick("errore", "error"));
                eprintln!("  {place}");
                return 1;
            }
            Ok(Outcome::Added) => l.pick("registrato in", "registered in"),
            Ok(Outcome::Updated) => l.pick(
                "registrato (al posto di una libreria precedente) in",
                "registered (replacing an older library) in",
            ),
            Ok(Outcome::AlreadyThere) => l.pick("già registrato in", "already registered in"),
            Ok(Outcome::Removed) => l.pick("rimosso da", "removed from"),
            Ok(Outcome::NotThere) => l.pick("non registrato in", "not registered in"),
            Ok(Outcome::Created) => l.pick("creato e registrato:", "created and registered:"),
            Ok(Outcome::NoDatabase) => l.pick(
                "saltato (avvia Firefox una volta con questo profilo):",
                "skipped (start Firefox once with this profile):",
            ),
        };
        self.say(&format!("{text} {place}"));
        0
    }

    fn say(&self, line: &str) {
        if !self.quiet {
            println!("{line}");
        }
    }
}
