"""Command-line TLS clients and NSS tools against the virtual TS-CNS: curl (OpenSSL's pkcs11
engine) and gnutls-cli find the module through p11-kit, as any p11-kit-aware program does
once `scripts/install` has put a module file in place; NSS certutil lists the card."""

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from harness import CNS_CA, CNS_TOKEN, HOLDER_SUBJECT, MODULE, PIN, TraceLog, make_nssdb, run

TOKEN_URL = "pkcs11:token=" + CNS_TOKEN.replace(" ", "%20")
# GnuTLS looks an object up by id or label only, never by class alone.
OBJECT_URL = TOKEN_URL + ";object=CNS0%20authentication"


class P11KitUser:
    """An unprivileged user with a temporary HOME whose ~/.config/pkcs11/modules/ registers
    the module (p11-kit reads no user config for root, and tests install nothing system-wide).
    OpenSC's system module is switched off there so only our module talks to the card."""

    def __init__(self):
        self.user = pwd.getpwnam("nobody")
        self.home = Path(tempfile.mkdtemp(prefix="cie-cns-home."))
        modules = self.home / ".config" / "pkcs11" / "modules"
        modules.mkdir(parents=True)
        (modules / "cie-cns-pkcs11.module").write_text(f"module: {MODULE}\n")
        (modules / "opensc-pkcs11.module").write_text("enable-in: no-program-at-all\n")
        for path in [self.home, *self.home.rglob("*")]:
            os.chown(path, self.user.pw_uid, self.user.pw_gid)
        self.trace = TraceLog(self.home / "module.log")

    def run(self, cmd, input=None, env=None, check=True):
        full_env = {**os.environ, "HOME": str(self.home), "XDG_CACHE_HOME": str(self.home / ".cache"),
                    **self.trace.env, **(env or {})}
        setpriv = ["setpriv", f"--reuid={self.user.pw_uid}", f"--regid={self.user.pw_gid}", "--clear-groups"]
        result = subprocess.run(setpriv + cmd, input=input, env=full_env, capture_output=True,
                                text=True, timeout=60)
        if check:
            assert result.returncode == 0, f"{cmd}: {result.returncode}\n{result.stdout}\n{result.stderr}"
        return result


@pytest.fixture
def p11kit_user():
    user = P11KitUser()
    yield user
    shutil.rmtree(user.home, ignore_errors=True)


def test_p11kit_lists_the_token(cns_card, p11kit_user):
    listing = p11kit_user.run(["p11-kit", "list-modules"]).stdout
    assert f"token: {CNS_TOKEN}" in listing, listing


@pytest.mark.parametrize("server", ["server13", "server12"])
def test_curl_with_the_pkcs11_engine(cns_card, p11kit_user, server, request):
    srv = request.getfixturevalue(server)
    before = cns_card.stats()["apdus"]
    page = p11kit_user.run([
        "curl", "-sS", "--engine", "pkcs11",
        "--key-type", "ENG", "--key", f"{TOKEN_URL};type=private;pin-value={PIN}",
        "--cert-type", "ENG", "--cert", f"{TOKEN_URL};type=cert",
        "--cacert", str(CNS_CA), srv.url,
    ]).stdout
    assert HOLDER_SUBJECT.search(page), page
    expected = "TLSv1.2" if server == "server12" else "TLSv1.3"
    assert f"Protocol  : {expected}" in page
    print(f"curl {expected}: mechanisms {p11kit_user.trace.mechanisms()}, "
          f"{cns_card.stats()['apdus'] - before} APDUs")
    assert p11kit_user.trace.mechanisms(), "the signature did not come from our module"


@pytest.mark.parametrize("server", ["server13", "server12"])
def test_gnutls_cli_with_a_pkcs11_url(cns_card, p11kit_user, server, request):
    srv = request.getfixturevalue(server)
    before = cns_card.stats()["apdus"]
    result = p11kit_user.run(
        ["gnutls-cli", "--x509keyfile", f"{OBJECT_URL};type=private",
         "--x509certfile", f"{OBJECT_URL};type=cert", "--x509cafile", str(CNS_CA),
         "-p", str(srv.port), "127.0.0.1"],
        input="GET / HTTP/1.0\r\n\r\n",
        env={"GNUTLS_PIN": PIN},
    )
    assert HOLDER_SUBJECT.search(result.stdout), result.stdout + result.stderr
    expected = "TLSv1.2" if server == "server12" else "TLSv1.3"
    assert f"Protocol  : {expected}" in result.stdout
    print(f"gnutls-cli {expected}: mechanisms {p11kit_user.trace.mechanisms()}, "
          f"{cns_card.stats()['apdus'] - before} APDUs")
    assert p11kit_user.trace.mechanisms(), "the signature did not come from our module"


def test_nss_certutil_lists_the_card_certificate(cns_card, tmp_path):
    db = tmp_path / "nssdb"
    make_nssdb(db, trust_ca=None)
    listing = run(["certutil", "-L", "-d", f"sql:{db}", "-h", "all"])
    # NSS names a token's certificate "<token label>:<object label>".
    assert f"{CNS_TOKEN}:CNS0 authentication" in listing, listing
    assert cns_card.stats()["pin_tries"] == 3  # listing needs no PIN
