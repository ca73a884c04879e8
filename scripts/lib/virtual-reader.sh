# A private pcscd with the vsmartcard-vpcd driver, and virtual cards plugged into it
# (shared/HARNESS.md). Source it, then: vr_start_pcscd DIR; vr_insert_card ARGS...; vr_stop.
# shellcheck shell=bash

VR_PIDS=()

vr_start_pcscd() {
  VR_DIR=$1
  mkdir -p "$VR_DIR/run" "$VR_DIR/conf" /run/pcscd
  # vpcd listens on PORT and PORT+1 on every interface; a random start keeps daemons that
  # start at the same moment off each other's ports.
  VR_PORT=$(python3 -c 'import random, socket
start = random.randrange(20000, 60000, 2)
for p in list(range(start, 60000, 2)) + list(range(20000, start, 2)):
    try:
        a = socket.socket(); a.bind(("0.0.0.0", p)); b = socket.socket(); b.bind(("0.0.0.0", p + 1))
        print(p); break
    except OSError: pass')
  printf 'FRIENDLYNAME "Virtual PCD"\nDEVICENAME /dev/null:%s\nLIBPATH /usr/lib/pcsc/drivers/serial/libifdvpcd.so\n' \
    "$VR_PORT" >"$VR_DIR/conf/vpcd"
  # pcscd always binds /run/pcscd/pcscd.comm: give it a private mount namespace.
  unshare --mount --propagation private sh -c \
    'mount --bind "$0/run" /run/pcscd && exec pcscd --foreground --config "$0/conf"' "$VR_DIR" \
    >"$VR_DIR/pcscd.log" 2>&1 &
  VR_PIDS+=($!)
  export PCSCLITE_CSOCK_NAME=$VR_DIR/run/pcscd.comm
  for _ in $(seq 100); do [ -S "$PCSCLITE_CSOCK_NAME" ] && return 0; sleep 0.05; done
  echo "pcscd did not start (log: $VR_DIR/pcscd.log)" >&2
  return 1
}

# vr_insert_card CARDSIM READER_INDEX ARGS... — plugs a virtual card into reader 0 or 1.
vr_insert_card() {
  local cardsim=$1 index=$2
  shift 2
  "$cardsim" "$@" --vpcd "127.0.0.1:$((VR_PORT + index))" --stats "$VR_DIR/stats-$index" \
    2>"$VR_DIR/cardsim-$index.log" &
  VR_PIDS+=($!)
  # pcscd polls vpcd about every 400 ms; wait until it reports the card present.
  for _ in $(seq 100); do
    opensc-tool --list-readers 2>/dev/null | grep -Eq "^[0-9]+ +Yes +Virtual PCD 00 0$index" && return 0
    sleep 0.1
  done
  echo "the virtual card did not come up (log: $VR_DIR/cardsim-$index.log)" >&2
  return 1
}

vr_stop() {
  local pid
  for pid in "${VR_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  VR_PIDS=()
}

# vr_stop_and_report RC — stops the daemons; after a failure (RC not 0) shows the tails of the
# first card's log and of pcscd's, where the reason usually is.
vr_stop_and_report() {
  vr_stop
  if [ "$1" -ne 0 ]; then
    echo "--- cardsim log (tail)" >&2; tail -n 40 "$VR_DIR/cardsim-0.log" >&2 || true
    echo "--- pcscd log (tail)" >&2; tail -n 20 "$VR_DIR/pcscd.log" >&2 || true
  fi
}

# vr_cleanup_on_exit DIR [HOOK] — when the script exits: vr_stop_and_report, then HOOK (a command,
# if given), then DIR removed; the script's exit status is kept.
vr_cleanup_on_exit() {
  VR_CLEANUP_DIR="$1"
  VR_CLEANUP_HOOK="${2:-}"
  trap _vr_cleanup EXIT
}

_vr_cleanup() {
  local rc=$?
  set +e
  vr_stop_and_report $rc
  [ -n "$VR_CLEANUP_HOOK" ] && $VR_CLEANUP_HOOK
  rm -rf "$VR_CLEANUP_DIR"
  exit $rc
}
