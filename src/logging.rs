//! Logging: off by default; `CIE_CNS_PKCS11_LOG` turns it on. TODO.
