// kind-e2e's upgrade-from on real kind when it must fail: a chart that rolls out the careless way fails with
// the count of lost requests, bad input is refused before any cluster, what runs now that cannot be had
// or never becomes ready is named as production's problem, and a step SIGKILLed mid-upgrade leaves its
// cluster to post. Every run leaves nothing behind: no cluster, no probe, no private folder. None of these
// needs every request answered, so they run beside the other tests (kind-e2e-rehearsal counts them alone).
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { ChildProcess } from 'node:child_process'
import { runMain, runMainAndPost, runPost, tempDir } from '../../scripts/lib/runner.mjs'
import { clusters, opts } from './kind.js'
import { probesOneAtATime } from './probes.js'
import { DROPS, errors, rehearsal } from './rehearsal.js'

const { current, crashing, values, inputs, leftNothing, tagOf } = rehearsal('rehearsal-faults')

test('a chart that drops requests in its rolling update fails the rehearsal, naming the count and the kinds', async () => {
  const { main, post } = await probesOneAtATime(() =>
    runMainAndPost('kind-e2e', inputs({ chart: DROPS, 'upgrade-from': values(tagOf(current)) }), opts())
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

  test('the image of what runs now cannot be had: the registry’s answer named, before any cluster', async () => {
    const { main, post } = await runMainAndPost(
      'kind-e2e',
      inputs({ 'upgrade-from': values('v0.0.0-0000000-1') }),
      opts()
    )
    expect(main.exitCode).toBe(1)
    expect(errors(main).at(-1)).toMatch(
      /^The image of what runs now \(.*v0\.0\.0-0000000-1, from upgrade-from\) could not be had: .*(not found|manifest unknown)/s
    )
    expect(main.stdout).not.toMatch(/kind create cluster/)
    expect(post.exitCode).toBe(0)
    leftNothing(main)
  })

  test('what runs now never becomes ready: the current release’s problem, said so', async () => {
    const { main, post } = await runMainAndPost(
      'kind-e2e',
      inputs({ 'upgrade-from': values(tagOf(crashing)), 'wait-timeout': '30s' }),
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
    const main = await runMain('kind-e2e', inputs({ 'upgrade-from': values(tagOf(current)) }), {
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
