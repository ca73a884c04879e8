//! Environment under privilege (issue #11): in a setuid program (AT_SECURE) the module takes
//! no path from the environment — here, no log file where CIE_CNS_PKCS11_LOG_FILE points.
//! The same program run without privilege writes the log there, so the test can fail.
//! Needs root (to make the program setuid-root and run it as another user), like the
//! harness's pcscd.

mod common;

use common::harness::module_path;
use common::tools::c_program;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

const LOADER: &str = r#"
#include "load_module.h"
int main(int argc, char **argv) {
  if (argc != 2) return 2;
  CK_FUNCTION_LIST *p11 = load_module(argv[1]);
  if (!p11) return 3;
  if (p11->C_Initialize(NULL) != CKR_OK) return 5;
  return p11->C_Finalize(NULL) == CKR_OK ? 0 : 6;
}
"#;

/// Runs the loader as user `nobody` (setpriv), with the module's log variables set.
fn run_as_nobody(loader: &Path, module: &Path, log: &Path) -> std::process::ExitStatus {
    Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(loader)
        .arg(module)
        .env("CIE_CNS_PKCS11_LOG", "debug")
        .env("CIE_CNS_PKCS11_LOG_FILE", log)
        .status()
        .expect("setpriv (util-linux)")
}

#[test]
fn a_setuid_program_takes_no_log_file_from_its_caller() {
    // Everything in a directory user nobody can reach: /tmp, not target/.
    let dir = std::env::temp_dir().join(format!("cie-cns-setuid-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let loader = c_program(&dir, "loader", LOADER);
    let module = dir.join("module.so");
    std::fs::copy(module_path(), &module).unwrap();
    std::fs::set_permissions(&module, std::fs::Permissions::from_mode(0o755)).unwrap();

    // Without privilege the variables are honoured: the log file appears.
    let plain_log = dir.join("plain.log");
    std::fs::set_permissions(&loader, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert!(run_as_nobody(&loader, &module, &plain_log).success());
    assert!(
        plain_log.exists(),
        "an ordinary process logs where it is told"
    );

    // Setuid root, run by nobody: AT_SECURE. The caller's path is ignored.
    let secure_log = dir.join("secure.log");
    std::fs::set_permissions(&loader, std::fs::Permissions::from_mode(0o4755)).unwrap();
    assert!(run_as_nobody(&loader, &module, &secure_log).success());
    assert!(
        !secure_log.exists(),
        "a privileged process must not write where its caller says"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
