//! Where the module is registered: each Firefox profile, Chromium's database, p11-kit; and the
//! Snap or Flatpak browsers that can reach it only through p11-kit.

use super::report::{Report, Verdict};
use crate::browsers::{self, ChromiumDb, Home, Sandbox};
use crate::nss::{NssDb, LIBRARY_FILE};
use std::path::Path;
use std::process::Command;

const REGISTER: (&str, &str) = (
    "chiudi il browser ed esegui: cie-cns register",
    "close the browser and run: cie-cns register",
);

pub fn check(report: &mut Report, home: Option<&Home>, module: &Path) {
    let in_a_browser = home.is_some_and(|home| browsers_in(report, home, module));
    let p11_kit = p11_kit_lists_module(home);
    match p11_kit {
        Some(true) => report.say(Verdict::Ok, "p11-kit", ("il modulo è nella sua configurazione (p11-kit list-modules)", "the module is in its configuration (p11-kit list-modules)"), None),
        Some(false) => report.say(
            Verdict::Info,
            "p11-kit",
            (
                "il modulo non è nell'elenco (serve solo ai browser Snap/Flatpak e ai programmi che usano p11-kit)",
                "the module is not listed (needed only by Snap/Flatpak browsers and programs that use p11-kit)",
            ),
            None,
        ),
        None => report.say(Verdict::Info, "p11-kit", ("non installato", "not installed"), None),
    }
    if !in_a_browser && p11_kit != Some(true) {
        report.say(
            Verdict::Problem,
            "browser",
            (
                "il modulo non è registrato in nessun browser né in p11-kit",
                "the module is registered in no browser and not in p11-kit",
            ),
            Some((
                "installa il pacchetto cie-cns-pkcs11, o a browser chiusi esegui: cie-cns register",
                "install the cie-cns-pkcs11 package, or with the browsers closed run: cie-cns register",
            )),
        );
    }
    let Some(home) = home else { return };
    for sandboxed in browsers::sandboxed_browsers(home) {
        let kind = match sandboxed.sandbox {
            Sandbox::Snap => "Snap",
            Sandbox::Flatpak => "Flatpak",
        };
        let subject = format!("{} ({kind})", sandboxed.browser);
        let text = (
            "è isolato: non carica moduli dalle cartelle del sistema, li raggiunge solo tramite `p11-kit server` (README: Snap e Flatpak)",
            "is sandboxed: it cannot load modules from the system's folders, only through `p11-kit server` (README: Snap and Flatpak)",
        );
        if p11_kit == Some(true) {
            report.say(Verdict::Info, &subject, text, None);
        } else {
            report.say(
                Verdict::Problem,
                &subject,
                text,
                Some((
                    "installa il pacchetto cie-cns-pkcs11 (registra il modulo in p11-kit) o usa il browser del sistema (apt)",
                    "install the cie-cns-pkcs11 package (it registers the module with p11-kit) or use the system's browser (apt)",
                )),
            );
        }
    }
}

/// Reports each browser database; true when one of them has the module.
fn browsers_in(report: &mut Report, home: &Home, module: &Path) -> bool {
    let l = report.lang;
    let profiles = browsers::firefox_profiles(home);
    if profiles.is_empty() {
        report.say(
            Verdict::Info,
            "Firefox",
            ("nessun profilo trovato", "no profile found"),
            None,
        );
    }
    let mut registered = false;
    for profile in &profiles {
        let subject = l.pick(
            format!("Firefox, profilo {}", profile.name),
            format!("Firefox profile {}", profile.name),
        );
        registered |= database(report, &subject, &profile.db, module);
    }
    match browsers::chromium_db(home) {
        ChromiumDb::Existing(db) => registered |= database(report, "Chromium", &db, module),
        ChromiumDb::Missing(db) => report.line(
            Verdict::Info,
            "Chromium",
            &l.pick(
                format!(
                    "nessun database ({}): Chromium non è mai stato avviato",
                    db.dir.display()
                ),
                format!(
                    "no database ({}): Chromium was never started",
                    db.dir.display()
                ),
            ),
            Some(l.pick(
                "cie-cns register lo prepara con il modulo",
                "cie-cns register prepares it with the module",
            )),
        ),
    }
    registered
}

/// Reports one database; true when it lists a library that is there.
fn database(report: &mut Report, subject: &str, db: &NssDb, module: &Path) -> bool {
    let l = report.lang;
    if !db.exists() {
        report.say(
            Verdict::Info,
            subject,
            (
                "mai avviato (nessun database)",
                "never started (no database)",
            ),
            None,
        );
        return false;
    }
    let entry = db.our_entry();
    let registered = matches!(&entry, Ok(Some(e)) if e.library.is_file());
    match entry {
        Err(e) => report.line(Verdict::Problem, subject, &e.to_string(), None),
        Ok(None) => report.say(
            Verdict::Problem,
            subject,
            ("modulo non registrato", "module not registered"),
            Some(REGISTER),
        ),
        Ok(Some(entry)) if !entry.library.is_file() => report.line(
            Verdict::Problem,
            subject,
            &l.pick(
                format!("registrato con {}, che non esiste", entry.library.display()),
                format!(
                    "registered with {}, which does not exist",
                    entry.library.display()
                ),
            ),
            Some(l.pick(REGISTER.0, REGISTER.1)),
        ),
        Ok(Some(entry)) if entry.library != module => report.line(
            Verdict::Warning,
            subject,
            &l.pick(
                format!(
                    "registrato con un'altra libreria: {}",
                    entry.library.display()
                ),
                format!(
                    "registered with another library: {}",
                    entry.library.display()
                ),
            ),
            Some(l.pick(REGISTER.0, REGISTER.1)),
        ),
        Ok(Some(_)) => report.say(
            Verdict::Ok,
            subject,
            ("modulo registrato", "module registered"),
            None,
        ),
    }
    registered
}

/// Whether p11-kit's module configuration names our module: the files `p11-kit list-modules`
/// reads, read without loading every module (which would talk to the cards through other
/// modules too). `None` without p11-kit.
fn p11_kit_lists_module(home: Option<&Home>) -> Option<bool> {
    let system = [
        Path::new("/usr/share/p11-kit/modules").to_path_buf(),
        Path::new("/etc/pkcs11/modules").to_path_buf(),
    ];
    let user = home.map(|h| h.config.join("pkcs11/modules"));
    let installed = system.iter().any(|dir| dir.is_dir()) || which_p11_kit();
    if !installed {
        return None;
    }
    let listed = system.iter().chain(user.iter()).any(|dir| {
        std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .any(|entry| {
                let path = entry.path();
                path.extension().is_some_and(|e| e == "module")
                    && std::fs::read_to_string(&path).is_ok_and(|text| names_our_library(&text))
            })
    });
    Some(listed)
}

/// A p11-kit `.module` file whose `module:` is our library.
fn names_our_library(text: &str) -> bool {
    text.lines().any(|line| {
        line.split_once(':').is_some_and(|(key, value)| {
            key.trim() == "module"
                && Path::new(value.trim()).file_name() == Some(LIBRARY_FILE.as_ref())
        })
    })
}

fn which_p11_kit() -> bool {
    Command::new("p11-kit").arg("--help").output().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_module_file_names_our_library() {
        assert!(names_our_library("# comment\nmodule: /usr/lib/x86_64-linux-gnu/pkcs11/libcie_cns_pkcs11.so\ncritical: no\n"));
        assert!(names_our_library("module:libcie_cns_pkcs11.so"));
        assert!(!names_our_library("module: opensc-pkcs11.so\n"));
        assert!(!names_our_library(
            "remote: |p11-kit remote libcie_cns_pkcs11.so\n"
        ));
    }
}
