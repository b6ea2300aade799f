#!/usr/bin/env bash
# The main job (README): the seed's whole system, locally, on the bundled example. Installs what it needs.
# One at a time: a second run while one runs is refused at once (never two half-done).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-deps.sh
seed=${DEMO_ACTIONS_SEED:-/tmp/demo-actions-seed}
mkdir -p "$seed"
lock=$seed/pipeline.lock
exec 9>>"$lock"
if ! flock -n 9; then
  echo "npm run pipeline is running already (it holds $lock, pid $(cat "$lock.pid" 2>/dev/null || echo '?')): wait for it to end, or stop it" >&2
  exit 1
fi
echo $$ >"$lock.pid"
node scripts/pipeline-local.mjs "$@"
