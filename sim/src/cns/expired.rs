//! `cardsim --card cns --expired-certificate`: the ST 2021 card whose authentication
//! certificate expired on 2025-01-01 (same key, subject and files otherwise; made by
//! scripts/make-fixtures), so that tools can be tested on what a citizen with an old card sees.

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
    }
}
