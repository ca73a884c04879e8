"""Fixtures of the end-to-end tests: one private pcscd per run, a fresh virtual card per test
(so each test sees full PIN tries), and two TLS servers (TLS 1.3 and TLS 1.2 only)."""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from harness import PcscDaemon, TlsServer, TraceLog, VirtualCard


def shared_dir(prefix):
    """A directory other users can enter (pytest's own are 0700): clients that find the module
    through p11-kit run as an unprivileged user, since p11-kit ignores user config for root."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    return path


@pytest.fixture(scope="session")
def pcscd():
    workdir = shared_dir("cie-cns-pcscd.")
    daemon = PcscDaemon(workdir)
    yield daemon
    daemon.stop()
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def server13(tmp_path_factory):
    server = TlsServer(tmp_path_factory.mktemp("server13"), tls12_only=False)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def server12(tmp_path_factory):
    server = TlsServer(tmp_path_factory.mktemp("server12"), tls12_only=True)
    yield server
    server.stop()


@pytest.fixture
def cns_card(pcscd, tmp_path):
    """The virtual TS-CNS (ST 2021), holder ROSSI MARIO, PIN 12345678, in reader 0."""
    card = VirtualCard(pcscd, tmp_path, card="cns", index=0)
    yield card
    card.remove()


@pytest.fixture
def trace(tmp_path):
    return TraceLog(tmp_path / "module.log")


@pytest.fixture
def cie_card(pcscd, tmp_path):
    """The virtual CIE 3.0 (default chip), holder ROSSI MARIO, PIN 12345678, in reader 0."""
    card = VirtualCard(pcscd, tmp_path, card="cie", index=0)
    yield card
    card.remove()
