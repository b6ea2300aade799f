// The README's first command, `npm run pipeline`: the seed's whole system on the bundled example. It
// shares the seed's cluster (scripts/seed/seed.sh) with the Argo CD tests: its own application,
// demo-flask-app in namespace demo-app, is the seed's.
import { spawn, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { parseFileCommands, ROOT } from '../../scripts/lib/runner.mjs'
import { git, infra } from './git-host.js'
import { kind } from './kind.js'
import { probesOneAtATime } from './probes.js'
import { HOLD_TIMEOUT, holdSeed, releaseSeed } from './seed.js'

const SEED = process.env.DEMO_ACTIONS_SEED || '/tmp/demo-actions-seed'
const PIPELINE = path.join(ROOT, 'scripts/pipeline.sh')

function run(): { status: number | null; stdout: string; stderr: string } {
  return spawnSync('bash', [PIPELINE], { encoding: 'utf8', env: process.env })
}

/** What one run printed: the stages, the closing lines, the deployed tag. */
function check(r: { status: number | null; stdout: string; stderr: string }) {
  if (r.status !== 0)
    throw new Error(
      `npm run pipeline ended with ${r.status}:\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-2000)}`
    )
  expect({ status: r.status, stderr: r.stderr.split('\n').filter(l => /error/i.test(l)) }).toEqual({
    status: 0,
    stderr: []
  })
  const out = r.stdout
  for (const stage of [
    '1\\. Test',
    '2\\. Build',
    '3\\. E2E test',
    '4\\. Deploy to staging',
    '5\\. Promote to production'
  ])
    expect(out).toMatch(new RegExp(`passed {3}${stage}`))
  // E2E on a real kind cluster of its own, on the node image kind.sh made ready (built here), deleted after
  expect(out).toMatch(/ran: \S*kind create cluster --name e2e-local-\S+ .*--image /)
  expect(out).toContain(`--image ${kind.KIND_NODE_IMAGE}`)
  const tag = /Deployed (v2\.0\.0-[0-9a-f]{7}-\d+) to staging and production/.exec(out)![1]
  // the chain: the digest built and signed is the one tested, rehearsed, verified and pinned in both environments
  const digest = new RegExp(
    `Deployed ${tag} to staging and production — \\S+ \\((sha256:[0-9a-f]{64}): signed, attested, tested, rehearsed and verified\\), both Healthy on that digest`
  ).exec(out)![1]
  expect(out).toContain(
    `Verified ${infra.REGISTRY}/banicr/demo-flask-app@${digest}, signed by https://github.com/`
  )
  // the upgrade from what production ran, rehearsed on a temporary cluster: nothing lost
  const rehearsal =
    /Rehearsal {3}upgrade from production's \S+ on a temporary cluster: (\d+) of (\d+) requests failed/.exec(
      out
    )!
  expect(rehearsal[1]).toBe('0')
  expect(Number(rehearsal[2])).toBeGreaterThanOrEqual(300)
  const seed = parseFileCommands(fs.readFileSync(path.join(SEED, 'env'), 'utf8'))
  const commit = git(['rev-parse', 'main'], seed.GITOPS_BARE)
  for (const file of ['values.yaml', 'values-production.yaml']) {
    const values = git(['show', `main:helm/demo-flask-app/${file}`], seed.GITOPS_BARE)
    expect(values).toContain(`tag: "${tag}"`)
    expect(values).toContain(`digest: "${digest}"`)
  }
  // what Argo CD, each cluster and the app say
  for (const [app, at] of [
    ['demo-flask-app', git(['rev-parse', 'main~1'], seed.GITOPS_BARE)],
    ['demo-flask-app-production', commit]
  ])
    expect(out).toMatch(
      new RegExp(
        `Argo CD {5}application ${app}: Synced at (${at.slice(0, 12)}|${commit.slice(0, 12)}), Healthy, [\\d.]+ s from the push to Healthy`
      )
    )
  expect(
    out.match(new RegExp(`deployment demo-flask-app in demo-app: 2/2 Ready, running ${digest}\n`, 'g'))
  ).toHaveLength(2)
  expect(out.match(new RegExp(`says version ${tag}\n`, 'g'))).toHaveLength(2)
  const probes = [...out.matchAll(/Downtime {4}(\d+) requests to .* during the rollout: (\d+) failed/g)]
  expect(probes).toHaveLength(2)
  for (const p of probes) expect(Number(p[1])).toBeGreaterThan(40)
  expect(out).not.toContain(infra.REGISTRY_PASSWORD)
  expect(out).not.toContain(fs.readFileSync(seed.ARGOCD_TOKEN_FILE, 'utf8').trim())
  return {
    tag,
    failed: probes.reduce((n, p) => n + Number(p[2]), 0),
    seconds: Math.max(...[...out.matchAll(/([\d.]+) s from the push to Healthy/g)].map(m => Number(m[1])))
  }
}

// the seed's clusters awake for this file (./seed.ts)
beforeAll(holdSeed, HOLD_TIMEOUT)
afterAll(releaseSeed)

test('npm run pipeline: test, build, e2e rehearsing the upgrade from production on real kind, staging, promotion to production in its own cluster; both Synced and Healthy on the same digest, no request lost in either rollout; a run started meanwhile is refused', async () => {
  // the run rolls out from what runs now (seed.sh up is ready only when the app answers in both clusters)
  const seed = parseFileCommands(fs.readFileSync(path.join(SEED, 'env'), 'utf8'))
  const before = /tag: "([^"]+)"/.exec(
    git(['show', 'main:helm/demo-flask-app/values.yaml'], seed.GITOPS_BARE)
  )![1]
  // (its rehearsal and rollouts count every request: no other test's probes meanwhile)
  const { status, out, err, second } = await probesOneAtATime(async () => {
    const first = spawn('bash', [PIPELINE], { env: process.env })
    let out = ''
    let err = ''
    first.stdout.on('data', d => (out += d))
    first.stderr.on('data', d => (err += d))
    for (let i = 0; i < 100 && !out.includes('== 1. Test'); i++) await new Promise(r => setTimeout(r, 300))
    // a second run started meanwhile is refused at once
    const second = run()
    const status = await new Promise<number | null>(r => first.on('close', r))
    return { status, out, err, second }
  })
  expect(second.status).toBe(1)
  expect(second.stderr).toMatch(
    /npm run pipeline is running already \(it holds \S+, pid \d+\): wait for it to end, or stop it/
  )
  expect(second.stdout).not.toContain('1. Test')
  const r = check({ status, stdout: out, stderr: err })
  expect(r.tag).not.toBe(before)
  expect(r.failed).toBe(0)
  expect(r.seconds).toBeLessThan(30)
}, 900_000)
