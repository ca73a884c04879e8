//! Signature checks with independent code: `ring` for PKCS#1 v1.5 and PSS with
//! SHA-256/384/512, the `openssl` CLI where ring has no verifier (PSS with SHA-1).

use der::{Decode, Encode};
use ring::signature::{self, UnparsedPublicKey, VerificationAlgorithm};
use std::path::Path;
use std::process::Command;
use x509_cert::Certificate;

pub struct CertKey {
    /// The certificate as DER.
    pub der: Vec<u8>,
    /// The RSAPublicKey DER from the certificate's SubjectPublicKeyInfo.
    pub rsa_public_key: Vec<u8>,
}

impl CertKey {
    pub fn from_certificate(der: &[u8]) -> CertKey {
        let cert = Certificate::from_der(der).expect("certificate parses");
        let bits = cert
            .tbs_certificate()
            .subject_public_key_info()
            .subject_public_key
            .raw_bytes()
            .to_vec();
        CertKey {
            der: cert.to_der().expect("re-encode"),
            rsa_public_key: bits,
        }
    }

    pub fn verify(
        &self,
        algorithm: &'static dyn VerificationAlgorithm,
        message: &[u8],
        sig: &[u8],
    ) -> bool {
        UnparsedPublicKey::new(algorithm, &self.rsa_public_key)
            .verify(message, sig)
            .is_ok()
    }

    /// PKCS#1 v1.5 with the given hash, for any key size ring accepts (1024 bits and up).
    pub fn verify_pkcs1(&self, hash: &str, message: &[u8], sig: &[u8]) -> bool {
        let algorithm: &'static dyn VerificationAlgorithm = match hash {
            "sha1" => &signature::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
            "sha256" => &signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
            "sha384" => &signature::RSA_PKCS1_2048_8192_SHA384,
            "sha512" => &signature::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
            other => panic!("no PKCS#1 verifier for {other}"),
        };
        self.verify(algorithm, message, sig)
    }

    /// RSASSA-PSS, salt length = hash length (what the module is asked for in these tests).
    pub fn verify_pss(&self, hash: &str, message: &[u8], sig: &[u8], dir: &Path) -> bool {
        let algorithm: &'static dyn VerificationAlgorithm = match hash {
            "sha256" => &signature::RSA_PSS_2048_8192_SHA256,
            "sha384" => &signature::RSA_PSS_2048_8192_SHA384,
            "sha512" => &signature::RSA_PSS_2048_8192_SHA512,
            _ => return self.verify_with_openssl(hash, true, message, sig, dir),
        };
        self.verify(algorithm, message, sig)
    }

    /// `openssl dgst -verify` against the certificate's public key.
    pub fn verify_with_openssl(
        &self,
        hash: &str,
        pss: bool,
        message: &[u8],
        sig: &[u8],
        dir: &Path,
    ) -> bool {
        let salt = pss.then_some("-1");
        self.openssl_verify(hash, salt, message, sig, dir)
    }

    /// RSASSA-PSS with whatever salt length the signature carries (openssl's "auto"), for
    /// keys too small for a salt as long as the hash (1024-bit keys with SHA-512).
    pub fn verify_pss_any_salt(&self, hash: &str, message: &[u8], sig: &[u8], dir: &Path) -> bool {
        self.openssl_verify(hash, Some("-2"), message, sig, dir)
    }

    /// `pss_salt`: `None` for PKCS#1 v1.5, else openssl's `rsa_pss_saltlen` value.
    fn openssl_verify(
        &self,
        hash: &str,
        pss_salt: Option<&str>,
        message: &[u8],
        sig: &[u8],
        dir: &Path,
    ) -> bool {
        let cert = dir.join("verify-cert.der");
        let pubkey = dir.join("verify-pub.pem");
        let msg = dir.join("verify-msg.bin");
        let sigf = dir.join("verify-sig.bin");
        std::fs::write(&cert, &self.der).expect("write cert");
        std::fs::write(&msg, message).expect("write message");
        std::fs::write(&sigf, sig).expect("write signature");
        let ok = Command::new("openssl")
            .args(["x509", "-inform", "DER", "-pubkey", "-noout", "-in"])
            .arg(&cert)
            .output()
            .expect("openssl x509");
        assert!(ok.status.success(), "openssl x509 failed");
        std::fs::write(&pubkey, &ok.stdout).expect("write pubkey");
        let mut cmd = Command::new("openssl");
        cmd.args(["dgst", &format!("-{hash}"), "-verify"])
            .arg(&pubkey);
        if let Some(salt) = pss_salt {
            cmd.args(["-sigopt", "rsa_padding_mode:pss", "-sigopt"])
                .arg(format!("rsa_pss_saltlen:{salt}"));
        }
        cmd.arg("-signature").arg(&sigf).arg(&msg);
        cmd.output().expect("openssl dgst").status.success()
    }

    /// Modulus and exponent (unsigned big-endian), for checks against the token's attributes.
    pub fn components(&self) -> (Vec<u8>, Vec<u8>) {
        #[derive(der::Sequence)]
        struct RsaPublicKey {
            n: der::asn1::Uint,
            e: der::asn1::Uint,
        }
        let key = RsaPublicKey::from_der(&self.rsa_public_key).expect("RSAPublicKey");
        (key.n.as_bytes().to_vec(), key.e.as_bytes().to_vec())
    }
}
