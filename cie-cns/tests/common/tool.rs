//! Running the `cie-cns` binary as a user would, in a scratch home.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

pub fn cie_cns() -> &'static str {
    env!("CARGO_BIN_EXE_cie-cns")
}

/// `cie-cns ARGS --module <built cdylib>` with HOME = `home` and the locale `lang`.
pub fn cie_cns_in(home: &Path, lang: &str, args: &[&str]) -> Output {
    command_in(home, lang, args).output().expect("run cie-cns")
}

pub fn command_in(home: &Path, lang: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(cie_cns());
    cmd.args(args);
    if !args.contains(&"--module") {
        cmd.arg("--module")
            .arg(crate::common::harness::module_path());
    }
    cmd.env("HOME", home)
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("XDG_DATA_HOME")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", lang)
        // The module's certificate cache stays in the scratch home.
        .env("XDG_CACHE_HOME", home.join(".cache"));
    cmd
}

/// An empty NSS database, as a browser creates on its first start.
pub fn new_nss_db(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let status = Command::new("certutil")
        .args(["-N", "--empty-password", "-d"])
        .arg(format!("sql:{}", dir.display()))
        .status()
        .expect("certutil (libnss3-tools)");
    assert!(status.success());
}

pub fn pkcs11_txt(db: &Path) -> String {
    std::fs::read_to_string(db.join("pkcs11.txt")).unwrap_or_default()
}
