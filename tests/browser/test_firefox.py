"""Firefox ESR (headless, driven through Marionette) logs in to the local HTTPS server with the
virtual card: the module is registered in a fresh profile with modutil, the PIN goes into
Firefox's own "Password Required" dialog (shared/BROWSER.md). While that dialog is open, a
handshake holds the socket thread Marionette also needs, so a chrome-context observer installed
beforehand answers it inside the browser: the PIN the first time, Cancel any later time."""

import os
import subprocess
import time

import pytest
from marionette_driver.marionette import Marionette

from harness import (CIE_TOKEN, CNS_CA, CNS_TOKEN, HOLDER_SUBJECT, PIN, WRONG_PIN,
                     MODULE, VirtualCard, free_port, make_nssdb, wait_for)

# Runs in the browser window's chrome scope. Each PIN prompt is recorded in
# window.__pinPrompts; the first gets `pins[0]`, the second `pins[1]`, …; past the list: Cancel.
OBSERVER = """
const [pins] = arguments;
window.__pinPrompts = [];
const observer = {
  observe(dialog) {
    const doc = dialog.document;
    const info = doc.getElementById("infoBody").textContent;
    const n = window.__pinPrompts.push(info);
    const box = doc.getElementById("commonDialog");
    if (n <= pins.length) {
      doc.getElementById("password1Textbox").value = pins[n - 1];
      box.acceptDialog();
    } else {
      box.cancelDialog();
    }
  },
};
if (window.__pinObserver) Services.obs.removeObserver(window.__pinObserver, "common-dialog-loaded");
window.__pinObserver = observer;
Services.obs.addObserver(observer, "common-dialog-loaded");
"""

# Loads a URL from chrome: Marionette's navigate() abandons a load that raises a prompt.
LOAD = """
gBrowser.selectedBrowser.fixupAndLoadURIString(arguments[0], {
  triggeringPrincipal: Services.scriptSecurityManager.getSystemPrincipal(),
});
"""

USER_JS = """
user_pref("marionette.port", {port});
user_pref("security.default_personal_cert", "Select Automatically");
user_pref("browser.shell.checkDefaultBrowser", false);
user_pref("browser.startup.homepage_override.mstone", "ignore");
user_pref("datareporting.policy.dataSubmissionEnabled", false);
user_pref("toolkit.telemetry.reportingpolicy.firstRun", false);
user_pref("app.update.disabledForTesting", true);
user_pref("browser.safebrowsing.update.enabled", false);
user_pref("services.settings.server", "http://127.0.0.1:1/");
user_pref("network.connectivity-service.enabled", false);
user_pref("network.captive-portal-service.enabled", false);
user_pref("extensions.update.enabled", false);
user_pref("security.OCSP.enabled", 0);
"""


class Firefox:
    def __init__(self, workdir, env, module=MODULE):
        """Firefox on a fresh profile made here: `module` registered with modutil, the test CA
        trusted, the preferences in user.js."""
        profile = workdir / "profile"
        make_nssdb(profile, module=module, trust_ca=CNS_CA)
        port = free_port()
        (profile / "user.js").write_text(USER_JS.format(port=port))
        home = workdir / "home"
        home.mkdir()
        self.start(["-profile", str(profile)], {**env, "HOME": str(home)}, port, workdir / "firefox.log")

    @classmethod
    def as_is(cls, launcher, env, port, log):
        """Firefox as a user starts it, with no profile of the test's (tests/browser/test_package.py):
        `launcher` runs it as that user, the Marionette port comes from a default-preferences
        file, and the session accepts the test server's certificate (acceptInsecureCerts) since
        the profile trusts no test CA."""
        firefox = cls.__new__(cls)
        firefox.start([], env, port, log, launcher=launcher, capabilities={"acceptInsecureCerts": True})
        return firefox

    def start(self, args, env, port, log, launcher=(), capabilities=None):
        self.proc = subprocess.Popen(
            [*launcher, "firefox-esr", "-marionette", "-remote-allow-system-access", "-headless", "-no-remote",
             *args, "about:blank"],
            env={**env, "MOZ_HEADLESS": "1"}, stdout=open(log, "wb"), stderr=subprocess.STDOUT,
        )
        self.client = Marionette(host="127.0.0.1", port=port)
        self.client.start_session(capabilities=capabilities, timeout=60)

    def login(self, url, pins, timeout=30):
        """Loads `url` with the PIN dialog answered by `pins`; returns (page text, prompts)."""
        m = self.client
        with m.using_context(m.CONTEXT_CHROME):
            m.execute_script(OBSERVER, script_args=[pins])
            m.execute_script(LOAD, script_args=[url])

        def finished():
            # The server's page, or Firefox's error page once the handshake failed.
            text = m.execute_script("return document.body ? document.body.innerText : ''") or ""
            loc = m.execute_script("return document.documentURI") or ""
            if loc.startswith(url) and "Protocol" in text or loc.startswith("about:neterror"):
                return text, loc
            return None

        text, loc = wait_for("the page", finished, timeout=timeout, step=0.1)
        with m.using_context(m.CONTEXT_CHROME):
            prompts = m.execute_script("return window.__pinPrompts")
        return text, loc, prompts

    def quit(self):
        try:
            self.client.delete_session()
        except Exception:
            pass
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture
def firefox_factory(pcscd, tmp_path, trace):
    # pcscd first: it sets PCSCLITE_CSOCK_NAME, which the browsers inherit from this environment.
    """Starts Firefox with a fresh profile; every one of a test shares the module's cache."""
    browsers = []
    env = {**os.environ, **trace.env, "XDG_CACHE_HOME": str(tmp_path / "cache")}

    def start():
        workdir = tmp_path / f"firefox-{len(browsers)}"
        workdir.mkdir()
        browsers.append(Firefox(workdir, env))
        return browsers[-1]

    yield start
    for browser in browsers:
        browser.quit()


@pytest.fixture
def firefox(firefox_factory):
    return firefox_factory()


@pytest.mark.parametrize("server", ["server13", "server12"])
def test_firefox_logs_in_with_the_ts_cns(cns_card, firefox, trace, server, request):
    srv = request.getfixturevalue(server)
    start = time.monotonic()
    text, loc, prompts = firefox.login(srv.url, [PIN])
    assert HOLDER_SUBJECT.search(text), f"{loc}\n{text}"
    assert len(prompts) == 1 and CNS_TOKEN in prompts[0], prompts
    expected = "TLSv1.2" if server == "server12" else "TLSv1.3"
    assert f"Protocol  : {expected}" in text
    print(f"\nfirefox {expected}: {time.monotonic() - start:.1f} s, mechanisms {trace.mechanisms()}, "
          f"{cns_card.stats()['apdus']} APDUs since insertion")


@pytest.mark.parametrize("card", ["cns_card", "cie_card"])
def test_firefox_wrong_pin_asks_again_and_costs_one_try(card, firefox, server12, request):
    cns_card = request.getfixturevalue(card)
    assert cns_card.stats().get("pin_tries", 3) == 3
    text, loc, prompts = firefox.login(server12.url, [WRONG_PIN])
    # Firefox asked again after the wrong PIN; the observer cancelled that prompt and any
    # later one (with the CIE, Firefox may ask once more when it looks for the key again).
    assert 2 <= len(prompts) <= 4, prompts
    print(f"\nfirefox wrong PIN: {len(prompts)} PIN prompts, all after the first cancelled")
    assert loc.startswith("about:neterror"), loc
    assert not HOLDER_SUBJECT.search(text)
    assert cns_card.stats()["pin_tries"] == 2


def test_firefox_cie_first_and_second_time_over_tls12(cie_card, firefox_factory, trace, server12,
                                                      pcscd, tmp_path):
    # First time ever: no cached certificate, so nothing is visible before login; Firefox asks
    # for the PIN of the token (labelled by the NIS, first use or not) to look for
    # certificates, then signs.
    firefox = firefox_factory()
    text, loc, prompts = firefox.login(server12.url, [PIN])
    assert HOLDER_SUBJECT.search(text), f"{loc}\n{text}"
    assert len(prompts) == 1 and CIE_TOKEN in prompts[0], prompts
    assert set(trace.mechanisms()) == {"CKM_RSA_PKCS"}
    first = cie_card.stats()["apdus"]
    assert list((tmp_path / "cache" / "cie-cns-pkcs11").glob("*")), "no certificate cached"
    firefox.quit()
    print(f"\nfirefox CIE first time TLS 1.2: mechanisms {trace.mechanisms()}, {first} APDUs")

    # Second insertion of the same card: the certificate comes from the cache before login.
    cie_card.remove()
    card = VirtualCard(pcscd, tmp_path, card="cie", index=0)
    try:
        signatures = len(trace.mechanisms())
        text, loc, prompts = firefox_factory().login(server12.url, [PIN])
        assert HOLDER_SUBJECT.search(text), f"{loc}\n{text}"
        assert len(prompts) == 1 and CIE_TOKEN in prompts[0], prompts
        assert set(trace.mechanisms()[signatures:]) == {"CKM_RSA_PKCS"}
        print(f"firefox CIE second time TLS 1.2: {card.stats()['apdus']} APDUs")
    finally:
        card.remove()


def test_firefox_cie_over_tls13_fails_cleanly(cie_card, firefox, trace, server13):
    refused = server13.log.read_text().count("peer did not return a certificate")
    # TLS 1.3 needs RSA-PSS, which the CIE cannot do (PKCS#1 v1.5 padded on the chip): Firefox
    # logs in (it needs the key to learn that), finds no usable signature scheme, sends no
    # certificate; the server refuses the handshake. No signature, no PIN try spent.
    text, loc, prompts = firefox.login(server13.url, [PIN])
    assert loc.startswith("about:neterror"), loc
    assert not HOLDER_SUBJECT.search(text)
    assert len(prompts) == 1, prompts
    assert trace.mechanisms() == []
    assert cie_card.stats()["pin_tries"] == 3
    # (Firefox may try the handshake more than once before it shows the error page.)
    assert server13.log.read_text().count("peer did not return a certificate") > refused
