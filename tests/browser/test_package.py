"""The Debian package end to end: `apt-get install ./cie-cns-pkcs11_….deb`, a brand-new user
whose first Firefox ESR start logs in with the virtual TS-CNS through the package's policy alone,
whose Chromium logs in once the package's autostart entry ran as at desktop login, then
`apt-get purge`, after which nothing of the package is left; and lintian.

The machine itself is never changed: everything runs in a private mount namespace where /etc,
/usr, /var and /home are overlays of the real ones (System). apt, dpkg and the maintainer
script do their real work there, the overlays' upper layers record every file the run wrote or
deleted, and the namespace disappears with the test, whatever its outcome.
"""

import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from harness import CNS_TOKEN, HOLDER_SUBJECT, PIN, REPO, TraceLog, free_port, run
from test_chromium import Chromium, Xvfb, login
from test_firefox import Firefox

MULTIARCH = run(["gcc", "-print-multiarch"]).strip()
MODULE = f"/usr/lib/{MULTIARCH}/pkcs11/libcie_cns_pkcs11.so"
POLICY = "/usr/share/firefox-esr/distribution/policies.json"
ADMIN_POLICY = "/etc/firefox/policies/policies.json"
AUTOSTART = "/etc/xdg/autostart/cie-cns-register.desktop"
OVERLAID = ["etc", "usr", "var", "home"]
# What apt, dpkg and useradd/userdel change by themselves: their state, logs and caches, the
# account files. Anything else the install + purge cycle leaves in the upper layers is a leftover.
BOOKKEEPING = re.compile(r"^/(var/(lib/(dpkg/(?!info/)|apt/|systemd/deb-systemd)|log/|cache/|mail/|spool/mail/)"
                         r"|etc/(ld\.so\.cache|\.pwd\.lock|(passwd|group|shadow|gshadow|subuid|subgid)-?)$)")


class System:
    """A private mount namespace with writable overlays of /etc, /usr, /var and /home; `run`
    executes a command inside it as root (User runs them as a new account)."""

    def __init__(self, workdir: Path):
        self.dir = workdir
        mounts = " && ".join(
            f'mkdir -p "$0/upper/{d}" "$0/work/{d}" && mount -t overlay overlay '
            f'-o "lowerdir=/{d},upperdir=$0/upper/{d},workdir=$0/work/{d}" /{d}' for d in OVERLAID)
        self.holder = subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c",
             f'{mounts} && echo ready && exec sleep infinity', str(workdir)],
            stdout=subprocess.PIPE, text=True)
        assert self.holder.stdout.readline().strip() == "ready", "the overlays did not mount"
        self.enter = ["nsenter", f"--target={self.holder.pid}", "--mount", "--"]
        self.namespace = os.readlink(f"/proc/{self.holder.pid}/ns/mnt")

    def run(self, cmd, **kw):
        return run([*self.enter, *cmd], **kw)

    def changes(self):
        """Every path the run changed under the overlays: (path, kind) with kind "dir" for a
        directory that did not exist before, "gone" for a deleted one (whiteout), else "file"."""
        found = set()
        for d in OVERLAID:
            upper = self.dir / "upper" / d
            for path in upper.rglob("*"):
                real = "/" + str(path.relative_to(self.dir / "upper"))
                if path.is_char_device() and os.stat(path, follow_symlinks=False).st_rdev == 0:
                    found.add((real, "gone"))
                elif path.is_dir() and not path.is_symlink():
                    if not os.path.lexists(real):  # the real machine's view, outside the namespace
                        found.add((real, "dir"))
                else:
                    found.add((real, "file"))
        return {(p, k) for p, k in found if not BOOKKEEPING.match(p)}

    def stop(self):
        self.holder.terminate()
        self.holder.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


class User:
    """A brand-new account (useradd -m) inside a System; `launcher` runs a program as that user
    with a desktop session's environment."""

    def __init__(self, system: System, display=None):
        self.system = system
        self.name = f"ciecns{os.getpid() % 100000}"
        system.run(["useradd", "--create-home", "--shell", "/bin/bash", self.name])
        self.uid = int(system.run(["id", "-u", self.name]))
        self.gid = int(system.run(["id", "-g", self.name]))
        self.home = Path(system.run(["sh", "-c", f"getent passwd {self.name} | cut -d: -f6"]).strip())
        self.launcher = [*system.enter, "setpriv", f"--reuid={self.uid}", f"--regid={self.gid}",
                         "--init-groups", "--"]
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "CIE_CNS_PKCS11"))}
        self.env.update(HOME=str(self.home), USER=self.name, LOGNAME=self.name, LANG="C.UTF-8")
        if display:
            self.env["DISPLAY"] = display
        self.chromedriver = system.dir / "chromedriver-as-user"
        self.chromedriver.write_text(f"#!/bin/sh\nexec {shlex.join(self.launcher)} /usr/bin/chromedriver \"$@\"\n")
        self.chromedriver.chmod(0o755)

    def run(self, cmd, **kw):
        return run([*self.launcher, *cmd], env=self.env, **kw)

    def read(self, relative):
        return self.run(["cat", str(self.home / relative)])

    def exists(self, relative):
        return subprocess.run([*self.launcher, "test", "-e", str(self.home / relative)]).returncode == 0

    def write(self, relative, text):
        """A file in the user's HOME, made by the user (inside the namespace)."""
        path = self.home / relative
        self.run(["sh", "-c", 'mkdir -p "$(dirname "$0")" && cat >"$0"', str(path)], input=text)

    def stop(self):
        """Kills what the account still runs: its processes in this namespace only (the same uid
        may belong to someone else on the real machine)."""
        for proc in Path("/proc").glob("[0-9]*"):
            try:
                if proc.stat().st_uid == self.uid and os.readlink(proc / "ns" / "mnt") == self.system.namespace:
                    os.kill(int(proc.name), signal.SIGKILL)
            except OSError:
                pass


@pytest.fixture(scope="module")
def deb():
    """The package, built by scripts/package (release build) once for this file."""
    out = run([str(REPO / "scripts/package")], timeout=1200, cwd=REPO)
    path = REPO / out.strip().splitlines()[-1]
    assert re.fullmatch(r"cie-cns-pkcs11_[0-9][^_]*_[a-z0-9]+\.deb", path.name), path
    return path


@pytest.fixture
def system():
    workdir = Path(tempfile.mkdtemp(prefix="cie-cns-system."))
    workdir.chmod(0o755)  # the new user reaches the trace log and the chromedriver launcher
    sys_ = System(workdir)
    yield sys_
    sys_.stop()


def test_lintian_reports_no_error_and_readme_lists_every_warning(deb):
    result = subprocess.run(["lintian", "--pedantic", "--info", str(deb)], capture_output=True, text=True,
                            timeout=300)
    tags = re.findall(r"^([EWIP]): cie-cns-pkcs11[^:]*: (\S+)", result.stdout, re.M)
    print(f"\nlintian:\n{result.stdout}")
    assert not [t for level, t in tags if level == "E"], result.stdout
    readme = (REPO / "README.md").read_text()
    unexplained = {t for level, t in tags if level == "W" and f"`{t}`" not in readme}
    assert not unexplained, f"README must list each kept lintian warning with its reason: {unexplained}"


def install(system, deb):
    system.run(["apt-get", "install", "--yes", "--no-install-recommends", str(deb)], timeout=300,
               env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})


def purge(system):
    system.run(["apt-get", "purge", "--yes", "cie-cns-pkcs11"], timeout=300,
               env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})


def firefox_prefs(system, port):
    """Test scaffolding, not registration: Firefox's default preferences (Marionette's port, no
    certificate chooser) for every profile, as an administrator's defaults/pref file would."""
    write(system, "/usr/lib/firefox-esr/defaults/pref/zz-cie-cns-test.js",
          f'pref("marionette.port", {port});\n'
          'pref("security.default_personal_cert", "Select Automatically");\n'
          'pref("browser.shell.checkDefaultBrowser", false);\n'
          'pref("datareporting.policy.dataSubmissionEnabled", false);\n'
          'pref("services.settings.server", "http://127.0.0.1:1/");\n'
          'pref("security.OCSP.enabled", 0);\n')


def write(system, path, text):
    """A file inside the namespace (the real machine never sees it)."""
    system.run(["sh", "-c", 'mkdir -p "$(dirname "$0")" && cat >"$0"', path], input=text)


def autostart_exec(system):
    """The command line of the package's XDG autostart entry, what a desktop session runs."""
    entry = system.run(["cat", AUTOSTART])
    line = next(l for l in entry.splitlines() if l.startswith("Exec="))
    return shlex.split(line[len("Exec="):])


def test_package_new_user_firefox_policy_chromium_autostart_then_purge_leaves_nothing(
        deb, system, cns_card, pcscd, server13):
    port = free_port()
    firefox_prefs(system, port)
    before = system.changes()
    install(system, deb)
    files = [line.split()[-1].lstrip(".") for line in run(["dpkg-deb", "-c", str(deb)]).splitlines()
             if not line.startswith("d")]
    assert set(files) >= {MODULE, POLICY, AUTOSTART, "/usr/bin/cie-cns",
                          "/usr/share/p11-kit/modules/cie-cns-pkcs11.module"}, files
    # The record of changes sees the package (so it can see a leftover).
    assert {(path, "file") for path in files} <= system.changes() - before
    # p11-kit finds the module by its module file (root reads the system configuration only).
    listing = system.run(["p11-kit", "list-modules"])
    assert "cie-cns-pkcs11: libcie_cns_pkcs11.so" in listing and f"token: {CNS_TOKEN}" in listing, listing

    xvfb = Xvfb()
    user = User(system, display=xvfb.display)
    trace = TraceLog(system.dir / "module.log")
    user.env.update(trace.env)
    browsers = []
    try:
        # Firefox ESR's first start: it makes its profiles itself; the policy adds the module.
        start = time.monotonic()
        firefox = Firefox.as_is(user.launcher, user.env, port, system.dir / "firefox.log")
        browsers.append(firefox)
        text, loc, prompts = firefox.login(server13.url, [PIN])
        assert HOLDER_SUBJECT.search(text), f"{loc}\n{text}"
        assert len(prompts) == 1 and CNS_TOKEN in prompts[0], prompts
        profiles = user.run(["sh", "-c", 'ls -d "$HOME"/.config/mozilla/firefox/*.default-esr']).split()
        assert len(profiles) == 1, profiles
        assert f"library={MODULE}" in user.run(["cat", f"{profiles[0]}/pkcs11.txt"])
        firefox.quit()
        print(f"\nnew user's first Firefox ESR start, policy only: logged in in {time.monotonic() - start:.1f} s")

        # Desktop login: the autostart entry, as the session runs it.
        command = autostart_exec(system)
        assert command[:2] == ["cie-cns", "register"], command
        start = time.monotonic()
        user.run(command)
        print(f"autostart `{shlex.join(command)}`: {time.monotonic() - start:.2f} s")
        registered = user.read(".local/share/pki/nssdb/pkcs11.txt")
        assert f"library={MODULE}" in registered
        assert not user.exists(".pki"), "the registration created the legacy database"
        # Every later login: nothing to do, nothing written, quiet.
        start = time.monotonic()
        assert user.run(command) == ""
        print(f"autostart again, nothing to change: {1000 * (time.monotonic() - start):.0f} ms")
        assert user.read(".local/share/pki/nssdb/pkcs11.txt") == registered
        (system.dir / "chromium").mkdir()  # chromedriver, as the user, writes its log there
        os.chown(system.dir / "chromium", user.uid, user.gid)
        chromium = Chromium(system.dir / "chromium", user.env, server13, user=user)
        browsers.append(chromium)
        text = login(chromium, server13.url)
        assert HOLDER_SUBJECT.search(text), text
        chromium.quit()
        assert cns_card.stats()["pin_tries"] == 3
    finally:
        for browser in browsers:
            browser.quit()
        user.stop()
        xvfb.stop()

    purge(system)
    system.run(["userdel", "--remove", user.name])
    left = system.changes() - before
    assert not left, f"left behind after apt-get purge: {sorted(left)}"
    for path in files:
        assert subprocess.run([*system.enter, "test", "-e", path]).returncode != 0, path


def test_package_keeps_an_administrators_firefox_policy(deb, system):
    # Firefox reads /etc/firefox/policies/policies.json instead of the installation's one when
    # it exists: the package never writes it, and says what to add; Firefox profiles then get the
    # module from the autostart registration.
    content = '{"policies": {"DisableTelemetry": true}}\n'
    write(system, ADMIN_POLICY, content)
    port = free_port()
    firefox_prefs(system, port)
    before = system.changes()
    result = subprocess.run([*system.enter, "apt-get", "install", "--yes", "--no-install-recommends", str(deb)],
                            capture_output=True, text=True, timeout=300,
                            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    assert result.returncode == 0, result.stderr
    assert system.run(["cat", ADMIN_POLICY]) == content
    said = result.stdout + result.stderr  # the maintainer script's note, wherever apt puts it
    assert f'"SecurityDevices": {{"Add": {{"cie-cns-pkcs11": "{MODULE}"}}}}' in said, said

    # Firefox indeed ignores the package's policy now; the desktop-login registration covers the
    # profile it made.
    user = User(system)
    try:
        Firefox.as_is(user.launcher, user.env, port, system.dir / "firefox.log").quit()
        profile = user.run(["sh", "-c", 'ls -d "$HOME"/.config/mozilla/firefox/*.default-esr']).strip()
        assert "libcie_cns_pkcs11" not in user.read(f"{profile}/pkcs11.txt")
        user.run(autostart_exec(system))
        assert f"library={MODULE}" in user.read(f"{profile}/pkcs11.txt")
    finally:
        user.stop()
    system.run(["userdel", "--remove", user.name])
    purge(system)
    assert system.run(["cat", ADMIN_POLICY]) == content
    assert not system.changes() - before
