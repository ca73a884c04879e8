//! Logging: off by default (PKCS#11 modules run inside other programs, whose output is
//! not ours). `CIE_CNS_PKCS11_LOG=<level or env_logger filter>` (e.g. `debug`, `trace`,
//! `cie_cns_pkcs11::cryptoki=trace`) turns it on; `CIE_CNS_PKCS11_LOG_FILE=/path` appends
//! to that file instead of stderr (browsers swallow stderr). PINs are never logged.

use once_cell::sync::OnceCell;
use std::fs::OpenOptions;

/// The filter variable.
pub const LOG_ENV: &str = "CIE_CNS_PKCS11_LOG";
/// The file variable.
pub const LOG_FILE_ENV: &str = "CIE_CNS_PKCS11_LOG_FILE";

static INIT: OnceCell<()> = OnceCell::new();

/// Sets up logging once per process (first C_Initialize / C_GetFunctionList /
/// C_GetInterface*). Never fails: an application may have its own logger already, or
/// the file may be unwritable; then the module stays silent (or uses stderr).
pub fn init() {
    INIT.get_or_init(|| {
        // secure_getenv semantics (crate::privilege): a privileged process takes no
        // filter and, above all, no file path from its less privileged caller.
        let Some(filter) = crate::privilege::var(LOG_ENV) else {
            return;
        };
        if filter.trim().is_empty() {
            return;
        }
        let mut builder = env_logger::Builder::new();
        builder.parse_filters(&filter);
        if let Some(path) = crate::privilege::var(LOG_FILE_ENV) {
            match OpenOptions::new().create(true).append(true).open(&path) {
                Ok(file) => {
                    builder.target(env_logger::Target::Pipe(Box::new(file)));
                }
                Err(e) => eprintln!("cie-cns-pkcs11: cannot open log file {path}: {e}"),
            }
        }
        builder.format_timestamp_millis();
        // An application that installed its own logger keeps it.
        let _ = builder.try_init();
    });
}
