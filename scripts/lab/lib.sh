# Shared by lab.sh and argocd.sh (sourced): processes started in the background, each with its log and
# pid file in $RUN_DIR, and messages tagged with $LOG_TAG.
log() { printf '[%s] %s\n' "$LOG_TAG" "$*" >&2; }
die() { printf '[%s] error: %s\n' "$LOG_TAG" "$*" >&2; exit 1; }

wait_for() { # wait_for SECONDS WHAT COMMAND...: until COMMAND succeeds; else WHAT's log and an error
  local deadline=$((SECONDS + $1)) what=$2; shift 2
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || { tail -20 "$RUN_DIR/$what.log" >&2 || true; die "$what did not come up (see $RUN_DIR/$what.log)"; }
    sleep 0.3
  done
}

running() { [ -f "$RUN_DIR/$1.pid" ] && kill -0 "$(cat "$RUN_DIR/$1.pid")" 2>/dev/null; }

start() { # start NAME COMMAND...: in the background (its own session), unless it runs already
  local name=$1; shift
  running "$name" && return
  log "starting $name"
  setsid "$@" >"$RUN_DIR/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN_DIR/$name.pid"
}

stop() { # stop NAME...: each in turn, waiting up to 10 s for it to end
  local name
  for name in "$@"; do
    if running "$name"; then
      kill "$(cat "$RUN_DIR/$name.pid")" 2>/dev/null || true
      for _ in $(seq 100); do running "$name" || break; sleep 0.1; done
    fi
    rm -f "$RUN_DIR/$name.pid"
  done
}
