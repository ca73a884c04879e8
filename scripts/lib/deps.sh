# Debian packages the build, the tests and the demo need; installed when missing (as root).
# shellcheck shell=bash

DEPS_PACKAGES=(
  pcscd libpcsclite-dev vsmartcard-vpcd pcsc-tools   # PC/SC daemon + virtual reader driver
  opensc                                             # pkcs11-tool and the fidelity reference
  libp11-kit-dev pkg-config gcc                      # C header + C smoke test
  openssl util-linux                                 # verification, unshare, setpriv
  # Signing tools (tests/signing_tools.rs): pdfsig; certutil/modutil; OpenSSL's pkcs11
  # engine; certtool/p11tool; p11-kit list-modules.
  poppler-utils libnss3-tools libengine-pkcs11-openssl gnutls-bin p11-kit
)

# The end-to-end stage (tests/browser, scripts/test-browser): real browsers and TLS clients.
BROWSER_PACKAGES=(
  firefox-esr chromium chromium-driver               # the browsers and chromedriver
  xvfb xauth xdotool                                 # a display for Chromium, its PIN window
  libnss3-tools                                      # certutil / modutil (NSS databases)
  libengine-pkcs11-openssl curl gnutls-bin p11-kit   # command-line TLS clients via p11-kit
  python3-venv                                       # pytest, marionette-driver, selenium
  p11-kit-modules                                    # p11-kit-client.so (remoting, test_remoting.py)
  dpkg-dev lintian                                   # scripts/package (dpkg-shlibdeps), its check
)

ensure_packages() {
  local missing=()
  local pkg
  for pkg in "${DEPS_PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  ((${#missing[@]})) || return 0
  if [ "$(id -u)" != 0 ]; then
    echo "missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
    return 1
  fi
  echo "installing: ${missing[*]}" >&2
  apt-get -o DPkg::Lock::Timeout=900 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null
}
