"""The real stack for the end-to-end tests, in Python: a private pcscd with the vsmartcard-vpcd
driver, virtual cards (cardsim) plugged into it, `openssl s_server` demanding a client
certificate, NSS databases with the module registered, and the module's trace log.
Same recipe as scripts/lib/virtual-reader.sh and tests/common/harness.rs (shared/HARNESS.md).
Nothing here skips: whatever is missing is a failure.
"""

import ctypes
import os
import re
import socket
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TARGET = REPO / "target" / "debug"
MODULE = TARGET / "libcie_cns_pkcs11.so"
CARDSIM = TARGET / "cardsim"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CNS_CA = REPO / "sim" / "fixtures" / "cns" / "ca.pem"
CIE_CA = REPO / "sim" / "fixtures" / "cie" / "ca.pem"
VPCD_DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")

PIN = "12345678"
WRONG_PIN = "87654321"
CNS_TOKEN = "TS-CNS ROSSI MARIO"
# A CIE shows its certificate (and the holder's name) only after a login, so its token is
# labelled by the NIS, the same on every use (README); the module caches the certificate.
CIE_TOKEN = "CIE 123456789012"
# What the server page must show: the holder's name in the subject it received.
HOLDER_SUBJECT = re.compile(r"GN\s*=\s*MARIO, SN\s*=\s*ROSSI")


def free_port(pair=False):
    """A free TCP port on every interface (vpcd listens on 0.0.0.0); with pair, PORT+1 too."""
    for _ in range(200):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        try:
            held = []
            for p in (port, port + 1) if pair else (port,):
                s = socket.socket()
                held.append(s)
                s.bind(("0.0.0.0", p))
            return port
        except OSError:
            continue
        finally:
            for s in held:
                s.close()
    raise RuntimeError("no free port")


def wait_for(what, done, timeout=15.0, step=0.05):
    """Bounded wait for a condition that has no event to block on."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = done()
        if value:
            return value
        time.sleep(step)
    raise TimeoutError(f"timed out waiting for {what}")


class _ReaderState(ctypes.Structure):
    # SCARD_READERSTATE of pcsc-lite (x86-64: unsigned long = 8 bytes, ATR up to 33 bytes).
    _fields_ = [
        ("reader", ctypes.c_char_p),
        ("user_data", ctypes.c_void_p),
        ("current_state", ctypes.c_ulong),
        ("event_state", ctypes.c_ulong),
        ("atr_len", ctypes.c_ulong),
        ("atr", ctypes.c_ubyte * 36),
    ]


SCARD_STATE_PRESENT = 0x20
SCARD_STATE_MUTE = 0x200
SCARD_E_TIMEOUT = 0x8010000A


class PcscDaemon:
    """A private pcscd (own mount namespace: it always binds /run/pcscd/pcscd.comm) with one
    vpcd entry = two readers, "Virtual PCD 00 00" and "Virtual PCD 00 01"."""

    def __init__(self, workdir: Path):
        assert Path("/usr/sbin/pcscd").exists(), "pcscd missing: scripts/test installs it"
        assert VPCD_DRIVER.exists(), "vsmartcard-vpcd missing: scripts/test installs it"
        self.dir = workdir
        (workdir / "run").mkdir(parents=True)
        (workdir / "conf").mkdir()
        Path("/run/pcscd").mkdir(exist_ok=True)
        self.port = free_port(pair=True)
        (workdir / "conf" / "vpcd").write_text(
            f'FRIENDLYNAME "Virtual PCD"\nDEVICENAME /dev/null:{self.port}\nLIBPATH {VPCD_DRIVER}\n'
        )
        script = 'mount --bind "$0/run" /run/pcscd && exec pcscd --foreground --config "$0/conf"'
        self.proc = subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, str(workdir)],
            stdout=open(workdir / "pcscd.log", "wb"),
            stderr=subprocess.STDOUT,
        )
        self.socket = workdir / "run" / "pcscd.comm"
        wait_for("pcscd socket", self.socket.exists, timeout=10)
        # libpcsclite reads this once, when this process first talks to PC/SC; every child
        # (browsers, curl, NSS tools) inherits it.
        os.environ["PCSCLITE_CSOCK_NAME"] = str(self.socket)
        self._lib = ctypes.CDLL("libpcsclite.so.1")
        self._ctx = ctypes.c_long()
        rv = self._lib.SCardEstablishContext(2, None, None, ctypes.byref(self._ctx))
        assert rv == 0, f"SCardEstablishContext: {rv:#x}"

    def reader(self, index):
        return f"Virtual PCD 00 {index:02d}"

    def wait_card(self, index, present, timeout=15.0):
        """Blocks on SCardGetStatusChange (no polling) until the card presence is `present`."""
        state = _ReaderState(reader=self.reader(index).encode(), current_state=0)
        deadline = time.monotonic() + timeout
        while True:
            rv = self._lib.SCardGetStatusChange(self._ctx, ctypes.c_ulong(500), ctypes.byref(state), 1)
            if rv not in (0, SCARD_E_TIMEOUT):
                # The vpcd readers appear a moment after the socket: retry until the deadline.
                state.current_state = 0
            else:
                event = state.event_state
                is_present = bool(event & SCARD_STATE_PRESENT) and not event & SCARD_STATE_MUTE
                if is_present == present:
                    return
                state.current_state = event & ~0x2  # drop SCARD_STATE_CHANGED
            if time.monotonic() > deadline:
                raise TimeoutError(f"card in reader {index} did not become present={present}")
            if rv not in (0, SCARD_E_TIMEOUT):
                time.sleep(0.05)

    def stop(self):
        self._lib.SCardReleaseContext(self._ctx)
        self.proc.terminate()
        self.proc.wait(timeout=10)


class VirtualCard:
    """`cardsim --card cns|cie` plugged into one reader; `stats()` reads its --stats file."""

    def __init__(self, daemon: PcscDaemon, workdir: Path, card="cns", index=0, extra=()):
        assert CARDSIM.exists(), f"{CARDSIM} missing: cargo build --workspace first"
        self.daemon, self.index = daemon, index
        self.stats_file = workdir / f"cardsim-{card}-{index}.stats"
        self.proc = subprocess.Popen(
            [str(CARDSIM), "--card", card, *extra, "--vpcd", f"127.0.0.1:{daemon.port + index}",
             "--stats", str(self.stats_file)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=open(workdir / f"cardsim-{card}-{index}.log", "wb"),
        )
        daemon.wait_card(index, True)

    def stats(self):
        text = self.stats_file.read_text() if self.stats_file.exists() else ""
        return {k: int(v) for k, v in (f.split("=", 1) for f in text.split())}

    def remove(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.daemon.wait_card(self.index, False)


class TlsServer:
    """`openssl s_server -Verify 1 -www` on 127.0.0.1: demands a client certificate from one of
    the test CAs, and its page shows the certificate (subject) it received."""

    def __init__(self, workdir: Path, tls12_only: bool):
        cas = workdir / "client-cas.pem"
        cas.write_text(CNS_CA.read_text() + CIE_CA.read_text())
        self.port = free_port()
        self.url = f"https://127.0.0.1:{self.port}/"
        name = "tls12" if tls12_only else "tls13"
        self.log = workdir / f"s_server-{name}.log"
        cmd = ["openssl", "s_server", "-accept", f"127.0.0.1:{self.port}",
               "-cert", str(FIXTURES / "server.pem"), "-key", str(FIXTURES / "server.key"),
               "-CAfile", str(cas), "-Verify", "1", "-www"]
        if tls12_only:
            cmd.append("-tls1_2")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=open(self.log, "wb"),
                                     stderr=subprocess.STDOUT)
        wait_for("s_server listening", lambda: "ACCEPT" in self.log.read_text(), timeout=10)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def run(cmd, **kw):
    """Runs a command, fails loudly with its output."""
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    kw.setdefault("timeout", 60)
    result = subprocess.run(cmd, **kw)
    assert result.returncode == 0, f"{cmd} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    return result.stdout


def make_nssdb(db: Path, module=MODULE, trust_ca=CNS_CA):
    """A fresh NSS database (what Firefox and Chromium use) with the module and the test CA."""
    db.mkdir(parents=True, exist_ok=True)
    run(["certutil", "-N", "-d", f"sql:{db}", "--empty-password"])
    # -force: no "close your browser" prompt (nothing reads stdin here).
    run(["modutil", "-dbdir", f"sql:{db}", "-add", "cie-cns-pkcs11", "-libfile", str(module), "-force"])
    if trust_ca:
        run(["certutil", "-A", "-d", f"sql:{db}", "-n", "test-ca", "-t", "CT,,", "-i", str(trust_ca)])


class TraceLog:
    """The module's log file (CIE_CNS_PKCS11_LOG=debug, …_LOG_FILE): which mechanisms the
    client asked for, and how many APDUs the module sent."""

    def __init__(self, path: Path, level="trace"):
        self.path = path
        path.touch()
        path.chmod(0o666)  # clients may run as an unprivileged user (p11-kit user config)
        self.env = {"CIE_CNS_PKCS11_LOG": level, "CIE_CNS_PKCS11_LOG_FILE": str(path)}

    def text(self):
        return self.path.read_text(errors="replace")

    def mechanisms(self):
        return re.findall(r"C_SignInit mechanism (\S+)", self.text())

    def apdus(self):
        return len(re.findall(r"card::channel\] > ", self.text()))
