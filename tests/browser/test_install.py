"""The user installation scripts, without touching the real system: scripts/install into a
DESTDIR that a private mount namespace then shows at the real paths (so p11-kit, reading its
usual directories, must find the module by itself), and scripts/register-browsers against a
temporary HOME laid out as today's Firefox and Chromium leave it."""

import hashlib
import os
import subprocess

from harness import CNS_TOKEN, MODULE, REPO, run

MULTIARCH = run(["gcc", "-print-multiarch"]).strip()
LIB = f"/usr/local/lib/{MULTIARCH}/pkcs11/libcie_cns_pkcs11.so"
MODFILE = "/usr/share/p11-kit/modules/cie-cns-pkcs11.module"
BIN = "/usr/local/bin/cie-cns"
TOOL = MODULE.parent / "cie-cns"


def test_install_then_p11kit_finds_the_module_then_uninstall(cns_card, tmp_path):
    dest = tmp_path / "root"
    out = run([str(REPO / "scripts/install"), "--destdir", str(dest), "--library", str(MODULE),
               "--tool", str(TOOL)])
    assert f"installed {dest}{LIB}" in out and f"installed {dest}{MODFILE}" in out, out
    assert (dest / BIN.lstrip("/")).read_bytes() == TOOL.read_bytes()
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
    for path in (LIB, MODFILE, BIN):
        assert not (dest / path.lstrip("/")).exists(), out


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def started_profile(path):
    """A Firefox profile folder as Firefox leaves it after its first start (an NSS database)."""
    path.mkdir(parents=True)
    run(["certutil", "-N", "-d", f"sql:{path}", "--empty-password"])
    (path / "prefs.js").write_text("// Mozilla User Preferences\n")
    return path


def register(home, *args):
    env = {**os.environ, "HOME": str(home), "LANG": "C.UTF-8"}
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        env.pop(var, None)
    return run([str(REPO / "scripts/register-browsers"), "--module", str(MODULE), *args], env=env)


def assert_registered_once(db):
    txt = (db / "pkcs11.txt").read_text()
    assert txt.count("name=cie-cns-pkcs11") == 1 and f"library={MODULE}" in txt, txt
    # The browser now sees the card's certificate through its database.
    listing = run(["certutil", "-L", "-d", f"sql:{db}", "-h", "all"])
    assert f"{CNS_TOKEN}:" in listing, listing


def test_register_browsers_finds_todays_firefox_profiles_and_chromiums_new_db(cns_card, tmp_path):
    # Today's layout (status/browser-locations.md): Firefox 147+ under ~/.config/mozilla/firefox,
    # older profiles under ~/.mozilla/firefox, profiles.ini may list absolute paths; a new
    # user's Chromium reads ~/.local/share/pki/nssdb, and ~/.pki must not appear.
    home = tmp_path / "home"
    xdg_root = home / ".config" / "mozilla" / "firefox"
    esr = started_profile(xdg_root / "a1b2c3d4.default-esr")
    (xdg_root / "e5f6a7b8.never-started").mkdir()
    (xdg_root / "e5f6a7b8.never-started" / "prefs.js").write_text("// Mozilla User Preferences\n")
    elsewhere = started_profile(tmp_path / "disk" / "firefox-work")
    (xdg_root / "profiles.ini").write_text(
        "[Profile0]\nName=default-esr\nIsRelative=1\nPath=a1b2c3d4.default-esr\nDefault=1\n\n"
        f"[Profile1]\nName=work\nIsRelative=0\nPath={elsewhere}\n\n"
        "[Profile2]\nName=never\nIsRelative=1\nPath=e5f6a7b8.never-started\n\n"
        "[General]\nStartWithLastProfile=1\nVersion=2\n")
    legacy = started_profile(home / ".mozilla" / "firefox" / "z9y8x7w6.default")
    chromium = home / ".local" / "share" / "pki" / "nssdb"
    dbs = [esr, elsewhere, legacy, chromium]

    out = register(home)
    for db in dbs:
        assert str(db) in out, out
        assert_registered_once(db)
    assert "e5f6a7b8.never-started" in out and "skipped" in out, out
    assert not (home / ".pki").exists(), "created the legacy Chromium database"
    assert oct((home / ".local" / "share" / "pki").stat().st_mode & 0o777) == "0o700"

    before = {db: digest(db / "pkcs11.txt") for db in dbs}
    out = register(home)
    assert out.count("already registered") == len(dbs), out
    assert {db: digest(db / "pkcs11.txt") for db in dbs} == before
    assert register(home, "--quiet") == ""

    out = register(home, "--remove")
    assert out.count("removed from") == len(dbs), out
    for db in dbs:
        assert "cie-cns-pkcs11" not in (db / "pkcs11.txt").read_text()
    out = register(home, "--remove")
    assert out.count("not registered") == len(dbs), out


def test_register_browsers_keeps_chromium_on_its_legacy_folder(cns_card, tmp_path):
    # Chromium 156 reads ~/.pki/nssdb whenever that folder exists, even empty (measured with
    # strace: one stat decides); registering in the new database would go unseen.
    home = tmp_path / "home"
    legacy = home / ".pki" / "nssdb"
    legacy.mkdir(parents=True)
    out = register(home)
    assert str(legacy) in out, out
    assert_registered_once(legacy)
    assert not (home / ".local" / "share" / "pki").exists(), out
