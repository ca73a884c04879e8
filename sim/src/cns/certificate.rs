//! Another authentication certificate for a TS-CNS, so that tools can be tested on what a
//! citizen with an old card sees: `--expired-certificate` (the ST 2021 card's, expired on
//! 2025-01-01; same key, subject and files otherwise; made by scripts/make-fixtures) and
//! `--certificate FILE` (any DER certificate for the variant's key, e.g. one a test makes that
//! expires next month).

use super::variant::{Variant, VARIANTS};

static STINCARD_EXPIRED: Variant = Variant {
    cert_der: include_bytes!("../../fixtures/cns/stincard-expired.cert.der"),
    ..VARIANTS[0]
};

/// `variant` with its certificate expired; only the default variant has that fixture.
pub fn with_expired_certificate(variant: &'static Variant) -> Result<&'static Variant, String> {
    if variant.name == STINCARD_EXPIRED.name {
        Ok(&STINCARD_EXPIRED)
    } else {
        Err(format!(
            "--expired-certificate: only the {} variant has an expired certificate",
            STINCARD_EXPIRED.name
        ))
    }
}

/// `variant` with the DER certificate `der` instead of its own. The card's tables are
/// `'static`: the one changed row is leaked, once for the life of the process.
pub fn with_certificate(variant: &'static Variant, der: Vec<u8>) -> &'static Variant {
    Box::leak(Box::new(Variant {
        cert_der: Box::leak(der.into_boxed_slice()),
        ..*variant
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_default_variant_and_only_its_certificate() {
        let expired = with_expired_certificate(&VARIANTS[0]).expect("stincard");
        assert_ne!(expired.cert_der, VARIANTS[0].cert_der);
        assert_eq!(expired.key_pkcs8_der, VARIANTS[0].key_pkcs8_der);
        assert_eq!(expired.atr, VARIANTS[0].atr);
        assert!(with_expired_certificate(&VARIANTS[1]).is_err());
        let other = with_certificate(&VARIANTS[1], vec![0x30, 0x00]);
        assert_eq!(other.cert_der, [0x30, 0x00]);
        assert_eq!(other.name, VARIANTS[1].name);
    }
}
