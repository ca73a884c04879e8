//! Where the module is installed: `/usr/lib/<multiarch>/pkcs11/` by the package (Debian's
//! directory for PKCS#11 modules, the one p11-kit looks in), `/usr/local/lib/<multiarch>/pkcs11/`
//! by `scripts/install`.

use std::path::PathBuf;

/// Debian's multiarch triplet of the architecture this binary was built for.
const MULTIARCH: &str = if cfg!(target_arch = "x86_64") {
    "x86_64-linux-gnu"
} else if cfg!(target_arch = "aarch64") {
    "aarch64-linux-gnu"
} else if cfg!(target_arch = "arm") {
    "arm-linux-gnueabihf"
} else if cfg!(target_arch = "x86") {
    "i386-linux-gnu"
} else if cfg!(all(target_arch = "powerpc64", target_endian = "little")) {
    "powerpc64le-linux-gnu"
} else if cfg!(target_arch = "riscv64") {
    "riscv64-linux-gnu"
} else if cfg!(target_arch = "s390x") {
    "s390x-linux-gnu"
} else {
    "unknown-linux-gnu"
};

/// The installed module: the package's (`/usr/lib/…`), else the one `scripts/install` puts
/// under `/usr/local/lib/…` from a source build; the package's path when neither is there (the
/// doctor then says it is missing).
pub fn installed() -> PathBuf {
    let in_lib = |prefix: &str| {
        PathBuf::from(format!(
            "{prefix}/lib/{MULTIARCH}/pkcs11/{}",
            crate::nss::LIBRARY_FILE
        ))
    };
    let package = in_lib("/usr");
    let source_build = in_lib("/usr/local");
    if !package.is_file() && source_build.is_file() {
        source_build
    } else {
        package
    }
}
