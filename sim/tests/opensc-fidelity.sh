#!/usr/bin/env bash
# Fidelity check of the virtual TS-CNS: Debian's OpenSC (itacns driver, an independent
# implementation) must detect it, list the token under the holder's name ("GIVEN SURNAME" from the
# variant's EF_DatiPersonali), and sign with it; the signature must verify against the fixture
# certificate. See docs/cards/cns-opensc.md and shared/HARNESS.md.
#
# usage: opensc-fidelity.sh CARDSIM_BINARY [VARIANT|all]   (root: needs a private mount namespace)
# Starts and tears down its own pcscd (private /run/pcscd) with the vpcd driver on a free port.
# Prints the APDU counts OpenSC needed ("stats:" lines); exits non-zero on any failure.
# `all` runs every variant: those OpenSC 0.23 supports must pass; the ones it cannot read must fail
# (XFAIL; an XPASS is reported, not an error). See sim/README.md "OpenSC fidelity".
# FIDELITY_KEEP_TRACE=FILE keeps the card-side APDU trace (PIN data masked) for debugging.
set -euo pipefail

die() { echo "FAIL: $*" >&2; exit 1; }
[ $# -ge 1 ] || die "usage: $0 CARDSIM_BINARY [VARIANT|all|list]"
cardsim="$(realpath "$1")"
variant="${2:-stincard}"
here="$(cd "$(dirname "$0")" && pwd)"
fixtures="$here/../fixtures/cns"

# OpenSC 0.23.0 cannot read these: its pkcs15-itacns has no 1400/9001/2002 key set (added later,
# cns.md §2.1; libopensc.so.8 of Debian 0.23.0 holds no such path), and the ACe 2025 needs an AID
# select and P1=09 paths (OpenSC #3804, unsupported).
unsupported="idemia-2021 ace-2025"
# Every other variant of the simulator's table (classic layouts, the InfoCamere 2FFF/8228
# container) OpenSC 0.23 itacns reads: the list comes from cardsim, so a new batch is checked
# without an edit here.
supported=""
for v in $("$cardsim" --list-variants | awk '$1 == "cns" { print $2 }'); do
  case " $unsupported " in *" $v "*) ;; *) supported+="$v " ;; esac
done
[ -n "$supported" ] || die "$cardsim --list-variants lists no cns variant"
if [ "$variant" = list ]; then
  printf '%s\n' $supported
  exit 0
fi
if [ "$variant" = all ]; then
  rc=0; summary=""
  for v in $supported; do
    if "$0" "$cardsim" "$v" >"/tmp/opensc-fidelity-$v.log" 2>&1; then summary+="PASS  $v"$'\n'
    else summary+="FAIL  $v (log /tmp/opensc-fidelity-$v.log)"$'\n'; rc=1; fi
  done
  for v in $unsupported; do
    if "$0" "$cardsim" "$v" >"/tmp/opensc-fidelity-$v.log" 2>&1; then summary+="XPASS $v"$'\n'
    else summary+="XFAIL $v: $(grep -m1 '^FAIL' "/tmp/opensc-fidelity-$v.log" || true)"$'\n'; fi
  done
  printf '%s' "$summary"
  exit $rc
fi

# Holder file of the variant (scripts/make-fixtures) and the token label OpenSC makes of it:
# fields 4 and 3 of EF_DatiPersonali (cns.md §2.2).
case "$variant" in
  stincard|stincard-1024) dp="$fixtures/dati_personali.bin" ;;
  *) dp="$fixtures/$variant.dati_personali.bin" ;;
esac
[ -e "$dp" ] || die "no fixture $dp (unknown variant?)"
holder_label() {
  local data pos=6 i len surname="" given=""
  data="$(tr -d '\0' <"$dp")"
  for i in 0 1 2 3 4; do
    len=$(( 16#${data:pos:2} )); pos=$(( pos + 2 ))
    [ "$i" = 3 ] && surname="${data:pos:len}"
    [ "$i" = 4 ] && given="${data:pos:len}"
    pos=$(( pos + len ))
  done
  echo "$given $surname"
}
holder="$(holder_label)"
module="${OPENSC_PKCS11:-/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so}"
pin=12345678

for tool in pcscd unshare pkcs11-tool opensc-tool openssl; do
  command -v "$tool" >/dev/null || die "$tool not installed"
done
[ -x "$cardsim" ] || die "$cardsim is not executable"
[ -e "$module" ] || die "$module missing (package opensc-pkcs11)"
[ -e /usr/lib/pcsc/drivers/serial/libifdvpcd.so ] || die "vpcd driver missing (package vsmartcard-vpcd)"

# A private pcscd with the vpcd driver (the project's shared recipe, shared/HARNESS.md).
# shellcheck source=../../scripts/lib/virtual-reader.sh
source "$here/../../scripts/lib/virtual-reader.sh"
D="$(mktemp -d)"
# FIDELITY_KEEP_TRACE=FILE keeps the card's APDU trace.
keep_trace() { [ -z "${FIDELITY_KEEP_TRACE:-}" ] || cp "$D/cardsim-0.log" "$FIDELITY_KEEP_TRACE"; }
vr_cleanup_on_exit "$D" keep_trace
vr_start_pcscd "$D" || die "pcscd did not start"

# What a real CCID reader tells OpenSC: extended APDUs fit (cns-opensc.md, "Chaining vs extended").
cat > "$D/opensc.conf" <<CONF
app default {
  reader_driver pcsc { max_send_size = 65535; max_recv_size = 65536; }
  # Without this OpenSC "unblocks" with CHANGE REFERENCE DATA (cns-opensc.md, defects).
  pkcs11 { user_pin_unblock_style = set_pin_in_unlogged_session; }
}
CONF
export OPENSC_CONF="$D/opensc.conf"

vr_insert_card "$cardsim" 0 --card cns --variant "$variant" --trace || die "card not seen by pcscd"

# Wait for the card (pcscd polls presence every ~0.4 s).
atr=""
for _ in $(seq 60); do
  if atr="$(opensc-tool -a 2>/dev/null)" && [ -n "$atr" ]; then break; fi
  atr=""; sleep 0.2
done
[ -n "$atr" ] || die "card not seen by OpenSC"
echo "ATR: $atr"

apdus() { sed -n 's/^apdus=\([0-9]*\).*/\1/p' "$D/stats-0"; }
stats() { cat "$D/stats-0"; }
# Run a command with its output in OUTFILE and print the APDUs it cost: measure LABEL OUTFILE CMD...
measure() {
  local label="$1" out="$2"; shift 2
  local before after rc=0
  before="$(stats)"
  "$@" >"$out" 2>&1 || rc=$?
  after="$(stats)"
  awk -v l="$label" -v b="$before" -v a="$after" 'BEGIN {
    split(b, x, /[ =]/); split(a, y, /[ =]/);
    printf "stats: %s: apdus=%d bytes_in=%d bytes_out=%d\n", l, y[2]-x[2], y[4]-x[4], y[6]-x[6] }'
  if [ $rc -ne 0 ]; then cat "$out"; die "$label (exit $rc)"; fi
}

name="$(opensc-tool -n)"
echo "card name: $name"
echo "$name" | grep -qi "CNS" || die "OpenSC did not bind the itacns driver: $name"

measure "pkcs11-tool -L" "$D/L.txt" pkcs11-tool --module "$module" -L
cat "$D/L.txt"
grep -q "$holder" "$D/L.txt" || die "token label is not $holder"

measure "pkcs11-tool -O" "$D/O.txt" pkcs11-tool --module "$module" -O
cat "$D/O.txt"
grep -q "Certificate Object" "$D/O.txt" || die "no certificate object"
id="$(awk '/Certificate Object/ {c=1} c && /ID:/ {print $2; exit}' "$D/O.txt")"
[ -n "$id" ] || die "no certificate ID"
echo "certificate ID: $id"

openssl x509 -inform DER -in "$fixtures/$variant.cert.der" -pubkey -noout >"$D/pub.pem"
head -c 1000 /dev/urandom >"$D/data"

# Same certificate as the fixture?
pkcs11-tool --module "$module" --read-object --type cert --id "$id" -o "$D/cert.der" >/dev/null 2>&1 \
  || die "read certificate"
cmp -s "$D/cert.der" "$fixtures/$variant.cert.der" || die "certificate differs from the fixture"

measure "login+sign SHA256-RSA-PKCS" "$D/sign.txt" pkcs11-tool --module "$module" --login --pin "$pin" \
  --sign --id "$id" -m SHA256-RSA-PKCS -i "$D/data" -o "$D/sig"
openssl dgst -sha256 -verify "$D/pub.pem" -signature "$D/sig" "$D/data" || die "PKCS#1 v1.5 signature"

measure "login+sign SHA256-RSA-PKCS-PSS" "$D/pss.txt" pkcs11-tool --module "$module" --login --pin "$pin" \
  --sign --id "$id" -m SHA256-RSA-PKCS-PSS -i "$D/data" -o "$D/sig-pss"
openssl dgst -sha256 -verify "$D/pub.pem" -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:-1 \
  -signature "$D/sig-pss" "$D/data" || die "PSS signature"

# A wrong PIN is refused without harming the right one (one try spent, then reset by the right PIN).
if pkcs11-tool --module "$module" --login --pin 11111 --sign --id "$id" -m SHA256-RSA-PKCS \
  -i "$D/data" -o "$D/sig-bad" >"$D/bad.txt" 2>&1; then
  die "wrong PIN accepted"
fi
grep -q "CKR_PIN_INCORRECT" "$D/bad.txt" || { cat "$D/bad.txt"; die "wrong PIN not reported as CKR_PIN_INCORRECT"; }
pkcs11-tool --module "$module" --login --pin "$pin" --sign --id "$id" -m SHA256-RSA-PKCS \
  -i "$D/data" -o "$D/sig2" >/dev/null 2>&1 || die "sign after a wrong PIN"
openssl dgst -sha256 -verify "$D/pub.pem" -signature "$D/sig2" "$D/data" >/dev/null || die "signature after a wrong PIN"

# CHANGE REFERENCE DATA through OpenSC, and back.
p11() { pkcs11-tool --module "$module" "$@" >"$D/p11.txt" 2>&1 || { cat "$D/p11.txt"; return 1; }; }
p11 --change-pin --pin "$pin" --new-pin 24680 || die "change PIN"
p11 --login --pin 24680 --sign --id "$id" -m SHA256-RSA-PKCS -i "$D/data" -o "$D/sig3" || die "sign with the new PIN"
p11 --change-pin --pin 24680 --new-pin "$pin" || die "change PIN back"

# Block the PIN with three wrong tries, then RESET RETRY COUNTER with the PUK through OpenSC.
for _ in 1 2 3; do
  pkcs11-tool --module "$module" --login --pin 11111 --sign --id "$id" -m SHA256-RSA-PKCS \
    -i "$D/data" -o "$D/sig-bad" >"$D/bad.txt" 2>&1 && die "wrong PIN accepted"
done
grep -q "CKR_PIN_LOCKED" "$D/bad.txt" || { cat "$D/bad.txt"; die "third wrong PIN not CKR_PIN_LOCKED"; }
if p11 --login --pin "$pin" --sign --id "$id" -m SHA256-RSA-PKCS -i "$D/data" -o "$D/sig-bad"; then
  die "blocked PIN accepted"
fi
p11 --unlock-pin --puk 87654321 --new-pin "$pin" || die "unblock with the PUK"
p11 --login --pin "$pin" --sign --id "$id" -m SHA256-RSA-PKCS -i "$D/data" -o "$D/sig4" || die "sign after unblock"
openssl dgst -sha256 -verify "$D/pub.pem" -signature "$D/sig4" "$D/data" >/dev/null || die "signature after unblock"

echo "stats: total $(stats)"
echo "PASS: OpenSC lists and signs with the virtual $variant"
