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

D="$(mktemp -d)"
pcscd_pid=""; card_pid=""
cleanup() {
  local rc=$?
  set +e
  [ -n "$card_pid" ] && kill "$card_pid" 2>/dev/null && wait "$card_pid" 2>/dev/null
  [ -n "$pcscd_pid" ] && kill "$pcscd_pid" 2>/dev/null && wait "$pcscd_pid" 2>/dev/null
  [ $rc -ne 0 ] && { echo "--- cardsim log" >&2; tail -n 30 "$D/cardsim.log" >&2; }
  rm -rf "$D"
  exit $rc
}
trap cleanup EXIT

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port=""
for _ in $(seq 50); do
  p=$(( 20000 + RANDOM % 30000 ))
  if ! port_in_use "$p" && ! port_in_use $((p + 1)); then port=$p; break; fi
done
[ -n "$port" ] || die "no free port"

mkdir -p "$D/run" "$D/conf" /run/pcscd
cat > "$D/conf/vpcd" <<CONF
FRIENDLYNAME "Virtual PCD"
DEVICENAME /dev/null:$port
LIBPATH /usr/lib/pcsc/drivers/serial/libifdvpcd.so
CONF
unshare --mount --propagation private sh -c \
  "mount --bind '$D/run' /run/pcscd && exec pcscd --foreground --config '$D/conf'" >"$D/pcscd.log" 2>&1 &
pcscd_pid=$!
for _ in $(seq 100); do [ -S "$D/run/pcscd.comm" ] && break; sleep 0.05; done
[ -S "$D/run/pcscd.comm" ] || die "pcscd did not start"
export PCSCLITE_CSOCK_NAME="$D/run/pcscd.comm"

"$cardsim" --card cie --variant "$variant" --vpcd "127.0.0.1:$port" --stats "$D/stats" --trace \
  >"$D/cardsim.log" 2>&1 &
card_pid=$!

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
grep -q "pin_tries=3 puk_tries=10" "$D/stats" || die "stats line: $(cat "$D/stats")"
echo "stats: $(cat "$D/stats")"
echo "OK"
