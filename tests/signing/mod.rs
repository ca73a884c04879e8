//! Document signing with the standard Linux tools a user already has (issue #6), shared by
//! `tests/signing_tools.rs` (virtual TS-CNS) and `tests/signing_tools_cie.rs` (virtual CIE):
//! - poppler's `pdfsig` (NSS) adds a PDF signature, then validates it against the test CA;
//! - OpenSSL's pkcs11 engine and GnuTLS's `certtool` make detached and enveloping CMS (`.p7m`),
//!   which `openssl cms -verify` checks against the test CA;
//! - a wrong PIN gives a clear error, spends exactly one try (the simulator's `pin_tries`) and
//!   leaves no signed file.
//!
//! Each card gets its own test binary, hence its own pcscd: pdfsig 22.12 answers one PIN
//! prompt per run, so with two cards that need a login in the readers it cannot sign at all.
//!
//! Every tool comes from a Debian package `scripts/test` installs (scripts/lib/deps.sh): a
//! missing tool is a test failure, never a skip.
//!
//! What the tools say about the holder certificates (README, "Firmare documenti"): both cards
//! carry an *authentication* certificate (extendedKeyUsage clientAuth only), so verifiers that
//! insist on a document-signing purpose flag it: pdfsig 22.12 checks the signer for NSS's
//! "email signer" usage and prints "Unknown issue with Certificate or corrupted data.";
//! `openssl cms -verify` needs `-purpose any`. The signatures themselves are valid and chain to
//! the test CA; the tests assert both halves.
#![allow(dead_code)]

use crate::common::harness::{module_path, scratch_dir, PcscDaemon, VirtualCard};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub const PIN: &str = "12345678";
/// Eight digits, so that it reaches the chip on both cards (a CIE PIN is exactly 8 digits).
pub const WRONG_PIN: &str = "11111111";
/// What a fresh virtual card allows (cns.md, cie.md §6); a successful login restores it.
pub const PIN_TRIES: u64 = 3;

/// One virtual card and what the tools must show for it.
pub struct Holder {
    pub card: VirtualCard,
    /// CKA_LABEL of the certificate and key objects ("CNS0 authentication", "ROSSI MARIO").
    pub object: &'static str,
    /// The test CA that issued the holder certificate.
    pub ca: PathBuf,
    /// Subject commonName, as pdfsig prints it.
    pub common_name: &'static str,
    /// The module's public-data cache (a CIE shows its certificate only after login).
    pub cache: PathBuf,
}

impl Holder {
    pub fn new(
        card: VirtualCard,
        object: &'static str,
        ca: &str,
        common_name: &'static str,
    ) -> Holder {
        Holder {
            card,
            object,
            ca: Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("sim/fixtures")
                .join(ca),
            common_name,
            cache: scratch_dir("module-cache"),
        }
    }

    /// RFC 7512 URL of one of the holder's objects (`cert` or `private`). The object label
    /// alone is enough (the token label would do too: it never changes for a card).
    pub fn url(&self, kind: &str) -> String {
        format!(
            "pkcs11:object={};type={kind}",
            self.object.replace(' ', "%20")
        )
    }

    pub fn pin_tries(&self) -> u64 {
        self.card
            .stat("pin_tries")
            .expect("the simulator reports pin_tries in its --stats file")
    }

    /// A command with the environment every tool here needs: the private pcscd and the
    /// module's cache directory.
    pub fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.env("PCSCLITE_CSOCK_NAME", &PcscDaemon::shared().socket)
            .env("XDG_CACHE_HOME", &self.cache)
            .stdin(Stdio::null());
        cmd
    }

    /// A correct login after a wrong-PIN test, so the next test starts from a full counter.
    pub fn restore_tries(&self) {
        succeed(
            self.command("pkcs11-tool")
                .arg("--module")
                .arg(module_path())
                .args(["--login", "--pin", PIN, "--list-objects"]),
            "pkcs11-tool (opensc)",
        );
        assert_eq!(
            self.pin_tries(),
            PIN_TRIES,
            "a successful login resets the counter"
        );
    }
}

/// The tests of one binary share one card and its PIN counter: one at a time.
pub use crate::common::module::serial;

/// The scenarios every card runs, as the tests of the binary that defines `$holder` (a
/// `fn() -> &'static Holder`); `$tag` names their scratch directories.
#[macro_export]
macro_rules! signing_scenarios {
    ($holder:ident, $tag:literal) => {
        #[test]
        fn pdfsig_signs_a_pdf_and_validates_it() {
            let _guard = signing::serial();
            signing::pdfsig_signs_and_validates($holder(), &scratch_dir(concat!("pdfsig-", $tag)));
        }

        #[test]
        fn pdfsig_with_a_wrong_pin_spends_one_try_and_writes_no_pdf() {
            let _guard = signing::serial();
            let dir = scratch_dir(concat!("pdfsig-wrong-pin-", $tag));
            signing::pdfsig_wrong_pin($holder(), &dir);
        }

        #[test]
        fn openssl_engine_makes_detached_and_enveloping_p7m() {
            let _guard = signing::serial();
            let dir = scratch_dir(concat!("openssl-", $tag));
            signing::cms_both_forms($holder(), signing::CmsTool::OpenSsl, &dir);
        }

        #[test]
        fn certtool_makes_detached_and_enveloping_p7m() {
            let _guard = signing::serial();
            let dir = scratch_dir(concat!("certtool-", $tag));
            signing::cms_both_forms($holder(), signing::CmsTool::Certtool, &dir);
        }

        /// Both tools create the output file before they log in and leave it empty when the
        /// login fails: sign_or_clean removes it, and README tells users to do the same.
        #[test]
        fn openssl_and_certtool_with_a_wrong_pin_spend_one_try_each_and_leave_no_p7m() {
            let _guard = signing::serial();
            for tool in [signing::CmsTool::OpenSsl, signing::CmsTool::Certtool] {
                let dir = scratch_dir(concat!("cms-wrong-pin-", $tag));
                let leftover = signing::cms_wrong_pin($holder(), tool, &dir);
                assert_eq!(
                    leftover,
                    Some(0),
                    "{tool:?} leaves an empty file (README warns)"
                );
            }
        }
    };
}

/// Runs `cmd`, printing what it said (visible when a test fails).
pub fn run(cmd: &mut Command, tool: &str) -> Output {
    let output = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {tool} ({e}): scripts/test installs it"));
    eprintln!(
        "$ {cmd:?}\n--- {}\n--- stdout\n{}--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

pub fn succeed(cmd: &mut Command, tool: &str) -> String {
    let output = run(cmd, tool);
    assert!(output.status.success(), "{tool} failed");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Runs a signing command that writes `out`. When it fails, removes whatever it left there —
/// what a user's script must do too, since some tools create the output file before they log
/// in (README) — and returns the size of that leftover.
pub fn sign_or_clean(cmd: &mut Command, tool: &str, out: &Path) -> (Output, Option<u64>) {
    let output = run(cmd, tool);
    let mut leftover = None;
    if !output.status.success() {
        if let Ok(meta) = std::fs::metadata(out) {
            leftover = Some(meta.len());
            std::fs::remove_file(out).expect("remove the failed tool's output");
        }
    }
    (output, leftover)
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A one-page PDF with correct xref offsets, built here so that the fixture is readable code.
pub fn minimal_pdf() -> Vec<u8> {
    let content = b"BT /F1 18 Tf 72 770 Td (Documento di prova - test document) Tj ET\n";
    let stream = [
        format!("<< /Length {} >>\nstream\n", content.len()).as_bytes(),
        content,
        b"endstream",
    ]
    .concat();
    let objects: [&[u8]; 5] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R \
           /Resources << /Font << /F1 5 0 R >> >> >>",
        &stream,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ];
    let mut pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        pdf.extend_from_slice(body);
        pdf.extend_from_slice(b"\nendobj\n");
    }
    let xref = pdf.len();
    let size = objects.len() + 1;
    pdf.extend_from_slice(format!("xref\n0 {size}\n0000000000 65535 f \n").as_bytes());
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!("trailer\n<< /Size {size} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
    );
    pdf
}

// ---------------------------------------------------------------------------------------------
// NSS and pdfsig

/// An NSS database as a user sets it up (README): empty database password, the module
/// registered with modutil, the test CA trusted. With `module: false`, a recipient's
/// database: the CA only, no card.
pub fn nss_db(holder: &Holder, dir: &Path, module: bool) -> PathBuf {
    let db = dir.join(if module {
        "signer-nssdb"
    } else {
        "recipient-nssdb"
    });
    std::fs::create_dir_all(&db).expect("nss db dir");
    let sql = sql(&db);
    succeed(
        holder
            .command("certutil")
            .args(["-N", "-d", &sql, "--empty-password"]),
        "certutil (libnss3-tools)",
    );
    if module {
        succeed(
            holder
                .command("modutil")
                .args(["-dbdir", &sql, "-add", "cie-cns-pkcs11", "-libfile"])
                .arg(module_path())
                .arg("-force"),
            "modutil (libnss3-tools)",
        );
    }
    succeed(
        holder
            .command("certutil")
            .args(["-A", "-d", &sql, "-n", "test-ca", "-t", "CT,C,C", "-i"])
            .arg(&holder.ca),
        "certutil",
    );
    db
}

fn sql(db: &Path) -> String {
    format!("sql:{}", db.display())
}

/// The card's NSS nickname ("TOKEN LABEL:OBJECT LABEL"), found the way README tells users:
/// `pdfsig -list-nicks` (which logs in with `-nss-pwd`).
pub fn pdfsig_nickname(holder: &Holder, db: &Path) -> String {
    let nicks = succeed(
        holder
            .command("pdfsig")
            .args(["-nssdir", &sql(db), "-nss-pwd", PIN, "-list-nicks"]),
        "pdfsig (poppler-utils)",
    );
    let suffix = format!(":{}", holder.object);
    nicks
        .lines()
        .map(str::trim)
        .find(|line| line.ends_with(&suffix))
        .unwrap_or_else(|| panic!("no nickname ending in {suffix:?}:\n{nicks}"))
        .to_string()
}

/// `pdfsig IN OUT -add-signature …` as README shows it. pdfsig 22.12 hands the card PIN to
/// NSS through `-nss-pwd` (its password callback answers the first request of the run, then
/// gives up), so the database itself must have an empty password. `-kpw` is left out: pdfsig
/// logs in before it signs, so it is never used.
pub fn pdfsig_sign(
    holder: &Holder,
    db: &Path,
    nickname: &str,
    input: &Path,
    out: &Path,
    pin: &str,
) -> Command {
    let mut cmd = holder.command("pdfsig");
    cmd.arg(input)
        .arg(out)
        .args(["-add-signature", "-nssdir", &sql(db)])
        .args(["-nss-pwd", pin, "-nick", nickname])
        .args([
            "-new-signature-field-name",
            "Firma1",
            "-reason",
            "Prova di firma",
        ]);
    cmd
}

/// `pdfsig -nssdir sql:DB FILE`: the signature report (pdfsig exits 0 whatever it finds).
pub fn pdfsig_report(holder: &Holder, db: &Path, pdf: &Path) -> String {
    succeed(
        holder
            .command("pdfsig")
            .args(["-nssdir", &sql(db)])
            .arg(pdf),
        "pdfsig (poppler-utils)",
    )
}

/// What pdfsig 22.12 must report for a signature the card made over the whole file.
fn assert_pdfsig_report(holder: &Holder, report: &str) {
    for expected in [
        "Signature #1:".to_string(),
        "- Signature Field Name: Firma1".to_string(),
        format!("- Signer Certificate Common Name: {}", holder.common_name),
        "SN=ROSSI,givenName=MARIO".to_string(),
        "- Signing Hash Algorithm: SHA-256".to_string(),
        "- Signature Type: adbe.pkcs7.detached".to_string(),
        "- Total document signed".to_string(),
        "- Signature Validation: Signature is Valid.".to_string(),
        // Not "Certificate is Trusted.": pdfsig verifies the signer for NSS's email-signer
        // usage, which extendedKeyUsage clientAuth does not allow; assert_nss_purposes shows
        // that this is the only complaint.
        "- Certificate Validation: Unknown issue with Certificate or corrupted data.".to_string(),
    ] {
        assert!(
            report.contains(&expected),
            "pdfsig lacks {expected:?}:\n{report}"
        );
    }
}

/// Why pdfsig says "Unknown issue": NSS finds the holder certificate valid for TLS client
/// authentication (the chain to the trusted test CA is good) and not approved for signing.
fn assert_nss_purposes(holder: &Holder, db: &Path, dir: &Path) {
    let sql = sql(db);
    succeed(
        holder
            .command("certutil")
            .args(["-A", "-d", &sql, "-n", "holder", "-t", ",,", "-i"])
            .arg(token_certificate(holder, dir)),
        "certutil -A holder",
    );
    let verify = |usage: &str| {
        text(&run(
            holder
                .command("certutil")
                .args(["-V", "-d", &sql, "-n", "holder", "-u", usage]),
            "certutil -V",
        ))
    };
    assert!(verify("C").contains("certificate is valid"), "SSL client");
    let signer = verify("S");
    assert!(
        signer.contains("Certificate type not approved for application"),
        "email signer: {signer}"
    );
}

/// Independent check of the PDF signature with OpenSSL: the CMS blob pdfsig dumps, over the
/// two byte ranges /ByteRange names, chains to the test CA (any purpose) and its signer is the
/// card's certificate.
fn openssl_verifies_pdf(holder: &Holder, pdf: &Path, dir: &Path) {
    let bytes = std::fs::read(pdf).expect("signed pdf");
    let [start, len, start2, len2] = byte_range(&bytes);
    assert_eq!(
        start2 + len2,
        bytes.len(),
        "the ranges cover the file to its end"
    );
    let content = dir.join("signed-ranges.bin");
    std::fs::write(
        &content,
        [&bytes[start..start + len], &bytes[start2..start2 + len2]].concat(),
    )
    .expect("write ranges");
    // `pdfsig -dump` writes <file name>.sig0 into the current directory.
    succeed(
        holder
            .command("pdfsig")
            .current_dir(dir)
            .arg("-dump")
            .arg(pdf),
        "pdfsig -dump",
    );
    let name = pdf.file_name().and_then(|n| n.to_str()).expect("file name");
    let signer = dir.join("pdf-signer.pem");
    succeed(
        Command::new("openssl")
            .args([
                "cms", "-verify", "-binary", "-inform", "DER", "-purpose", "any", "-in",
            ])
            .arg(dir.join(format!("{name}.sig0")))
            .arg("-content")
            .arg(&content)
            .arg("-CAfile")
            .arg(&holder.ca)
            .arg("-signer")
            .arg(&signer)
            .args(["-out", "/dev/null"]),
        "openssl cms -verify (pdf byte ranges)",
    );
    assert_same_certificate(&signer, &token_certificate(holder, dir));
}

/// The four numbers of the (last) signature's `/ByteRange [a b c d]`.
fn byte_range(pdf: &[u8]) -> [usize; 4] {
    let key = b"/ByteRange";
    let at = pdf
        .windows(key.len())
        .rposition(|w| w == key)
        .expect("/ByteRange in the signed pdf");
    let rest = &pdf[at + key.len()..];
    let open = rest.iter().position(|&b| b == b'[').expect("[");
    let close = rest.iter().position(|&b| b == b']').expect("]");
    let numbers: Vec<usize> = String::from_utf8_lossy(&rest[open + 1..close])
        .split_whitespace()
        .map(|n| n.parse().expect("byte range number"))
        .collect();
    numbers.try_into().expect("ByteRange has four numbers")
}

/// pdfsig signs a PDF with the card; pdfsig (in the signer's database and in a recipient's
/// without the card) and openssl validate it; a changed letter breaks it.
pub fn pdfsig_signs_and_validates(holder: &Holder, dir: &Path) {
    let db = nss_db(holder, dir, true);
    let input = dir.join("documento.pdf");
    let signed = dir.join("documento-firmato.pdf");
    std::fs::write(&input, minimal_pdf()).expect("pdf");

    let nickname = pdfsig_nickname(holder, &db);
    succeed(
        &mut pdfsig_sign(holder, &db, &nickname, &input, &signed, PIN),
        "pdfsig -add-signature",
    );
    assert_eq!(holder.pin_tries(), PIN_TRIES);

    assert_pdfsig_report(holder, &pdfsig_report(holder, &db, &signed));
    let recipient = nss_db(holder, dir, false);
    assert_pdfsig_report(holder, &pdfsig_report(holder, &recipient, &signed));
    assert_nss_purposes(holder, &recipient, dir);
    openssl_verifies_pdf(holder, &signed, dir);

    // The check can fail: one changed letter of the page text breaks the signature.
    let mut bytes = std::fs::read(&signed).expect("signed");
    let at = bytes
        .windows(9)
        .position(|w| w == b"Documento")
        .expect("page text");
    bytes[at] = b'X';
    let tampered = dir.join("manomesso.pdf");
    std::fs::write(&tampered, bytes).expect("tampered");
    let report = pdfsig_report(holder, &recipient, &tampered);
    assert!(
        report.contains("- Signature Validation: Digest Mismatch."),
        "{report}"
    );
}

/// pdfsig with a wrong PIN: refuses, spends exactly one try, writes no PDF.
pub fn pdfsig_wrong_pin(holder: &Holder, dir: &Path) {
    let db = nss_db(holder, dir, true);
    let nickname = pdfsig_nickname(holder, &db); // this login must not be counted
    let input = dir.join("documento.pdf");
    let out = dir.join("documento-firmato.pdf");
    std::fs::write(&input, minimal_pdf()).expect("pdf");
    let before = holder.pin_tries();

    let (output, leftover) = sign_or_clean(
        &mut pdfsig_sign(holder, &db, &nickname, &input, &out, WRONG_PIN),
        "pdfsig",
        &out,
    );
    assert!(!output.status.success());
    // pdfsig 22.12 words it as the database password: the card PIN travels as -nss-pwd.
    assert!(
        text(&output).contains("Password was not accepted to open the NSS database."),
        "{}",
        text(&output)
    );
    assert_eq!(holder.pin_tries(), before - 1, "exactly one try");
    assert_eq!(leftover, None, "pdfsig writes nothing when the login fails");
    holder.restore_tries();
}

// ---------------------------------------------------------------------------------------------
// Certificates and CMS

/// The holder certificate as the token shows it after login, exported with GnuTLS's p11tool
/// (the step a user takes before `openssl cms -sign -signer`).
pub fn token_certificate(holder: &Holder, dir: &Path) -> PathBuf {
    let pem = dir.join("holder.pem");
    if pem.exists() {
        return pem;
    }
    let exported = succeed(
        holder
            .command("p11tool")
            .arg("--provider")
            .arg(module_path())
            .env("GNUTLS_PIN", PIN)
            .args(["--login", "--export", &holder.url("cert")]),
        "p11tool (gnutls-bin)",
    );
    assert!(exported.contains("BEGIN CERTIFICATE"), "{exported}");
    std::fs::write(&pem, exported).expect("write holder.pem");
    pem
}

fn der_of(pem: &Path) -> Vec<u8> {
    let output = Command::new("openssl")
        .args(["x509", "-outform", "DER", "-in"])
        .arg(pem)
        .output()
        .expect("openssl x509");
    assert!(output.status.success(), "{} parses", pem.display());
    output.stdout
}

fn assert_same_certificate(a: &Path, b: &Path) {
    assert!(
        der_of(a) == der_of(b),
        "{} and {} differ",
        a.display(),
        b.display()
    );
}

fn document(dir: &Path) -> PathBuf {
    let doc = dir.join("documento.txt");
    if !doc.exists() {
        std::fs::write(&doc, "Contratto di prova: firmato con la carta.\n").expect("document");
    }
    doc
}

/// The two standard CMS signers, as README shows them.
#[derive(Clone, Copy, Debug)]
pub enum CmsTool {
    /// `openssl cms -sign -cades` through libp11's engine, which loads the module named by
    /// PKCS11_MODULE_PATH (without it, the engine goes through p11-kit-proxy). `-cades` adds
    /// the ESS signingCertificateV2 attribute: a CAdES-BES `.p7m`, the form Italian
    /// verifiers expect.
    OpenSsl,
    /// GnuTLS `certtool --p7-sign` (enveloping) / `--p7-detached-sign`. It takes the key from
    /// the token but the certificate only from a file. `--provider` names the module: p11-kit
    /// ignores a user's module files when running as root (see the p11-kit test).
    Certtool,
}

impl CmsTool {
    fn sign(self, holder: &Holder, dir: &Path, out: &Path, pin: &str, enveloping: bool) -> Command {
        let cert = token_certificate(holder, dir);
        match self {
            CmsTool::OpenSsl => {
                let mut cmd = holder.command("openssl");
                cmd.env("PKCS11_MODULE_PATH", module_path())
                    .args(["cms", "-sign", "-cades", "-binary"])
                    .args(["-engine", "pkcs11", "-keyform", "engine"])
                    .arg("-inkey")
                    .arg(format!("{};pin-value={pin}", holder.url("private")))
                    .arg("-signer")
                    .arg(cert)
                    .arg("-in")
                    .arg(document(dir))
                    .args(["-outform", "DER", "-out"])
                    .arg(out);
                if enveloping {
                    cmd.arg("-nodetach");
                }
                cmd
            }
            CmsTool::Certtool => {
                let mut cmd = holder.command("certtool");
                cmd.env("GNUTLS_PIN", pin)
                    .arg("--provider")
                    .arg(module_path())
                    .arg(if enveloping {
                        "--p7-sign"
                    } else {
                        "--p7-detached-sign"
                    })
                    .arg("--p7-include-cert")
                    .arg("--load-privkey")
                    .arg(holder.url("private"))
                    .arg("--load-certificate")
                    .arg(cert)
                    .arg("--infile")
                    .arg(document(dir))
                    .args(["--outder", "--outfile"])
                    .arg(out);
                cmd
            }
        }
    }

    fn name(self) -> &'static str {
        match self {
            CmsTool::OpenSsl => "openssl cms -sign (libengine-pkcs11-openssl)",
            CmsTool::Certtool => "certtool (gnutls-bin)",
        }
    }

    /// Whether the signature carries signingCertificateV2 (`openssl cms -verify -cades`).
    fn cades(self) -> bool {
        matches!(self, CmsTool::OpenSsl)
    }

    /// What the tool says to a wrong PIN.
    fn wrong_pin_message(self) -> &'static str {
        match self {
            CmsTool::OpenSsl => "PIN incorrect",
            CmsTool::Certtool => "Cannot continue with a wrong password in the environment",
        }
    }
}

/// `openssl cms -verify` of a `.p7m` the card made: the certificate travels inside it
/// (`-signer` writes it out; it is the token's), it chains to the test CA, and the content it
/// vouches for is the document. The default S/MIME purpose refuses the authentication
/// certificate; `-purpose any` is what makes it verify (README).
fn openssl_verifies_p7m(holder: &Holder, dir: &Path, p7m: &Path, detached: bool, cades: bool) {
    let name = p7m.file_stem().and_then(|s| s.to_str()).expect("name");
    let signer = dir.join(format!("{name}.signer.pem"));
    let content = dir.join(format!("{name}.content"));
    let verify = |purpose_any: bool, data: Option<&Path>| {
        let mut cmd = Command::new("openssl");
        cmd.args(["cms", "-verify", "-binary", "-inform", "DER", "-in"])
            .arg(p7m)
            .arg("-CAfile")
            .arg(&holder.ca)
            .arg("-signer")
            .arg(&signer)
            .arg("-out")
            .arg(&content);
        if purpose_any {
            cmd.args(["-purpose", "any"]);
        }
        if let Some(data) = data {
            cmd.arg("-content").arg(data);
        }
        run(&mut cmd, "openssl cms -verify")
    };
    let original = document(dir);
    let data = detached.then_some(original.as_path());

    let strict = verify(false, data);
    assert!(
        !strict.status.success(),
        "the S/MIME purpose refuses clientAuth only"
    );
    assert!(
        text(&strict).contains("unsuitable certificate purpose"),
        "{}",
        text(&strict)
    );

    let any = verify(true, data);
    assert!(any.status.success(), "openssl cms -verify -purpose any");
    assert!(text(&any).contains("Verification successful"));
    if cades {
        let mut cmd = Command::new("openssl");
        cmd.args([
            "cms", "-verify", "-cades", "-purpose", "any", "-binary", "-inform", "DER",
        ])
        .arg("-in")
        .arg(p7m)
        .arg("-CAfile")
        .arg(&holder.ca)
        .args(["-out", "/dev/null"]);
        if let Some(data) = data {
            cmd.arg("-content").arg(data);
        }
        let checked = run(&mut cmd, "openssl cms -verify -cades");
        assert!(text(&checked).contains("CAdES Verification successful"));
    }
    assert_eq!(
        std::fs::read(&content).expect("verified content"),
        std::fs::read(&original).expect("document"),
        "the verified content is the document"
    );
    assert_same_certificate(&signer, &token_certificate(holder, dir));

    if detached {
        // The check can fail: the same signature over another text does not verify.
        let other = dir.join("altro.txt");
        std::fs::write(&other, "Contratto diverso.\n").expect("other");
        assert!(!verify(true, Some(&other)).status.success());
    }
}

/// Detached and enveloping `.p7m` with one tool; openssl verifies each.
pub fn cms_both_forms(holder: &Holder, tool: CmsTool, dir: &Path) {
    for (enveloping, name) in [(false, "detached.p7m"), (true, "enveloping.p7m")] {
        let out = dir.join(name);
        succeed(
            &mut tool.sign(holder, dir, &out, PIN, enveloping),
            tool.name(),
        );
        openssl_verifies_p7m(holder, dir, &out, !enveloping, tool.cades());
    }
    assert_eq!(holder.pin_tries(), PIN_TRIES);
}

/// A wrong PIN through `tool`: a clear error, exactly one try spent, no .p7m remains. Returns
/// the size of what the tool itself left behind (sign_or_clean removed it).
pub fn cms_wrong_pin(holder: &Holder, tool: CmsTool, dir: &Path) -> Option<u64> {
    token_certificate(holder, dir); // exported first: that login must not be counted
    let before = holder.pin_tries();
    let out = dir.join("documento.p7m");
    let (output, leftover) = sign_or_clean(
        &mut tool.sign(holder, dir, &out, WRONG_PIN, true),
        tool.name(),
        &out,
    );
    assert!(!output.status.success(), "{tool:?} signed with a wrong PIN");
    let message = tool.wrong_pin_message();
    assert!(text(&output).contains(message), "{tool:?} says {message:?}");
    assert_eq!(
        holder.pin_tries(),
        before - 1,
        "{tool:?} spends exactly one try"
    );
    assert!(!out.exists(), "no signed file left behind");
    holder.restore_tries();
    leftover
}
