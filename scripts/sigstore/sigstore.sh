#!/usr/bin/env bash
# A local Sigstore for the tests, on loopback, built from its own Go modules (scripts/lab/tools/sigstore,
# tsa, rekor and gh, cached by their pins): Fulcio (certificate authority, an ephemeral CA, no CT log),
# sigstore's timestamp authority (RFC 3161, an in-memory signer), Rekor v2 (rekor-tiles on Tessera with its
# POSIX storage: the transparency log is tiles in a folder, no database; its entries' time comes from the
# timestamp authority, as on Rekor v2) and, in front of Fulcio, the stand-in for GitHub's OIDC token service
# (oidc.mjs: the runner's ID token endpoint and the issuer Fulcio trusts; GitHub's own cannot run here). What
# the tests need goes to $DEMO_ACTIONS_SIGSTORE/env (default /tmp/demo-actions-sigstore): the URLs, the
# runner's token variables, a trusted_root.json naming this Fulcio's CA, this timestamp authority and this
# log, and cosign and gh for the by-hand verification.
#   scripts/sigstore/sigstore.sh up | down
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
DIR=${DEMO_ACTIONS_SIGSTORE:-/tmp/demo-actions-sigstore}
OIDC_PORT=${DEMO_ACTIONS_OIDC_PORT:-5601}
FULCIO_PORT=${DEMO_ACTIONS_FULCIO_PORT:-5602}
FULCIO_GRPC_PORT=${DEMO_ACTIONS_FULCIO_GRPC_PORT:-5603}
TSA_PORT=${DEMO_ACTIONS_TSA_PORT:-5604}
# Fulcio's metrics move off 2112, which the timestamp authority's metrics take (not configurable there)
FULCIO_METRICS_PORT=${DEMO_ACTIONS_FULCIO_METRICS_PORT:-5605}
REKOR_PORT=${DEMO_ACTIONS_REKOR_PORT:-5606}
REKOR_GRPC_PORT=${DEMO_ACTIONS_REKOR_GRPC_PORT:-5607}
REKOR_METRICS_PORT=${DEMO_ACTIONS_REKOR_METRICS_PORT:-5608}
# the log's origin, which its checkpoints name: its URL's host name, as the public logs' are (sigstore-go,
# in cosign and gh, checks a checkpoint's signature under the host name of the trusted root's baseUrl;
# sigstore-js finds a checkpoint's log by its origin within that URL)
REKOR_ORIGIN=127.0.0.1
log() { printf '[sigstore] %s\n' "$*" >&2; }
die() { printf '[sigstore] error: %s\n' "$*" >&2; exit 1; }

up_ok() { curl -fsS -o /dev/null "$1" 2>/dev/null; }
wait_for() { # wait_for URL WHAT
  local deadline=$((SECONDS + 60))
  until up_ok "$1"; do
    [ $SECONDS -lt $deadline ] || die "$2 did not come up (see $DIR/$2.log)"
    sleep 0.2
  done
}
start() { # start NAME COMMAND...: a daemon of ours, its pid in $DIR/NAME.pid
  local name=$1; shift
  setsid "$@" >"$DIR/$name.log" 2>&1 </dev/null &
  echo $! >"$DIR/$name.pid"
}
running() { [ -f "$DIR/$1.pid" ] && kill -0 "$(cat "$DIR/$1.pid")" 2>/dev/null; }

down() {
  for name in oidc fulcio tsa rekor; do
    if running $name; then kill "$(cat "$DIR/$name.pid")" 2>/dev/null || true; fi
    rm -f "$DIR/$name.pid"
  done
  log "stopped"
}

up() {
  mkdir -p "$DIR" && chmod 700 "$DIR"
  local sig tsa
  sig=$(bash "$here/../lab/build.sh" sigstore | tail -1)
  tsa=$(bash "$here/../lab/build.sh" tsa | tail -1)
  rekor=$(bash "$here/../lab/build.sh" rekor | tail -1)
  gh=$(bash "$here/../lab/build.sh" gh | tail -1)
  # the runner's request token: what ACTIONS_ID_TOKEN_REQUEST_TOKEN holds in a job with id-token: write
  [ -s "$DIR/request-token" ] || (umask 077; head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$DIR/request-token")
  running oidc || { log "starting the OIDC stand-in on 127.0.0.1:$OIDC_PORT"; start oidc node "$here/oidc.mjs" "$OIDC_PORT" "$DIR/request-token"; }
  wait_for "http://127.0.0.1:$OIDC_PORT/.well-known/openid-configuration" oidc
  cat >"$DIR/fulcio.json" <<JSON
{"OIDCIssuers": {"http://127.0.0.1:$OIDC_PORT": {"IssuerURL": "http://127.0.0.1:$OIDC_PORT", "ClientID": "sigstore", "Type": "github-workflow"}}}
JSON
  running fulcio || {
    log "starting Fulcio on 127.0.0.1:$FULCIO_PORT"
    start fulcio "$sig/fulcio" serve --host 127.0.0.1 --port "$FULCIO_PORT" --grpc-host 127.0.0.1 --grpc-port "$FULCIO_GRPC_PORT" \
      --ca ephemeralca --ct-log-url "" --config-path "$DIR/fulcio.json" --log_type prod \
      --metrics-port "$FULCIO_METRICS_PORT"
  }
  wait_for "http://127.0.0.1:$FULCIO_PORT/api/v1/rootCert" fulcio
  running tsa || { log "starting the timestamp authority on 127.0.0.1:$TSA_PORT"; start tsa "$tsa/timestamp-server" serve --host 127.0.0.1 --port "$TSA_PORT" --timestamp-signer memory --log-type prod; }
  wait_for "http://127.0.0.1:$TSA_PORT/api/v1/timestamp/certchain" tsa
  # Rekor v2: an Ed25519 log key of its own (kept: the log's tiles are kept with it), the log in $DIR/rekor-log
  [ -s "$DIR/rekor.key" ] || (umask 077; openssl genpkey -algorithm ed25519 -out "$DIR/rekor.key")
  # a log of another origin (another port) or another build of Rekor starts anew
  if [ "$(cat "$DIR/rekor-stamp" 2>/dev/null)" != "$REKOR_ORIGIN $rekor" ]; then
    if running rekor; then
      kill "$(cat "$DIR/rekor.pid")" 2>/dev/null || true
      for _ in $(seq 50); do running rekor || break; sleep 0.1; done
    fi
    rm -f "$DIR/rekor.pid"
    rm -rf "$DIR/rekor-log" && echo "$REKOR_ORIGIN $rekor" >"$DIR/rekor-stamp"
  fi
  openssl pkey -in "$DIR/rekor.key" -pubout -out "$DIR/rekor.pub" 2>/dev/null
  running rekor || {
    log "starting Rekor v2 on 127.0.0.1:$REKOR_PORT"
    start rekor "$rekor/posix" serve --http-address 127.0.0.1 --http-port "$REKOR_PORT" --grpc-address 127.0.0.1 \
      --grpc-port "$REKOR_GRPC_PORT" --http-metrics-port "$REKOR_METRICS_PORT" --hostname "$REKOR_ORIGIN" \
      --storage-dir "$DIR/rekor-log" --signer-filepath "$DIR/rekor.key" --checkpoint-interval 1s --batch-max-age 100ms
  }
  wait_for "http://127.0.0.1:$REKOR_PORT/healthz" rekor
  # the trusted root a verifier is given for this Sigstore (the public one's comes by TUF instead)
  curl -fsS "http://127.0.0.1:$FULCIO_PORT/api/v1/rootCert" >"$DIR/fulcio-chain.pem"
  curl -fsS "http://127.0.0.1:$TSA_PORT/api/v1/timestamp/certchain" >"$DIR/tsa-chain.pem"
  # two trusted roots: without the log (signatures timestamped only, as a private Sigstore without Rekor
  # makes them), and with it (a verifier then requires a log entry, as the public Sigstore's root does)
  node "$here/trusted-root.mjs" "$DIR/fulcio-chain.pem" "http://127.0.0.1:$FULCIO_PORT" "$DIR/tsa-chain.pem" "http://127.0.0.1:$TSA_PORT" >"$DIR/trusted_root.json.tmp"
  node "$here/trusted-root.mjs" "$DIR/fulcio-chain.pem" "http://127.0.0.1:$FULCIO_PORT" "$DIR/tsa-chain.pem" "http://127.0.0.1:$TSA_PORT" \
    "$DIR/rekor.pub" "http://127.0.0.1:$REKOR_PORT" "$REKOR_ORIGIN" >"$DIR/trusted_root_rekor.json.tmp"
  mv "$DIR/trusted_root_rekor.json.tmp" "$DIR/trusted_root_rekor.json"
  mv "$DIR/trusted_root.json.tmp" "$DIR/trusted_root.json"
  (umask 077; cat >"$DIR/env.tmp" <<ENV
FULCIO_URL=http://127.0.0.1:$FULCIO_PORT
TSA_URL=http://127.0.0.1:$TSA_PORT
REKOR_URL=http://127.0.0.1:$REKOR_PORT
OIDC_ISSUER=http://127.0.0.1:$OIDC_PORT
ACTIONS_ID_TOKEN_REQUEST_URL=http://127.0.0.1:$OIDC_PORT/token?api-version=2.0
ACTIONS_ID_TOKEN_REQUEST_TOKEN=$(cat "$DIR/request-token")
TRUSTED_ROOT=$DIR/trusted_root.json
TRUSTED_ROOT_REKOR=$DIR/trusted_root_rekor.json
COSIGN=$sig/cosign
GH=$gh/gh
ENV
  )
  mv "$DIR/env.tmp" "$DIR/env"
  log "ready: $DIR/env"
}

case "${1:-up}" in
  up) up ;;
  down) down ;;
  *) die "usage: $0 up|down" ;;
esac
