"""Chromium (under Xvfb, driven by chromedriver) logs in to the local HTTPS server with the
virtual card: the module is in $HOME/.pki/nssdb of a temporary HOME (what Chromium reads on
Linux); the PIN is typed with xdotool into Chromium's native "Unlock Security Device" window,
which chromedriver cannot see (shared/BROWSER.md). The certificate chooser that follows is
drawn inside the browser window where neither tool can see it, so the profile pre-selects the
certificate for the test server, as the AutoSelectCertificateForUrls policy does for a site."""

import json
import os
import subprocess
import time

import pytest
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service

from harness import CNS_CA, HOLDER_SUBJECT, PIN, WRONG_PIN, VirtualCard, make_nssdb, wait_for

UNLOCK = "^Unlock Security Device$"


class Xvfb:
    """A private X display; -displayfd tells when it is ready (no sleep)."""

    def __init__(self):
        read, write = os.pipe()
        self.proc = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x800x24",
                                      "-nolisten", "tcp"], pass_fds=[write],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(write)
        with os.fdopen(read) as pipe:
            self.display = ":" + pipe.readline().strip()
        assert self.display != ":", "Xvfb did not start"

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


class Chromium:
    def __init__(self, workdir, env, server, user=None):
        """Chromium with the module and the test CA in $HOME/.pki/nssdb of a fresh HOME; or, with
        `user` (tests/browser/test_package.py), as that user finds it: their HOME and NSS
        database untouched, chromedriver started through `user.chromedriver` (a launcher that
        runs it as the user), the test server's certificate accepted by the session."""
        if user is None:
            home = workdir / "home"
            make_nssdb(home / ".pki" / "nssdb", trust_ca=CNS_CA)
            user_data, chromedriver = workdir / "user-data", "/usr/bin/chromedriver"
        else:
            home, user_data, chromedriver = user.home, user.home / ".config" / "chromium", user.chromedriver
        self.server = server
        self.env = {**env, "HOME": str(home)}
        options = webdriver.ChromeOptions()
        # The real binary: /usr/bin/chromium is a wrapper script.
        options.binary_location = "/usr/lib/chromium/chromium"
        for arg in ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-first-run",
                    "--disable-default-apps", f"--user-data-dir={user_data}"]:
            options.add_argument(arg)
        options.accept_insecure_certs = user is not None
        # get() must not wait for the page: the PIN window stands in the way.
        options.page_load_strategy = "none"
        # The per-site content setting behind AutoSelectCertificateForUrls: any certificate
        # the server accepts (empty filter), for this origin only.
        origin = f"https://127.0.0.1:{server.port},*"
        prefs = {"profile": {"content_settings": {"exceptions": {"auto_select_certificate": {
            origin: {"setting": {"filters": [{}]}}}}}}}
        if user is None:
            (user_data / "Default").mkdir(parents=True)
            (user_data / "Default" / "Preferences").write_text(json.dumps(prefs))
        else:
            user.write(".config/chromium/Default/Preferences", json.dumps(prefs))
        service = Service(executable_path=str(chromedriver), env=self.env,
                          log_output=str(workdir / "chromedriver.log"))
        self.driver = webdriver.Chrome(service=service, options=options)
        self.driver.set_script_timeout(2)

    def xdotool(self, *args, timeout=20):
        result = subprocess.run(["timeout", str(timeout), "xdotool", *args], env=self.env,
                                capture_output=True, text=True)
        if result.stderr:
            print(f"xdotool {args}: {result.stderr.strip()}")
        return result.stdout.split()

    def pin_window(self, timeout=20):
        """The "Unlock Security Device" window, waited for by xdotool (--sync), or None."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            found = self.xdotool("search", "--sync", "--name", UNLOCK, timeout=max(1, round(left)))
            if found:
                return found[0]
            time.sleep(0.1)  # xdotool failed early (an X error while windows come and go): again
        return None

    def answer(self, window, pin):
        """Types the PIN and Enter, or Escape (Cancel) for pin None; waits until it closes."""
        if pin is None:
            self.xdotool("windowfocus", "--sync", window, "key", "Escape")
        else:
            self.xdotool("windowfocus", "--sync", window, "type", "--delay", "5", pin)
            self.xdotool("key", "Return")
        wait_for("the PIN window to close", lambda: window not in self.xdotool("search", "--name", UNLOCK))

    def served(self):
        """How many client certificates of the holder the server has verified so far."""
        return self.server.log.read_text(errors="replace").count("GN = MARIO")

    def page_text(self):
        """The server's page, or Chromium's error page (its text names the net::ERR_ code)."""
        def text():
            try:
                body = self.driver.execute_script("return document.body ? document.body.innerText : ''") or ""
            except TimeoutException:
                return None
            return body if "Protocol" in body or "ERR_" in body else None

        return wait_for("the server's page", text, timeout=15, step=0.1)

    def quit(self):
        try:
            self.driver.quit()
        except Exception:
            pass


@pytest.fixture
def chromium_factory(pcscd, tmp_path, trace):
    # pcscd first: it sets PCSCLITE_CSOCK_NAME, which the browsers inherit from this environment.
    xvfb = Xvfb()
    env = {**os.environ, **trace.env, "DISPLAY": xvfb.display, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    browsers = []

    def start(server):
        workdir = tmp_path / f"chromium-{len(browsers)}"
        workdir.mkdir()
        browsers.append(Chromium(workdir, env, server))
        return browsers[-1]

    yield start
    for browser in browsers:
        browser.quit()
    xvfb.stop()


@pytest.mark.parametrize("server", ["server13", "server12"])
def test_chromium_logs_in_with_the_ts_cns(cns_card, chromium_factory, trace, server, request):
    srv = request.getfixturevalue(server)
    chromium = chromium_factory(srv)
    start = time.monotonic()
    chromium.driver.get(srv.url)
    window = chromium.pin_window()
    assert window, "Chromium did not ask for the PIN"
    chromium.answer(window, PIN)
    text = chromium.page_text()
    assert HOLDER_SUBJECT.search(text), text
    expected = "TLSv1.2" if server == "server12" else "TLSv1.3"
    assert f"Protocol  : {expected}" in text
    assert cns_card.stats()["pin_tries"] == 3
    print(f"\nchromium {expected}: {time.monotonic() - start:.1f} s, mechanisms {trace.mechanisms()}, "
          f"{cns_card.stats()['apdus']} APDUs since insertion")


@pytest.mark.parametrize("card", ["cns_card", "cie_card"])
def test_chromium_wrong_pin_asks_again_and_costs_one_try(card, chromium_factory, server12, request):
    cns_card = request.getfixturevalue(card)
    chromium = chromium_factory(server12)
    served = chromium.served()
    chromium.driver.get(server12.url)
    chromium.answer(chromium.pin_window(), WRONG_PIN)
    # Chromium asks again after the wrong PIN; the test cancels and never retries. Having
    # been cancelled, it asks once more when it looks for the key of the pre-selected
    # certificate: cancel every later prompt too (bounded).
    second = chromium.pin_window()
    assert second, "Chromium did not ask again after a wrong PIN"
    chromium.answer(second, None)
    prompts = 2
    for _ in range(3):
        again = chromium.pin_window(timeout=3)
        if again is None:
            break
        prompts += 1
        chromium.answer(again, None)
    else:
        raise AssertionError("Chromium keeps asking for the PIN")
    assert cns_card.stats()["pin_tries"] == 2
    assert chromium.served() == served
    print(f"\nchromium wrong PIN: {prompts} PIN prompts, all after the first cancelled")


def login(chromium, url, pin=PIN):
    chromium.driver.get(url)
    window = chromium.pin_window()
    assert window, "Chromium did not ask for the PIN"
    chromium.answer(window, pin)
    return chromium.page_text()


def test_chromium_cie_first_and_second_time_over_tls12(cie_card, chromium_factory, trace, server12,
                                                       pcscd, tmp_path):
    # First time ever (no cached certificate): Chromium asks for the PIN before it looks for
    # certificates, so the login finds the certificate the chip shows after VERIFY.
    text = login(chromium_factory(server12), server12.url)
    assert HOLDER_SUBJECT.search(text), text
    assert set(trace.mechanisms()) == {"CKM_RSA_PKCS"}
    print(f"\nchromium CIE first time TLS 1.2: {trace.mechanisms()}, {cie_card.stats()['apdus']} APDUs")
    cie_card.remove()
    # Second insertion: the certificate is cached and listed before login.
    card = VirtualCard(pcscd, tmp_path, card="cie", index=0)
    try:
        signatures = len(trace.mechanisms())
        text = login(chromium_factory(server12), server12.url)
        assert HOLDER_SUBJECT.search(text), text
        assert set(trace.mechanisms()[signatures:]) == {"CKM_RSA_PKCS"}
        print(f"chromium CIE second time TLS 1.2: {card.stats()['apdus']} APDUs")
    finally:
        card.remove()


def test_chromium_cie_over_tls13_fails_cleanly(cie_card, chromium_factory, trace, server13):
    text = login(chromium_factory(server13), server13.url)
    print(f"\nchromium CIE TLS 1.3: {text[-200:]!r} {trace.mechanisms()} {cie_card.stats()}")
    assert "ERR_SSL_CLIENT_AUTH_NO_COMMON_ALGORITHMS" in text, text
    assert trace.mechanisms() == []
    assert cie_card.stats()["pin_tries"] == 3
