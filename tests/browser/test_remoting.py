"""p11-kit remoting, the way into Snap and Flatpak sandboxes: `p11-kit server` loads the module
on the host and exports it over a Unix socket; `pkcs11-tool` loads only `p11-kit-client.so`
(P11_KIT_SERVER_ADDRESS names the socket) and lists, logs in and signs with the virtual cards.
openssl verifies every signature against the certificate read back through the same socket."""

import hashlib
import os
import subprocess
from pathlib import Path

import pytest

from harness import CIE_TOKEN, CNS_TOKEN, HOLDER_SUBJECT, MODULE, PIN, run, wait_for
from test_firefox import Firefox

MULTIARCH = run(["gcc", "-print-multiarch"]).strip()
# Debian package p11-kit-modules (scripts/lib/deps.sh).
CLIENT = Path(f"/usr/lib/{MULTIARCH}/pkcs11/p11-kit-client.so")


class P11KitServer:
    """`p11-kit server --provider MODULE "pkcs11:"` in the foreground, on a socket of its own."""

    def __init__(self, workdir: Path, env):
        assert CLIENT.exists(), f"{CLIENT} missing: apt-get install p11-kit-modules"
        self.socket = workdir / "p11-kit.sock"
        self.log = workdir / "p11-kit-server.log"
        self.proc = subprocess.Popen(
            ["p11-kit", "server", "--foreground", "--provider", str(MODULE), "--name", str(self.socket),
             "pkcs11:"],
            env=env, stdin=subprocess.DEVNULL, stdout=open(self.log, "wb"), stderr=subprocess.STDOUT)
        wait_for("the p11-kit server socket", self.socket.exists, timeout=10)
        # What a sandboxed application gets in its environment (the server prints it too).
        self.address = f"unix:path={self.socket}"
        assert self.address in self.log.read_text(), self.log.read_text()

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


@pytest.fixture
def remote(pcscd, trace, tmp_path):
    # The module (and its trace log) live in the server process; pcscd first for its socket.
    server = P11KitServer(tmp_path, {**os.environ, **trace.env})
    yield server
    server.stop()


def client_tool(remote, *args):
    """pkcs11-tool with p11-kit-client.so as its only module: nothing of ours in this process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIE_CNS_PKCS11")}
    env["P11_KIT_SERVER_ADDRESS"] = remote.address
    return run(["pkcs11-tool", "--module", str(CLIENT), *args], env=env)


def verify(cert_der: Path, sig: Path, digest: Path, pss: bool):
    """openssl checks `sig` over the SHA-256 `digest` with the certificate's public key."""
    pubkey = cert_der.with_suffix(".pub.pem")
    run(["openssl", "x509", "-inform", "DER", "-in", str(cert_der), "-pubkey", "-noout", "-out", str(pubkey)])
    pad = ["rsa_padding_mode:pss", "rsa_pss_saltlen:-2"] if pss else ["rsa_padding_mode:pkcs1"]
    opts = [arg for opt in ["digest:sha256", *pad] for arg in ("-pkeyopt", opt)]
    result = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", str(pubkey), *opts,
                             "-in", str(digest), "-sigfile", str(sig)], capture_output=True, text=True)
    return result.returncode == 0


def sign_and_verify(remote, workdir: Path, label: str, mechanism: str):
    """Signs a document with `mechanism` (hashing on the card's side of the socket, or for
    RSA-PKCS-PSS here) and checks the signature over its SHA-256 digest."""
    data = workdir / "data.txt"
    data.write_text("documento firmato attraverso p11-kit\n")
    digest, other = workdir / "data.sha256", workdir / "other.sha256"
    digest.write_bytes(hashlib.sha256(data.read_bytes()).digest())
    other.write_bytes(hashlib.sha256(b"altro documento\n").digest())
    sig, cert = workdir / f"{mechanism}.sig", workdir / "cert.der"
    if mechanism == "RSA-PKCS-PSS":
        what = ["-i", str(digest), "--hash-algorithm", "SHA256", "--mgf", "MGF1-SHA256"]
    else:
        what = ["-i", str(data)]
    client_tool(remote, "--login", "--pin", PIN, "--sign", "--label", label, "-m", mechanism, *what,
                "-o", str(sig))
    client_tool(remote, "--login", "--pin", PIN, "--read-object", "--type", "cert", "--label", label,
                "-o", str(cert))
    pss = "PSS" in mechanism
    assert verify(cert, sig, digest, pss), f"openssl rejects the {mechanism} signature made through p11-kit"
    assert not verify(cert, sig, other, pss), "the check can fail"


def test_p11kit_remoting_ts_cns_lists_logs_in_and_signs(cns_card, remote, trace, tmp_path):
    listing = client_tool(remote, "-L")
    assert f"token label        : {CNS_TOKEN}" in listing, listing
    objects = client_tool(remote, "--login", "--pin", PIN, "-O")
    assert "Private Key Object" in objects and "Certificate Object" in objects, objects
    # p11-kit 0.24 (Debian 12) forwards no hashed PSS mechanism (CKM_SHA256_RSA_PKCS_PSS): its
    # client drops them from the list, and browsers then sign TLS 1.3 with CKM_RSA_PKCS_PSS
    # (shared/BROWSER.md), which it does forward.
    for mechanism in ["SHA256-RSA-PKCS", "RSA-PKCS-PSS"]:
        sign_and_verify(remote, tmp_path, "CNS0 authentication", mechanism)
    # The signatures came from our module inside the server, through the card.
    assert trace.mechanisms() == ["CKM_SHA256_RSA_PKCS", "CKM_RSA_PKCS_PSS"], trace.mechanisms()
    assert cns_card.stats()["pin_tries"] == 3


def test_p11kit_remoting_cie_lists_logs_in_and_signs(cie_card, remote, trace, tmp_path):
    listing = client_tool(remote, "-L")
    assert "token label        : CIE " in listing, listing
    objects = client_tool(remote, "--login", "--pin", PIN, "-O")
    assert "Private Key Object" in objects and "Certificate Object" in objects, objects
    # The CIE's objects carry the holder's name (the token label cannot: README).
    sign_and_verify(remote, tmp_path, "ROSSI MARIO", "SHA256-RSA-PKCS")
    assert trace.mechanisms() == ["CKM_SHA256_RSA_PKCS"], trace.mechanisms()
    # After the login the module knows the holder; the token label stays the card number.
    assert f"token label        : {CIE_TOKEN}" in client_tool(remote, "-L")
    assert cie_card.stats()["pin_tries"] == 3


def test_firefox_logs_in_over_tls13_through_p11kit_remoting(cns_card, remote, trace, server13, tmp_path):
    # What a sandboxed Firefox does: its profile lists p11-kit-client.so only. TLS 1.3 needs
    # RSA-PSS, which reaches the module as CKM_RSA_PKCS_PSS (the client forwards no hashed PSS).
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIE_CNS_PKCS11")}
    env["P11_KIT_SERVER_ADDRESS"] = remote.address
    firefox = Firefox(tmp_path, env, module=CLIENT)
    try:
        text, loc, prompts = firefox.login(server13.url, [PIN])
    finally:
        firefox.quit()
    assert HOLDER_SUBJECT.search(text), f"{loc}\n{text}"
    assert "Protocol  : TLSv1.3" in text
    assert len(prompts) == 1 and CNS_TOKEN in prompts[0], prompts
    assert set(trace.mechanisms()) == {"CKM_RSA_PKCS_PSS"}, trace.mechanisms()
