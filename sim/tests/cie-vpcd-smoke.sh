#!/usr/bin/env bash
# Smoke test of the virtual CIE through a real pcscd + vsmartcard-vpcd: the ATR arrives, plain
# APDUs of cie.md §1.2/§2/§4.1 answer as in the APDU-level tests, and the --stats line carries the
# retry counters. The protocol itself is tested in sim/tests/cie.rs (no daemons).
#
# usage: cie-vpcd-smoke.sh CARDSIM_BINARY [VARIANT]      (root: needs a private mount namespace)
set -euo pipefail

die() { echo "FAIL: $*" >&2; exit 1; }
[ $# -ge 1 ] || die "usage: $0 CARDSIM_BINARY [VARIANT]"
cardsim="$(realpath "$1")"
variant="${2:-bit4id-2023}"
for tool in pcscd unshare opensc-tool; do command -v "$tool" >/dev/null || die "$tool not installed"; done
[ -e /usr/lib/pcsc/drivers/serial/libifdvpcd.so ] || die "vpcd driver missing (package vsmartcard-vpcd)"

# A private pcscd with the vpcd driver (the project's shared recipe, shared/HARNESS.md).
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=../../scripts/lib/virtual-reader.sh
source "$here/../../scripts/lib/virtual-reader.sh"
D="$(mktemp -d)"
vr_cleanup_on_exit "$D"
vr_start_pcscd "$D" || die "pcscd did not start"
vr_insert_card "$cardsim" 0 --card cie --variant "$variant" --trace || die "card not seen by pcscd"

atr=""
for _ in $(seq 50); do
  atr="$(opensc-tool -r 0 -a 2>/dev/null || true)"
  [ -n "$atr" ] && break
  sleep 0.1
done
[ -n "$atr" ] || die "no card in reader 0"
echo "ATR: $atr"

out="$(opensc-tool -r 0 \
  -s 00:A4:00:00 \
  -s 00:A4:04:0C:06:A0:00:00:00:00:39 \
  -s 00:B0:81:00:0C \
  -s 00:20:00:81:08:31:32:33:34:35:36:37:38 2>&1)"
echo "$out"
grep -q "31 32 33 34 35 36 37 38 39 30 31 32" <<<"$out" || die "NIS not read by short FID"
grep -q "SW1=0x69, SW2=0x82" <<<"$out" || die "plain VERIFY not refused with 6982"
grep -q "pin_tries=3 puk_tries=10" "$D/stats-0" || die "stats line: $(cat "$D/stats-0")"
echo "stats: $(cat "$D/stats-0")"
echo "OK"
