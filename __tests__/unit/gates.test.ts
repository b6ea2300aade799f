// The decisions of the rehearsal and the promotion, table-tested: what a probe line means, which image a
// values file names, which pods are still terminating; and the promotion gate against what Argo CD says
// of the source application (its status, its resource tree, its live pods).
import { failureKind, Tally } from '../../src/common/probe.js'
import type { AppStatus, ArgoClient, TreeNode } from '../../src/gitops-bump/argocd.js'
import {
  checkSource,
  podVerdict,
  sourceOf,
  workloadPods,
  type Source
} from '../../src/gitops-bump/promote.js'
import { probeProblem } from '../../src/kind-e2e/probe.js'
import { imageAt } from '../../src/kind-e2e/rehearsal.js'
import { terminatingPods } from '../../src/kind-e2e/wait.js'

const D1 = `sha256:${'1'.repeat(64)}`
const D2 = `sha256:${'2'.repeat(64)}`
const REV = 'a'.repeat(40)
const OLD = 'b'.repeat(40)

describe('the rehearsal probe', () => {
  test.each([
    ['0', '200', ''],
    ['0', '302', ''],
    ['0', '503', 'HTTP 503'],
    ['0', '404', 'HTTP 404'],
    ['7', '000', 'connection refused'],
    ['28', '000', 'timeout'],
    ['56', '000', 'connection reset'],
    ['52', '000', 'empty reply (connection reset)'],
    ['35', '000', 'curl exit code 35']
  ])('curl exit %s, status %s: %j', (code, status, problem) => {
    expect(probeProblem(code, status)).toBe(problem)
  })

  test.each([
    ['connection refused', 'refused'],
    ['ECONNREFUSED', 'refused'],
    ['ECONNRESET', 'reset'],
    ['empty reply (connection reset)', 'reset'],
    ['timeout', 'timeout'],
    ['HTTP 503', '5xx'],
    ['HTTP 404', 'other'],
    ['curl exit code 35', 'other']
  ])('%s is a failure of kind %s', (problem, kind) => {
    expect(failureKind(problem)).toBe(kind)
  })

  test('a tally counts by kind and keeps the first five with their time', () => {
    const t = new Tally('http://10.0.0.1/healthz', 50)
    for (let i = 0; i < 10; i++) t.sent()
    for (let i = 0; i < 7; i++) t.failed(i / 10, i % 2 ? 'timeout' : 'connection refused')
    const r = t.result(3)
    expect(r).toMatchObject({ sent: 10, failed: 7, kinds: { refused: 4, timeout: 3 } })
    expect(r.first).toEqual([
      '0.0 s: connection refused',
      '0.1 s: timeout',
      '0.2 s: connection refused',
      '0.3 s: timeout',
      '0.4 s: connection refused'
    ])
  })
})

describe('upgrade-from: the image of what runs now', () => {
  const keys = {
    repository: 'image.repository',
    tag: 'image.tag',
    pullPolicy: 'image.pullPolicy',
    digest: 'image.digest'
  }
  test.each([
    ['tag', { image: { repository: 'ghcr.io/o/app', tag: 'v1' } }, 'ghcr.io/o/app:v1'],
    [
      'tag and digest',
      { image: { repository: 'ghcr.io/o/app', tag: 'v1', digest: D1 } },
      `ghcr.io/o/app:v1@${D1}`
    ],
    ['digest only', { image: { repository: 'ghcr.io/o/app', tag: '', digest: D1 } }, `ghcr.io/o/app@${D1}`],
    ['a pinned tag', { image: { repository: 'ghcr.io/o/app', tag: `v1@${D1}` } }, `ghcr.io/o/app:v1@${D1}`],
    ['a number tag', { image: { repository: 'ghcr.io/o/app', tag: 2 } }, 'ghcr.io/o/app:2'],
    ['no tag nor digest', { image: { repository: 'ghcr.io/o/app' } }, undefined],
    ['no repository', { image: { tag: 'v1' } }, undefined],
    ['not a map', 'text', undefined]
  ])('%s', (_, values, image) => {
    expect(imageAt(values, keys)).toBe(image)
  })

  test('a registry key (Bitnami-style charts) goes in front of the repository', () => {
    const v = { image: { registry: 'docker.io', repository: 'bitnami/nginx', tag: '1.27' } }
    expect(imageAt(v, { ...keys, registry: 'image.registry' })).toBe('docker.io/bitnami/nginx:1.27')
  })

  test('the pods still terminating', () => {
    expect(
      terminatingPods({
        items: [
          { metadata: { name: 'new' } },
          { metadata: { name: 'old', deletionTimestamp: '2026-12-06T10:00:00Z' } }
        ]
      })
    ).toEqual(['old'])
  })
})

describe('promotion: the source values', () => {
  test.each([
    [
      'tag and digest',
      `image:\n  repository: r\n  tag: "v2"\n  digest: "${D2}"\n`,
      { tag: 'v2', digest: D2 }
    ],
    ['a tag pinned to its digest', `image:\n  tag: "v2@${D2}"\n`, { tag: 'v2', digest: D2 }],
    ['no digest', 'image:\n  tag: v2\n', { tag: 'v2', digest: '' }]
  ])('%s', async (_, text, want) => {
    expect(await sourceOf(text, 'v.yaml', REV)).toMatchObject(want)
  })

  test.each([
    ['no tag', 'image:\n  digest: ""\n', /Input 'promote-from' v.yaml has no image.tag/],
    ['not YAML', 'image: [', /Input 'promote-from' v.yaml is not YAML/],
    [
      'a digest that is not one',
      'image:\n  tag: v2\n  digest: sha256:12\n',
      /has an image.digest that is not sha256/
    ]
  ])('%s', async (_, text, error) => {
    await expect(sourceOf(text, 'v.yaml', REV)).rejects.toThrow(error)
  })
})

/** A pod as Argo CD returns it from the cluster. */
const pod = (name: string, imageID: string, over: Record<string, unknown> = {}) => ({
  metadata: { name },
  spec: {
    containers: [
      { name: 'app', image: `reg.example/o/app:v2@${D2}` },
      { name: 'proxy', image: 'envoy:1' }
    ]
  },
  status: {
    containerStatuses: [
      { name: 'app', imageID, ready: true },
      { name: 'proxy', imageID: `docker.io/library/envoy@${D1}`, ready: true }
    ],
    conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-12-06T10:00:00Z' }]
  },
  ...over
})

describe('promotion: a pod against the digest', () => {
  test.each([
    ['on the digest', pod('a', `reg.example/o/app@${D2}`), ''],
    ['on another digest', pod('a', `reg.example/o/app@${D1}`), `pod a runs ${D1}, not ${D2}`],
    ['not pulled yet', pod('a', ''), `pod a runs no image yet, not ${D2}`],
    [
      'terminating',
      pod('a', `reg.example/o/app@${D2}`, {
        metadata: { name: 'a', deletionTimestamp: '2026-12-06T10:01:00Z' }
      }),
      'pod a is terminating'
    ]
  ])('%s', (_, p, problem) => {
    expect(podVerdict(p, 'reg.example/o/app', D2)?.problem).toBe(problem)
  })

  test('a pod of another image is not judged', () => {
    expect(podVerdict(pod('a', ''), 'reg.example/o/other', D2)).toBeUndefined()
  })

  test('the pods below Deployments, StatefulSets and DaemonSets; not a bare pod', () => {
    const nodes: TreeNode[] = [
      { kind: 'Deployment', name: 'app', uid: 'd' },
      { kind: 'ReplicaSet', name: 'app-1', uid: 'rs', parentRefs: [{ kind: 'Deployment', uid: 'd' }] },
      { kind: 'Pod', name: 'app-1-x', uid: 'p1', parentRefs: [{ kind: 'ReplicaSet', uid: 'rs' }] },
      { kind: 'Pod', name: 'db-0', uid: 'p2', parentRefs: [{ kind: 'StatefulSet', uid: 's' }] },
      { kind: 'Pod', name: 'debug', uid: 'p3' }
    ]
    expect(workloadPods(nodes).map(n => n.name)).toEqual(['app-1-x', 'db-0'])
  })
})

describe('promotion: the gate against Argo CD', () => {
  const source: Source = {
    file: 'staging.yaml',
    tag: 'v2',
    digest: D2,
    repository: 'reg.example/o/app',
    revision: REV
  }
  const healthy: AppStatus = { sync: { status: 'Synced', revision: REV }, health: { status: 'Healthy' } }
  const tree: TreeNode[] = [
    { kind: 'ReplicaSet', name: 'app-1', uid: 'rs', parentRefs: [{ kind: 'Deployment', uid: 'd' }] },
    {
      kind: 'Pod',
      name: 'app-1-a',
      namespace: 'staging',
      uid: 'p1',
      parentRefs: [{ kind: 'ReplicaSet', uid: 'rs' }]
    },
    {
      kind: 'Pod',
      name: 'app-1-b',
      namespace: 'staging',
      uid: 'p2',
      parentRefs: [{ kind: 'ReplicaSet', uid: 'rs' }]
    }
  ]
  const now = Date.parse('2026-12-06T10:15:00Z')
  function client(status: AppStatus, pods: Record<string, unknown>) {
    return {
      application: async () => ({ status: 200, body: status, autoSync: true, text: '' }),
      resourceTree: async () => tree,
      liveObject: async (_: unknown, n: TreeNode) => pods[n.name] as Record<string, unknown>
    } as unknown as ArgoClient
  }
  const onDigest = {
    'app-1-a': pod('app-1-a', `reg.example/o/app@${D2}`),
    'app-1-b': pod('app-1-b', `reg.example/o/app@${D2}`)
  }
  const readAt = async (rev: string) =>
    rev === OLD
      ? `image:\n  tag: v1\n  digest: "${D1}"\n`
      : rev === REV
        ? `image:\n  tag: v2\n  digest: "${D2}"\n`
        : undefined

  test('Synced at the commit, Healthy, every pod on the digest, longer than the soak: allowed', async () => {
    const state = await checkSource(
      client(healthy, onDigest),
      { name: 'staging' },
      source,
      readAt,
      600_000,
      now
    )
    expect(state).toMatchObject({
      health: 'Healthy',
      sync: 'Synced',
      revision: REV,
      pods: 2,
      soakSeconds: 900
    })
  })

  test('Synced at a later commit whose values still hold the digest: allowed', async () => {
    const later = 'c'.repeat(40)
    const st = { ...healthy, sync: { status: 'Synced', revision: later } }
    const read = async (rev: string) => (rev === later ? `image:\n  tag: v2\n  digest: "${D2}"\n` : undefined)
    await expect(
      checkSource(client(st, onDigest), { name: 'staging' }, source, read, 0, now)
    ).resolves.toMatchObject({
      revision: later
    })
  })

  test.each([
    [
      'Degraded',
      { ...healthy, health: { status: 'Degraded', message: 'progress deadline' } },
      onDigest,
      0,
      /staging is Degraded \(progress deadline\), not Healthy/
    ],
    [
      'Progressing',
      { ...healthy, health: { status: 'Progressing' } },
      onDigest,
      0,
      /staging is Progressing, not Healthy/
    ],
    [
      'OutOfSync',
      { ...healthy, sync: { status: 'OutOfSync', revision: REV } },
      onDigest,
      0,
      /staging is OutOfSync \(at aaaaaaaaaaaa\), not Synced/
    ],
    [
      'Synced at a commit with the previous release',
      { ...healthy, sync: { status: 'Synced', revision: OLD } },
      onDigest,
      0,
      /Synced at bbbbbbbbbbbb, whose staging.yaml holds v1@sha256:1+, not v2@sha256:2+ .*has not deployed what would be promoted yet/
    ],
    [
      'one pod still on the previous digest',
      healthy,
      { ...onDigest, 'app-1-b': pod('app-1-b', `reg.example/o/app@${D1}`) },
      0,
      new RegExp(`staging: pod app-1-b runs ${D1}, not ${D2}`)
    ],
    [
      'the soak not over',
      healthy,
      onDigest,
      3_600_000,
      /has run sha256:2+ for 15m0s, promote-after is 1h0m: 45m0s left/
    ]
  ])('%s: refused', async (_, st, pods, afterMs, error) => {
    const p = checkSource(client(st as AppStatus, pods), { name: 'staging' }, source, readAt, afterMs, now)
    await expect(p).rejects.toThrow(/^Promotion refused, nothing was pushed: /)
    await expect(p).rejects.toThrow(error)
  })

  test('no pod runs the image at all: refused', async () => {
    const other = { 'app-1-a': pod('app-1-a', ''), 'app-1-b': pod('app-1-b', '') }
    const src = { ...source, repository: 'reg.example/o/else' }
    await expect(
      checkSource(client(healthy, other), { name: 'staging' }, src, readAt, 0, now)
    ).rejects.toThrow(/no pod of staging's workloads runs reg.example\/o\/else/)
  })
})

describe("Argo CD's request pacing", () => {
  test('the reads before a push go at once; polls after them at 2 a second at most', async () => {
    const { Pacer, REQUEST_BURST, REQUEST_GAP_MS } = await import('../../src/gitops-bump/argocd.js')
    const p = new Pacer(REQUEST_BURST, REQUEST_GAP_MS)
    let now = 1_000_000
    const waits: number[] = []
    for (let i = 0; i < REQUEST_BURST + 3; i++) {
      const w = p.take(now)
      waits.push(w)
      now += w
    }
    expect(waits).toEqual([...Array(REQUEST_BURST).fill(0), 500, 500, 500])
    // a pause gives credit back, never more than the burst
    now += 60_000
    expect([p.take(now), p.take(now), p.take(now), p.take(now), p.take(now)]).toEqual([0, 0, 0, 0, 500])
    // over any long run: at most one request per gap, plus the burst
    const q = new Pacer(REQUEST_BURST, REQUEST_GAP_MS)
    let t = 5_000
    let sent = 0
    while (t < 5_000 + 30_000) {
      t += q.take(t)
      sent++
      t += 10
    }
    expect(sent).toBeLessThanOrEqual(REQUEST_BURST + 30_000 / REQUEST_GAP_MS + 1)
  })
})
