//! What the doctor tells about the authentication certificate: holder and validity.

use std::time::{Duration, SystemTime};
use x509_cert::der::Decode;
use x509_cert::Certificate;

/// RFC 5280 / X.520 attribute types of the holder's name.
const OID_COMMON_NAME: &str = "2.5.4.3";
const OID_SURNAME: &str = "2.5.4.4";
const OID_GIVEN_NAME: &str = "2.5.4.42";

/// A certificate's validity now, as the doctor reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    NotYetValid {
        from: Date,
    },
    Expired {
        on: Date,
    },
    /// Expires within `SOON`: the citizen should ask for a new card now.
    ExpiresSoon {
        on: Date,
        days: u64,
    },
    Valid {
        until: Date,
    },
}

/// "Soon" for an expiry: 60 days (issue #14), the time a new card takes to arrive.
pub const SOON: Duration = Duration::from_secs(60 * 24 * 3600);

/// A calendar date (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// The parts of a certificate the doctor shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateFacts {
    pub holder: Option<String>,
    not_before: (SystemTime, Date),
    not_after: (SystemTime, Date),
}

impl CertificateFacts {
    /// `None` for bytes that are not a certificate (card data is untrusted).
    pub fn parse(der: &[u8]) -> Option<CertificateFacts> {
        let cert = Certificate::from_der(der).ok()?;
        let tbs = cert.tbs_certificate();
        // The first value of each attribute type in the subject.
        let mut names = std::collections::BTreeMap::new();
        for atv in tbs.subject().iter() {
            let text = String::from_utf8_lossy(atv.value.value())
                .trim()
                .to_string();
            if !text.is_empty() {
                names.entry(atv.oid.to_string()).or_insert(text);
            }
        }
        let attribute = |oid: &str| names.get(oid).cloned();
        // As the module names the token: "SURNAME GIVEN-NAME".
        let holder = match (attribute(OID_SURNAME), attribute(OID_GIVEN_NAME)) {
            (Some(s), Some(g)) => Some(format!("{s} {g}")),
            (Some(n), None) | (None, Some(n)) => Some(n),
            (None, None) => attribute(OID_COMMON_NAME),
        };
        let time = |t: x509_cert::time::Time| {
            let dt = t.to_date_time();
            let date = Date {
                year: dt.year(),
                month: dt.month(),
                day: dt.day(),
            };
            (SystemTime::UNIX_EPOCH + t.to_unix_duration(), date)
        };
        let validity = tbs.validity();
        Some(CertificateFacts {
            holder,
            not_before: time(validity.not_before),
            not_after: time(validity.not_after),
        })
    }

    pub fn validity_at(&self, now: SystemTime) -> Validity {
        let (not_before, from) = self.not_before;
        let (not_after, on) = self.not_after;
        if now < not_before {
            return Validity::NotYetValid { from };
        }
        match not_after.duration_since(now) {
            Err(_) => Validity::Expired { on },
            Ok(left) if left <= SOON => Validity::ExpiresSoon {
                on,
                days: left.as_secs() / (24 * 3600),
            },
            Ok(_) => Validity::Valid { until: on },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STINCARD: &[u8] = include_bytes!("../../sim/fixtures/cns/stincard.cert.der");

    #[test]
    fn holder_and_validity_of_the_virtual_ts_cns() {
        let facts = CertificateFacts::parse(STINCARD).expect("certificate");
        assert_eq!(facts.holder.as_deref(), Some("ROSSI MARIO"));
        let (not_after, until) = facts.not_after;
        let (not_before, from) = facts.not_before;
        assert_eq!(
            facts.validity_at(not_before - Duration::from_secs(1)),
            Validity::NotYetValid { from }
        );
        assert_eq!(facts.validity_at(not_before), Validity::Valid { until });
        let day = Duration::from_secs(24 * 3600);
        assert_eq!(
            facts.validity_at(not_after - SOON - Duration::from_secs(1)),
            Validity::Valid { until }
        );
        assert_eq!(
            facts.validity_at(not_after - SOON),
            Validity::ExpiresSoon {
                on: until,
                days: 60
            }
        );
        assert_eq!(
            facts.validity_at(not_after - day / 2),
            Validity::ExpiresSoon { on: until, days: 0 }
        );
        assert_eq!(
            facts.validity_at(not_after + Duration::from_secs(1)),
            Validity::Expired { on: until }
        );
    }

    #[test]
    fn garbage_is_no_certificate() {
        assert!(CertificateFacts::parse(&STINCARD[..100]).is_none());
        assert!(CertificateFacts::parse(&[]).is_none());
    }
}
