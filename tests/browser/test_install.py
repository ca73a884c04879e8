"""The user installation scripts, without touching the real system: scripts/install into a
DESTDIR that a private mount namespace then shows at the real paths (so p11-kit, reading its
usual directories, must find the module by itself), and scripts/register-browsers against a
temporary HOME with fake Firefox profiles."""

import hashlib
import os
import subprocess

from harness import CNS_TOKEN, MODULE, REPO, run

MULTIARCH = run(["gcc", "-print-multiarch"]).strip()
LIB = f"/usr/local/lib/{MULTIARCH}/pkcs11/libcie_cns_pkcs11.so"
MODFILE = "/usr/share/p11-kit/modules/cie-cns-pkcs11.module"


def test_install_then_p11kit_finds_the_module_then_uninstall(cns_card, tmp_path):
    dest = tmp_path / "root"
    out = run([str(REPO / "scripts/install"), "--destdir", str(dest), "--library", str(MODULE)])
    assert f"installed {dest}{LIB}" in out and f"installed {dest}{MODFILE}" in out, out
    assert (dest / LIB.lstrip("/")).read_bytes() == MODULE.read_bytes()
    assert f"module: {LIB}\n" in (dest / MODFILE.lstrip("/")).read_text()

    # Only inside this namespace: /usr/local and p11-kit's module directory are the DESTDIR's.
    script = (f'mount --bind "$0/usr/local" /usr/local && '
              f'mount --bind "$0/usr/share/p11-kit/modules" /usr/share/p11-kit/modules && '
              f'exec p11-kit list-modules')
    listing = run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script, str(dest)])
    assert f"cie-cns-pkcs11: {LIB}" in listing, listing
    assert f"token: {CNS_TOKEN}" in listing, listing

    out = run([str(REPO / "scripts/install"), "--destdir", str(dest), "--uninstall"])
    assert not (dest / LIB.lstrip("/")).exists() and not (dest / MODFILE.lstrip("/")).exists(), out


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_register_browsers_is_idempotent_and_removable(cns_card, tmp_path):
    home = tmp_path / "home"
    firefox = home / ".mozilla" / "firefox"
    used = firefox / "a1b2c3d4.default-esr"  # a profile Firefox has run with
    used.mkdir(parents=True)
    run(["certutil", "-N", "-d", f"sql:{used}", "--empty-password"])
    (used / "prefs.js").write_text("// Mozilla User Preferences\n")
    never = firefox / "e5f6a7b8.never-started"
    never.mkdir()
    (never / "prefs.js").write_text("// Mozilla User Preferences\n")
    env = {**os.environ, "HOME": str(home)}
    register = [str(REPO / "scripts/register-browsers"), "--module", str(MODULE)]

    out = run(register, env=env)
    assert "registered in Firefox profile a1b2c3d4.default-esr" in out, out
    assert "skipped Firefox profile e5f6a7b8.never-started" in out, out
    assert "registered in Chromium" in out, out
    dbs = [used, home / ".pki" / "nssdb"]
    for db in dbs:
        txt = (db / "pkcs11.txt").read_text()
        assert txt.count("name=cie-cns-pkcs11") == 1 and f"library={MODULE}" in txt, txt
        # The browser now sees the card's certificate through its database.
        listing = run(["certutil", "-L", "-d", f"sql:{db}", "-h", "all"])
        assert f"{CNS_TOKEN}:" in listing, listing

    before = {db: digest(db / "pkcs11.txt") for db in dbs}
    out = run(register, env=env)
    assert out.count("already registered") == 2, out
    assert {db: digest(db / "pkcs11.txt") for db in dbs} == before

    out = run(register + ["--remove"], env=env)
    assert out.count("removed from") == 2, out
    for db in dbs:
        assert "cie-cns-pkcs11" not in (db / "pkcs11.txt").read_text()
    out = run(register + ["--remove"], env=env)
    assert out.count("not registered") == 2, out
    assert not (never / "pkcs11.txt").exists()


def test_install_refuses_without_root_or_destdir():
    result = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                             str(REPO / "scripts/install"), "--library", str(MODULE)],
                            capture_output=True, text=True)
    assert result.returncode == 1 and "run as root" in result.stderr, result
