#!/usr/bin/env bash
# The test command (README). It checks types, lint and that dist/ is what the sources build to, runs the
# unit tests (no infrastructure), then on a new machine installs and starts everything the integration
# tests need (npm packages; Docker engine, buildx, registry, SSH git host, helm, pytest, Node 24 and 20 via
# scripts/infra.sh; act and gotestsum built from their pinned Go modules by scripts/lab/build.sh,
# cargo-nextest from crates.io and the JavaScript test tools from npm, cached; kind and its node image by
# scripts/kind/kind.sh; the seed's cluster with Argo CD in it by scripts/seed/seed.sh; Fulcio, a timestamp
# authority and cosign from their Go modules by scripts/sigstore/sigstore.sh; BuildKit from its module by
# scripts/buildkit/buildkit.sh) and runs them.
#   bash scripts/test.sh            everything
#   bash scripts/test.sh unit       unit tests only (no infrastructure)
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}

# each section's heading gives the seconds since the start, so a run's log shows where its time went
section() { echo "== $1 (at ${SECONDS}s)"; }
source scripts/ensure-deps.sh

section "typecheck, lint"
npm run -s typecheck
npm run -s lint
node scripts/docs.mjs --check

section "dist/ reproducible"
# The check is keyed by everything ncc reads and what it must produce: the sources, the installed packages'
# lock, the bundler script, tsconfig, Node's version and dist/ as it is. A key checked before on this
# machine is not bundled again (a minute or more on 2 cores); any change to one of them is.
verified=${DEMO_ACTIONS_CACHE:-$HOME/.cache/demo-actions}/dist-verified
before=$(find dist -type f -not -path 'dist/.*' -print0 | sort -z | xargs -0 sha256sum)
key=$({
  echo "$before"
  find src -type f -print0 | sort -z | xargs -0 sha256sum
  sha256sum package-lock.json node_modules/.package-lock.json scripts/bundle.mjs tsconfig.json
  node --version
} | sha256sum | cut -c1-32)
if [ -f "$verified/$key" ]; then
  echo "dist/ is what these sources built to when last checked here ($verified/$key)"
else
  npm run -s bundle
  after=$(find dist -type f -not -path 'dist/.*' -print0 | sort -z | xargs -0 sha256sum)
  if [ "$before" != "$after" ]; then
    diff <(echo "$before") <(echo "$after") || true
    echo "dist/ was not what the sources build to; it has been rebuilt: commit it" >&2
    exit 1
  fi
  mkdir -p "$verified" && touch "$verified/$key"
fi

state=${DEMO_ACTIONS_INFRA:-/tmp/demo-actions-infra}
mkdir -p "$state"

# jest over the given projects, then a one-line count; the report is kept as $state/jest-<part>.json (every
# file's and test's time, the last run's), for a closer look at where the time went than the lines below
run_jest() {
  local part=$1 status=0
  shift
  local report=$state/jest-$part.json
  NODE_OPTIONS=--experimental-vm-modules npx jest --ci --maxWorkers="${workers:-2}" --json --outputFile="$report" --selectProjects "$@" || status=$?
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))
    console.log(`\n${process.argv[2]} tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`)
    // where the time went: seconds of test files against the wall clock (idle workers show as the gap)
    const files = r.testResults.map(f => ({ name: f.name.split("/").pop(), s: (f.endTime - f.startTime) / 1000 }))
    const wall = (Math.max(...r.testResults.map(f => f.endTime)) - r.startTime) / 1000
    const sum = files.reduce((a, f) => a + f.s, 0)
    const longest = files.sort((a, b) => b.s - a.s).slice(0, 5).map(f => `${f.name} ${f.s.toFixed(0)} s`)
    console.log(`${files.length} files: ${sum.toFixed(0)} s of test files in ${wall.toFixed(0)} s; longest: ${longest.join(", ")}`)
    // and the longest tests, by the start of their names
    const tests = r.testResults.flatMap(f => f.assertionResults.map(a => ({ title: a.title.slice(0, 60), s: (a.duration ?? 0) / 1000 })))
    const slow = tests.sort((a, b) => b.s - a.s).slice(0, 8).map(t => `${t.s.toFixed(0)} s ${t.title}`)
    console.log(`longest tests:\n  ${slow.join("\n  ")}`)
  ' "$report" "$*"
  return $status
}

# the unit layer first: it needs nothing of the infrastructure, and a broken unit fails in a minute
section "tests: unit"
# .ci/run runs this layer first on its own, and says so: not run twice
if [ "${DEMO_ACTIONS_UNIT_PASSED:-}" = 1 ]; then echo "passed just before (.ci/run)"; else run_jest unit unit; fi
[ "$what" = all ] || exit 0

section "infrastructure"
bash scripts/infra.sh up
# The rest in four parts at once: Go builds beside debootstraps, downloads and cluster starts (on a new
# machine most of the setup is builds; one part waits on the network while another compiles). Every line
# of progress names its component; a part that fails is named once all have ended.
parts=(
  # real kind: the kind CLI and a Kubernetes node image built here, cached by their pins; then at once
  # act's runner image for container mode (before the suite's snapshot: a cached build, not something a
  # test leaves; mostly debootstrap) and the seed's clusters with Argo CD in them
  'kind, the seed' 'bash scripts/kind/kind.sh up && { bash scripts/act/runner-image.sh >/dev/null & runner=$!; s=0; bash scripts/seed/seed.sh up || s=$?; wait $runner && exit $s; }'
  # Argo CD's binary and the seed's images ahead of the seed (the longest build after Kubernetes'), then a
  # local Sigstore (Fulcio, a timestamp authority, Rekor v2, the OIDC stand-in) built from its Go modules
  'Sigstore' 'bash scripts/lab/build.sh argocd >/dev/null && bash scripts/seed/images.sh >/dev/null && bash scripts/sigstore/sigstore.sh up'
  # BuildKit from its Go module, as a buildx builder that is not the docker driver (its own attestations);
  # then the node image's smaller binaries, ahead of the kind part, which is still building Kubernetes
  'BuildKit' 'bash scripts/buildkit/buildkit.sh up && bash scripts/lab/build.sh etcd coredns crictl >/dev/null'
  # act and gotestsum from their Go modules; the report writers unit-test's live tests run; then Sigstore's
  # smaller tools, ahead of the Sigstore part, which is still building Argo CD and Fulcio (on a new
  # machine this part ends minutes before the others)
  'the test tools' 'bash scripts/lab/build.sh act gotestsum >/dev/null && bash scripts/lab/pytools.sh pytest >/dev/null &&
    bash scripts/lab/cargotools.sh nextest >/dev/null && bash scripts/lab/jstools.sh js-reporters >/dev/null &&
    bash scripts/lab/build.sh tsa rekor gh >/dev/null'
)
pids=()
for ((i = 0; i < ${#parts[@]}; i += 2)); do
  # (each part says when it ended: the last one is where the setup's time goes)
  { s=0; bash -euo pipefail -c "${parts[i + 1]}" || s=$?; echo "[setup] ${parts[i]}: ended at ${SECONDS}s (exit $s)"; exit $s; } &
  pids+=($!)
done
failed=()
for ((i = 0; i < ${#pids[@]}; i++)); do wait "${pids[i]}" || failed+=("${parts[2 * i]}"); done
if [ ${#failed[@]} -gt 0 ]; then
  printf 'setting up failed: %s (the error is above)\n' "${failed[@]}" >&2
  exit 1
fi

section "tests: integration"
kind_bin() { grep '^KIND=' "${DEMO_ACTIONS_KIND:-/tmp/demo-actions-kind}/env" | cut -d= -f2; }
KIND=$(kind_bin) node scripts/lib/leftovers.mjs snapshot "$state/before-tests.json"
status=0
# The seed's two clusters sleep while no test file holds them (scripts/seed/seed.sh says how; idle they
# take a quarter of a core), and the files that hold them run first. They wake for good as the part that
# runs alone begins (about 15 s), beside its first file, and the pipeline's test, which holds them, runs last.
bash scripts/seed/seed.sh idle-sleep on
# The tests that count every request of a rollout (the rehearsal's, the pipeline's) run alone, after the
# rest: beside other clusters on 2 cores their probes' requests time out for the machine's sake, not the
# chart's (seen: 10 of 984 timeouts in the first second of an upgrade, while kind-e2e's tests made clusters).
alone='__tests__/integration/(kind-e2e-rehearsal|pipeline)\.itg\.test\.ts'
# Three files at once on 2 cores: most of a file's time is waiting (a cluster starting, a rollout, a
# wait-timeout running out), and two left the cores idle a fifth of the time. DEMO_ACTIONS_TEST_WORKERS
# sets another number (2 on a machine shared with other work).
DEMO_ACTIONS_SEED_ORDER=first workers=${DEMO_ACTIONS_TEST_WORKERS:-3} run_jest parallel integration --testPathIgnorePatterns "$alone" || status=$?
section "tests: integration, the rollout counters alone"
bash scripts/seed/seed.sh idle-sleep off & waking=$!
DEMO_ACTIONS_SEED_ORDER=last workers=1 run_jest alone integration --testPathPatterns "$alone" || status=$?
wait $waking || status=1
# the suite's last check: nothing of the tests is left on the machine
KIND=$(kind_bin) node scripts/lib/leftovers.mjs compare "$state/before-tests.json" || status=1
section "end, exit $status"
exit $status
