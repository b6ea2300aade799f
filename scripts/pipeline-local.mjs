#!/usr/bin/env node
// The whole pipeline on this machine, on the bundled example (README: `npm run pipeline`):
// unit-test -> build-push -> kind-e2e -> gitops-bump, each stage's committed bundle run under the runner's
// contract, against real components on loopback (a TLS registry with a password standing in for GHCR, a
// GitOps repository seeded from example/gitops behind an SSH git host). kind-e2e runs when kind is on
// PATH; where it is not (as on these machines) it is reported as skipped, never as passed.
//   node scripts/pipeline-local.mjs [--skip-e2e]
import { execFileSync, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { infraEnv, ROOT, runMain, runPost } from './lib/runner.mjs'
import { renderSummary } from './lib/terminal.mjs'

const args = process.argv.slice(2)
const color = process.stdout.isTTY
const paint = (code, s) => (color ? `\x1b[${code}m${s}\x1b[0m` : s)
const say = s => process.stdout.write(s + '\n')

say(paint('1', '== Starting the local stand-ins for GHCR and GitHub (scripts/infra.sh)'))
const infraRun = spawnSync('bash', [path.join(ROOT, 'scripts/infra.sh'), 'up'], { stdio: 'inherit' })
if (infraRun.status !== 0) process.exit(infraRun.status ?? 1)
const infra = infraEnv()

// The GitOps repository, seeded once from example/gitops and kept between runs (its history grows).
const gitopsBare = path.join(infra.GIT_ROOT, `${process.env.DEMO_ACTIONS_GITOPS_REPO || 'demo_gitops'}.git`)
if (!fs.existsSync(gitopsBare)) {
  const seed = fs.mkdtempSync(path.join(infra.DEMO_ACTIONS_INFRA, 'seed-'))
  fs.cpSync(path.join(ROOT, 'example/gitops'), seed, { recursive: true })
  const git = (a, cwd) =>
    execFileSync('git', a, {
      cwd,
      stdio: 'ignore',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'seed',
        GIT_AUTHOR_EMAIL: 'seed@localhost',
        GIT_COMMITTER_NAME: 'seed',
        GIT_COMMITTER_EMAIL: 'seed@localhost'
      }
    })
  git(['init', '-q', '--bare', '-b', 'main', gitopsBare])
  git(['config', 'receive.denyNonFastForwards', 'true'], gitopsBare)
  git(['init', '-q', '-b', 'main'], seed)
  git(['add', '-A'], seed)
  git(['commit', '-q', '-m', 'Seed from example/gitops'], seed)
  git(['push', '-q', gitopsBare, 'main'], seed)
  fs.rmSync(seed, { recursive: true, force: true })
}
const gitopsUrl = `ssh://${process.env.USER || 'root'}@127.0.0.1:${infra.SSH_PORT}${gitopsBare}`

// A run number that grows, as GITHUB_RUN_NUMBER does, and this checkout's commit as GITHUB_SHA.
const counter = `${gitopsBare}.run-number`
let lastRun = Number(fs.existsSync(counter) ? fs.readFileSync(counter, 'utf8') : '0')
try {
  // never below the run number already deployed (gitops-bump refuses to roll back to an older run)
  const values = execFileSync('git', [
    '--git-dir',
    gitopsBare,
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
const env = {
  GITHUB_SHA: sha,
  GITHUB_RUN_NUMBER: runNumber,
  GITHUB_RUN_ID: `local-${Date.now()}`,
  PATH: `${path.dirname(infra.HELM)}:${process.env.PATH}`
}
const opts = { env }

const results = []
const posts = []
/** Printed last, after the stage table: what was deployed and where. */
const closing = []

async function stage(title, name, inputs) {
  say('\n' + paint('1;36', `== ${title} (${name})`))
  const main = await runMain(name, inputs, opts)
  if (
    fs.existsSync(path.join(ROOT, name, 'action.yml')) &&
    /post:/.test(fs.readFileSync(path.join(ROOT, name, 'action.yml'), 'utf8'))
  )
    posts.push([name, main])
  const ok = main.exitCode === 0
  say(renderSummary(main.summary || '(no summary)\n', { details: !ok || name === 'gitops-bump' }))
  for (const c of main.commands.filter(c => ['error', 'warning', 'notice'].includes(c.command)))
    say(
      `  ${c.command === 'error' ? paint('31', 'error') : paint('33', c.command)}: ${c.message.split('\n').slice(0, 12).join('\n    ')}`
    )
  results.push({ title, status: ok ? 'passed' : 'failed', ms: main.ms })
  if (!ok)
    say(
      paint('31', `   ${name} failed (exit ${main.exitCode}); full log of the step:\n`) +
        main.stdout.split('\n').slice(-40).join('\n')
    )
  return main
}

async function cleanup() {
  for (const [name, main] of posts.reverse()) await runPost(name, main, opts)
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

try {
  const test = await stage('1. Test', 'unit-test', {
    'working-directory': 'example/demo-app',
    python: infra.PYTHON,
    install: 'false',
    args: '-p no:cacheprovider'
  })
  if (test.exitCode !== 0) finish(1)

  const build = await stage('2. Build', 'build-push', {
    image: `${infra.REGISTRY}/banicr/demo-flask-app`,
    context: 'example/demo-app',
    version: 'v2.0.0',
    'build-args': `BASE_IMAGE=${infra.PYTHON_IMAGE}`,
    username: infra.REGISTRY_USER,
    password: infra.REGISTRY_PASSWORD
  })
  if (build.exitCode !== 0) finish(1)
  const { tag, image } = build.outputs

  const kind = spawnSync('kind', ['version'], { encoding: 'utf8' })
  if (args.includes('--skip-e2e') || kind.status !== 0) {
    const why = args.includes('--skip-e2e')
      ? 'skipped with --skip-e2e'
      : 'kind is not installed here, so no cluster can be created (the reference workflow runs this stage on GitHub-hosted runners)'
    say('\n' + paint('1;33', `== 3. E2E test (kind-e2e): SKIPPED — ${why}`))
    results.push({ title: '3. E2E test', status: 'skipped', why })
  } else {
    const e2e = await stage('3. E2E test', 'kind-e2e', {
      image,
      chart: 'example/gitops/helm/demo-flask-app',
      username: infra.REGISTRY_USER,
      password: infra.REGISTRY_PASSWORD
    })
    if (e2e.exitCode !== 0) finish(1)
  }

  const bump = await stage('4. Update GitOps', 'gitops-bump', {
    repository: gitopsUrl,
    tag,
    'ssh-key': fs.readFileSync(infra.SSH_KEY, 'utf8'),
    'ssh-known-hosts': fs.readFileSync(infra.SSH_KNOWN_HOSTS, 'utf8')
  })
  if (bump.exitCode !== 0) finish(1)
  const deployed = bump.outputs.changed === 'true'
  closing.push(
    `Look at it: git --git-dir=${gitopsBare} log --stat -1 main`,
    `GitOps commit ${bump.outputs.commit} on main of ${gitopsUrl}${deployed ? '' : ' (unchanged)'}`,
    deployed
      ? paint('1;32', `Deployed ${tag}`) + ` — image ${image} (${build.outputs.digest})`
      : paint('1;33', `Built and tested ${tag}, not deployed`) +
          ` — the GitOps repository stays at ${bump.outputs['previous-tag']} (see gitops-bump above)`
  )
} finally {
  await cleanup()
}
finish(0)
