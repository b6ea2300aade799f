// The stages' phases with fakes in place of what they talk to: build-push's build and push with a fake
// docker, gitops-bump's reading of what Argo CD says. Each decision a phase makes, without Docker, a
// registry or a cluster.
import type { Docker } from '../../src/common/docker.js'
import { ToolError, type RunResult } from '../../src/common/exec.js'
import { buildClassic, checkPushed, explainBuildFailure, type Built } from '../../src/build-push/build.js'
import { capabilitiesMatter, checkMode, loginsOf, type Engine } from '../../src/build-push/engine.js'
import { FULL } from '../../src/build-push/builder.js'
import { getSettings as buildPushSettings, runContext } from '../../src/build-push/settings.js'
import { DEGRADED_SETTLE_MS, judge, type AppStatus } from '../../src/gitops-bump/argocd.js'
import { withStep } from './step.js'

const digest = (c: string) => `sha256:${c.repeat(64)}`
// the phases' ::group:: and log lines are for the runner's log, not the test's
const write = process.stdout.write
beforeAll(() => (process.stdout.write = (() => true) as typeof write))
afterAll(() => (process.stdout.write = write))
const ok = (stdout = ''): RunResult => ({ exitCode: 0, stdout, stderr: '' })

/** A docker that answers each call from `answer` and records it. */
function fakeDocker(answer: (args: string[]) => RunResult): { docker: Docker; calls: string[][] } {
  const calls: string[][] = []
  const docker = (async (args: string[]) => {
    calls.push(args)
    const r = answer(args)
    if (r.exitCode !== 0) throw new ToolError(`docker ${args[0]} failed`, r)
    return r
  }) as Docker
  return { docker, calls }
}

const engine = (docker: Docker): Engine => ({
  docker,
  buildx: docker,
  builder: 'classic',
  can: FULL,
  viaEngine: false,
  context: ''
})

const settings = (inputs: Record<string, string> = {}) =>
  withStep('build-push', { image: 'ghcr.io/o/app', context: 'example/demo-app', ...inputs }, () =>
    buildPushSettings()
  )

describe('build-push phases', () => {
  test('the classic builder builds once and pushes every tag; the tags of one image share its digest', async () => {
    const s = settings({ tag: 'v1', 'extra-tags': 'stable' })
    const { docker, calls } = fakeDocker(args =>
      ok(args[0] === 'push' ? `v1: digest: ${digest('a')} size: 1` : '')
    )
    const built = await buildClassic(s, runContext(), engine(docker))
    expect(built.digest).toBe(digest('a'))
    expect(calls.map(c => c[0])).toEqual(['build', 'push', 'push', 'push'])
    expect(calls.filter(c => c[0] === 'push').map(c => c[1])).toEqual([
      'ghcr.io/o/app:v1',
      'ghcr.io/o/app:latest',
      'ghcr.io/o/app:stable'
    ])
    let n = 0
    const split = fakeDocker(args => ok(args[0] === 'push' ? `digest: ${digest(String(++n))} size: 1` : ''))
    await expect(buildClassic(s, runContext(), engine(split.docker))).rejects.toThrow(
      /The tags of one image were pushed with different digests/
    )
  })

  test('push: false builds and pushes nothing', async () => {
    const { docker, calls } = fakeDocker(() => ok())
    const built = await buildClassic(settings({ push: 'false' }), runContext(), engine(docker))
    expect(calls.map(c => c[0])).toEqual(['build'])
    expect(built.digest).toBe('')
  })

  test('build secrets need BuildKit: refused before any build', async () => {
    const { docker, calls } = fakeDocker(() => ok())
    await expect(
      buildClassic(settings({ secrets: 'token=abc' }), runContext(), engine(docker))
    ).rejects.toThrow(/Input 'secrets' needs BuildKit/)
    expect(calls).toEqual([])
  })

  test('a push without a digest fails the step', () => {
    const built: Built = { digest: '', imageId: '', buildSeconds: 1, pushSeconds: 0 }
    expect(() => checkPushed(settings(), built)).toThrow(/reported no digest for ghcr.io\/o\/app:/)
    expect(() => checkPushed(settings({ push: 'false' }), built)).not.toThrow()
  })

  test.each([
    [
      'a refused push names the credentials it used',
      { password: 'p', username: 'bot' },
      'denied: requested access to the resource is denied',
      /The registry refused the push: check the credentials for ghcr.io as 'bot'/
    ],
    [
      'a refused push without credentials says none were given',
      {},
      'unauthorized: authentication required',
      /no credentials were given/
    ],
    [
      'a builder buildx does not know is the builder input',
      { builder: 'ci' },
      'ERROR: no builder "ci" found',
      /Input 'builder' names a builder buildx cannot use here: no builder "ci" found/
    ],
    [
      "the docker driver's refusal to push by digest is the mode input",
      { mode: 'push-by-digest' },
      'ERROR: push-by-digest is currently not implemented for docker driver',
      /Input 'mode' push-by-digest needs a builder that can push by digest/
    ]
  ])('%s', async (_, inputs, stderr, error) => {
    const e = await explainBuildFailure(settings(inputs), { exitCode: 1, stdout: '', stderr })
    expect(e?.message).toMatch(error)
  })

  test('what the builder can do is asked only where it changes the build', () => {
    expect(capabilitiesMatter(settings(), {})).toBe(false)
    expect(capabilitiesMatter(settings(), { ACTIONS_CACHE_URL: 'http://cache' })).toBe(true)
    expect(capabilitiesMatter(settings({ cache: 'inline' }), { ACTIONS_CACHE_URL: 'http://cache' })).toBe(
      false
    )
    expect(capabilitiesMatter(settings({ mode: 'push-by-digest' }), {})).toBe(true)
    expect(capabilitiesMatter(settings({ cache: 'gha' }), {})).toBe(true)
    expect(capabilitiesMatter(settings({ cache: 'registry', 'cache-ref': 'ghcr.io/o/cache' }), {})).toBe(true)
  })

  test('logins: registry/username/password first, then logins; push-by-digest needs buildx', () => {
    const s = settings({ password: 'p', username: 'u', logins: 'quay.io q s' })
    expect(loginsOf(s).map(l => l.registry)).toEqual(['ghcr.io', 'quay.io'])
    expect(() => checkMode(settings({ mode: 'push-by-digest', builder: 'classic' }))).toThrow(
      /Input 'mode' push-by-digest needs buildx/
    )
  })
})

describe("gitops-bump: what Argo CD's answer means", () => {
  const commit = 'c'.repeat(40)
  const finished = '2026-12-03T10:00:00Z'
  const at = (ms: number) => new Date(Date.parse(finished) + ms).toISOString()
  const app = (over: Partial<AppStatus>, health = 'Healthy'): AppStatus => ({
    sync: { status: 'Synced', revision: commit },
    health: { status: health },
    operationState: { phase: 'Succeeded', finishedAt: finished, syncResult: { revision: commit } },
    ...over
  })
  const same = async (r: string) => r === commit
  test.each([
    ['not at the commit yet', app({ sync: { status: 'OutOfSync', revision: 'b'.repeat(40) } }), 'waiting'],
    ['synced, compared in the same second as the sync', app({ reconciledAt: finished }), 'stale'],
    ['Healthy in a comparison after the sync', app({ reconciledAt: at(1000) }), 'healthy'],
    [
      'turned Healthy after the sync, no full comparison since (a rollout, Argo CD not asked to refresh)',
      app({ reconciledAt: at(-5000), health: { status: 'Healthy', lastTransitionTime: at(20_000) } }),
      'healthy'
    ],
    [
      'turned Healthy in the same second as the sync',
      app({ reconciledAt: at(-5000), health: { status: 'Healthy', lastTransitionTime: finished } }),
      'stale'
    ],
    [
      'Healthy since before the sync, no comparison after it',
      app({ reconciledAt: at(-5000), health: { status: 'Healthy', lastTransitionTime: at(-60_000) } }),
      'stale'
    ],
    [
      'turned Degraded after the sync, no full comparison since: not yet believed',
      app({ reconciledAt: at(-5000), health: { status: 'Degraded', lastTransitionTime: at(20_000) } }),
      'stale'
    ],
    [
      'Degraded right after the sync: the cache may still hold the last release',
      app({ reconciledAt: at(2000) }, 'Degraded'),
      'stale'
    ],
    [
      'Degraded while OutOfSync at the commit: the health of what ran before',
      app({ sync: { status: 'OutOfSync', revision: commit }, operationState: undefined }, 'Degraded'),
      'waiting'
    ],
    [
      'Degraded once the cache had time',
      app({ reconciledAt: at(DEGRADED_SETTLE_MS) }, 'Degraded'),
      'degraded'
    ],
    [
      'a sync that failed',
      app({ operationState: { phase: 'Failed', finishedAt: finished, syncResult: { revision: commit } } }),
      'failed'
    ],
    [
      'a sync still running',
      app({ operationState: { phase: 'Running', syncResult: { revision: commit } } }),
      'waiting'
    ]
  ] as [string, AppStatus, string][])('%s: %s', async (_, st, verdict) => {
    expect(await judge(st, commit, same)).toBe(verdict)
  })
})

describe('gitops-bump pinDigest: the verified digest into the values', () => {
  const verified = { image: 'ghcr.io/o/app', digest: `sha256:${'c'.repeat(64)}`, signer: 'x', predicates: [] }
  const base = {
    set: [
      { path: 'image.tag', value: 'v2.0.0-3f1c2d4-17', type: 'str' as const },
      { path: 'env.appVersion', value: 'v2.0.0-3f1c2d4-17', type: 'str' as const, optional: true }
    ],
    digest: '',
    targets: [{ kind: 'helm', file: 'values.yaml', dir: '.' }]
  }
  const withPin = (pin: string, targets = base.targets) =>
    ({ ...base, targets, verify: { pin } }) as unknown as import('../../src/gitops-bump/settings.js').Settings

  test('false: nothing pinned; key: the digest key; tag: <tag>@<digest> for Helm, the digest field for Kustomize', async () => {
    const { pinDigest } = await import('../../src/gitops-bump/main.js')
    expect(pinDigest(withPin('false'), verified)).toEqual(withPin('false'))
    expect(pinDigest(withPin('key'), verified).digest).toBe(verified.digest)
    const tag = pinDigest(withPin('tag'), verified)
    expect(tag.set[0].value).toBe(`v2.0.0-3f1c2d4-17@${verified.digest}`)
    expect(tag.set[1].value).toBe('v2.0.0-3f1c2d4-17')
    expect(tag.digest).toBe('')
    const kustomize = pinDigest(
      withPin('tag', [{ kind: 'kustomize', file: 'k/kustomization.yaml', dir: 'k' }]),
      verified
    )
    expect(kustomize.digest).toBe(verified.digest)
  })
})
