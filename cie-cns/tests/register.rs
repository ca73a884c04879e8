//! `cie-cns register` in a scratch home: every Firefox profile location (XDG and legacy roots,
//! profiles.ini with relative and absolute paths, unlisted folders), Chromium's database, and
//! idempotence: a second run touches no file.

mod common;

use common::harness::{module_path, scratch_dir};
use common::tool::{cie_cns_in, new_nss_db, pkcs11_txt};
use std::path::{Path, PathBuf};

struct Layout {
    home: PathBuf,
    dbs: Vec<PathBuf>,
    chromium: PathBuf,
}

/// A home with four Firefox profiles (one listed with an absolute path outside the roots, one
/// in no profiles.ini), one never started, and an existing XDG Chromium database.
fn home_with_browsers() -> Layout {
    let home = scratch_dir("register-home");
    let xdg = home.join(".config/mozilla/firefox");
    let legacy = home.join(".mozilla/firefox");
    let elsewhere = home.join("profiles/work");
    let dbs = vec![
        xdg.join("a1.default-esr"),
        legacy.join("b2.default"),
        elsewhere.clone(),
        legacy.join("c3.unlisted"),
    ];
    for db in &dbs {
        new_nss_db(db);
    }
    std::fs::write(
        xdg.join("profiles.ini"),
        "[Profile0]\nName=default-esr\nIsRelative=1\nPath=a1.default-esr\n\n[General]\nVersion=2\n",
    )
    .unwrap();
    std::fs::write(
        legacy.join("profiles.ini"),
        format!(
            "[Profile1]\nName=default\nIsRelative=1\nPath=b2.default\n\n[Profile0]\nName=work\nIsRelative=0\nPath={}\n",
            elsewhere.display()
        ),
    )
    .unwrap();
    // Listed, but Firefox never started with it: no database to register in.
    std::fs::create_dir_all(legacy.join("d4.fresh")).unwrap();
    std::fs::write(legacy.join("d4.fresh/prefs.js"), "").unwrap();
    let chromium = home.join(".local/share/pki/nssdb");
    new_nss_db(&chromium);
    Layout {
        home,
        dbs,
        chromium,
    }
}

fn registered(db: &Path) -> bool {
    let module = module_path();
    pkcs11_txt(db).contains(&format!(
        "library={}\nname=cie-cns-pkcs11",
        module.display()
    ))
}

#[test]
fn registers_everywhere_once_and_removes_again() {
    let layout = home_with_browsers();
    let run = |args: &[&str]| cie_cns_in(&layout.home, "C", args);

    let first = run(&["register"]);
    assert!(first.status.success(), "{first:?}");
    let text = String::from_utf8_lossy(&first.stdout);
    for db in layout.dbs.iter().chain([&layout.chromium]) {
        assert!(registered(db), "{}:\n{text}", db.display());
    }
    assert_eq!(text.matches("registered in").count(), 5, "{text}");
    assert!(
        text.contains("skipped (start Firefox once with this profile): Firefox profile d4.fresh"),
        "{text}"
    );
    assert!(
        !layout.home.join(".pki").exists(),
        "no legacy database created next to the one Chromium uses"
    );

    // Idempotent: nothing rewritten, every database reported as already done.
    let before: Vec<_> = layout.dbs.iter().map(|d| pkcs11_txt(d)).collect();
    let mtimes: Vec<_> = layout.dbs.iter().map(|d| mtime(d)).collect();
    let second = run(&["register"]);
    assert!(second.status.success());
    let text = String::from_utf8_lossy(&second.stdout);
    assert_eq!(text.matches("already registered in").count(), 5, "{text}");
    let after: Vec<_> = layout.dbs.iter().map(|d| pkcs11_txt(d)).collect();
    assert_eq!(before, after);
    assert_eq!(
        mtimes,
        layout.dbs.iter().map(|d| mtime(d)).collect::<Vec<_>>()
    );

    let quiet = run(&["register", "--quiet"]);
    assert!(quiet.status.success());
    assert_eq!(String::from_utf8_lossy(&quiet.stdout), "");

    let removed = run(&["register", "--remove"]);
    assert!(removed.status.success());
    let text = String::from_utf8_lossy(&removed.stdout);
    assert_eq!(text.matches("removed from").count(), 5, "{text}");
    for db in layout.dbs.iter().chain([&layout.chromium]) {
        assert!(!pkcs11_txt(db).contains("cie_cns"), "{}", db.display());
    }
    let again = run(&["register", "--remove"]);
    let text = String::from_utf8_lossy(&again.stdout);
    assert_eq!(text.matches("not registered in").count(), 5, "{text}");
}

#[test]
fn an_older_library_is_replaced_and_italian_is_spoken() {
    let home = scratch_dir("register-old");
    let profile = home.join(".mozilla/firefox/x.default");
    new_nss_db(&profile);
    let old = home.join("old/libcie_cns_pkcs11.so");
    std::fs::create_dir_all(old.parent().unwrap()).unwrap();
    std::fs::copy(module_path(), &old).unwrap();
    let out = cie_cns_in(&home, "C", &["register", "--module", old.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    assert!(pkcs11_txt(&profile).contains(old.to_str().unwrap()));

    let out = cie_cns_in(&home, "it_IT.UTF-8", &["register"]);
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(
            "registrato (al posto di una libreria precedente) in profilo Firefox x.default"
        ),
        "{text}"
    );
    assert!(registered(&profile));
    assert!(!pkcs11_txt(&profile).contains(old.to_str().unwrap()));
}

#[test]
fn a_missing_module_is_an_error() {
    let home = scratch_dir("register-missing");
    let out = cie_cns_in(
        &home,
        "C",
        &[
            "register",
            "--quiet",
            "--module",
            "/nonexistent/libcie_cns_pkcs11.so",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("no module at /nonexistent/libcie_cns_pkcs11.so"));
}

fn mtime(db: &Path) -> std::time::SystemTime {
    std::fs::metadata(db.join("pkcs11.txt"))
        .and_then(|m| m.modified())
        .unwrap_or(std::time::UNIX_EPOCH)
}

/// Chromium's choice (status/browser-locations.md): the directory `~/.pki/nssdb`, when it
/// exists even empty, else `$XDG_DATA_HOME/pki/nssdb`; `~/.pki` is never created.
#[test]
fn chromium_database_where_chromium_looks() {
    use std::os::unix::fs::PermissionsExt;
    // A new user: the XDG database, created private.
    let fresh = scratch_dir("register-chromium-new");
    let out = cie_cns_in(&fresh, "C", &["register"]);
    assert!(out.status.success(), "{out:?}");
    let xdg = fresh.join(".local/share/pki/nssdb");
    assert!(registered(&xdg), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!(
        "created and registered: Chromium ({})",
        xdg.display()
    )));
    for dir in [xdg.parent().unwrap(), &xdg] {
        let mode = std::fs::metadata(dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{}", dir.display());
    }
    assert!(!fresh.join(".pki").exists());

    // An empty legacy directory: Chromium uses it, so the database goes inside.
    let legacy_home = scratch_dir("register-chromium-legacy");
    let legacy = legacy_home.join(".pki/nssdb");
    std::fs::create_dir_all(&legacy).unwrap();
    let out = cie_cns_in(&legacy_home, "C", &["register"]);
    assert!(out.status.success(), "{out:?}");
    assert!(registered(&legacy), "{out:?}");
    assert!(!legacy_home.join(".local/share/pki").exists());
}
