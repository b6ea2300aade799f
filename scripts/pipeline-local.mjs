#!/usr/bin/env node
// The main job, locally (README: `npm run pipeline`): the seed's whole system on the bundled example.
// Brings up, once, and keeps between runs: a TLS registry with a password (GHCR), an SSH git host with the
// GitOps repository (GitHub), and the kind cluster "demo-actions" with Argo CD in it watching
// helm/demo-flask-app (scripts/infra.sh, scripts/kind/kind.sh, scripts/seed/seed.sh), and a local Sigstore
// (Fulcio, a timestamp authority, Rekor v2, the stand-in for GitHub's OIDC token service: scripts/sigstore/sigstore.sh).
// Then each run: unit-test -> build-push, which signs and attests the pushed digest -> kind-e2e on that
// digest, on a temporary kind cluster of its own -> gitops-bump, which verifies the signature and provenance
// before it writes, pins the digest (tag@digest) and waits until Argo CD has the pushed commit Synced and
// Healthy while requests go to the app's Service (zero downtime, measured). Each stage's committed bundle
// runs under the runner's contract.
//   node scripts/pipeline-local.mjs [--skip-e2e]
//   node scripts/pipeline-local.mjs --down      remove the seed's cluster and everything this started
import { execFileSync, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { infraEnv, parseFileCommands, ROOT, runMain, runPost, tempDir } from './lib/runner.mjs'
import { renderSummary } from './lib/terminal.mjs'

const args = process.argv.slice(2)
const color = process.stdout.isTTY
const paint = (code, s) => (color ? `\x1b[${code}m${s}\x1b[0m` : s)
const say = s => process.stdout.write(s + '\n')
const script = (...a) =>
  spawnSync(
    'bash',
    a.map((x, i) => (i === 0 ? path.join(ROOT, x) : x)),
    { stdio: 'inherit' }
  )
const readEnv = dir => parseFileCommands(fs.readFileSync(path.join(dir, 'env'), 'utf8'))
const SEED = process.env.DEMO_ACTIONS_SEED || '/tmp/demo-actions-seed'
const KIND_HOME = process.env.DEMO_ACTIONS_KIND || '/tmp/demo-actions-kind'

if (args.includes('--down')) {
  say(
    paint(
      '1',
      "== Removing the seed's cluster, its containers and networks, the registry and the SSH git host"
    )
  )
  for (const s of [
    ['scripts/seed/seed.sh', 'down'],
    ['scripts/kind/kind.sh', 'down-all'],
    ['scripts/sigstore/sigstore.sh', 'down'],
    ['scripts/infra.sh', 'down']
  ]) {
    const r = script(...s)
    if (r.status !== 0) process.exit(r.status ?? 1)
  }
  say('Done. Docker itself, the built images and the build caches stay (they make the next run fast).')
  process.exit(0)
}

say(
  paint(
    '1',
    "== The seed's system: registry, git host, kind cluster demo-actions with Argo CD (first run: builds, minutes)"
  )
)
for (const s of [
  ['scripts/infra.sh', 'up'],
  ['scripts/kind/kind.sh', 'up'],
  ['scripts/seed/seed.sh', 'up'],
  ['scripts/sigstore/sigstore.sh', 'up']
]) {
  const r = script(...s)
  if (r.status !== 0) process.exit(r.status ?? 1)
}
const infra = infraEnv()
const sigstore = readEnv(process.env.DEMO_ACTIONS_SIGSTORE || '/tmp/demo-actions-sigstore')
/** The workflow the local Sigstore's tokens name (scripts/sigstore/oidc.mjs), as GitHub's would name this one. */
const WORKFLOW = 'banicr/demo-flask-app/.github/workflows/pipeline.yml@refs/heads/main'
const kind = readEnv(KIND_HOME)
const seed = readEnv(SEED)
const kubectl = (...a) =>
  execFileSync(infra.KUBECTL, ['--kubeconfig', seed.KUBECONFIG, ...a], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe']
  })

// A run number that grows, as GITHUB_RUN_NUMBER does (never below the one deployed: gitops-bump refuses
// to roll back to an older run), and this checkout's commit as GITHUB_SHA.
const counter = path.join(SEED, 'run-number')
let lastRun = Number(fs.existsSync(counter) ? fs.readFileSync(counter, 'utf8') : '0')
try {
  const values = execFileSync('git', [
    '--git-dir',
    seed.GITOPS_BARE,
    'show',
    'main:helm/demo-flask-app/values.yaml'
  ]).toString()
  const deployed = /^\s*tag:\s*["']?[^\s"']+-[0-9a-f]{7,}-(\d+)["']?/m.exec(values)
  if (deployed) lastRun = Math.max(lastRun, Number(deployed[1]))
} catch {
  // an unusual GitOps repository: the counter alone
}
const runNumber = String(lastRun + 1)
fs.writeFileSync(counter, runNumber)
let sha = '0000000000000000000000000000000000000000'
try {
  sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT }).toString().trim()
} catch {
  // not a git checkout: keep the placeholder
}
const opts = {
  env: {
    GITHUB_SHA: sha,
    GITHUB_RUN_NUMBER: runNumber,
    GITHUB_RUN_ID: `local-${Date.now()}`,
    PATH: [
      path.dirname(kind.KIND),
      path.dirname(infra.HELM),
      path.dirname(infra.KUBECTL),
      process.env.PATH
    ].join(':')
  }
}

const results = []
const posts = []
/** Printed last, after the stage table: what runs where, as a person would check it. */
const closing = []

async function stage(title, name, inputs, env = {}) {
  say('\n' + paint('1;36', `== ${title} (${name})`))
  const main = await runMain(name, inputs, { ...opts, env: { ...opts.env, ...env } })
  if (/post:/.test(fs.readFileSync(path.join(ROOT, name, 'action.yml'), 'utf8'))) posts.push([name, main])
  const ok = main.exitCode === 0
  say(renderSummary(main.summary || '(no summary)\n', { details: !ok || name === 'gitops-bump' }))
  for (const c of main.commands.filter(c => ['error', 'warning', 'notice'].includes(c.command)))
    say(
      `  ${c.command === 'error' ? paint('31', 'error') : paint('33', c.command)}: ${c.message.split('\n').slice(0, 12).join('\n    ')}`
    )
  results.push({ title, status: ok ? 'passed' : 'failed', ms: main.ms })
  if (!ok)
    say(
      paint('31', `   ${name} failed (exit ${main.exitCode}); the end of its log:\n`) +
        main.stdout.split('\n').slice(-40).join('\n')
    )
  return main
}

function finish(code) {
  say('\n' + paint('1', '== Pipeline'))
  for (const r of results) {
    const mark =
      r.status === 'passed'
        ? paint('32', 'passed ')
        : r.status === 'skipped'
          ? paint('33', 'SKIPPED')
          : paint('31', 'FAILED ')
    say(`  ${mark}  ${r.title}${r.ms ? ` (${(r.ms / 1000).toFixed(1)}s)` : ''}${r.why ? ` — ${r.why}` : ''}`)
  }
  if (closing.length) say('\n' + closing.join('\n'))
  process.exit(code)
}

/** The two environments: staging in the seed's cluster, production in its own, one Argo CD for both. */
const ENVIRONMENTS = {
  staging: {
    app: seed.ARGOCD_APPLICATION,
    kubeconfig: seed.KUBECONFIG,
    node: `${seed.CLUSTER}-control-plane`,
    url: seed.APP_URL
  },
  production: {
    app: seed.PROD_ARGOCD_APPLICATION,
    kubeconfig: seed.PROD_KUBECONFIG,
    node: `${seed.PROD_CLUSTER}-control-plane`,
    url: seed.PROD_APP_URL
  }
}
const PROD_VALUES = 'helm/demo-flask-app/values-production.yaml'

/** What runs in one environment now, read from its cluster and from Argo CD themselves. */
function whatRuns(name, step, tag) {
  const env = ENVIRONMENTS[name]
  const k = (...a) =>
    execFileSync(infra.KUBECTL, ['--kubeconfig', env.kubeconfig, ...a], { encoding: 'utf8' })
  const app = JSON.parse(kubectl('-n', 'argocd', 'get', 'application', env.app, '-o', 'json')).status ?? {}
  const pods = JSON.parse(
    k('-n', 'demo-app', 'get', 'pods', '-l', 'app.kubernetes.io/instance=demo-flask-app', '-o', 'json')
  ).items
  const running = pods.filter(p => !p.metadata.deletionTimestamp)
  const ready = running.filter(p => p.status.containerStatuses?.every(c => c.ready))
  const digests = [
    ...new Set(running.map(p => p.status.containerStatuses?.[0]?.imageID?.split('@')[1] ?? '?'))
  ]
  // the app's own Service, from inside the cluster (its ClusterIP, through kube-proxy)
  const ip = k('-n', 'demo-app', 'get', 'service', 'demo-flask-app', '-o', 'jsonpath={.spec.clusterIP}')
  const page = execFileSync('docker', ['exec', env.node, 'curl', '-s', '-m', '5', `http://${ip}/`], {
    encoding: 'utf8'
  })
  const version = /Version: <code>([^<]+)<\/code>/.exec(page)?.[1] ?? '(no version on the page)'
  const seconds = /Synced at \S+ and Healthy, ([\d.]+) s after the push/.exec(step.stdout)?.[1]
  const probe = step.outputs.probe ? JSON.parse(step.outputs.probe) : undefined
  closing.push(
    paint('1', `${name[0].toUpperCase()}${name.slice(1)}`),
    `  Argo CD     application ${env.app}: ${app.sync?.status} at ${app.sync?.revision?.slice(0, 12)}, ${app.health?.status}${seconds ? `, ${seconds} s from the push to Healthy` : ''}`,
    `  Kubernetes  deployment demo-flask-app in demo-app: ${ready.length}/${running.length} Ready, running ${digests.join(', ')}`,
    `  The app     http://${ip}/ (its Service, from the cluster) says version ${version}${version === tag ? '' : paint('31', ` (expected ${tag})`)}`,
    probe
      ? `  Downtime    ${probe.sent} requests to ${probe.url} (its public Service, ${probe.rate}/s) during the rollout: ${probe.failed === 0 ? paint('32', '0 failed') : paint('31', `${probe.failed} failed`)}`
      : '',
    `  Open it     ${env.url}/  (or: kubectl --kubeconfig ${env.kubeconfig} -n demo-app port-forward svc/demo-flask-app 8080:80)`,
    ''
  )
  return {
    synced: app.sync?.status === 'Synced' && app.health?.status === 'Healthy',
    ready: ready.length,
    version,
    digests
  }
}

/** The end of the run: how to open what is shared, then the verdict. */
function openShared() {
  closing.push(
    'Open the rest:',
    `  Argo CD      ${seed.ARGOCD_SERVER}/  user admin, password in ${seed.ARGOCD_ADMIN_PASSWORD_FILE} (CA: ${seed.ARGOCD_CA}); the API and the argocd CLI (the web UI's pages are not built here)`,
    `  the clusters kubectl --kubeconfig ${seed.KUBECONFIG} get pods -A; kubectl --kubeconfig ${seed.PROD_KUBECONFIG} get pods -A`,
    `  GitOps       git --git-dir=${seed.GITOPS_BARE} log --stat -2 main`
  )
}

function failed(step, what, tag) {
  closing.push(
    '',
    paint('1;31', `${what}: ${tag}`) +
      ` — ${(step.commands.filter(c => c.command === 'error').at(-1)?.message ?? 'the stage failed').split('\n').join('\n  ')}`
  )
  openShared()
  finish(1)
}

try {
  const test = await stage('1. Test', 'unit-test', {
    'working-directory': 'example/demo-app',
    python: infra.PYTHON,
    install: 'false',
    args: '-p no:cacheprovider'
  })
  if (test.exitCode !== 0) finish(1)

  const build = await stage(
    '2. Build',
    'build-push',
    {
      image: seed.REPOSITORY,
      context: 'example/demo-app',
      version: 'v2.0.0',
      'build-args': `BASE_IMAGE=${infra.PYTHON_IMAGE}`,
      username: infra.REGISTRY_USER,
      password: infra.REGISTRY_PASSWORD,
      // keyless, with the job's OIDC token (id-token: write), against the local Sigstore: each signature
      // logged in its Rekor v2 and timestamped
      sign: 'true',
      'fulcio-url': sigstore.FULCIO_URL,
      'rekor-url': sigstore.REKOR_URL,
      'rekor-api-version': '2',
      'tsa-url': sigstore.TSA_URL
    },
    {
      ACTIONS_ID_TOKEN_REQUEST_URL: sigstore.ACTIONS_ID_TOKEN_REQUEST_URL,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: sigstore.ACTIONS_ID_TOKEN_REQUEST_TOKEN
    }
  )
  if (build.exitCode !== 0) finish(1)
  const { tag, image, digest } = build.outputs

  if (args.includes('--skip-e2e')) {
    say('\n' + paint('1;33', '== 3. E2E test (kind-e2e): SKIPPED — --skip-e2e'))
    results.push({ title: '3. E2E test', status: 'skipped', why: 'skipped with --skip-e2e' })
  } else {
    // what production runs now, from the GitOps repository (as the reference workflow checks it out)
    const current = path.join(tempDir('pipeline'), 'production-values.yaml')
    fs.writeFileSync(
      current,
      execFileSync('git', ['--git-dir', seed.GITOPS_BARE, 'show', `main:${PROD_VALUES}`])
    )
    const e2e = await stage('3. E2E test', 'kind-e2e', {
      image,
      digest,
      chart: 'example/gitops/helm/demo-flask-app',
      'node-image': kind.KIND_NODE_IMAGE,
      // the rollout production will see, rehearsed: from what it runs now, every request counted
      'upgrade-from': current,
      'image-keys':
        'repository=image.repository\ntag=image.tag\npullPolicy=image.pullPolicy\ndigest=image.digest',
      'probe-rate': '50',
      username: infra.REGISTRY_USER,
      password: infra.REGISTRY_PASSWORD
    })
    fs.rmSync(current, { force: true })
    if (e2e.outputs.requests)
      closing.push(
        `Rehearsal   upgrade from production's ${JSON.parse(e2e.outputs.report).rehearsal?.from ?? ''} on a temporary cluster: ${e2e.outputs['failed-requests']} of ${e2e.outputs.requests} requests failed (50/s, in the cluster), rollout ${e2e.outputs['rollout-seconds']} s`,
        ''
      )
    // (the cluster it made, and deleted: a real kind cluster on the node image built here)
    const created = e2e.stdout.split('\n').find(l => /^\[command\]\S*kind create cluster /.test(l))
    if (created) say(`  ran: ${created.replace(/^\[command\]/, '')}`)
    if (e2e.exitCode !== 0) finish(1)
  }

  const bump = await stage('4. Deploy to staging', 'gitops-bump', {
    repository: seed.GITOPS_URL,
    'values-file': 'helm/demo-flask-app/values.yaml',
    tag,
    digest,
    // only what this pipeline built, tested and signed: verified, then pinned
    'verify-image': seed.REPOSITORY,
    'certificate-identity': WORKFLOW,
    'certificate-oidc-issuer': sigstore.OIDC_ISSUER,
    'trusted-root': sigstore.TRUSTED_ROOT_REKOR,
    'provenance-builder': WORKFLOW,
    'registry-username': infra.REGISTRY_USER,
    'registry-password': infra.REGISTRY_PASSWORD,
    'pin-digest': 'key',
    'ssh-key': fs.readFileSync(infra.SSH_KEY, 'utf8'),
    'ssh-known-hosts': fs.readFileSync(infra.SSH_KNOWN_HOSTS, 'utf8'),
    'argocd-server': seed.ARGOCD_SERVER,
    'argocd-token': fs.readFileSync(seed.ARGOCD_TOKEN_FILE, 'utf8').trim(),
    'argocd-application': seed.ARGOCD_APPLICATION,
    'argocd-ca': fs.readFileSync(seed.ARGOCD_CA, 'utf8'),
    'probe-url': `${seed.APP_URL}/healthz`
  })
  const staging = readSafely('staging', bump, tag)
  if (bump.exitCode !== 0) failed(bump, 'Not deployed to staging', tag)

  // production: exactly what staging runs, promoted once Argo CD shows staging Synced and Healthy on it
  const promote = await stage('5. Promote to production', 'gitops-bump', {
    repository: seed.GITOPS_URL,
    'values-file': PROD_VALUES,
    'promote-from': 'helm/demo-flask-app/values.yaml',
    'promote-from-application': seed.ARGOCD_APPLICATION,
    'verify-image': seed.REPOSITORY,
    'certificate-identity': WORKFLOW,
    'certificate-oidc-issuer': sigstore.OIDC_ISSUER,
    'trusted-root': sigstore.TRUSTED_ROOT_REKOR,
    'provenance-builder': WORKFLOW,
    'registry-username': infra.REGISTRY_USER,
    'registry-password': infra.REGISTRY_PASSWORD,
    'pin-digest': 'key',
    'ssh-key': fs.readFileSync(infra.SSH_KEY, 'utf8'),
    'ssh-known-hosts': fs.readFileSync(infra.SSH_KNOWN_HOSTS, 'utf8'),
    'argocd-server': seed.ARGOCD_SERVER,
    'argocd-token': fs.readFileSync(seed.ARGOCD_TOKEN_FILE, 'utf8').trim(),
    'argocd-application': seed.PROD_ARGOCD_APPLICATION,
    'argocd-ca': fs.readFileSync(seed.ARGOCD_CA, 'utf8'),
    'probe-url': `${seed.PROD_APP_URL}/healthz`
  })
  const production = readSafely('production', promote, tag)
  if (promote.exitCode !== 0) failed(promote, 'Not promoted to production', tag)
  openShared()
  const same =
    staging.digests.length === 1 &&
    production.digests.join() === staging.digests.join() &&
    staging.digests[0] === digest
  closing.push(
    '',
    same && staging.synced && production.synced && production.version === tag
      ? paint('1;32', `Deployed ${tag} to staging and production`) +
          ` — ${image} (${digest}: signed, attested, tested, rehearsed and verified), both Healthy on that digest`
      : paint('1;33', `Built and tested ${tag}; staging ${staging.version}, production ${production.version}`)
  )
} finally {
  for (const [name, main] of posts.reverse()) await runPost(name, main, opts)
}
finish(0)

/** What runs in an environment, or a line saying why it could not be read. */
function readSafely(name, step, tag) {
  try {
    return whatRuns(name, step, tag)
  } catch (err) {
    closing.push(`What runs in ${name} could not be read: ${err.message.split('\n')[0]}`, '')
    return { synced: false, ready: 0, version: '', digests: [] }
  }
}
