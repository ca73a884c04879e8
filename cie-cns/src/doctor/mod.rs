//! `cie-cns doctor`: why a login does not work, one check a line, in the order a citizen can
//! fix them: PC/SC, the readers, the card (through the module), the browsers' registration.
//! Exit status 0 when all is well, 1 when a line reports a problem.

mod cards;
mod pcsc;
mod registration;
mod report;

use crate::browsers::Home;
use crate::lang::Lang;
use crate::token::Module;
use report::{Report, Verdict};
use std::path::Path;

/// Runs every check; true when all is well.
pub fn run(lang: Lang, module_path: &Path, home: Option<&Home>) -> bool {
    let mut report = Report::new(lang);
    let module = load(&mut report, module_path);
    if let Some(readers) = pcsc::check(&mut report) {
        let found = cards::check(&mut report, module.as_ref(), &readers);
        if !found && !readers.is_empty() {
            report.say(
                Verdict::Problem,
                "CIE / TS-CNS",
                (
                    "nessuna carta riconosciuta in alcun lettore",
                    "no card recognised in any reader",
                ),
                Some((
                    "inserisci la CIE o la TS-CNS nel lettore, chip verso i contatti",
                    "insert your CIE or TS-CNS in the reader, chip towards the contacts",
                )),
            );
        }
    }
    registration::check(&mut report, home, module_path);
    report.all_well()
}

fn load(report: &mut Report, path: &Path) -> Option<Module> {
    let l = report.lang;
    let subject = l.pick("modulo", "module");
    if !path.is_file() {
        report.line(
            Verdict::Problem,
            subject,
            &l.pick(
                format!("{} non c'è", path.display()),
                format!("{} is missing", path.display()),
            ),
            Some(l.pick(
                "installa il pacchetto cie-cns-pkcs11",
                "install the cie-cns-pkcs11 package",
            )),
        );
        return None;
    }
    match Module::load(path) {
        Ok(module) => {
            report.line(Verdict::Ok, subject, &path.display().to_string(), None);
            Some(module)
        }
        Err(e) => {
            report.line(
                Verdict::Problem,
                subject,
                &l.pick(
                    format!("{} non si carica: {e}", path.display()),
                    format!("{} does not load: {e}", path.display()),
                ),
                Some(l.pick(
                    "reinstalla il pacchetto cie-cns-pkcs11",
                    "reinstall the cie-cns-pkcs11 package",
                )),
            );
            None
        }
    }
}
