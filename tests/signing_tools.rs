//! Document signing with the standard Linux tools a user already has (issue #6), through the
//! module and a virtual card behind a private pcscd:
//! - poppler's `pdfsig` (NSS) adds a PDF signature, then validates it against the test CA;
//! - OpenSSL's pkcs11 engine and GnuTLS's `certtool` make detached and enveloping CMS (`.p7m`),
//!   which `openssl cms -verify` checks against the test CA;
//! - a wrong PIN gives a clear error, spends exactly one try (the simulator's `pin_tries`) and
//!   leaves no signed file.
//!
//! Every tool comes from a Debian package `scripts/test` installs (scripts/lib/deps.sh): a
//! missing tool is a test failure, never a skip.
//!
//! What the tools say about the holder certificates (README "Firmare documenti"): both cards
//! carry an *authentication* certificate (keyUsage digitalSignature, extendedKeyUsage clientAuth
//! only), so document verifiers that insist on a signing purpose flag it: pdfsig 22.12 checks
//! the signer for NSS's "email signer" usage and prints "Unknown issue with Certificate or
//! corrupted data."; `openssl cms -verify` needs `-purpose any`. The signatures themselves are
//! valid and chain to the test CA; these tests assert both halves.

mod common;

use common::harness::{module_path, scratch_dir, PcscDaemon, VirtualCard};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

const PIN: &str = "12345678";
/// Eight digits, so that it reaches the chip on both cards (a CIE PIN is exactly 8 digits).
const WRONG_PIN: &str = "11111111";
/// What a fresh virtual card allows (cns.md, cie.md §6): a successful login restores it.
const PIN_TRIES: u64 = 3;

/// One virtual card and what the tools must show for it.
struct Holder {
    card: VirtualCard,
    /// PKCS#11 token label, hence the first half of the NSS nickname.
    token: &'static str,
    /// CKA_LABEL of the certificate and key objects.
    object: &'static str,
    /// The test CA that issued the holder certificate.
    ca: PathBuf,
    /// Subject commonName, as pdfsig prints it.
    common_name: &'static str,
    /// The module's public-data cache (a CIE shows its certificate only after login).
    cache: PathBuf,
}

impl Holder {
    fn nickname(&self) -> String {
        format!("{}:{}", self.token, self.object)
    }

    /// RFC 7512 URL of one of the holder's objects (`cert` or `private`).
    fn url(&self, kind: &str) -> String {
        format!(
            "pkcs11:token={};object={};type={kind}",
            pct(self.token),
            pct(self.object)
        )
    }

    fn pin_tries(&self) -> u64 {
        self.card
            .stat("pin_tries")
            .expect("the simulator reports pin_tries in its --stats file")
    }

    /// A command with the environment every tool here needs: the private pcscd and the
    /// module's cache directory.
    fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.env("PCSCLITE_CSOCK_NAME", &PcscDaemon::shared().socket)
            .env("XDG_CACHE_HOME", &self.cache);
        cmd
    }

    /// A correct login after a wrong-PIN test, so the next test starts from a full counter.
    fn restore_tries(&self) {
        let listing = self
            .command("pkcs11-tool")
            .arg("--module")
            .arg(module_path())
            .args(["--login", "--pin", PIN, "--list-objects"])
            .output()
            .expect("pkcs11-tool (Debian package opensc)");
        assert!(
            listing.status.success(),
            "login with the right PIN: {listing:?}"
        );
        assert_eq!(
            self.pin_tries(),
            PIN_TRIES,
            "a successful login resets the counter"
        );
    }
}

/// The virtual TS-CNS (ST 2021, holder ROSSI MARIO) on reader 0, shared by this binary's tests.
fn tscns() -> &'static Holder {
    static HOLDER: OnceLock<Holder> = OnceLock::new();
    HOLDER.get_or_init(|| Holder {
        card: VirtualCard::insert(0, "cns", &["--pin", PIN]),
        token: "TS-CNS ROSSI MARIO",
        object: "CNS0 authentication",
        ca: fixture("cns/ca.pem"),
        common_name: "RSSMRA80A01H501U/7430035000000001.dLncvtm0pEevhlOdapa6xIu4ffY=",
        cache: scratch_dir("tscns-cache"),
    })
}

/// The tests share one card and its PIN counter: one at a time.
fn serial() -> parking_lot::MutexGuard<'static, ()> {
    static LOCK: parking_lot::Mutex<()> = parking_lot::Mutex::new(());
    LOCK.lock()
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sim/fixtures")
        .join(name)
}

/// Percent-encoding for a pkcs11: URL path attribute (only what labels here contain).
fn pct(value: &str) -> String {
    value.replace('%', "%25").replace(' ', "%20")
}

/// Runs `cmd`, printing what it said (visible when a test fails).
fn run(cmd: &mut Command, tool: &str) -> Output {
    let output = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {tool} ({e}): scripts/test installs it"));
    eprintln!(
        "$ {cmd:?}\n--- status {}\n--- stdout\n{}--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn succeed(cmd: &mut Command, tool: &str) -> String {
    let output = run(cmd, tool);
    assert!(output.status.success(), "{tool} failed");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Runs a signing command that writes `out`. When it fails, removes whatever it left there —
/// what a user's script must do too, since some tools create the output file before they log
/// in (README) — and returns the size of that leftover.
fn sign_or_clean(cmd: &mut Command, tool: &str, out: &Path) -> (Output, Option<u64>) {
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

/// A one-page PDF with correct xref offsets, built here so the fixture is readable code.
fn minimal_pdf() -> Vec<u8> {
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
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}

// ---------------------------------------------------------------------------------------------
// NSS and pdfsig

/// An NSS database as a user sets it up (README): empty database password, the module
/// registered with modutil, the test CA trusted. With `module: false`, a recipient's
/// database: the CA only, no card.
fn nss_db(holder: &Holder, dir: &Path, module: bool) -> PathBuf {
    let db = dir.join(if module {
        "signer-nssdb"
    } else {
        "recipient-nssdb"
    });
    std::fs::create_dir_all(&db).expect("nss db dir");
    let sql = format!("sql:{}", db.display());
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

/// `pdfsig IN OUT -add-signature …` as README shows it. pdfsig 22.12 gives the card PIN to NSS
/// through `-nss-pwd` (its password callback answers every token once, then gives up), so the
/// database itself must have an empty password; `-kpw` only matters if the token logs out
/// before the signature.
fn pdfsig_sign(holder: &Holder, db: &Path, input: &Path, out: &Path, pin: &str) -> Command {
    let mut cmd = holder.command("pdfsig");
    cmd.arg(input)
        .arg(out)
        .arg("-add-signature")
        .arg("-nssdir")
        .arg(format!("sql:{}", db.display()))
        .args(["-nss-pwd", pin, "-kpw", pin])
        .args(["-nick", &holder.nickname()])
        .args(["-new-signature-field-name", "Firma1"])
        .args(["-reason", "Prova di firma"]);
    cmd
}

/// `pdfsig -nssdir sql:DB FILE`: the signature report (pdfsig exits 0 whatever it finds).
fn pdfsig_report(holder: &Holder, db: &Path, pdf: &Path) -> String {
    succeed(
        holder
            .command("pdfsig")
            .arg("-nssdir")
            .arg(format!("sql:{}", db.display()))
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
        // The chain to the trusted test CA is fine (certutil below says why this is not
        // "Certificate is Trusted."): pdfsig verifies the signer for NSS's email-signer usage,
        // which an extendedKeyUsage of clientAuth only does not allow.
        "- Certificate Validation: Unknown issue with Certificate or corrupted data.".to_string(),
    ] {
        assert!(
            report.contains(&expected),
            "pdfsig lacks {expected:?}:\n{report}"
        );
    }
}

/// Independent check of the PDF signature with OpenSSL: the CMS blob pdfsig dumps, over the
/// two byte ranges /ByteRange names, chains to the test CA (any purpose) and the signer is the
/// card's certificate.
fn openssl_verifies_pdf(holder: &Holder, pdf: &Path, dir: &Path) {
    let bytes = std::fs::read(pdf).expect("signed pdf");
    let ranges = byte_range(&bytes);
    let mut signed = bytes[ranges[0]..ranges[0] + ranges[1]].to_vec();
    signed.extend_from_slice(&bytes[ranges[2]..ranges[2] + ranges[3]]);
    assert_eq!(
        ranges[2] + ranges[3],
        bytes.len(),
        "the ranges end at the end of the file"
    );
    let content = dir.join("signed-ranges.bin");
    std::fs::write(&content, &signed).expect("write ranges");
    // `pdfsig -dump` writes <file name>.sig0 into the current directory.
    succeed(
        holder
            .command("pdfsig")
            .current_dir(dir)
            .arg("-dump")
            .arg(pdf),
        "pdfsig -dump",
    );
    let cms = dir.join(format!(
        "{}.sig0",
        pdf.file_name().and_then(|n| n.to_str()).expect("file name")
    ));
    let signer = dir.join("pdf-signer.pem");
    succeed(
        Command::new("openssl")
            .args([
                "cms", "-verify", "-binary", "-inform", "DER", "-purpose", "any", "-in",
            ])
            .arg(&cms)
            .arg("-content")
            .arg(&content)
            .arg("-CAfile")
            .arg(&holder.ca)
            .arg("-signer")
            .arg(&signer)
            .args(["-out", "/dev/null"]),
        "openssl cms -verify (pdf ranges)",
    );
    assert_same_certificate(&signer, &token_certificate(holder, dir));
}

/// The four numbers of the signature's `/ByteRange [a b c d]`.
fn byte_range(pdf: &[u8]) -> Vec<usize> {
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
    assert_eq!(numbers.len(), 4, "ByteRange has four numbers");
    numbers
}

/// Why pdfsig says "Unknown issue": NSS itself finds the holder certificate valid for TLS
/// client authentication (the chain to the trusted CA is good) and not approved for signing.
fn assert_nss_purposes(holder: &Holder, db: &Path, dir: &Path) {
    let sql = format!("sql:{}", db.display());
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

// ---------------------------------------------------------------------------------------------
// Certificates and CMS

/// The holder certificate as the token shows it after login, exported with GnuTLS's p11tool
/// (the step a user takes before `openssl cms -sign -signer`).
fn token_certificate(holder: &Holder, dir: &Path) -> PathBuf {
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

/// `openssl cms -sign` through libp11's engine, which loads the module named by
/// PKCS11_MODULE_PATH (without it, the engine goes through p11-kit-proxy).
fn openssl_sign(holder: &Holder, dir: &Path, out: &Path, pin: &str, enveloping: bool) -> Command {
    let mut cmd = holder.command("openssl");
    cmd.env("PKCS11_MODULE_PATH", module_path())
        .args([
            "cms", "-sign", "-binary", "-engine", "pkcs11", "-keyform", "engine",
        ])
        .arg("-inkey")
        .arg(format!("{};pin-value={pin}", holder.url("private")))
        .arg("-signer")
        .arg(token_certificate(holder, dir))
        .arg("-in")
        .arg(document(dir))
        .args(["-outform", "DER", "-out"])
        .arg(out);
    if enveloping {
        cmd.arg("-nodetach");
    }
    cmd
}

/// GnuTLS `certtool --p7-sign` (enveloping) / `--p7-detached-sign`, with the signer's
/// certificate included. certtool takes the key from the token but the certificate only from
/// a file. `--provider` names the module: p11-kit ignores a user's module files when running
/// as root (see `p11kit_finds_the_module_in_a_users_config`).
fn certtool_sign(holder: &Holder, dir: &Path, out: &Path, pin: &str, enveloping: bool) -> Command {
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
        .arg(token_certificate(holder, dir))
        .arg("--infile")
        .arg(document(dir))
        .arg("--outder")
        .arg("--outfile")
        .arg(out)
        .stdin(std::process::Stdio::null());
    cmd
}

fn document(dir: &Path) -> PathBuf {
    let doc = dir.join("documento.txt");
    if !doc.exists() {
        std::fs::write(&doc, "Contratto di prova: firmato con la carta.\n").expect("document");
    }
    doc
}

/// `openssl cms -verify` of a `.p7m` the card made: the certificate travels inside it
/// (`-signer` writes it out; it is the token's), it chains to the test CA, and the content it
/// vouches for is the document. The default S/MIME purpose refuses the authentication
/// certificate; `-purpose any` is what makes it verify (README).
fn openssl_verifies_p7m(holder: &Holder, dir: &Path, p7m: &Path, detached: bool) {
    let verify = |extra: &[&str], signer: &Path, content_out: &Path| {
        let mut cmd = Command::new("openssl");
        cmd.args(["cms", "-verify", "-binary", "-inform", "DER", "-in"])
            .arg(p7m)
            .arg("-CAfile")
            .arg(&holder.ca)
            .arg("-signer")
            .arg(signer)
            .arg("-out")
            .arg(content_out)
            .args(extra);
        if detached {
            cmd.arg("-content").arg(document(dir));
        }
        run(&mut cmd, "openssl cms -verify")
    };
    let name = p7m.file_stem().and_then(|s| s.to_str()).expect("name");
    let signer = dir.join(format!("{name}.signer.pem"));
    let content = dir.join(format!("{name}.content"));

    let strict = verify(&[], &signer, &content);
    assert!(
        !strict.status.success(),
        "the S/MIME purpose must refuse clientAuth only"
    );
    assert!(
        text(&strict).contains("unsuitable certificate purpose"),
        "{}",
        text(&strict)
    );

    let any = verify(&["-purpose", "any"], &signer, &content);
    assert!(any.status.success(), "openssl cms -verify -purpose any");
    assert!(text(&any).contains("Verification successful"));
    assert_eq!(
        std::fs::read(&content).expect("verified content"),
        std::fs::read(document(dir)).expect("document"),
        "the verified content is the document"
    );
    assert_same_certificate(&signer, &token_certificate(holder, dir));

    if detached {
        // The check can fail: the same signature over another text does not verify.
        let other = dir.join("altro.txt");
        std::fs::write(&other, "Contratto diverso.\n").expect("other");
        let tampered = run(
            Command::new("openssl")
                .args([
                    "cms", "-verify", "-binary", "-inform", "DER", "-purpose", "any", "-in",
                ])
                .arg(p7m)
                .arg("-CAfile")
                .arg(&holder.ca)
                .arg("-content")
                .arg(&other)
                .args(["-out", "/dev/null"]),
            "openssl cms -verify (other content)",
        );
        assert!(
            !tampered.status.success(),
            "a signature over other content verifies"
        );
    }
}

/// Both CMS forms with one tool, then openssl verifies each.
fn cms_both_forms(
    holder: &Holder,
    tool: &str,
    sign: fn(&Holder, &Path, &Path, &str, bool) -> Command,
) {
    let dir = scratch_dir(&format!("{tool}-p7m"));
    for (enveloping, name) in [(false, "detached.p7m"), (true, "enveloping.p7m")] {
        let out = dir.join(name);
        succeed(&mut sign(holder, &dir, &out, PIN, enveloping), tool);
        openssl_verifies_p7m(holder, &dir, &out, !enveloping);
    }
}

/// A wrong PIN through `tool`: fails, spends exactly one try, and no .p7m remains.
fn cms_wrong_pin(
    holder: &Holder,
    tool: &str,
    sign: fn(&Holder, &Path, &Path, &str, bool) -> Command,
    message: &str,
) -> Option<u64> {
    let dir = scratch_dir(&format!("{tool}-wrong-pin"));
    token_certificate(holder, &dir); // exported first: that login must not be counted
    let before = holder.pin_tries();
    let out = dir.join("documento.p7m");
    let (output, leftover) =
        sign_or_clean(&mut sign(holder, &dir, &out, WRONG_PIN, true), tool, &out);
    assert!(!output.status.success(), "{tool} signed with a wrong PIN");
    assert!(
        text(&output).contains(message),
        "{tool} says {message:?}:\n{}",
        text(&output)
    );
    assert_eq!(
        holder.pin_tries(),
        before - 1,
        "{tool} spends exactly one try"
    );
    assert!(!out.exists(), "no signed file left behind");
    holder.restore_tries();
    leftover
}

// ---------------------------------------------------------------------------------------------
// TS-CNS

#[test]
fn pdfsig_signs_a_pdf_with_the_tscns_and_validates_it() {
    let _guard = serial();
    let holder = tscns();
    let dir = scratch_dir("pdfsig-tscns");
    let db = nss_db(holder, &dir, true);
    let input = dir.join("documento.pdf");
    let signed = dir.join("documento-firmato.pdf");
    std::fs::write(&input, minimal_pdf()).expect("pdf");

    let nicks = succeed(
        holder
            .command("pdfsig")
            .arg("-nssdir")
            .arg(format!("sql:{}", db.display()))
            .args(["-nss-pwd", PIN, "-list-nicks"]),
        "pdfsig -list-nicks",
    );
    assert!(nicks.contains(&holder.nickname()), "{nicks}");

    succeed(
        &mut pdfsig_sign(holder, &db, &input, &signed, PIN),
        "pdfsig -add-signature",
    );
    assert_eq!(holder.pin_tries(), PIN_TRIES);

    // The signer's database, then a recipient's (test CA only, no card): same verdict.
    assert_pdfsig_report(holder, &pdfsig_report(holder, &db, &signed));
    let recipient = nss_db(holder, &dir, false);
    assert_pdfsig_report(holder, &pdfsig_report(holder, &recipient, &signed));
    assert_nss_purposes(holder, &recipient, &dir);
    openssl_verifies_pdf(holder, &signed, &dir);

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

#[test]
fn pdfsig_with_a_wrong_pin_spends_one_try_and_writes_no_pdf() {
    let _guard = serial();
    let holder = tscns();
    let dir = scratch_dir("pdfsig-wrong-pin");
    let db = nss_db(holder, &dir, true);
    let input = dir.join("documento.pdf");
    let out = dir.join("documento-firmato.pdf");
    std::fs::write(&input, minimal_pdf()).expect("pdf");
    let before = holder.pin_tries();

    let (output, leftover) = sign_or_clean(
        &mut pdfsig_sign(holder, &db, &input, &out, WRONG_PIN),
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
    assert_eq!(
        leftover, None,
        "pdfsig writes nothing before the login works"
    );
    holder.restore_tries();
}

#[test]
fn openssl_engine_makes_detached_and_enveloping_p7m_with_the_tscns() {
    let _guard = serial();
    cms_both_forms(tscns(), "openssl", openssl_sign);
}

#[test]
fn certtool_makes_detached_and_enveloping_p7m_with_the_tscns() {
    let _guard = serial();
    cms_both_forms(tscns(), "certtool", certtool_sign);
}

#[test]
fn openssl_and_certtool_with_a_wrong_pin_spend_one_try_each_and_leave_no_p7m() {
    let _guard = serial();
    let holder = tscns();
    // Both create the output file before they log in and leave it empty on failure:
    // sign_or_clean removes it, the README tells users to do the same.
    let openssl = cms_wrong_pin(holder, "openssl", openssl_sign, "PIN incorrect");
    assert_eq!(
        openssl,
        Some(0),
        "openssl leaves an empty file (README warns)"
    );
    let certtool = cms_wrong_pin(
        holder,
        "certtool",
        certtool_sign,
        "Cannot continue with a wrong password in the environment",
    );
    assert_eq!(
        certtool,
        Some(0),
        "certtool leaves an empty file (README warns)"
    );
}

/// The desktop way for GnuTLS (and p11-kit-proxy) applications: a `.module` file in the user's
/// `~/.config/pkcs11/modules/`. p11-kit skips user configuration for root, so this runs
/// `p11-kit list-modules` as `nobody`, with a HOME and a copy of the module it can read.
#[test]
fn p11kit_finds_the_module_in_a_users_config() {
    let base = std::env::temp_dir().join(format!("cie-cns-p11kit-{}", std::process::id()));
    let modules = base.join("home/.config/pkcs11/modules");
    std::fs::create_dir_all(&modules).expect("modules dir");
    let library = base.join("libcie_cns_pkcs11.so");
    std::fs::copy(module_path(), &library).expect("copy module");
    std::fs::write(
        modules.join("cie-cns-pkcs11.module"),
        format!("module: {}\n", library.display()),
    )
    .expect("module file");
    let chmod = Command::new("chmod")
        .args(["-R", "a+rX"])
        .arg(&base)
        .status()
        .expect("chmod");
    assert!(chmod.success());

    let listing = succeed(
        Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .env("HOME", base.join("home"))
            .env("PCSCLITE_CSOCK_NAME", &PcscDaemon::shared().socket)
            .args(["p11-kit", "list-modules"]),
        "p11-kit (p11-kit) as nobody",
    );
    assert!(listing.contains("cie-cns-pkcs11: "), "{listing}");
    let _ = std::fs::remove_dir_all(&base);
}
