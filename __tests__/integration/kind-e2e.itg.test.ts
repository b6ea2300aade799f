// kind-e2e's committed bundle on real kind (scripts/kind: kind v0.30.0 and a Kubernetes v1.34.0 node
// image built here): each run creates its own cluster with the real kind, which runs a real kubelet,
// containerd, kube-proxy and CoreDNS; the image goes in with `kind load` or is pulled by the nodes from
// the registry; the cluster is deleted by main, or by post when main could not. kind's and the machine's
// failures are named. Deploy behaviours that need no cluster of their own run in one shared cluster
// (kind-e2e-cluster.itg.test.ts).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { ROOT, runMain, runMainAndPost, runPost, tempDir, uniqueName } from '../../scripts/lib/runner.mjs'
import { buildCrashingApp, buildExampleApp, CHART, push } from './example-app.js'
import {
  clusterName,
  clusters,
  deleteCluster,
  events,
  kind,
  KIND_PATH,
  kubectlFor,
  NODE,
  nodeContainers,
  opts,
  REGISTRY_MODE
} from './kind.js'
import { infra } from './registry.js'

const APP = `${infra.REGISTRY}/kind/demo-flask-app:v2.0.0-3f1c2d4-17`
const CRASHING = `${infra.REGISTRY}/kind/demo-flask-app:v2.0.0-crashed-19`
const errors = (r: { commands: { command: string; message: string }[] }) =>
  r.commands.filter(c => c.command === 'error').map(c => c.message)
const made: string[] = []
const userKubeconfig = path.join(os.homedir(), '.kube', 'config')
const kubeconfigBefore = fs.existsSync(userKubeconfig) ? fs.readFileSync(userKubeconfig, 'utf8') : undefined

beforeAll(() => {
  buildExampleApp(APP)
  buildCrashingApp(CRASHING, APP)
  push(APP)
})

afterAll(() => {
  // a test that failed half-way leaves nothing either
  for (const name of made) if (clusters().includes(name)) deleteCluster(name)
  // kind was always given a kubeconfig of the step's: the user's own is as it was
  expect(fs.existsSync(userKubeconfig) ? fs.readFileSync(userKubeconfig, 'utf8') : undefined).toBe(
    kubeconfigBefore
  )
})

/** Watches a step's log while it runs, and acts once a line appears. */
function when(pattern: RegExp, act: (child: ChildProcess) => void) {
  return (child: ChildProcess) => {
    let seen = ''
    let done = false
    child.stdout!.on('data', (d: Buffer) => {
      seen += d.toString()
      if (!done && pattern.test(seen)) {
        done = true
        act(child)
      }
    })
  }
}

test("two runs at once on Node 20 (the runner's contract where act meets the bundles; Node 24 runs the others), each with a cluster of its own (kind create with the built node image, kind load, the seed chart as it is): one passes its smoke tests; the other's app crashes at start, named with the real kubelet's CrashLoopBackOff, describe, events, the container's last words and kind export logs; both deleted", async () => {
  // two clusters side by side on one engine, one of them failing: neither run touches the other's
  // the passing run with a home of its own: kubectl and helm keep no cache there (~/.kube/cache)
  const home = tempDir('home')
  const [passing, crashing] = await Promise.all([
    runMainAndPost(
      'kind-e2e',
      { image: APP, chart: CHART, ...NODE },
      { ...opts({ GITHUB_RUN_ID: '9000000031', HOME: home }), node: '20' }
    ),
    runMainAndPost(
      'kind-e2e',
      // long enough for the kubelet to start it again after its first crash on a loaded machine (with 25 s,
      // three test files at once, the wait ended at the first crash: no restart, no back-off yet)
      { image: CRASHING, chart: CHART, ...NODE, 'wait-timeout': '40s', set: 'replicaCount=1' },
      { ...opts({ GITHUB_RUN_ID: '9000000032' }), node: '20' }
    )
  ])
  for (const { main, post } of [passing, crashing]) {
    const name = main.outputs['cluster-name']
    expect(name).toMatch(/^e2e-900000003[12]-1-pipeline-[0-9a-f]{6}$/)
    // the real kind, the built node image, the image loaded into the nodes' containerd
    expect(main.stdout).toContain(
      `[command]${kind.KIND} create cluster --name ${name} --kubeconfig ${main.state.privateDir}/kubeconfig --wait 120s --image ${kind.KIND_NODE_IMAGE}`
    )
    expect(main.stdout).toMatch(/Creating cluster .*\n[\s\S]*Starting control-plane/)
    expect(main.stdout).toContain(
      `kind load image-archive ${main.state.privateDir}/images.tar --name ${name}`
    )
    expect(main.stdout).toMatch(/--set image\.pullPolicy=Never/)
    expect(main.stdout).toContain(`Deleted nodes: ["${name}-control-plane"]`)
    expect(post.exitCode).toBe(0)
    expect(clusters()).not.toContain(name)
    expect(nodeContainers(name)).toEqual([])
    expect(fs.existsSync(main.state.privateDir)).toBe(false)
  }
  expect(passing.main.outputs['cluster-name']).not.toBe(crashing.main.outputs['cluster-name'])

  const ok = passing.main
  expect(fs.existsSync(path.join(home, '.kube'))).toBe(false)
  expect(errors(ok)).toEqual([])
  expect(ok.exitCode).toBe(0)
  expect(ok.outputs.result).toBe('passed')
  expect(ok.stdout).toContain('deployment "demo-flask-app" successfully rolled out')
  expect(ok.summary).toMatch(/GET \/healthz<\/td><td>200 \+ &#39;ok&#39;<\/td><td>200<\/td>/)

  const main = crashing.main
  expect(main.exitCode).toBe(1)
  expect(main.outputs.result).toBe('failed')
  expect(errors(main).at(-1)).toMatch(
    /deployment.apps\/demo-flask-app is not ready within the wait-timeout: pod demo-flask-app-\S+ container app (waiting \(CrashLoopBackOff: back-off \d+s restarting failed container=app pod=demo-flask-app-\S+\)|running|terminated \(Error, exit code 1\)); last terminated \(Error, exit code 1\), \d restart\(s\)/
  )
  expect(main.stdout).toMatch(/### kubectl describe pod demo-flask-app-/)
  expect(main.stdout).toMatch(/Last State:\s+Terminated\s+Reason:\s+Error\s+Exit Code:\s+1/)
  // events of the real scheduler and kubelet
  expect(main.stdout).toMatch(/Successfully assigned e2e\/demo-flask-app-\S+ to e2e-\S+-control-plane/)
  expect(main.stdout).toMatch(/Back-off restarting failed container app in pod demo-flask-app-/)
  expect(main.stdout).toContain('DATABASE_URL is not set: cannot start')
  // kind's own logs of the node: the real kubelet's and containerd's journals
  const node = path.join(main.outputs['logs-dir'], `${main.outputs['cluster-name']}-control-plane`)
  expect(fs.readFileSync(path.join(node, 'kubelet.log'), 'utf8')).toMatch(/CrashLoopBackOff|back-off/)
  expect(fs.readFileSync(path.join(node, 'containerd.log'), 'utf8')).toMatch(/containerd/)
  expect(main.summary).toContain('kind export logs')
})

describe('keep-cluster, then the kept cluster as a cluster of your own', () => {
  let name = ''
  let kubeconfig = ''
  const kubectl = (...args: string[]) => kubectlFor(kubeconfig)(...args)
  afterAll(() => name && deleteCluster(name))

  test("keep-cluster: the cluster and its kubeconfig outlive the step; the real kubelet ran the chart's security context", async () => {
    name = clusterName('kept')
    made.push(name)
    const { main, post } = await runMainAndPost(
      'kind-e2e',
      { image: APP, chart: CHART, ...NODE, 'cluster-name': name, 'keep-cluster': 'true' },
      opts()
    )
    expect(errors(main)).toEqual([])
    expect(main.exitCode).toBe(0)
    expect(post.exitCode).toBe(0)
    expect(
      main.commands.some(
        c => c.command === 'notice' && /keep-cluster: cluster .* left running/.test(c.message)
      )
    ).toBe(true)
    expect(clusters()).toContain(name)
    // the kubeconfig output outlives the step's private folder; the test keeps a copy (RUNNER_TEMP goes)
    kubeconfig = path.join(tempDir('kept'), 'config')
    fs.copyFileSync(main.outputs.kubeconfig, kubeconfig)
    expect(fs.readFileSync(kubeconfig, 'utf8')).toContain(`kind-${name}`)
    // the kubelet found the loaded image in containerd, and ran the chart's securityContext
    expect(events(kubectl, 'e2e')).toMatch(
      new RegExp(`Pulled\\s+Container image "${APP.replace(/[.]/g, '\\.')}" already present on machine`)
    )
    const pod = kubectl('get', 'pods', '-n', 'e2e', '-o', 'jsonpath={.items[0].metadata.name}')
    expect(kubectl('exec', '-n', 'e2e', pod, '--', 'id', '-u').trim()).toBe('10001')
    expect(() => kubectl('exec', '-n', 'e2e', pod, '--', 'touch', '/written')).toThrow(
      /Read-only file system/
    )
    expect(kubectl('exec', '-n', 'e2e', pod, '--', 'grep', 'CapEff', '/proc/1/status')).toMatch(
      /CapEff:\s+0+\n/
    )
  })

  test('kubeconfig: deploys into a namespace it creates, passes, and deletes only that namespace', async () => {
    const namespace = uniqueName('own')
    const before = fs.readFileSync(kubeconfig, 'utf8')
    // no kind on PATH: the step must not need it; a home of its own, where kubectl and helm keep no cache
    const home = tempDir('home')
    const noKind = {
      env: {
        PATH: [path.dirname(infra.KUBECTL), path.dirname(infra.HELM), process.env.PATH].join(':'),
        HOME: home
      }
    }
    const { main, post } = await runMainAndPost(
      'kind-e2e',
      { image: APP, chart: CHART, namespace, kubeconfig, set: 'replicaCount=1' },
      noKind
    )
    expect(errors(main)).toEqual([])
    expect(main.exitCode).toBe(0)
    expect(main.outputs['cluster-name']).toBe(`kind-${name}`)
    expect(main.stdout).not.toMatch(/kind (create|load|delete)/)
    expect(main.stdout).toContain(`namespace "${namespace}" deleted`)
    expect(['', 'Terminating']).toContain(
      kubectl('get', 'namespace', namespace, '-o', 'jsonpath={.status.phase}', '--ignore-not-found')
    )
    expect(fs.readFileSync(kubeconfig, 'utf8')).toBe(before)
    expect(post.exitCode).toBe(0)
    expect(fs.existsSync(path.join(home, '.kube'))).toBe(false)
  })

  test('kubeconfig: a namespace that exists already is refused and left alone', async () => {
    kubectl('create', 'configmap', 'mine', '-n', 'e2e', '--from-literal=a=b')
    const { main, post } = await runMainAndPost('kind-e2e', { image: APP, chart: CHART, kubeconfig }, opts())
    expect(main.exitCode).toBe(1)
    expect(errors(main).join('\n')).toMatch(/namespace.*'e2e' already exists/)
    expect(main.stdout).not.toContain('helm upgrade')
    expect(post.exitCode).toBe(0)
    expect(kubectl('get', 'configmap', 'mine', '-n', 'e2e', '-o', 'name').trim()).toBe('configmap/mine')
  })

  test('a cluster name that is taken is refused; that cluster is neither changed nor deleted', async () => {
    const { main, post } = await runMainAndPost(
      'kind-e2e',
      { image: APP, chart: CHART, ...NODE, 'cluster-name': name },
      opts()
    )
    expect(main.exitCode).toBe(1)
    expect(errors(main).at(-1)).toMatch(
      new RegExp(`A kind cluster named ${name} already exists. This step did not create it`)
    )
    expect(main.stdout).not.toMatch(/\[command\]\S+ (create|delete) cluster/)
    expect(post.exitCode).toBe(0)
    expect(clusters()).toContain(name)
    expect(kubectl('get', 'deployment', '-n', 'e2e', '-o', 'name').trim()).toBe(
      'deployment.apps/demo-flask-app'
    )
  })
})

describe('image-source: registry', () => {
  // the nodes pulling the image by name over TLS, with the CA and the credentials given (nothing loaded), is
  // secrets.itg.test.ts's kind-e2e test: the one cluster proves that too, with every tool's environment
  // recorded
  test("a wrong password: the pull is refused, in the kubelet's words, and the wait ends before the wait-timeout", async () => {
    const main = await runMain(
      'kind-e2e',
      {
        image: APP,
        chart: CHART,
        ...NODE,
        ...REGISTRY_MODE,
        password: 'not-the-password',
        set: 'replicaCount=1',
        'wait-timeout': '120s'
      },
      opts()
    )
    expect(main.exitCode).toBe(1)
    expect(errors(main).at(-1)).toMatch(
      /^deployment\.apps\/demo-flask-app cannot become ready: pod demo-flask-app-\S+ container app waiting \((ErrImagePull|ImagePullBackOff): .*(401 Unauthorized|authorization failed|unauthorized).*\. Retrying will not change that, so the wait stopped after \d+ s of the 120 s wait-timeout$/i
    )
    // the refusal seen again after the kubelet's first retry (10 s), not the wait-timeout run out
    const after = Number(/stopped after (\d+) s/.exec(errors(main).at(-1)!)![1])
    expect(after).toBeGreaterThanOrEqual(10)
    expect(after).toBeLessThan(60)
    expect(clusters()).not.toContain(main.outputs['cluster-name'])
  })
})

describe('faults, each named', () => {
  test('the Docker daemon unreachable: kind-e2e says so before kind is asked; nothing is made', async () => {
    const { main, post } = await runMainAndPost(
      'kind-e2e',
      { image: APP, chart: CHART, ...NODE },
      opts({ DOCKER_HOST: 'unix:///nonexistent/docker.sock' })
    )
    expect(main.exitCode).toBe(1)
    expect(errors(main).at(-1)).toMatch(
      /The Docker daemon is not reachable, and kind runs its nodes as Docker containers: docker version said: .*nonexistent\/docker\.sock/
    )
    expect(main.stdout).not.toContain('create cluster')
    expect(post.exitCode).toBe(0)
  })

  test("kind's node container killed during the rollout: named, and the cluster deleted", async () => {
    const name = clusterName('node-killed')
    made.push(name)
    const main = await runMain(
      'kind-e2e',
      {
        image: CRASHING,
        chart: CHART,
        ...NODE,
        'cluster-name': name,
        'wait-timeout': '90s',
        set: 'replicaCount=1'
      },
      {
        ...opts(),
        onSpawn: when(/::group::Wait for the rollout/, () =>
          execFileSync('docker', ['kill', `${name}-control-plane`], { stdio: 'ignore' })
        )
      }
    )
    expect(main.exitCode).toBe(1)
    expect(errors(main).at(-1)).toMatch(
      new RegExp(
        `kind's node container ${name}-control-plane \\((exited, exit code 137|killed or crashed, and started again by Docker 1 time)\\) stopped while the step ran`
      )
    )
    expect(clusters()).not.toContain(name)
    expect(nodeContainers(name)).toEqual([])
  })

  test('the step killed (SIGKILL) while kind creates the cluster: post deletes the half-made cluster', async () => {
    const name = clusterName('killed')
    made.push(name)
    const main = await runMain(
      'kind-e2e',
      { image: APP, chart: CHART, ...NODE, 'cluster-name': name },
      {
        ...opts(),
        onSpawn: when(/create cluster --name/, child => {
          // the runner ends the whole process tree of a cancelled step: main, and the kind it started
          const timer = setInterval(() => {
            if (nodeContainers(name).length === 0) return
            clearInterval(timer)
            child.kill('SIGKILL')
            // kind, and the docker CLI it was running (a process tree, as the runner ends it)
            const pids = execFileSync('sh', ['-c', `pgrep -f 'create cluster --name ${name}' || true`], {
              encoding: 'utf8'
            })
              .split('\n')
              .filter(Boolean)
            for (const pid of pids)
              execFileSync('sh', ['-c', `pkill -KILL -P ${pid}; kill -KILL ${pid}; true`])
          }, 200)
        })
      }
    )
    expect(main.signal).toBe('SIGKILL')
    expect(main.state.created).toBe('pending')
    expect(nodeContainers(name).length).toBeGreaterThan(0)
    const post = await runPost('kind-e2e', main, opts())
    expect(errors(post)).toEqual([])
    expect(post.exitCode).toBe(0)
    expect(post.stdout).toContain(`Deleting kind cluster ${name}`)
    expect(nodeContainers(name)).toEqual([])
    expect(fs.existsSync(main.state.privateDir)).toBe(false)
  })

  test('a Docker engine that cannot start privileged containers: kind create fails half-way, the cause is named, nothing is left', async () => {
    // a second dockerd without the capfit runtime: Docker 20.10 asks for every capability the kernel
    // knows, this machine withholds CAP_SYS_RESOURCE, and runc refuses (see scripts/docker/runc-capfit).
    // It runs in a network namespace of its own, so that its bridges never touch the host's.
    const root = tempDir('old-engine')
    const sock = path.join(root, 'docker.sock')
    // (unshare, not `ip netns exec`, which remounts /sys and so hides the cgroups dockerd needs)
    const daemon = spawn(
      'unshare',
      [
        '--net',
        'sh',
        '-c',
        `ip link set lo up; exec dockerd --data-root ${root}/data --exec-root ${root}/exec --pidfile ${root}/pid -H unix://${sock} --iptables=false --ip-masq=false`
      ],
      { stdio: 'ignore' }
    )
    const docker = (...a: string[]) =>
      execFileSync('docker', ['-H', `unix://${sock}`, ...a], { encoding: 'utf8' })
    try {
      for (let i = 0; i < 150; i++) {
        try {
          docker('info')
          break
        } catch {
          await new Promise(r => setTimeout(r, 200))
        }
      }
      // the node image under the same name (only its start matters: kind runs it --privileged)
      execFileSync('sh', ['-c', `docker save ${infra.BUSYBOX_IMAGE} | docker -H unix://${sock} load -q`], {
        stdio: 'ignore'
      })
      docker('tag', infra.BUSYBOX_IMAGE, kind.KIND_NODE_IMAGE)
      // and the image under test, which kind-e2e finds in the engine's store before it makes the cluster
      docker('tag', infra.BUSYBOX_IMAGE, APP)
      const name = clusterName('old-engine')
      const { main, post } = await runMainAndPost(
        'kind-e2e',
        { image: APP, chart: CHART, ...NODE, 'cluster-name': name },
        opts({ DOCKER_HOST: `unix://${sock}` })
      )
      expect(main.exitCode).toBe(1)
      expect(errors(main).at(-1)).toMatch(
        /kind could not start the node container: Docker refused to start a --privileged container \("unable to apply caps: operation not permitted"\)/
      )
      expect(errors(main).at(-1)).toMatch(/Docker 23 and later limit privileged containers/)
      expect(post.exitCode).toBe(0)
      expect(docker('ps', '-a', '-q').trim()).toBe('')
    } finally {
      daemon.kill('SIGTERM')
      await new Promise(r => daemon.once('exit', r))
      try {
        execFileSync('pkill', ['-f', `dockerd --data-root ${root}`])
      } catch {
        // it had ended
      }
    }
  })

  test('a delete that fails is retried; a cluster post cannot delete is a warning with ignore-failed-clean, a failure without', async () => {
    // kind, wrapped: `delete` fails while a marker exists, with the error kind gives when Docker cannot
    // remove a node container (helm/kind-action #54); everything else is the real kind
    const bin = tempDir('kind-wrap')
    const marker = path.join(bin, 'fail-deletes')
    fs.writeFileSync(marker, '')
    fs.writeFileSync(
      path.join(bin, 'kind'),
      `#!/bin/sh\nif [ "$1" = delete ] && [ -e '${marker}' ]; then\n  echo "ERROR: failed to delete cluster \\"$4\\": failed to delete nodes: command \\"docker rm -f -v $4-control-plane\\" failed with error: exit status 1" >&2\n  exit 1\nfi\nexec '${kind.KIND}' "$@"\n`,
      { mode: 0o755 }
    )
    const wrapped = opts({ PATH: `${bin}:${KIND_PATH}` })
    const name = clusterName('undeletable')
    made.push(name)
    const { main, post } = await runMainAndPost(
      'kind-e2e',
      {
        image: APP,
        chart: CHART,
        ...NODE,
        set: 'replicaCount=1',
        'cluster-name': name,
        'ignore-failed-clean': 'true'
      },
      wrapped
    )
    expect(errors(main)).toEqual([])
    expect(main.exitCode).toBe(0)
    const warnings = main.commands.filter(c => c.command === 'warning').map(c => c.message)
    expect(warnings.filter(w => /Deleting cluster .* failed \(attempt [12]\)/.test(w))).toHaveLength(2)
    expect(warnings.some(w => /was not deleted; post will try again/.test(w))).toBe(true)
    expect(post.exitCode).toBe(0)
    expect(
      post.commands.some(
        c => c.command === 'warning' && /could not be deleted \(ignore-failed-clean\)/.test(c.message)
      )
    ).toBe(true)
    expect(clusters()).toContain(name)
    // the same post without ignore-failed-clean fails the step, naming the cluster
    const strict = await runPost(
      'kind-e2e',
      { ...main, state: { ...main.state, ignoreFailedClean: 'false' } },
      wrapped
    )
    expect(strict.exitCode).toBe(1)
    expect(errors(strict).at(-1)).toMatch(new RegExp(`kind delete cluster ${name} failed`))
    // once Docker can remove it again, post deletes it
    fs.rmSync(marker)
    const again = await runPost(
      'kind-e2e',
      { ...main, state: { ...main.state, ignoreFailedClean: 'false' } },
      wrapped
    )
    expect(again.exitCode).toBe(0)
    expect(clusters()).not.toContain(name)
  })
})

describe('on a self-hosted runner', () => {
  test("another kind on PATH is passed over for the requested release in the tool cache; a non-default docker context is kept; the user's kind config shapes the cluster, and values-files and the test command see it", async () => {
    // a kind of another version first on PATH (as a runner image might have), the real v0.30.0 in the cache
    const bin = tempDir('old-kind')
    fs.writeFileSync(path.join(bin, 'kind'), '#!/bin/sh\necho "kind v0.29.0 go1.24.2 linux/amd64"\n', {
      mode: 0o755
    })
    const cache = tempDir('toolcache')
    for (const v of ['0.30.0', 'v0.30.0']) {
      const dir = path.join(cache, 'kind', v, 'x64')
      fs.mkdirSync(dir, { recursive: true })
      fs.copyFileSync(kind.KIND, path.join(dir, 'kind'))
      fs.chmodSync(path.join(dir, 'kind'), 0o755)
      fs.writeFileSync(`${dir}.complete`, '')
    }
    // a docker context of the user's own, current in their docker config
    const home = tempDir('home')
    const dockerConfig = path.join(home, '.docker')
    const env = { ...process.env, HOME: home, DOCKER_CONFIG: dockerConfig }
    execFileSync('docker', ['context', 'create', 'other', '--docker', 'host=unix:///var/run/docker.sock'], {
      env,
      stdio: 'ignore'
    })
    execFileSync('docker', ['context', 'use', 'other'], { env, stdio: 'ignore' })
    const wrap = tempDir('docker-wrap')
    const log = path.join(wrap, 'contexts.log')
    const docker = execFileSync('which', ['docker'], { encoding: 'utf8' }).trim()
    fs.writeFileSync(
      path.join(wrap, 'docker'),
      `#!/bin/sh\necho "$DOCKER_CONTEXT $1" >> '${log}'\nexec '${docker}' "$@"\n`,
      {
        mode: 0o755
      }
    )
    // the user's own kind config (a node label), a values file and a test command that reads the cluster
    const dir = tempDir('kind-config')
    const config = path.join(dir, 'kind.yaml')
    fs.writeFileSync(
      config,
      'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n  - role: control-plane\n    labels: { e2e-tier: smoke }\n'
    )
    const values = path.join(dir, 'ci.yaml')
    fs.writeFileSync(values, 'replicaCount: 1\n')
    const out = path.join(dir, 'seen.json')
    const script = path.join(dir, 'seen.py')
    fs.writeFileSync(
      script,
      [
        'import json, os, subprocess',
        "k = lambda *a: subprocess.check_output(['kubectl', *a], text=True)",
        "json.dump({'nodes': k('get', 'nodes', '-l', 'e2e-tier=smoke', '-o', 'name'),",
        "           'replicas': k('get', 'deployment', 'demo-flask-app', '-n', 'e2e', '-o', 'jsonpath={.spec.replicas}'),",
        "           'cluster': os.environ['KIND_CLUSTER_NAME']}, open(os.environ['TEST_OUT'], 'w'))",
        ''
      ].join('\n')
    )
    const main = await runMain(
      'kind-e2e',
      {
        image: APP,
        chart: CHART,
        ...NODE,
        config,
        'values-files': values,
        'test-command': `${infra.PYTHON} ${script}`
      },
      opts({
        PATH: `${bin}:${wrap}:${KIND_PATH}`,
        RUNNER_TOOL_CACHE: cache,
        HOME: home,
        DOCKER_CONFIG: dockerConfig,
        TEST_OUT: out
      })
    )
    expect(errors(main)).toEqual([])
    expect(main.exitCode).toBe(0)
    expect(main.stdout).toContain(`--config ${config}`)
    expect(JSON.parse(fs.readFileSync(out, 'utf8'))).toEqual({
      nodes: `node/${main.outputs['cluster-name']}-control-plane\n`,
      replicas: '1',
      cluster: main.outputs['cluster-name']
    })
    expect(main.stdout).toMatch(/kind v0\.29\.0; v0\.30\.0 was asked for/)
    expect(main.state.kind.startsWith(cache)).toBe(true)
    const lines = fs.readFileSync(log, 'utf8').trim().split('\n')
    const calls = lines.filter(l => / (image|save|version)$/.test(l))
    expect(calls.length).toBeGreaterThan(0) // docker was called through the wrapper at all
    expect(calls.filter(l => !l.startsWith('other '))).toEqual([])
  })
})

describe('bad input: a clear error, and no cluster', () => {
  // every input check is table-tested in __tests__/unit/settings.test.ts; here the bundle shows that an
  // input error stops it before any tool runs, and that post then has nothing to clean
  test.each([
    [{ image: APP }, /Input 'chart' or 'manifests' is required/],
    [
      { image: APP, chart: CHART, 'image-source': 'registry', 'registry-ca': 'not a certificate' },
      /Input 'registry-ca' must be a PEM certificate/
    ]
  ])('%o', async (inputs, message) => {
    // a name of its own: other files make and delete clusters meanwhile, so the whole list may change
    const name = uniqueName('bad-input')
    const { main, post } = await runMainAndPost('kind-e2e', { ...inputs, 'cluster-name': name }, opts())
    expect(main.exitCode).toBe(1)
    expect(errors(main)[0]).toMatch(message)
    // no tool ran at all, kind included
    expect(main.stdout).not.toContain('[command]')
    expect(post.exitCode).toBe(0)
    expect(clusters()).not.toContain(name)
  })
})

test('a chart that does not render: helm’s own error in seconds, before any image is pulled or cluster made', async () => {
  const name = uniqueName('no-render')
  const broken = path.join(ROOT, '__tests__/fixtures/charts/broken')
  const { main, post } = await runMainAndPost(
    'kind-e2e',
    { image: `${infra.REGISTRY}/kind/never-pulled:v1`, chart: broken, ...NODE, 'cluster-name': name },
    opts()
  )
  expect(main.exitCode).toBe(1)
  // the real helm, for the Kubernetes version the node image's tag names
  expect(main.stdout).toMatch(/Render chart \S+ for Kubernetes v1\.34\.0/)
  expect(errors(main)[0]).toMatch(
    /helm template .*Kubernetes v1\.34\.0.* failed[\s\S]*databaseHost is required/
  )
  // nothing after it: no phase that gets the image or makes the cluster, no pull (the image does not
  // exist), no kind, nothing for post
  expect(main.stdout).not.toMatch(/::group::(Get|Create kind cluster) /)
  expect(main.stdout).not.toMatch(/docker pull|kind create/)
  expect(main.state.created ?? '').toBe('')
  expect(post.exitCode).toBe(0)
  expect(clusters()).not.toContain(name)
})

test('install-only puts kind, kubectl and helm on PATH for later steps, and makes no cluster', async () => {
  const main = await runMain('kind-e2e', { image: 'x', 'install-only': 'true' }, opts())
  expect(main.exitCode).toBe(0)
  // no cluster: kind was never asked for one, and there is none to name or delete in post
  expect(main.stdout).not.toMatch(/create cluster/)
  expect(main.outputs['cluster-name'] ?? '').toBe('')
  expect(main.state.clusterName ?? '').toBe('')
  expect(main.state.created ?? '').toBe('')
  expect(fs.readFileSync(main.env.GITHUB_PATH, 'utf8').split('\n')).toEqual(
    expect.arrayContaining([path.dirname(kind.KIND), path.dirname(infra.KUBECTL), path.dirname(infra.HELM)])
  )
})
