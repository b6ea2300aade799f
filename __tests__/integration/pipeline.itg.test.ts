// The README's first command, `npm run pipeline`: the seed's whole system on the bundled example. It
// shares the seed's cluster (scripts/seed/seed.sh) with the Argo CD tests: its own application,
// demo-flask-app in namespace demo-app, is the seed's.
import { spawn, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { parseFileCommands, ROOT } from '../../scripts/lib/runner.mjs'
import { git, infra } from './git-host.js'

const SEED = process.env.DEMO_ACTIONS_SEED || '/tmp/demo-actions-seed'
const PIPELINE = path.join(ROOT, 'scripts/pipeline.sh')

function run(): { status: number | null; stdout: string; stderr: string } {
  return spawnSync('bash', [PIPELINE], { encoding: 'utf8', env: process.env })
}

/** What one run printed: the stages, the closing lines, the deployed tag. */
function check(r: { status: number | null; stdout: string; stderr: string }) {
  expect({ status: r.status, stderr: r.stderr.split('\n').filter(l => /error/i.test(l)) }).toEqual({
    status: 0,
    stderr: []
  })
  const out = r.stdout
  for (const stage of ['1\\. Test', '2\\. Build', '3\\. E2E test', '4\\. Update GitOps'])
    expect(out).toMatch(new RegExp(`passed {3}${stage}`))
  // E2E on a real kind cluster of its own, on the node image built here, deleted after
  expect(out).toMatch(
    /ran: \S*kind create cluster --name e2e-local-\S+ .*--image demo-actions\/kind-node:v1\.34\.0-/
  )
  const tag = /Deployed (v2\.0\.0-[0-9a-f]{7}-\d+)/.exec(out)![1]
  // the chain: the digest built and signed is the one tested, verified and pinned in the GitOps repository
  const digest = new RegExp(
    `Deployed ${tag} — \\S+ \\((sha256:[0-9a-f]{64}): signed, attested, tested and verified\\)`
  ).exec(out)![1]
  expect(out).toContain(
    `Verified ${infra.REGISTRY}/banicr/demo-flask-app@${digest}, signed by https://github.com/`
  )
  const seed = parseFileCommands(fs.readFileSync(path.join(SEED, 'env'), 'utf8'))
  const commit = git(['rev-parse', 'main'], seed.GITOPS_BARE)
  expect(git(['show', 'main:helm/demo-flask-app/values.yaml'], seed.GITOPS_BARE)).toContain(
    `tag: "${tag}"\n  # Set by CI with the tag: the verified digest, so the cluster runs exactly the image that was verified\n  # (the tag stays readable, and stays a valid label value).\n  digest: "${digest}"`
  )
  // what Argo CD, the cluster and the app say
  expect(out).toMatch(
    new RegExp(
      `Argo CD {5}application demo-flask-app: Synced at ${commit.slice(0, 12)}, Healthy, [\\d.]+ s from the push to Healthy`
    )
  )
  expect(out).toMatch(
    new RegExp(
      `deployment demo-flask-app in demo-app: 2/2 Ready, ${infra.REGISTRY.replace(/\./g, '\\.')}/banicr/demo-flask-app:${tag}@${digest}\n`
    )
  )
  expect(out).toMatch(new RegExp(`says version ${tag}\n`))
  const probe = /Downtime {4}(\d+) requests to .* during the rollout: (\d+) failed/.exec(out)!
  expect(Number(probe[1])).toBeGreaterThan(40)
  expect(out).not.toContain(infra.REGISTRY_PASSWORD)
  expect(out).not.toContain(fs.readFileSync(seed.ARGOCD_TOKEN_FILE, 'utf8').trim())
  return {
    tag,
    failed: Number(probe[2]),
    seconds: Number(/([\d.]+) s from the push to Healthy/.exec(out)![1])
  }
}

test('npm run pipeline, twice: test, build, e2e on real kind, bump; Argo CD Synced and Healthy, the new version rolled out with no request lost; a run started meanwhile is refused', async () => {
  const first = check(run())
  // the second run rolls v(n) to v(n+1); a third started meanwhile is refused at once
  const second = spawn('bash', [PIPELINE], { env: process.env })
  let out = ''
  let err = ''
  second.stdout.on('data', d => (out += d))
  second.stderr.on('data', d => (err += d))
  for (let i = 0; i < 100 && !out.includes('== 1. Test'); i++) await new Promise(r => setTimeout(r, 300))
  const third = run()
  expect(third.status).toBe(1)
  expect(third.stderr).toMatch(
    /npm run pipeline is running already \(it holds \S+, pid \d+\): wait for it to end, or stop it/
  )
  expect(third.stdout).not.toContain('1. Test')
  const status = await new Promise<number | null>(r => second.on('close', r))
  const next = check({ status, stdout: out, stderr: err })
  expect(Number(next.tag.split('-').pop())).toBe(Number(first.tag.split('-').pop()) + 1)
  expect(next.failed).toBe(0)
  expect(next.seconds).toBeLessThan(30)
}, 900_000)
