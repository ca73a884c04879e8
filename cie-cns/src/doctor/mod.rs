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
        // Without the module a card cannot be recognised: the module line said why.
        if !found && !readers.is_empty() && module.is_some() {
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
    let shown = path.display();
    let loaded = if path.is_file() {
        Module::load(path).map_err(|e| {
            (
                l.pick(
                    format!("{shown} non si carica: {e}"),
                    format!("{shown} does not load: {e}"),
                ),
                l.pick(
                    "reinstalla il pacchetto cie-cns-pkcs11",
                    "reinstall the cie-cns-pkcs11 package",
                ),
            )
        })
    } else {
        Err((
            l.pick(format!("{shown} non c'è"), format!("{shown} is missing")),
            l.pick(
                "installa il pacchetto cie-cns-pkcs11",
                "install the cie-cns-pkcs11 package",
            ),
        ))
    };
    let subject = l.pick("modulo", "module");
    match loaded {
        Ok(module) => {
            report.line(Verdict::Ok, subject, &shown.to_string(), None);
            Some(module)
        }
        Err((text, todo)) => {
            report.line(Verdict::Problem, subject, &text, Some(todo));
            None
        }
    }
}
