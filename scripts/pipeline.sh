#!/usr/bin/env bash
# The main job (README): the whole pipeline, locally, on the bundled example. Installs what it needs.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-deps.sh
exec node scripts/pipeline-local.mjs "$@"
