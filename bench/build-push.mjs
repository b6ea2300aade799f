// build-push against the raw commands it replaces (login, build, push of two tags, logout), and a
// rebuild where only application code changed (the dependency layers are reused).
import { execFileSync, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { runMain, uniqueName, tempDir } from '../scripts/lib/runner.mjs'
import { fmt, infra, median, rm, ROOT, table } from './lib.mjs'

const RUNS = Number(process.env.BENCH_RUNS_BUILD || 9)

/** A copy of example/demo-app whose app code can be changed without touching the repository. */
function appCopy() {
  const dir = tempDir('bench-app')
  fs.cpSync(path.join(ROOT, 'example/demo-app'), dir, { recursive: true })
  return dir
}

function touchApp(dir, n) {
  fs.appendFileSync(path.join(dir, 'app', 'main.py'), `\n# change ${n}\n`)
}

/** A context whose build does a few seconds of real work, redone every time (salt.txt changes). */
function workContext() {
  const dir = tempDir('bench-work')
  fs.writeFileSync(
    path.join(dir, 'Dockerfile'),
    'ARG BASE_IMAGE=python:3.11-slim\nFROM ${BASE_IMAGE}\nCOPY salt.txt /salt.txt\n' +
      "RUN python3 -c \"import functools, hashlib; print(functools.reduce(lambda h, _: hashlib.sha256(h).digest(), range(2000000), open('/salt.txt', 'rb').read()).hex())\"\n" +
      'ARG APP_VERSION=dev\nENV APP_VERSION=${APP_VERSION}\n'
  )
  fs.writeFileSync(path.join(dir, 'salt.txt'), 'start')
  return dir
}

function raw(env, dir, repository, tag) {
  const cfg = tempDir('bench-docker')
  const docker = (args, input) => {
    const r = spawnSync('docker', ['--config', cfg, ...args], { input, stdio: ['pipe', 'ignore', 'pipe'] })
    if (r.status !== 0) throw new Error(`docker ${args[0]} failed: ${r.stderr}`)
  }
  const ref = `${env.REGISTRY}/${repository}`
  docker(['login', '-u', env.REGISTRY_USER, '--password-stdin', env.REGISTRY], env.REGISTRY_PASSWORD)
  docker([
    'buildx',
    'build',
    '--build-arg',
    `BASE_IMAGE=${env.PYTHON_IMAGE}`,
    '--build-arg',
    `APP_VERSION=${tag}`,
    '-t',
    `${ref}:${tag}`,
    '-t',
    `${ref}:latest`,
    '--push',
    dir
  ])
  docker(['logout', env.REGISTRY])
  rm(cfg)
}

async function action(env, dir, repository) {
  const r = await runMain(
    'build-push',
    {
      image: `${env.REGISTRY}/${repository}`,
      context: dir,
      version: 'v2.0.0',
      'build-args': `BASE_IMAGE=${env.PYTHON_IMAGE}`,
      username: env.REGISTRY_USER,
      password: env.REGISTRY_PASSWORD,
      cache: 'none'
    },
    { env: { GITHUB_RUN_NUMBER: String(Date.now()) } }
  )
  if (r.exitCode !== 0) throw new Error(r.stdout.slice(-1500))
  return r
}

/** Whether buildx reported the dependency step (RUN ... pip install) as CACHED. */
const depsCached = stdout =>
  /#(\d+) \[[^\]]*\] RUN python3 -c[^\n]*\n(?:#\1 [^\n]*\n)*?#\1 CACHED/.test(stdout)

export async function run() {
  const env = infra()
  const dir = appCopy()
  const repository = `bench/${uniqueName('app')}`
  // warm: base image layers and dependency layer in the build cache
  raw(env, dir, repository, 'warm')
  console.log(
    `\n## build-push against the raw commands (login, buildx build --push of two tags, logout; app code changed before each; median of ${RUNS})`
  )
  const rawTimes = []
  const actionTimes = []
  for (let i = 0; i < RUNS; i++) {
    touchApp(dir, `raw-${i}`)
    const t = process.hrtime.bigint()
    raw(env, dir, repository, `raw-${i}`)
    rawTimes.push(Number(process.hrtime.bigint() - t) / 1e6)
    touchApp(dir, `action-${i}`)
    actionTimes.push((await action(env, dir, repository)).ms)
  }
  const r = median(rawTimes)
  const a = median(actionTimes)
  // The same, on a build that does a few seconds of work: the action's cost is fixed, not proportional.
  const work = workContext()
  const workRepo = `bench/${uniqueName('work')}`
  const rawWork = []
  const actionWork = []
  for (let i = 0; i < Math.min(RUNS, 3); i++) {
    fs.writeFileSync(path.join(work, 'salt.txt'), `raw-${i}-${Date.now()}`)
    const t = process.hrtime.bigint()
    raw(env, work, workRepo, `raw-${i}`)
    rawWork.push(Number(process.hrtime.bigint() - t) / 1e6)
    fs.writeFileSync(path.join(work, 'salt.txt'), `action-${i}-${Date.now()}`)
    actionWork.push((await action(env, work, workRepo)).ms)
  }
  rm(work)
  const rw = median(rawWork)
  const aw = median(actionWork)
  table(
    ['build', 'raw commands', 'action', 'action / raw', 'action - raw'],
    [
      [
        'example app, app code changed (cached layers)',
        fmt(r),
        fmt(a),
        (a / r).toFixed(2),
        `${Math.round(a - r)} ms`
      ],
      ['a build step doing ~2 s of work', fmt(rw), fmt(aw), (aw / rw).toFixed(2), `${Math.round(aw - rw)} ms`]
    ]
  )
  console.log('  goal: at most 1.10x')

  console.log('\n## A rebuild where only application code changed')
  const cold = appCopy()
  const coldRepo = `bench/${uniqueName('cold')}`
  // a dependency change forces the dependency layer to be rebuilt: the "first build" of new dependencies
  fs.appendFileSync(path.join(cold, 'requirements.txt'), `# ${uniqueName('dep')}\n`)
  const first = await action(env, cold, coldRepo)
  touchApp(cold, 'code-only')
  const second = await action(env, cold, coldRepo)
  table(
    ['build', 'time', 'dependency step'],
    [
      ['requirements changed', fmt(first.ms), depsCached(first.stdout) ? 'cached' : 'run'],
      ['only app code changed', fmt(second.ms), depsCached(second.stdout) ? 'cached (reused)' : 'run']
    ]
  )
  const history = execFileSync('docker', [
    'history',
    '--format',
    '{{.CreatedBy}}',
    `${env.REGISTRY}/${coldRepo}:latest`
  ]).toString()
  console.log(`  layers of the last image: ${history.trim().split('\n').length}`)
  rm(dir)
  rm(cold)
}

if (import.meta.url === `file://${process.argv[1]}`) await run()
