//! Where the package installs the module: `/usr/lib/<multiarch>/pkcs11/` (Debian's directory
//! for PKCS#11 modules, the one p11-kit looks in).

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

/// The installed module.
pub fn installed() -> PathBuf {
    PathBuf::from(format!(
        "/usr/lib/{MULTIARCH}/pkcs11/{}",
        crate::nss::LIBRARY_FILE
    ))
}
