// kind-e2e's main with fake collaborators: the order of its phases and what each failure leaves, without
// Docker, kind or a cluster. What the real collaborators do is the integration tests' part.
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import type { ProbeResult } from '../../src/common/probe.js'
import { runStage, type Step } from '../../src/common/stage.js'
import type { Cluster } from '../../src/kind-e2e/cluster.js'
import { State } from '../../src/kind-e2e/constants.js'
import type { Deps } from '../../src/kind-e2e/deps.js'
import { loadedRef } from '../../src/kind-e2e/image.js'
import { KindCluster } from '../../src/kind-e2e/lifecycle.js'
import { ImageNotHad, type ToLoad } from '../../src/kind-e2e/load.js'
import { StepKindCluster } from '../../src/kind-e2e/cluster.js'
import { kindE2e } from '../../src/kind-e2e/main.js'
import type { SmokeRun, Workloads } from '../../src/kind-e2e/workloads.js'
import { parseImage } from '../../src/common/validate.js'
import { runInStep, type Inputs } from './step.js'

const probeResult = (sent: number, failed: string[] = []): ProbeResult => ({
  url: 'http://10.96.0.10:80/healthz',
  rate: 50,
  seconds: 4,
  sent,
  failed: failed.length,
  errors: Object.fromEntries(failed.map(f => [f, failed.filter(x => x === f).length])),
  kinds: failed.length ? { refused: failed.length } : {},
  first: failed.slice(0, 5).map((f, i) => `${(1 + i / 10).toFixed(1)} s: ${f}`)
})

interface Fake {
  calls: string[]
  deps: Deps
  /** what the fakes do instead of answering */
  fail: Partial<Record<string, () => Error | void>>
  probes: ProbeResult[]
}

function fake(over: { created?: boolean; kind?: boolean } = {}): Fake {
  const calls: string[] = []
  const fail: Fake['fail'] = {}
  const probes: ProbeResult[] = []
  let created = false
  const act = async (name: string) => {
    calls.push(name)
    const e = fail[name]?.()
    if (e) throw e
  }
  const cluster: Cluster = {
    name: 'e2e-test',
    isKind: over.kind ?? true,
    get created() {
      return created
    },
    fetch: async (images: ToLoad[]) => {
      for (const { image } of images)
        await act(`fetch ${image}`).catch(err => {
          throw new ImageNotHad(image, err as Error)
        })
    },
    provision: async (step: Step) => {
      step.save(State.Created, 'pending')
      await act('provision')
      created = over.created ?? true
    },
    load: async (images: ToLoad[]) => void calls.push(`loaded ${images.length}`),
    troubledNodes: async () => (calls.push('troubledNodes'), []),
    exportLogs: async () => (calls.push('exportLogs'), '/tmp/logs'),
    release: async () => {
      await act('release')
      created = false
    },
    kept: () => 'kept',
    startProbe: async () => {
      calls.push('probe start')
      return {
        stop: async () => {
          calls.push('probe stop')
          return probes.shift() ?? probeResult(100)
        }
      }
    }
  }
  const smoke: SmokeRun = {
    results: [{ path: '/healthz', status: 200, ok: true, got: '200', attempts: 1 }],
    portForwardRestarts: []
  }
  const workloads: Workloads = {
    kubeconfig: '/tmp/kubeconfig',
    render: (loaded, kubeVersion, values) =>
      act(`render ${loaded.ref}${values?.valuesFile ? ' with values' : ''} for ${kubeVersion}`),
    deploy: (loaded, values) => act(`deploy ${loaded.ref}${values?.valuesFile ? ' with values' : ''}`),
    waitForRollout: () => act('wait'),
    service: async () => (calls.push('service'), 'app'),
    smoke: async () => {
      await act('smoke')
      return smoke
    },
    helmTest: () => act('helm test'),
    testCommand: () => act('test command'),
    diagnostics: async () => (calls.push('diagnostics'), 'pods: CrashLoopBackOff'),
    serviceUrl: async (_, p) => (calls.push('serviceUrl'), `http://10.96.0.10:80${p}`),
    rollback: () => act('rollback'),
    waitOldPodsGone: () => act('old pods gone')
  }
  const image = 'ghcr.io/o/app:v2'
  const deps: Deps = {
    priv: { path: '/tmp/priv', remove: async () => void calls.push('priv removed') },
    docker: async () => ({ exitCode: 0, stdout: '', stderr: '' }),
    cluster,
    workloads,
    loaded: loadedRef(parseImage('image', image)),
    pulled: false,
    now: Date.now
  }
  return { calls, deps, fail, probes }
}

const chart = 'example/gitops/helm/demo-flask-app'
const run = (f: Fake, inputs: Inputs = {}, opts = {}) =>
  runInStep(
    'kind-e2e',
    { image: 'ghcr.io/o/app:v2', chart, ...inputs },
    () => runStage(kindE2e, { deps: async () => f.deps }),
    opts
  )

describe('kind-e2e main, with fake collaborators', () => {
  test('the phases in order; outputs and summary written, the cluster deleted, the private folder removed', async () => {
    const f = fake()
    const r = await run(f)
    expect(r.error).toBeUndefined()
    expect(f.calls).toEqual([
      'render ghcr.io/o/app:v2 for v1.34.0',
      'fetch ghcr.io/o/app:v2',
      'provision',
      'loaded 1',
      'deploy ghcr.io/o/app:v2',
      'wait',
      'service',
      'smoke',
      'release',
      'priv removed'
    ])
    expect(r.outputs.result).toBe('passed')
    expect(JSON.parse(r.outputs.report).smoke[0]).toMatchObject({ path: '/healthz', ok: true })
    expect(r.summary).toContain('kind e2e passed')
  })

  test('a failed smoke test: diagnostics before the delete, the summary shows them, result failed', async () => {
    const f = fake()
    f.fail.smoke = () => new Error('GET /healthz -> 503')
    const r = await run(f)
    expect(r.error?.message).toBe('GET /healthz -> 503')
    expect(f.calls.indexOf('diagnostics')).toBeGreaterThan(-1)
    expect(f.calls.indexOf('diagnostics')).toBeLessThan(f.calls.indexOf('release'))
    expect(f.calls.indexOf('exportLogs')).toBeLessThan(f.calls.indexOf('release'))
    expect(r.outputs.result).toBe('failed')
    expect(r.outputs['logs-dir']).toBe('/tmp/logs')
    expect(r.summary).toContain('Diagnostics: pods, events and logs')
    expect(r.summary).toContain('CrashLoopBackOff')
  })

  test('nothing to explain or delete when the cluster was never made', async () => {
    const f = fake({ created: false })
    f.fail.provision = () => new Error('kind create cluster failed')
    const r = await run(f)
    expect(r.error?.message).toBe('kind create cluster failed')
    expect(f.calls).toEqual([
      'render ghcr.io/o/app:v2 for v1.34.0',
      'fetch ghcr.io/o/app:v2',
      'provision',
      'priv removed'
    ])
    expect(r.state[State.Created]).toBe('pending')
  })

  test('an image that cannot be had: its error, said before any cluster is made', async () => {
    const f = fake()
    f.fail['fetch ghcr.io/o/app:v2'] = () => new Error('docker pull: manifest unknown')
    const r = await run(f)
    expect(r.error?.message).toBe('docker pull: manifest unknown')
    expect(f.calls).toEqual(['render ghcr.io/o/app:v2 for v1.34.0', 'fetch ghcr.io/o/app:v2', 'priv removed'])
    expect(r.state[State.Created]).toBeUndefined()
  })

  test('a chart that does not render: helm’s error, said before any image is pulled or cluster made', async () => {
    const f = fake()
    f.fail['render ghcr.io/o/app:v2 for v1.34.0'] = () =>
      new Error('helm template demo failed with exit code 1:\nError: databaseHost is required')
    const r = await run(f)
    expect(r.error?.message).toMatch(/databaseHost is required/)
    expect(f.calls).toEqual(['render ghcr.io/o/app:v2 for v1.34.0', 'priv removed'])
    expect(r.state[State.Created]).toBeUndefined()
    expect(r.outputs.result).toBe('failed')
  })

  test.each([
    // (any file that exists: the fake deploys nothing)
    ['manifests', { chart: '', manifests: 'example/gitops/helm/demo-flask-app/Chart.yaml' }],
    [
      'a node image whose tag names no Kubernetes version',
      { 'node-image': 'registry.local/kind-node:latest' }
    ]
  ])('no render before the cluster for %s', async (_, inputs) => {
    const f = fake()
    const r = await run(f, inputs)
    expect(r.error).toBeUndefined()
    expect(f.calls[0]).toBe('fetch ghcr.io/o/app:v2')
    expect(f.calls.some(c => c.startsWith('render'))).toBe(false)
  })

  test('no render before claiming a namespace in a cluster of your own: nothing is made for nothing', async () => {
    const f = fake({ kind: false })
    const r = await run(f, { kubeconfig: 'example/gitops/helm/demo-flask-app/Chart.yaml' })
    expect(r.error).toBeUndefined()
    expect(f.calls[0]).toBe('provision')
    expect(f.calls.some(c => c.startsWith('render'))).toBe(false)
  })

  test('the node image’s version is the one rendered for', async () => {
    const f = fake()
    await run(f, { 'node-image': 'registry.local/kind-node:v1.31.4-abc123' })
    expect(f.calls[0]).toBe('render ghcr.io/o/app:v2 for v1.31.4')
  })

  test('a summary that cannot be written is a warning; the run’s own error is the step’s', async () => {
    const f = fake()
    f.fail.wait = () => new Error('deployment/app is not ready within the wait-timeout')
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'summary-'))
    const r = await run(f, {}, { summaryFile: dir })
    fs.rmSync(dir, { recursive: true })
    expect(r.error?.message).toMatch(/not ready within the wait-timeout/)
    expect(r.commands.some(c => /^::warning::The job summary was not written/.test(c))).toBe(true)
    expect(f.calls).toContain('release')
  })

  test('a failed delete is a warning for post to finish; the step passed', async () => {
    const f = fake()
    f.fail.release = () => new Error('docker: no such container')
    const r = await run(f)
    expect(r.error).toBeUndefined()
    expect(r.commands.some(c => /was not deleted; post will try again/.test(c))).toBe(true)
    expect(f.calls.at(-1)).toBe('priv removed')
  })

  test('SIGTERM between phases: the next phase does not start, the cluster is still deleted', async () => {
    const f = fake()
    f.fail.wait = () => void process.emit('SIGTERM')
    const r = await run(f)
    expect(r.error?.message).toMatch(/Cancelled \(SIGTERM\) before: Smoke tests/)
    expect(f.calls).not.toContain('smoke')
    expect(f.calls).toContain('release')
    expect(r.outputs.result).toBe('failed')
  })

  test('keep-cluster: nothing deleted, the kubeconfig given as an output', async () => {
    const f = fake()
    const r = await run(f, { 'keep-cluster': 'true' })
    expect(f.calls).not.toContain('release')
    expect(r.outputs.kubeconfig).toBe('/tmp/kubeconfig')
  })
})

describe('kind-e2e upgrade-from: the rehearsed rollout', () => {
  let dir: string
  let values: string
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'values-'))
    values = path.join(dir, 'values.yaml')
    fs.writeFileSync(values, 'image:\n  repository: ghcr.io/o/app\n  tag: v1\nreplicaCount: 2\n')
  })
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }))

  test('what runs now first, then the upgrade under the probe until the old pods are gone, then the smoke tests', async () => {
    const f = fake()
    f.probes.push(probeResult(250))
    const r = await run(f, { 'upgrade-from': values })
    expect(r.error).toBeUndefined()
    expect(f.calls).toEqual([
      'render ghcr.io/o/app:v1 with values for v1.34.0',
      'render ghcr.io/o/app:v2 with values for v1.34.0',
      'fetch ghcr.io/o/app:v2',
      'fetch ghcr.io/o/app:v1',
      'provision',
      'loaded 2',
      'deploy ghcr.io/o/app:v1 with values',
      'wait',
      'service',
      'serviceUrl',
      'probe start',
      'deploy ghcr.io/o/app:v2 with values',
      'wait',
      'old pods gone',
      'probe stop',
      'service',
      'smoke',
      'release',
      'priv removed'
    ])
    expect(r.outputs.requests).toBe('250')
    expect(r.outputs['failed-requests']).toBe('0')
    expect(r.summary).toContain('upgrade from ghcr.io/o/app:v1')
  })

  test('more failed requests than allowed fail the step, naming the count, the kinds and the first', async () => {
    const f = fake()
    f.probes.push(probeResult(300, ['connection refused', 'connection refused', 'connection refused']))
    const r = await run(f, { 'upgrade-from': values, 'max-failed-requests': '2' })
    expect(r.error?.message).toMatch(
      /The upgrade lost requests: 3 of 300 failed \(3 refused\), max-failed-requests is 2. First: 1.0 s: connection refused/
    )
    expect(f.calls).not.toContain('smoke')
    expect(r.outputs['failed-requests']).toBe('3')
    expect(f.calls.indexOf('diagnostics')).toBeLessThan(f.calls.indexOf('release'))
  })

  test('what runs now never ready: said to be the current release’s problem, the candidate never deployed', async () => {
    const f = fake()
    let waits = 0
    f.fail.wait = () =>
      ++waits === 1 ? new Error('deployment/app is not ready: ImagePullBackOff') : undefined
    const r = await run(f, { 'upgrade-from': values })
    expect(r.error?.message).toMatch(
      /What runs now \(ghcr.io\/o\/app:v1, from upgrade-from\) did not become ready.*current release's problem, not the candidate's.*ImagePullBackOff/
    )
    expect(f.calls).not.toContain('deploy ghcr.io/o/app:v2 with values')
  })

  test('a candidate that never becomes ready: its error, and what the old release did meanwhile', async () => {
    const f = fake()
    let waits = 0
    f.fail.wait = () =>
      ++waits === 2 ? new Error('deployment/app is not ready within the wait-timeout') : undefined
    f.probes.push(probeResult(400))
    const r = await run(f, { 'upgrade-from': values })
    expect(r.error?.message).toMatch(
      /not ready within the wait-timeout. Meanwhile the release that ran before answered all 400 requests/
    )
    expect(f.calls).toContain('probe stop')
    expect(f.calls.indexOf('diagnostics')).toBeLessThan(f.calls.indexOf('release'))
  })

  test('rollback: after the smoke tests, helm rollback under the probe, the same limit', async () => {
    const f = fake()
    f.probes.push(probeResult(200), probeResult(180, ['HTTP 503']))
    const r = await run(f, { 'upgrade-from': values, rollback: 'true' })
    expect(f.calls.slice(f.calls.indexOf('smoke'))).toEqual([
      'smoke',
      'serviceUrl',
      'probe start',
      'rollback',
      'wait',
      'old pods gone',
      'probe stop',
      'troubledNodes',
      'diagnostics',
      'exportLogs',
      'release',
      'priv removed'
    ])
    expect(r.error?.message).toMatch(/The rollback lost requests: 1 of 180 failed/)
    expect(r.outputs['rollback-requests']).toBe('180')
    expect(r.outputs['rollback-failed-requests']).toBe('1')
  })

  test.each([
    [
      'a values file that does not exist',
      (v: string) => v + '.missing',
      /Input 'upgrade-from' names '.*missing', which cannot be read \(ENOENT\)/
    ],
    [
      'a values file with no image at the keys',
      (v: string) => (fs.writeFileSync(v, 'replicaCount: 2\n'), v),
      /Input 'upgrade-from' names no image at the image keys \(image.repository, image.tag\)/
    ]
  ])('%s: an input error before any cluster is made', async (_, file, error) => {
    const f = fake()
    const r = await run(f, { 'upgrade-from': file(values) })
    expect(r.error?.message).toMatch(error)
    expect(f.calls).toEqual(['priv removed'])
  })

  test('what runs now does not render: named as such, before anything is pulled or made', async () => {
    const f = fake()
    f.fail['render ghcr.io/o/app:v1 with values for v1.34.0'] = () => new Error('helm template demo failed')
    const r = await run(f, { 'upgrade-from': values })
    expect(r.error?.message).toBe(
      'What runs now (ghcr.io/o/app:v1, from upgrade-from) does not render with its values file, so no cluster was made: helm template demo failed'
    )
    expect(f.calls).toEqual(['render ghcr.io/o/app:v1 with values for v1.34.0', 'priv removed'])
  })

  test('the upgrade does not render: the candidate’s error, nothing pulled or made', async () => {
    const f = fake()
    f.fail['render ghcr.io/o/app:v2 with values for v1.34.0'] = () => new Error('helm template demo failed')
    const r = await run(f, { 'upgrade-from': values })
    expect(r.error?.message).toBe('helm template demo failed')
    expect(f.calls).toEqual([
      'render ghcr.io/o/app:v1 with values for v1.34.0',
      'render ghcr.io/o/app:v2 with values for v1.34.0',
      'priv removed'
    ])
  })

  test('the image of what runs now cannot be had: named as such, before any cluster is made', async () => {
    const f = fake()
    f.fail['fetch ghcr.io/o/app:v1'] = () => new Error('docker pull: manifest unknown')
    const r = await run(f, { 'upgrade-from': values })
    expect(r.error?.message).toBe(
      'The image of what runs now (ghcr.io/o/app:v1, from upgrade-from) could not be had: docker pull: manifest unknown'
    )
    expect(f.calls).toEqual([
      'render ghcr.io/o/app:v1 with values for v1.34.0',
      'render ghcr.io/o/app:v2 with values for v1.34.0',
      'fetch ghcr.io/o/app:v2',
      'fetch ghcr.io/o/app:v1',
      'priv removed'
    ])
  })
})

describe('kind-e2e: state for post before what it cleans exists', () => {
  test("'pending' is saved before kind create runs, and the outcome after it", async () => {
    const saved: string[] = []
    const events: string[] = []
    const kind = {
      created: false,
      name: 'c',
      kubeconfig: '/tmp/k',
      exists: async () => false,
      create: async () => {
        events.push(`create (state ${saved.at(-1)})`)
        kind.created = true
      },
      reachFromContainer: async () => '',
      nodes: async () => []
    }
    const step = {
      phase: <T>(_: string, w: () => Promise<T>) => w(),
      save: (k: string, v: string) => void saved.push(`${k}=${v}`)
    }
    const docker = async () => ({ exitCode: 0, stdout: '27.0', stderr: '' })
    const s = { clusterName: 'c', imageSource: 'load', config: '', nodeImage: '' }
    const cluster = new StepKindCluster(
      kind as unknown as KindCluster,
      docker,
      {},
      s as never,
      { path: '/tmp', write: async () => '' } as never
    )
    await cluster.provision(step)
    expect(events).toEqual(['create (state created=pending)'])
    expect(saved).toEqual(['created=pending', 'created=true'])
  })

  test('a cluster name that is taken is refused before anything is pulled, and again just before kind create', async () => {
    const calls: string[] = []
    let taken = true
    const kind = {
      created: false,
      name: 'c',
      exists: async () => (calls.push('exists'), taken),
      create: async () => void calls.push('create')
    }
    const docker = async (args: string[]) => {
      calls.push(`docker ${args[0]}`)
      return { exitCode: 0, stdout: '27.0', stderr: '' }
    }
    const s = { clusterName: 'c', imageSource: 'load', config: '', nodeImage: '', username: '', password: '' }
    const cluster = new StepKindCluster(
      kind as unknown as KindCluster,
      docker,
      {},
      s as never,
      { path: '/tmp', write: async () => '' } as never
    )
    const images = [{ image: 'ghcr.io/o/app:v2', loaded: loadedRef(parseImage('image', 'ghcr.io/o/app:v2')) }]
    await expect(cluster.fetch(images)).rejects.toThrow(/already exists/)
    expect(calls).toEqual(['docker version', 'exists'])
    // free while the image was had, taken by the time of kind create: refused, nothing created or marked
    taken = false
    calls.length = 0
    await cluster.fetch(images)
    expect(calls).toEqual(['docker version', 'exists', 'docker image'])
    taken = true
    const saved: string[] = []
    await expect(
      cluster.provision({
        phase: (_: string, w: () => Promise<unknown>) => w(),
        save: (k: string, v: string) => void saved.push(`${k}=${v}`)
      } as never)
    ).rejects.toThrow(/already exists/)
    expect(calls).not.toContain('create')
    expect(saved).toEqual([])
  })
})
