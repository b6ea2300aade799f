// kind-e2e's deploy behaviours on one real kind cluster shared by the tests of this file (made by the
// test as image-source: registry makes one: the nodes pull from the registry by name, over TLS, with its
// password), each run in a namespace of its own through the kubeconfig input (a cluster of your own).
// What the real kubelet, containerd, kube-proxy and kubectl say is what is asserted. Runs that create
// clusters of their own are in kind-e2e.itg.test.ts.
import { execFileSync, type ChildProcess } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { ROOT, runMainAndPost, tempDir, uniqueName } from '../../scripts/lib/runner.mjs'
import { buildExampleApp, CHART, push } from './example-app.js'
import { createCluster, opts, type TestCluster } from './kind.js'
import { infra } from './registry.js'

const APP = `${infra.REGISTRY}/kind/demo-flask-app:v2.0.0-3f1c2d4-17`
const WORKLOADS = path.join(ROOT, '__tests__/fixtures/charts/workloads')
const errors = (r: { commands: { command: string; message: string }[] }) =>
  r.commands.filter(c => c.command === 'error').map(c => c.message)
let cluster: TestCluster

beforeAll(() => {
  buildExampleApp(APP)
  push(APP)
  cluster = createCluster('shared')
}, 180_000)

afterAll(() => cluster?.delete())

/** A run in a namespace of its own of the shared cluster. */
function inCluster(inputs: Record<string, string>, more: Parameters<typeof opts>[1] = {}) {
  const namespace = uniqueName('e2e')
  return {
    namespace,
    run: () =>
      runMainAndPost('kind-e2e', { kubeconfig: cluster.kubeconfig, namespace, ...inputs }, opts({}, more))
  }
}

function manifests(yaml: string[]): string {
  const dir = tempDir('manifests')
  fs.mkdirSync(path.join(dir, 'nested'))
  fs.writeFileSync(path.join(dir, 'nested', 'app.yaml'), yaml.join('\n') + '\n')
  return dir
}

test('manifests mode: the image under test replaces the one named, pulled by the nodes; an init container, a volume and every probe kind run for real', async () => {
  const dir = manifests([
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata: { name: web }',
    'spec:',
    '  selector: { matchLabels: { app: web } }',
    '  template:',
    '    metadata: { labels: { app: web } }',
    '    spec:',
    '      volumes: [{ name: shared, emptyDir: {} }]',
    '      initContainers:',
    '        - name: prepare',
    `          image: ${infra.REGISTRY}/kind/demo-flask-app:latest`,
    '          command: ["sh", "-c", "echo prepared > /shared/ready"]',
    '          volumeMounts: [{ name: shared, mountPath: /shared }]',
    '      containers:',
    '        - name: app',
    `          image: ${infra.REGISTRY}/kind/demo-flask-app:latest`,
    '          imagePullPolicy: Always',
    '          ports: [{ name: http, containerPort: 5000 }]',
    '          volumeMounts: [{ name: shared, mountPath: /shared }]',
    '          startupProbe: { tcpSocket: { port: http }, periodSeconds: 1, failureThreshold: 30 }',
    '          readinessProbe: { httpGet: { path: /healthz, port: http }, periodSeconds: 2 }',
    '          livenessProbe: { exec: { command: ["cat", "/shared/ready"] }, periodSeconds: 5 }',
    '---',
    'apiVersion: v1',
    'kind: Service',
    'metadata: { name: web }',
    'spec: { selector: { app: web }, ports: [{ port: 80, targetPort: http }] }'
  ])
  const { namespace, run } = inCluster({ image: APP, manifests: dir, 'keep-cluster': 'true' })
  const { main, post } = await run()
  expect(errors(main)).toEqual([])
  expect(main.exitCode).toBe(0)
  expect(post.exitCode).toBe(0)
  const spec = JSON.parse(cluster.kubectl('get', 'deployment', 'web', '-n', namespace, '-o', 'json')).spec
    .template.spec
  expect(spec.initContainers[0].image).toBe(APP)
  // the cluster pulls (the manifest's own pull policy stays), and the kubelet says it pulled
  expect(spec.containers[0]).toMatchObject({ image: APP, imagePullPolicy: 'Always' })
  const events = cluster.kubectl(
    'get',
    'events',
    '-n',
    namespace,
    '-o',
    'custom-columns=R:.reason,M:.message'
  )
  expect(events).toMatch(new RegExp(`Pulled\\s+Successfully pulled image "${APP.replace(/\./g, '\\.')}"`))
  expect(events).toMatch(/Started\s+Started container prepare/)
  expect(main.summary).toMatch(/GET \/healthz<\/td><td>200 \+ &#39;ok&#39;<\/td><td>200<\/td>/)
  cluster.kubectl('delete', 'namespace', namespace, '--wait=false')
})

test("a StatefulSet, a DaemonSet and a Job are waited for, then the chart's own helm test runs", async () => {
  const { run } = inCluster({ image: APP, chart: WORKLOADS, release: 'wl', 'helm-test': 'true' })
  const { main } = await run()
  expect(errors(main)).toEqual([])
  expect(main.exitCode).toBe(0)
  // real kubectl's own words for each kind of workload
  expect(main.stdout).toContain('deployment "wl-web" successfully rolled out')
  expect(main.stdout).toMatch(
    /partitioned roll out complete: 2 new pods have been updated|statefulset rolling update complete 2 pods/
  )
  expect(main.stdout).toContain('daemon set "wl-agent" successfully rolled out')
  expect(main.stdout).toContain('job.batch/wl-migrate condition met')
  expect(main.stdout).toContain('Smoke tests against service/wl-web:80')
  // helm test ran the chart's test pod on the node; its log came back from the real kubelet
  expect(main.stdout).toMatch(/TEST SUITE:\s+wl-test-version[\s\S]*Phase:\s+Succeeded/)
  expect(main.stdout).toContain('version check passed')
})

test("a failing helm test fails the step with its pod's log", async () => {
  const { run } = inCluster({
    image: APP,
    chart: WORKLOADS,
    release: 'wl',
    'helm-test': 'true',
    set: 'helmTest.exitCode=3\nhelmTest.says=version is v1.9.9 but v2.0.0 was expected'
  })
  const { main } = await run()
  expect(main.exitCode).toBe(1)
  expect(errors(main).join('\n')).toMatch(/helm test wl/)
  expect(main.stdout).toContain('version is v1.9.9 but v2.0.0 was expected')
  expect(main.outputs.result).toBe('failed')
})

test("an image that cannot be pulled: ErrImagePull / ImagePullBackOff in the kubelet's words, the registry's answer, and no wait-timeout run out", async () => {
  const missing = `${infra.REGISTRY}/kind/demo-flask-app:v2.0.0-0000000-404`
  const { run } = inCluster({ image: missing, chart: CHART, 'wait-timeout': '120s', set: 'replicaCount=1' })
  const { main } = await run()
  expect(main.exitCode).toBe(1)
  expect(errors(main).at(-1)).toMatch(
    /^deployment\.apps\/demo-flask-app cannot become ready: pod demo-flask-app-\S+ container app waiting \((ErrImagePull|ImagePullBackOff): .*not found.*\. Retrying will not change that, so the wait stopped after \d+ s of the 120 s wait-timeout$/
  )
  expect(Number(/stopped after (\d+) s/.exec(errors(main).at(-1)!)![1])).toBeLessThan(60)
  expect(main.stdout).toMatch(/Failed to pull image "[^"]*v2\.0\.0-0000000-404"/)
})

test('a readiness probe that never passes: not ready, with the probe failures the kubelet reports', async () => {
  const dir = manifests([
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata: { name: never }',
    'spec:',
    '  selector: { matchLabels: { app: never } }',
    '  template:',
    '    metadata: { labels: { app: never } }',
    '    spec:',
    '      containers:',
    '        - name: app',
    `          image: ${APP}`,
    '          readinessProbe: { httpGet: { path: /not-there, port: 5000 }, periodSeconds: 1 }',
    '---',
    'apiVersion: v1',
    'kind: Service',
    'metadata: { name: never }',
    'spec: { selector: { app: never }, ports: [{ port: 80, targetPort: 5000 }] }'
  ])
  const { run } = inCluster({ image: APP, manifests: dir, 'wait-timeout': '15s' })
  const { main } = await run()
  expect(main.exitCode).toBe(1)
  expect(errors(main).at(-1)).toMatch(
    /deployment.apps\/never is not ready within the wait-timeout: pod never-\S+ container app running/
  )
  expect(main.stdout).toMatch(/Readiness probe failed: HTTP probe failed with statuscode: 404/)
})

test("two releases in one namespace: the release's own Service is found by its instance label", async () => {
  // while the step waits for its rollout, another release of the chart lands in the same namespace
  let namespace = ''
  let services: string[] = []
  const other = (child: ChildProcess) => {
    let seen = ''
    child.stdout!.on('data', (d: Buffer) => {
      if (seen.includes('::group::Wait for the rollout')) return
      seen += d.toString()
      if (!seen.includes('::group::Wait for the rollout')) return
      execFileSync(
        infra.HELM,
        [
          'install',
          'green',
          path.join(ROOT, CHART),
          '-n',
          namespace,
          '--kubeconfig',
          cluster.kubeconfig,
          '--set',
          'replicaCount=0'
        ],
        { stdio: 'ignore' }
      )
      // the two releases' Services, while the step still waits
      services = execFileSync(
        infra.KUBECTL,
        ['get', 'services', '-n', namespace, '--kubeconfig', cluster.kubeconfig, '-o', 'name'],
        { encoding: 'utf8' }
      )
        .trim()
        .split('\n')
    })
  }
  const c = inCluster({ image: APP, chart: CHART, set: 'replicaCount=1' }, { onSpawn: other })
  namespace = c.namespace
  const { main } = await c.run()
  expect(errors(main)).toEqual([])
  expect(main.exitCode).toBe(0)
  expect(main.stdout).toContain('Smoke tests against service/demo-flask-app:80')
  // the second release did land beside it (else this proves nothing)
  expect(services).toHaveLength(2)
  expect(services).toContain('service/demo-flask-app')
  expect(services.find(s => s !== 'service/demo-flask-app')).toMatch(/green/)
})

describe.each(['20', '24'] as const)('on Node %s', node => {
  test('a port-forward that dies (nothing listens in the pod yet) is started again', async () => {
    // no readiness probe: Ready as soon as it runs, although the server listens only 5 s later; the first
    // request makes the kubelet's dial fail, and kubectl (>= 1.23) ends port-forward: "lost connection to pod"
    const dir = manifests([
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: { name: slow }',
      'spec:',
      '  selector: { matchLabels: { app: slow } }',
      '  template:',
      '    metadata: { labels: { app: slow } }',
      '    spec:',
      '      containers:',
      '        - name: app',
      `          image: ${APP}`,
      '          command: ["sh", "-c", "sleep 5; exec python3 -m gunicorn --bind 0.0.0.0:5000 app.main:app"]',
      '          ports: [{ containerPort: 5000 }]',
      '---',
      'apiVersion: v1',
      'kind: Service',
      'metadata: { name: slow }',
      'spec: { selector: { app: slow }, ports: [{ port: 80, targetPort: 5000 }] }'
    ])
    const { run } = inCluster({ image: APP, manifests: dir }, { node })
    const { main, post } = await run()
    expect(errors(main)).toEqual([])
    expect(main.exitCode).toBe(0)
    expect(main.stdout).toMatch(
      /kubectl port-forward ended \(.*lost connection to pod.*\); starting it again/
    )
    expect(JSON.parse(main.outputs.report).portForwardRestarts).toBeGreaterThan(0)
    expect(post.exitCode).toBe(0)
  })
})
