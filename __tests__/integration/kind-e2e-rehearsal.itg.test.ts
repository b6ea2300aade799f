// kind-e2e's upgrade-from on real kind: what runs now (a values file naming the current release's image) is
// installed, then upgraded to the candidate while a probe on a node sends requests to the Service through
// kube-proxy, every one counted, until the old pods are gone; with rollback, back again. The example chart
// (readiness gate, maxUnavailable 0, a preStop delay, gunicorn's graceful stop) loses nothing at 50
// requests a second; a chart that rolls out the careless way fails with the count. Every run leaves
// nothing behind: no cluster, no probe, no private folder, a SIGKILLed step included (post cleans up).
import { execFileSync, type ChildProcess } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { runMain, runMainAndPost, runPost, tempDir } from '../../scripts/lib/runner.mjs'
import { buildCrashingApp, buildExampleApp, CHART, push } from './example-app.js'
import { clusters, deleteCluster, NODE, nodeContainers, opts } from './kind.js'
import { infra } from './registry.js'
import { probesOneAtATime } from './probes.js'

const REPO = `${infra.REGISTRY}/rehearsal/demo-flask-app`
const CURRENT = `${REPO}:v2.0.0-1111111-10`
const CANDIDATE = `${REPO}:v2.0.0-2222222-11`
const CRASHING = `${REPO}:v2.0.0-badbad0-12`
const DROPS = '__tests__/fixtures/charts/drops'
const KEYS = 'repository=image.repository\ntag=image.tag\npullPolicy=image.pullPolicy\ndigest=image.digest'
const errors = (r: { commands: { command: string; message: string }[] }) =>
  r.commands.filter(c => c.command === 'error').map(c => c.message)
const made: string[] = []

beforeAll(() => {
  buildExampleApp(CURRENT)
  execFileSync('docker', ['tag', CURRENT, CANDIDATE])
  buildCrashingApp(CRASHING, CURRENT)
  push(CURRENT, CANDIDATE, CRASHING)
}, 120_000)

afterAll(() => {
  for (const name of made) if (clusters().includes(name)) deleteCluster(name)
})

/** A values file of what runs now, as a GitOps repository holds it. */
function values(tag: string, extra = ''): string {
  const file = path.join(tempDir('upgrade-from'), 'values.yaml')
  fs.writeFileSync(file, `image:\n  repository: ${REPO}\n  tag: "${tag}"\n  digest: ""\n${extra}`)
  return file
}

const inputs = (more: Record<string, string>) => ({
  image: CANDIDATE,
  chart: CHART,
  ...NODE,
  'image-keys': KEYS,
  username: infra.REGISTRY_USER,
  password: infra.REGISTRY_PASSWORD,
  'probe-rate': '50',
  ...more
})

/** No probe of a step left running on this machine (its `docker exec` ends with it). */
const probes = () =>
  execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
    .split('\n')
    .filter(l => /docker exec -i \S+ bash -c url=/.test(l))

function leftNothing(main: { outputs: Record<string, string>; state: Record<string, string> }) {
  const name = main.outputs['cluster-name']
  made.push(name)
  expect(clusters()).not.toContain(name)
  expect(nodeContainers(name)).toEqual([])
  expect(fs.existsSync(main.state.privateDir)).toBe(false)
  expect(probes()).toEqual([])
}

test('the example chart: the upgrade from what runs now loses 0 of at least 500 requests, and so does the rollback', async () => {
  const { main, post } = await probesOneAtATime(() =>
    runMainAndPost(
      'kind-e2e',
      inputs({ 'upgrade-from': values(CURRENT.split(':')[2]), rollback: 'true' }),
      opts()
    )
  )
  expect(errors(main)).toEqual([])
  expect(main.exitCode).toBe(0)
  // what runs now was installed first, from the values file, then upgraded to the candidate
  expect(main.stdout).toMatch(new RegExp(`Install what runs now: ${CURRENT.replace(/[.]/g, '\\.')}`))
  expect(main.stdout).toMatch(/helm upgrade --install demo-flask-app .*--values=.*values\.yaml/)
  expect(Number(main.outputs.requests)).toBeGreaterThanOrEqual(500)
  expect(main.outputs['failed-requests']).toBe('0')
  expect(Number(main.outputs['rollout-seconds'])).toBeGreaterThan(0)
  expect(Number(main.outputs['rollback-requests'])).toBeGreaterThan(0)
  expect(main.outputs['rollback-failed-requests']).toBe('0')
  expect(main.stdout).toContain('helm rollback demo-flask-app')
  expect(main.summary).toMatch(/upgrade from .*v2\.0\.0-1111111-10/)
  expect(JSON.parse(main.outputs.report).smoke.every((t: { ok: boolean }) => t.ok)).toBe(true)
  expect(post.exitCode).toBe(0)
  leftNothing(main)
})

test('a chart that drops requests in its rolling update fails the rehearsal, naming the count and the kinds', async () => {
  const { main, post } = await probesOneAtATime(() =>
    runMainAndPost(
      'kind-e2e',
      inputs({ chart: DROPS, 'upgrade-from': values(CURRENT.split(':')[2]) }),
      opts()
    )
  )
  expect(main.exitCode).toBe(1)
  const failed = Number(main.outputs['failed-requests'])
  expect(failed).toBeGreaterThan(0)
  expect(errors(main).at(-1)).toMatch(
    new RegExp(
      `^The upgrade lost requests: ${failed} of ${main.outputs.requests} failed \\((\\d+ (refused|reset|timeout|5xx|other)(, )?)+\\), max-failed-requests is 0. First: [\\d.]+ s: `
    )
  )
  // the smoke tests did not run on a release that lost requests
  expect(main.stdout).not.toMatch(/Smoke tests against/)
  expect(post.exitCode).toBe(0)
  leftNothing(main)
})

test('a candidate that never becomes ready: its pods diagnosed, while the release before it kept serving', async () => {
  const { main, post } = await probesOneAtATime(() =>
    runMainAndPost(
      'kind-e2e',
      inputs({ image: CRASHING, 'upgrade-from': values(CURRENT.split(':')[2]), 'wait-timeout': '40s' }),
      opts()
    )
  )
  expect(main.exitCode).toBe(1)
  const error = errors(main).at(-1) ?? ''
  expect(error).toMatch(/not ready within the wait-timeout.*Meanwhile the release that ran before/s)
  // kept serving: the probe's requests answered, bar a rare one-second timeout on a machine whose two
  // cores run other clusters meanwhile (no endpoint changes here: the old pods stay, the new never join)
  const served = /answered all (\d+) requests|lost (\d+) of (\d+) requests/.exec(error)
  expect(served).not.toBeNull()
  const [sent, lost] = served![1] ? [Number(served![1]), 0] : [Number(served![3]), Number(served![2])]
  expect(sent).toBeGreaterThan(500)
  expect(lost / sent).toBeLessThan(0.005)
  expect(main.summary).toContain('Diagnostics: pods, events and logs')
  expect(main.summary).toContain('DATABASE_URL is not set')
  expect(post.exitCode).toBe(0)
  leftNothing(main)
})

describe('bad input and bad days: a clear error, nothing left', () => {
  test('a values file with no image at the image keys: refused before any cluster', async () => {
    const file = path.join(tempDir('upgrade-from'), 'values.yaml')
    fs.writeFileSync(file, 'replicaCount: 2\n')
    const main = await runMain('kind-e2e', inputs({ 'upgrade-from': file }), opts())
    expect(main.exitCode).toBe(1)
    expect(errors(main).at(-1)).toMatch(/^Input 'upgrade-from' names no image at the image keys/)
    expect(main.stdout).not.toMatch(/kind create cluster/)
  })

  test('a values file that does not exist', async () => {
    const main = await runMain('kind-e2e', inputs({ 'upgrade-from': 'nowhere/values.yaml' }), opts())
    expect(errors(main).at(-1)).toMatch(
      /^Input 'upgrade-from' names 'nowhere\/values.yaml', which cannot be read \(ENOENT\)/
    )
    expect(main.stdout).not.toMatch(/kind create cluster/)
  })

  test('the image of what runs now cannot be had: the registry’s answer named', async () => {
    const { main, post } = await runMainAndPost(
      'kind-e2e',
      inputs({ 'upgrade-from': values('v0.0.0-0000000-1') }),
      opts()
    )
    expect(main.exitCode).toBe(1)
    expect(errors(main).at(-1)).toMatch(
      /^The image of what runs now \(.*v0\.0\.0-0000000-1, from upgrade-from\) could not be had: .*(not found|manifest unknown)/s
    )
    expect(post.exitCode).toBe(0)
    leftNothing(main)
  })

  test('what runs now never becomes ready: the current release’s problem, said so', async () => {
    const { main, post } = await runMainAndPost(
      'kind-e2e',
      inputs({ 'upgrade-from': values(CRASHING.split(':')[2]), 'wait-timeout': '30s' }),
      opts()
    )
    expect(main.exitCode).toBe(1)
    expect(errors(main).at(-1)).toMatch(
      /did not become ready, so the upgrade was not rehearsed. This is the current release's problem, not the candidate's/
    )
    expect(main.stdout).not.toMatch(/Upgrade to /)
    expect(post.exitCode).toBe(0)
    leftNothing(main)
  })

  test('a step SIGKILLed in the middle of the upgrade: post deletes the cluster, no probe is left', async () => {
    const main = await runMain('kind-e2e', inputs({ 'upgrade-from': values(CURRENT.split(':')[2]) }), {
      ...opts(),
      onSpawn: (child: ChildProcess) => {
        let seen = ''
        child.stdout!.on('data', (d: Buffer) => {
          seen += d.toString()
          if (/::group::Upgrade to /.test(seen)) child.kill('SIGKILL')
        })
      }
    })
    expect(main.exitCode).not.toBe(0)
    const name = main.state.clusterName
    expect(clusters()).toContain(name)
    const post = await runPost('kind-e2e', main, opts())
    expect(post.exitCode).toBe(0)
    leftNothing({ ...main, outputs: { ...main.outputs, 'cluster-name': name } })
  })
})
