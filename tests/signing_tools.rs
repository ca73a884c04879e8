//! Document signing with pdfsig, OpenSSL and certtool through the module, on the virtual
//! TS-CNS (ST 2021, ROSSI MARIO). The checks are in `signing/mod.rs`; the CIE has its own
//! binary (`signing_tools_cie.rs`), hence its own pcscd.
//!
//! The TS-CNS is meant for authentication (README): it signs because its key is an RSA key on
//! the chip, and these tests show the tools accept that, with the same key-usage caveats as
//! the CIE.

mod common;
mod signing;

use common::harness::{module_path, scratch_dir, PcscDaemon, VirtualCard};
use signing::{succeed, Holder, PIN};
use std::process::Command;
use std::sync::OnceLock;

/// The virtual TS-CNS on reader 0, shared by this binary's tests.
fn tscns() -> &'static Holder {
    static HOLDER: OnceLock<Holder> = OnceLock::new();
    HOLDER.get_or_init(|| {
        Holder::new(
            VirtualCard::insert(0, "cns", &["--pin", PIN]),
            "CNS0 authentication",
            "cns/ca.pem",
            "RSSMRA80A01H501U/7430035000000001.dLncvtm0pEevhlOdapa6xIu4ffY=",
        )
    })
}

signing_scenarios!(tscns, "tscns");

/// The desktop way for GnuTLS (and p11-kit-proxy) applications: a `.module` file in the user's
/// `~/.config/pkcs11/modules/`. p11-kit skips user configuration when running as root, so this
/// runs `p11-kit list-modules` as `nobody`, with a HOME and a copy of the module it can read.
#[test]
fn p11kit_finds_the_module_in_a_users_config() {
    let base = std::env::temp_dir().join(format!("cie-cns-p11kit-{}", std::process::id()));
    let modules = base.join("home/.config/pkcs11/modules");
    std::fs::create_dir_all(&modules).expect("modules dir");
    let library = base.join("libcie_cns_pkcs11.so");
    std::fs::copy(module_path(), &library).expect("copy module");
    std::fs::write(
        modules.join("cie-cns-pkcs11.module"),
        format!("module: {}\n", library.display()),
    )
    .expect("module file");
    let chmod = Command::new("chmod")
        .args(["-R", "a+rX"])
        .arg(&base)
        .status()
        .expect("chmod");
    assert!(chmod.success());

    let listing = succeed(
        Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .env("HOME", base.join("home"))
            .env("PCSCLITE_CSOCK_NAME", &PcscDaemon::shared().socket)
            .args(["p11-kit", "list-modules"]),
        "p11-kit (p11-kit) as nobody",
    );
    assert!(listing.contains("cie-cns-pkcs11: "), "{listing}");
    let _ = std::fs::remove_dir_all(&base);
}
