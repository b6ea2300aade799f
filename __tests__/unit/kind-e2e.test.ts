// kind-e2e's image values: a kind cluster gets the loaded image (pull policy Never, local tag for a
// digest); a cluster of your own (kubeconfig) pulls the image by its own reference.
import { jest } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { imageValues, loadedRef, pulledRef } from '../../src/kind-e2e/image.js'
import { haveImages, ImageNotHad, loadImages } from '../../src/kind-e2e/load.js'
import { parseImageKeys } from '../../src/kind-e2e/settings.js'
import { parseImage } from '../../src/common/validate.js'

const keys = parseImageKeys(['repository=image.repository', 'tag=image.tag', 'pullPolicy=image.pullPolicy'])
const withDigest = parseImageKeys([
  'repository=image.repository',
  'tag=image.tag',
  'pullPolicy=image.pullPolicy',
  'digest=image.digest'
])
const digest = `sha256:${'a'.repeat(64)}`
import {
  applyArgs,
  helmTestArgs,
  helmTemplateArgs,
  helmUpgradeArgs,
  nodeKubeVersion,
  jobWaitArgs,
  kindCreateArgs,
  kindDeleteArgs,
  portForwardArgs,
  rolloutStatusArgs,
  secondsLeft
} from '../../src/kind-e2e/args.js'
import {
  contactedHost,
  containerdPatch,
  hostsToml,
  kindConfig,
  needsConfig,
  type RegistryAccess
} from '../../src/kind-e2e/node-registry.js'
import { judge } from '../../src/kind-e2e/smoke.js'
import { kube, kubeEnv } from '../../src/kind-e2e/kube.js'
import { OwnCluster } from '../../src/kind-e2e/own-cluster.js'
import { failingPods } from '../../src/kind-e2e/diagnostics.js'

test('kind: the loaded image, never pulled', () => {
  const ref = parseImage('image', 'ghcr.io/o/app:v1', { requireTag: true })
  expect(imageValues(loadedRef(ref), keys)).toEqual([
    'image.repository=ghcr.io/o/app',
    'image.tag=v1',
    'image.pullPolicy=Never'
  ])
})

test("a cluster of your own: the image's own reference, under the chart's pull policy", () => {
  const ref = parseImage('image', 'ghcr.io/o/app:v1', { requireTag: true })
  expect(imageValues(pulledRef(ref, 'ghcr.io/o/app:v1'), keys, true)).toEqual([
    'image.repository=ghcr.io/o/app',
    'image.tag=v1'
  ])
  const pinned = parseImage('image', `ghcr.io/o/app:v1@${digest}`, { requireTag: true })
  expect(imageValues(pulledRef(pinned, `ghcr.io/o/app:v1@${digest}`), withDigest, true)).toEqual([
    'image.repository=ghcr.io/o/app',
    'image.tag=v1',
    `image.digest=${digest}`
  ])
  // kind: the digest key stays empty (the loaded image has no repo digest)
  expect(imageValues(loadedRef(pinned), withDigest)).toContain('image.digest=')
})

import { alreadyExists, deleteCluster, explainCreateFailure } from '../../src/kind-e2e/lifecycle.js'
import { pickService } from '../../src/kind-e2e/service.js'
import { notReadyReasons, PullWatch, waitForRollout, type PodList } from '../../src/kind-e2e/wait.js'
import type { RunOptions } from '../../src/common/exec.js'

describe('argument builders', () => {
  test('kind create: the step kubeconfig, --wait, the node image and config only when given', () => {
    expect(kindCreateArgs({ name: 'c', kubeconfig: '/k' })).toEqual([
      'create',
      'cluster',
      '--name',
      'c',
      '--kubeconfig',
      '/k',
      '--wait',
      '120s'
    ])
    expect(
      kindCreateArgs({ name: 'c', kubeconfig: '/k', nodeImage: 'n:1', config: '/c.yaml' }).slice(-4)
    ).toEqual(['--image', 'n:1', '--config', '/c.yaml'])
    expect(kindDeleteArgs('c', '/k')).toEqual(['delete', 'cluster', '--name', 'c', '--kubeconfig', '/k'])
  })

  test('helm template renders what helm upgrade installs: the same values in the same order, for a Kubernetes version', () => {
    const o = {
      release: 'r',
      chart: '/ch',
      namespace: 'ns',
      valuesFiles: ['/a.yaml', '/b.yaml'],
      set: ['x=1']
    }
    const t = helmTemplateArgs(o, ['image.tag=v1'], 'v1.34.0')
    expect(t.slice(0, 7)).toEqual(['template', 'r', '/ch', '--namespace', 'ns', '--kube-version', 'v1.34.0'])
    expect(t.slice(7)).toEqual(helmUpgradeArgs(o, ['image.tag=v1']).slice(7))
  })

  test.each([
    ['kindest/node:v1.34.0@sha256:' + 'a'.repeat(64), 'v1.34.0'],
    ['kindest/node:v1.33.1', 'v1.33.1'],
    ['demo-actions/kind-node:v1.34.0-f3eb778d63cc', 'v1.34.0'],
    ['localhost:5000/kind-node:v1.30.10', 'v1.30.10'],
    ['localhost:5000/kind-node', undefined],
    ['kindest/node:latest', undefined],
    ['kindest/node@sha256:' + 'a'.repeat(64), undefined],
    ['kindest/node:v1.34', undefined],
    ['kindest/node:v1.34.0.1', undefined]
  ])('the Kubernetes version of node image %s: %s', (image, version) => {
    expect(nodeKubeVersion(image)).toBe(version)
  })

  test('helm upgrade: values files first, then the image values, then set (the later wins)', () => {
    const args = helmUpgradeArgs(
      { release: 'r', chart: '/ch', namespace: 'ns', valuesFiles: ['/a.yaml'], set: ['x=1'] },
      ['image.tag=v1']
    )
    expect(args).toEqual([
      'upgrade',
      '--install',
      'r',
      '/ch',
      '--namespace',
      'ns',
      '--create-namespace',
      '--values=/a.yaml',
      '--set',
      'image.tag=v1',
      '--set',
      'x=1'
    ])
  })

  test('waits, tests and port-forward take the seconds left of one deadline', () => {
    expect(secondsLeft(10_500, 0)).toBe(11)
    expect(secondsLeft(0, 5000)).toBe(1)
    expect(rolloutStatusArgs('deployment.apps/x', 'ns', 7)).toEqual([
      'rollout',
      'status',
      'deployment.apps/x',
      '--namespace',
      'ns',
      '--timeout=7s'
    ])
    expect(jobWaitArgs('job.batch/j', 'ns', 3)).toContain('--for=condition=complete')
    expect(helmTestArgs('r', 'ns', 9)).toEqual(['test', 'r', '--namespace', 'ns', '--logs', '--timeout=9s'])
    expect(applyArgs('ns', '/m')).toEqual(['apply', '--namespace', 'ns', '--recursive', '-f', '/m'])
    expect(portForwardArgs('ns', 'svc', 80)).toEqual([
      'port-forward',
      '--namespace',
      'ns',
      '--address',
      '127.0.0.1',
      'service/svc',
      ':80'
    ])
  })
})

describe('image-source: registry', () => {
  const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----'
  const access = (a: Partial<RegistryAccess>): RegistryAccess => ({ host: 'ghcr.io', ...a })

  test('a public registry over TLS needs no setting', () => {
    expect(needsConfig(access({}))).toBe(false)
    expect(needsConfig(access({ ca: pem }))).toBe(true)
    expect(needsConfig(access({ password: 'p' }))).toBe(true)
    expect(needsConfig(access({ endpoint: 'http://kind-registry:5000' }))).toBe(true)
  })

  test('credentials go to the host the nodes contact: the endpoint, else the server (Docker Hub: registry-1)', () => {
    expect(contactedHost(access({ endpoint: 'https://r.internal:5443' }))).toBe('r.internal:5443')
    expect(contactedHost(access({ host: '127.0.0.1:5443' }))).toBe('127.0.0.1:5443')
    expect(contactedHost(access({ host: 'docker.io' }))).toBe('registry-1.docker.io')
    const patch = containerdPatch(
      access({ endpoint: 'https://r.internal:5443', username: 'u', password: 'p"\\w' })
    )
    expect(patch).toBe(
      [
        '[plugins."io.containerd.grpc.v1.cri".registry]',
        '  config_path = "/etc/containerd/certs.d"',
        '[plugins."io.containerd.grpc.v1.cri".registry.configs."r.internal:5443".auth]',
        '  username = "u"',
        '  password = "p\\"\\\\w"'
      ].join('\n')
    )
    expect(containerdPatch(access({ ca: pem }))).not.toContain('auth')
  })

  test('hosts.toml: always a [host] table (containerd 1.6 ignores a file without one), the endpoint also the server, the CA for both', () => {
    expect(hostsToml(access({ host: 'localhost:5001', endpoint: 'http://kind-registry:5000' }))).toBe(
      'server = "http://kind-registry:5000"\n\n[host."http://kind-registry:5000"]\n  capabilities = ["pull", "resolve"]\n'
    )
    expect(hostsToml(access({ host: '127.0.0.1:5443', ca: pem }))).toBe(
      [
        'server = "https://127.0.0.1:5443"',
        'ca = "/etc/containerd/certs.d/127.0.0.1:5443/ca.crt"',
        '',
        '[host."https://127.0.0.1:5443"]',
        '  capabilities = ["pull", "resolve"]',
        '  ca = "/etc/containerd/certs.d/127.0.0.1:5443/ca.crt"',
        ''
      ].join('\n')
    )
  })

  test("the kind config: the user's own with the patch added to its containerdConfigPatches", async () => {
    const mine =
      'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes: [{ role: control-plane }]\ncontainerdConfigPatches: ["# mine"]\n'
    const out = await kindConfig(mine, '# ours')
    expect(out).toContain('nodes:')
    expect(out).toMatch(/containerdConfigPatches:\n {2}- "# mine"\n {2}- "# ours"/)
    expect(await kindConfig(undefined, '# ours')).toMatch(
      /^kind: Cluster\napiVersion: kind.x-k8s.io\/v1alpha4\n/
    )
    await expect(kindConfig('kind: Pod\n', 'x')).rejects.toThrow(/not a kind Cluster config/)
  })
})

describe('failures, named', () => {
  test.each([
    [
      'ERROR: failed to create cluster: node(s) already exist for a cluster with the name "c"',
      /A kind cluster named c already exists/
    ],
    [
      'docker: Error response from daemon: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: unable to apply caps: operation not permitted: unknown.',
      /Docker refused to start a --privileged container .*Docker 23 and later/
    ],
    [
      'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?',
      /could not reach the Docker daemon/
    ],
    [
      'ERROR: failed to pull image "kindest/node:v1.34.0": manifest unknown',
      /could not get the node image kindest\/node/
    ],
    ['ERROR: something else', /^kind create cluster c failed$/]
  ])('%s', (output, message) => {
    expect(explainCreateFailure('c', 'kindest/node:v1.34.0', output)).toMatch(message)
  })

  test('a name that is taken is left alone', () => {
    expect(alreadyExists('x')).toMatch(/This step did not create it, so it leaves it alone \(not deleted\)/)
  })

  test("not-ready containers in the kubelet's words, with a crash loop's last end", () => {
    expect(
      notReadyReasons({
        items: [
          {
            metadata: { name: 'p' },
            status: {
              containerStatuses: [
                { name: 'ok', ready: true, state: { running: {} } },
                {
                  name: 'app',
                  ready: false,
                  restartCount: 2,
                  state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 20s' } },
                  lastState: { terminated: { reason: 'Error', exitCode: 1 } }
                },
                {
                  name: 'pull',
                  ready: false,
                  state: { waiting: { reason: 'ErrImagePull', message: 'not found' } }
                },
                {
                  name: 'first-crash',
                  ready: false,
                  restartCount: 0,
                  state: { terminated: { reason: 'Error', exitCode: 3 } }
                }
              ]
            }
          }
        ]
      })
    ).toEqual([
      'pod p container app waiting (CrashLoopBackOff: back-off 20s); last terminated (Error, exit code 1), 2 restart(s)',
      'pod p container pull waiting (ErrImagePull: not found)',
      'pod p container first-crash terminated (Error, exit code 3)'
    ])
  })

  describe('an image that cannot be pulled ends the wait before the wait-timeout', () => {
    const pods = (...waiting: [string, string, string?][]): PodList => ({
      items: waiting.map(([reason, message, init], i) => ({
        metadata: { name: `p${i}` },
        status: {
          [init ? 'initContainerStatuses' : 'containerStatuses']: [
            { name: 'app', ready: false, state: { waiting: { reason, message } } }
          ]
        }
      }))
    })
    const NOT_FOUND =
      'failed to pull and unpack image "r/app:v9": failed to resolve reference "r/app:v9": r/app:v9: not found'

    test('a name that does not parse, or pull policy Never with the image absent: at once, an init container too', () => {
      expect(new PullWatch().check(pods(['InvalidImageName', 'couldn\'t parse image name "A:"']), 0)).toBe(
        'pod p0 container app waiting (InvalidImageName: couldn\'t parse image name "A:")'
      )
      expect(new PullWatch().check(pods(['ErrImageNeverPull', 'not present', 'init']), 0)).toMatch(
        /ErrImageNeverPull/
      )
    })

    test('a pull the registry refuses: only once it has kept failing past the first retry, in the refusal’s words', () => {
      const w = new PullWatch()
      expect(w.check(pods(['ErrImagePull', NOT_FOUND]), 0)).toBeUndefined()
      // the back-off's message need not repeat the registry's words
      expect(w.check(pods(['ImagePullBackOff', 'Back-off pulling image "r/app:v9"']), 9_999)).toBeUndefined()
      expect(w.check(pods(['ImagePullBackOff', 'Back-off pulling image "r/app:v9"']), 10_000)).toBe(
        `pod p0 container app waiting (ErrImagePull: ${NOT_FOUND})`
      )
      for (const refused of [
        'failed to authorize: failed to fetch oauth token: unexpected status from GET request to https://r/token: 401 Unauthorized',
        'pull access denied, repository does not exist or may require authorization',
        'unexpected status from HEAD request: 403 Forbidden'
      ]) {
        const x = new PullWatch()
        x.check(pods(['ErrImagePull', refused]), 0)
        expect(x.check(pods(['ErrImagePull', refused]), 10_000)).toContain(refused)
      }
    })

    test('a network or TLS failure is waited out: it can pass', () => {
      for (const passing of [
        'dial tcp 10.0.0.1:443: connect: connection refused',
        'dial tcp: lookup r on 10.96.0.10:53: no such host',
        'tls: failed to verify certificate: x509: certificate signed by unknown authority',
        'net/http: TLS handshake timeout'
      ]) {
        const w = new PullWatch()
        w.check(pods(['ErrImagePull', passing]), 0)
        expect(w.check(pods(['ErrImagePull', passing]), 60_000)).toBeUndefined()
      }
    })

    test('a pull that stops failing starts again from nothing; a terminating pod is not waited for', () => {
      const w = new PullWatch()
      w.check(pods(['ErrImagePull', NOT_FOUND]), 0)
      w.check(pods(['ContainerCreating', '']), 5_000)
      expect(w.check(pods(['ErrImagePull', NOT_FOUND]), 10_000)).toBeUndefined()
      expect(w.check(pods(['ErrImagePull', NOT_FOUND]), 20_000)).toMatch(/not found/)
      const gone = pods(['InvalidImageName', 'bad'])
      gone.items[0].metadata.deletionTimestamp = '2026-01-01T00:00:00Z'
      expect(new PullWatch().check(gone, 0)).toBeUndefined()
    })

    describe('waitForRollout, on a fake clock', () => {
      beforeEach(() => jest.useFakeTimers())
      afterEach(() => jest.useRealTimers())

      test("an image never to come: kubectl's wait is ended, the pod named, the wait-timeout not spent", async () => {
        const calls: string[] = []
        let waiting: AbortSignal | undefined
        const kubectl = async (args: string[], opts: RunOptions = {}) => {
          calls.push(args.slice(0, 2).join(' '))
          if (args[1] === 'deployments,statefulsets,daemonsets')
            return { exitCode: 0, stdout: 'deployment.apps/web\n', stderr: '' }
          if (args[1] === 'pods')
            return { exitCode: 0, stdout: JSON.stringify(pods(['InvalidImageName', 'bad name'])), stderr: '' }
          // rollout status: waits until it is ended
          waiting = opts.signal
          await new Promise(resolve => opts.signal!.addEventListener('abort', resolve))
          return { exitCode: 143, stdout: '', stderr: 'killed by SIGTERM' }
        }
        const failed = expect(waitForRollout(kubectl, 'ns', Date.now() + 180_000)).rejects.toThrow(
          /^deployment\.apps\/web cannot become ready: pod p0 container app waiting \(InvalidImageName: bad name\)\. Retrying will not change that, so the wait stopped after 3 s of the 180 s wait-timeout$/
        )
        await jest.advanceTimersByTimeAsync(3000)
        await failed
        expect(waiting?.aborted).toBe(true)
        expect(calls).toEqual(['get deployments,statefulsets,daemonsets', 'rollout status', 'get pods'])
      })

      test('a rollout that ends by itself: the look at the pods under way is ended, and none follows', async () => {
        const calls: string[] = []
        let looking: AbortSignal | undefined
        const kubectl = async (args: string[], opts: RunOptions = {}) => {
          calls.push(args.slice(0, 2).join(' '))
          if (args[1] === 'pods') {
            // an API server that does not answer: only the abort ends this look
            looking = opts.signal
            await new Promise(resolve => opts.signal!.addEventListener('abort', resolve))
            return { exitCode: 143, stdout: '', stderr: 'killed by SIGTERM' }
          }
          if (args[0] === 'rollout') await new Promise(resolve => setTimeout(resolve, 4500))
          return { exitCode: 0, stdout: args[1] === 'jobs' ? '' : 'deployment.apps/web\n', stderr: '' }
        }
        const waited = waitForRollout(kubectl, 'ns', Date.now() + 180_000)
        await jest.advanceTimersByTimeAsync(4500)
        expect(await waited).toEqual(['deployment.apps/web'])
        expect(looking?.aborted).toBe(true)
        await jest.advanceTimersByTimeAsync(30_000)
        expect(calls).toEqual([
          'get deployments,statefulsets,daemonsets',
          'rollout status',
          'get pods',
          'get jobs'
        ])
      })
    })
  })

  test('diagnostics look closer at pods whose containers are not all ready', () => {
    expect(failingPods('a true true\nb true false\nc\n')).toEqual({
      all: ['a', 'b', 'c'],
      failing: ['b', 'c']
    })
  })
})

describe('the Service and the smoke tests', () => {
  const s = { release: 'web', namespace: 'ns' }
  test('one Service, the one named like the release, or a clear error', () => {
    expect(pickService(['only'], s)).toBe('only')
    expect(pickService(['web-metrics', 'web'], s)).toBe('web')
    expect(() => pickService([], s)).toThrow("No Service in namespace ns to smoke-test: set 'service'")
    expect(() => pickService(['a', 'b'], s)).toThrow(
      "Several Services in namespace ns (a, b): name one with 'service'"
    )
  })

  test('a check passes on its status and text, else says what it got', () => {
    expect(judge({ path: '/', status: 200 }, 200, '')).toBe('')
    expect(judge({ path: '/', status: 200, contains: 'ok' }, 200, '{"status":"ok"}')).toBe('')
    expect(judge({ path: '/', status: 200, contains: 'ok' }, 200, 'nope')).toBe("200, body without 'ok'")
    expect(judge({ path: '/', status: 200 }, 503, '')).toBe('503')
  })
})

describe('image-source: load, with what runs now', () => {
  const candidate = `ghcr.io/o/app:v2@${digest}`
  const current = 'ghcr.io/o/app:v1'
  const fakeDocker = (missing: string[] = []) => {
    const calls: string[][] = []
    const docker = async (args: string[]) => {
      calls.push(args)
      const image = args[args.length - 1]
      if (args[0] === 'image' && missing.includes(image))
        return { exitCode: 1, stdout: '', stderr: 'No such image' }
      if (args[0] === 'pull') throw new Error(`docker pull ${image}: manifest unknown`)
      return { exitCode: 0, stdout: `["ghcr.io/o/app@${digest}"]`, stderr: '' }
    }
    return { calls, docker }
  }
  const images = [
    { image: candidate, loaded: loadedRef(parseImage('image', candidate)) },
    { image: current, loaded: loadedRef(parseImage('image', current)) }
  ]

  test('both images saved in one archive and loaded once', async () => {
    const { calls, docker } = fakeDocker()
    const archives: string[] = []
    await haveImages(docker, { username: '', password: '' }, images, os.tmpdir())
    await loadImages(docker, { loadArchive: async a => void archives.push(a) }, images, os.tmpdir())
    const saves = calls.filter(c => c[0] === 'save')
    expect(saves).toHaveLength(1)
    expect(saves[0].slice(-2)).toEqual([`ghcr.io/o/app:v2`, 'ghcr.io/o/app:v1'])
    expect(archives).toHaveLength(1)
  })

  test('an image that cannot be pulled is named', async () => {
    const { calls, docker } = fakeDocker([current])
    const err = await haveImages(docker, { username: '', password: '' }, images, os.tmpdir()).catch(e => e)
    expect(err).toBeInstanceOf(ImageNotHad)
    expect(err.image).toBe(current)
    expect(err.message).toMatch(/manifest unknown/)
    expect(calls.filter(c => c[0] === 'save')).toHaveLength(0)
  })

  test('two images that would be loaded under one name are refused', async () => {
    const { docker } = fakeDocker()
    const other = `ghcr.io/o/app:v2@sha256:${'b'.repeat(64)}`
    const both = [images[0], { image: other, loaded: loadedRef(parseImage('image', other)) }]
    const err = await haveImages(docker, { username: '', password: '' }, both, os.tmpdir()).catch(e => e)
    expect(err.message).toBe(`it would be loaded as ghcr.io/o/app:v2, the name ${candidate} is loaded under`)
  })
})

describe('deleting a cluster', () => {
  // docker ps answers with what is left, one answer per call; kind delete always says it deleted
  const fakes = (left: string[][]) => {
    const calls: string[] = []
    const docker = async () => ({ exitCode: 0, stdout: (left.shift() ?? []).join('\n'), stderr: '' })
    const kind = async (args: string[]) => {
      calls.push(args.slice(0, 2).join(' '))
      return { exitCode: 0, stdout: '', stderr: '' }
    }
    const slept: number[] = []
    const sleep = async (ms: number) => void slept.push(ms)
    return { calls, docker, kind, slept, sleep }
  }

  test('a node Docker was still making when kind looked: deleted again once it is made', async () => {
    const f = fakes([['abc123'], ['abc123'], []])
    await deleteCluster(f.kind, 'c', '/k', f.docker, { ms: 30_000, sleep: f.sleep })
    expect(f.calls).toEqual(['delete cluster', 'delete cluster', 'delete cluster'])
    expect(f.slept).toEqual([1000, 1000])
  })

  test('a node that stays: an error naming it, once the settle time is spent', async () => {
    const f = fakes([['abc123'], ['abc123']])
    const err = await deleteCluster(f.kind, 'c', '/k', f.docker, { ms: 0, sleep: f.sleep }).catch(e => e)
    expect(err.message).toBe('kind delete cluster c left node container(s) abc123, still there after 0 s')
    expect(f.calls).toEqual(['delete cluster'])
  })

  test('nothing left: one delete, no wait', async () => {
    const f = fakes([[]])
    await deleteCluster(f.kind, 'c', '/k', f.docker, { ms: 30_000, sleep: f.sleep })
    expect(f.calls).toEqual(['delete cluster'])
    expect(f.slept).toEqual([])
  })
})

describe("kubectl's and helm's cache", () => {
  // a stand-in kubectl and helm that say where their cache would go
  test('every kubectl and helm of the step caches inside the private folder, never under ~/.kube/cache', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kube-env-'))
    const fake = path.join(dir, 'kubectl')
    fs.writeFileSync(fake, '#!/bin/sh\necho "$KUBECONFIG $KUBECACHEDIR"\n', { mode: 0o755 })
    try {
      const k = kube({ kubectl: fake, helm: fake }, '/run/kubeconfig', '/run/private')
      const want = '/run/kubeconfig /run/private/kube-cache'
      expect((await k.kubectl([], { silent: true })).stdout.trim()).toBe(want)
      expect((await k.helm!([], { silent: true })).stdout.trim()).toBe(want)
      expect(k.env).toEqual(kubeEnv('/run/kubeconfig', '/run/private'))
      // a cluster of your own: the same, with the kubeconfig input
      const own = new OwnCluster(fake, kubeEnv('/home/me/.kube/config', '/run/private'), 'e2e-1')
      expect(own.kubeconfig).toBe('/home/me/.kube/config')
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
