// kind-e2e on a real Kubernetes API: the lab of scripts/lab/lab.sh (etcd 3.6.4, kube-apiserver,
// controller-manager and scheduler 1.34.0 built from their Go modules, kwok for the node), with the real
// kubectl and helm of scripts/infra.sh. The lab runs each pod's container with Docker and kwok forwards
// port-forward and logs to it, so the smoke tests reach the real example app through a real
// `kubectl port-forward service/…`. Only kind itself is a stand-in (standins/lab/kind): no kind node can
// start here. What the lab's kubelet (scripts/lab/pods.mjs) copies of a real one, and what not, is said
// at its top.
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { ROOT, runMain, runMainAndPost, uniqueName } from '../../scripts/lib/runner.mjs'
import { infra } from './registry.js'
import { buildExampleApp, CHART, STANDINS } from './standins.js'

const LAB = process.env.DEMO_ACTIONS_LAB || '/tmp/demo-actions-lab'
const IMAGE = `${infra.REGISTRY}/lab/demo-flask-app:v2.0.0-3f1c2d4-17`
// the same app, built so that it exits at start (a missing setting), as a broken release does; a tag of
// its own (gitops-argocd.itg.test.ts, run in parallel, builds another crashing image as badc0de-18)
const CRASHING = `${infra.REGISTRY}/lab/demo-flask-app:v2.0.0-crashed-19`
const WORKLOADS = path.join(ROOT, '__tests__/fixtures/charts/workloads')
const kubectl = (...args: string[]) =>
  execFileSync(infra.KUBECTL, ['--kubeconfig', path.join(LAB, 'kubeconfig'), ...args], { encoding: 'utf8' })
const namespaces: string[] = []
const opts = {
  env: {
    PATH: [
      path.join(STANDINS, 'lab'),
      path.dirname(infra.KUBECTL),
      path.dirname(infra.HELM),
      process.env.PATH
    ].join(':')
  }
}

beforeAll(() => {
  if (!fs.existsSync(path.join(LAB, 'env')))
    throw new Error(`the lab is not up (${LAB}): run scripts/lab/lab.sh up (npm test does)`)
  // the example app's image, on the local base image (nothing can be pulled here)
  buildExampleApp(IMAGE)
  execFileSync('docker', ['build', '-q', '-t', CRASHING, '-'], {
    input: [
      `FROM ${IMAGE}`,
      `CMD ["python3", "-c", "import sys; sys.exit('DATABASE_URL is not set: cannot start')"]`,
      ''
    ].join('\n'),
    stdio: ['pipe', 'ignore', 'ignore']
  })
})

const errors = (r: { commands: { command: string; message: string }[] }) =>
  r.commands.filter(c => c.command === 'error').map(c => c.message)

afterAll(() => {
  for (const ns of namespaces) kubectl('delete', 'namespace', ns, '--wait=false', '--ignore-not-found')
})

test("the example's chart (the seed's demo-flask-app) deploys on the real API server and its smoke tests reach the real app", async () => {
  const namespace = uniqueName('lab')
  namespaces.push(namespace)
  const { main, post } = await runMainAndPost('kind-e2e', { image: IMAGE, chart: CHART, namespace }, opts)
  expect(main.commands.filter(c => c.command === 'error').map(c => c.message)).toEqual([])
  expect(main.exitCode).toBe(0)
  expect(main.outputs.result).toBe('passed')
  expect(main.summary).toMatch(/GET \/healthz<\/td><td>200 \+ &#39;ok&#39;<\/td><td>200<\/td>/)
  // the real API server has the release's objects, and the app's own log has the smoke tests' requests
  expect(kubectl('get', 'deployment', '-n', namespace, '-o', 'name').trim()).toBe(
    'deployment.apps/demo-flask-app'
  )
  // (every pod's log: port-forward picks one of the two)
  const log = kubectl('logs', '-n', namespace, '-l', 'app.kubernetes.io/instance=demo-flask-app', '--tail=50')
  expect(log).toMatch(/"GET \/(healthz)? HTTP\/1\.1" 200/)
  expect(post.exitCode).toBe(0)
  expect(fs.existsSync(main.state.privateDir)).toBe(false)
})

test('manifests mode on the real API: the image and imagePullPolicy: Always are replaced, and the app serves', async () => {
  const namespace = uniqueName('lab')
  namespaces.push(namespace)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'manifests-'))
  // manifests the real API server accepts (a Deployment needs its selector, a Service its ports)
  fs.writeFileSync(
    path.join(dir, 'app.yaml'),
    [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: { name: web, labels: { app: web } }',
      'spec:',
      '  selector: { matchLabels: { app: web } }',
      '  template:',
      '    metadata: { labels: { app: web } }',
      '    spec:',
      '      containers:',
      '        - name: app',
      `          image: ${infra.REGISTRY}/lab/demo-flask-app:latest`,
      '          imagePullPolicy: Always',
      '          ports: [{ name: http, containerPort: 5000 }]',
      '---',
      'apiVersion: v1',
      'kind: Service',
      'metadata: { name: web }',
      'spec:',
      '  selector: { app: web }',
      '  ports: [{ port: 80, targetPort: http }]',
      ''
    ].join('\n')
  )
  const { main } = await runMainAndPost('kind-e2e', { image: IMAGE, manifests: dir, namespace }, opts)
  expect(main.commands.filter(c => c.command === 'error').map(c => c.message)).toEqual([])
  expect(main.exitCode).toBe(0)
  const spec = JSON.parse(kubectl('get', 'deployment', 'web', '-n', namespace, '-o', 'json')).spec.template
    .spec
  expect(spec.containers[0]).toMatchObject({ image: IMAGE, imagePullPolicy: 'Never' })
  expect(main.summary).toMatch(/GET \/healthz<\/td><td>200 \+ &#39;ok&#39;<\/td><td>200<\/td>/)
  fs.rmSync(dir, { recursive: true, force: true })
})

test("a StatefulSet, a DaemonSet and a Job are waited for, then the chart's own helm test runs", async () => {
  const namespace = uniqueName('lab')
  namespaces.push(namespace)
  const { main } = await runMainAndPost(
    'kind-e2e',
    { image: IMAGE, chart: WORKLOADS, namespace, release: 'wl', 'helm-test': 'true' },
    opts
  )
  expect(errors(main)).toEqual([])
  expect(main.exitCode).toBe(0)
  // real kubectl's own words for each kind of workload
  expect(main.stdout).toContain('deployment "wl-web" successfully rolled out')
  expect(main.stdout).toMatch(
    /partitioned roll out complete: 2 new pods have been updated|statefulset rolling update complete 2 pods/
  )
  expect(main.stdout).toContain('daemon set "wl-agent" successfully rolled out')
  expect(main.stdout).toContain('job.batch/wl-migrate condition met')
  // the service among the release's (wl-web; the StatefulSet names a headless one it does not create)
  expect(main.stdout).toContain('Smoke tests against service/wl-web:80')
  // helm test ran the test pod in the lab, and its log came back through kwok
  expect(main.stdout).toMatch(/TEST SUITE:\s+wl-test-version[\s\S]*Phase:\s+Succeeded/)
  expect(main.stdout).toContain('version check passed')
  const job = JSON.parse(kubectl('get', 'job', 'wl-migrate', '-n', namespace, '-o', 'json'))
  expect(job.status.succeeded).toBe(1)
})

test("a failing helm test fails the step with its pod's log", async () => {
  const namespace = uniqueName('lab')
  namespaces.push(namespace)
  const main = await runMain(
    'kind-e2e',
    {
      image: IMAGE,
      chart: WORKLOADS,
      namespace,
      release: 'wl',
      'helm-test': 'true',
      set: 'helmTest.exitCode=3\nhelmTest.says=version is v1.9.9 but v2.0.0 was expected'
    },
    opts
  )
  expect(main.exitCode).toBe(1)
  expect(errors(main).join('\n')).toMatch(/helm test wl/)
  expect(main.stdout).toContain('version is v1.9.9 but v2.0.0 was expected')
  expect(main.outputs.result).toBe('failed')
})

test("a pod that never becomes Ready fails with its container's reason, and the real describe and events", async () => {
  const namespace = uniqueName('lab')
  namespaces.push(namespace)
  const main = await runMain(
    'kind-e2e',
    { image: CRASHING, chart: CHART, namespace, 'wait-timeout': '12s', set: 'replicaCount=1' },
    opts
  )
  expect(main.exitCode).toBe(1)
  expect(main.outputs.result).toBe('failed')
  const error = errors(main).at(-1)!
  expect(error).toMatch(
    // (between its back-offs a crash-looping container is running for a moment: its last end says why)
    /deployment.apps\/demo-flask-app is not ready within the wait-timeout: pod demo-flask-app-\S+ container app (waiting \(CrashLoopBackOff: back-off \d+s restarting failed container=app pod=demo-flask-app-\S+\)|running); last terminated \(Error, exit code 1\), \d restart\(s\)/
  )
  // what kubectl describe prints of the real pod object
  expect(main.stdout).toMatch(/### kubectl describe pod demo-flask-app-/)
  expect(main.stdout).toMatch(/State:\s+(Waiting\s+Reason:\s+CrashLoopBackOff|Running)/)
  expect(main.stdout).toMatch(/Last State:\s+Terminated\s+Reason:\s+Error\s+Exit Code:\s+1/)
  // events of the real controllers and scheduler, and of the lab's kubelet
  expect(main.stdout).toMatch(/Scaled up replica set demo-flask-app-\S+ from 0 to 1/)
  expect(main.stdout).toMatch(/Successfully assigned \S+\/demo-flask-app-\S+ to kind-control-plane/)
  expect(main.stdout).toContain('Back-off restarting failed container app in pod')
  // and the container's own last words, through kubectl logs
  expect(main.stdout).toContain('DATABASE_URL is not set: cannot start')
})

test("the release's Service is found among other releases' Services by its instance label", async () => {
  const namespace = uniqueName('lab')
  namespaces.push(namespace)
  const first = await runMain(
    'kind-e2e',
    { image: IMAGE, chart: CHART, namespace, release: 'blue', set: 'replicaCount=1' },
    opts
  )
  expect(errors(first)).toEqual([])
  const second = await runMain(
    'kind-e2e',
    { image: IMAGE, chart: CHART, namespace, release: 'green', set: 'replicaCount=1' },
    opts
  )
  expect(errors(second)).toEqual([])
  expect(second.stdout).toContain('Smoke tests against service/green-demo-flask-app:80')
  expect(kubectl('get', 'services', '-n', namespace, '-o', 'name').trim().split('\n').sort()).toEqual([
    'service/blue-demo-flask-app',
    'service/green-demo-flask-app'
  ])
})

test('a port-forward that dies (nothing listens in the pod yet) is started again', async () => {
  const namespace = uniqueName('lab')
  namespaces.push(namespace)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'manifests-'))
  // no readiness probe: Ready as soon as it runs, although the server listens only 5 s later; the first
  // request makes the kubelet's dial fail, and kubectl (>= 1.23) ends port-forward: "lost connection to pod"
  fs.writeFileSync(
    path.join(dir, 'slow.yaml'),
    [
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
      `          image: ${IMAGE}`,
      '          command: ["sh", "-c", "sleep 5; exec python3 -m gunicorn --bind 0.0.0.0:5000 app.main:app"]',
      '          ports: [{ containerPort: 5000 }]',
      '---',
      'apiVersion: v1',
      'kind: Service',
      'metadata: { name: slow }',
      'spec: { selector: { app: slow }, ports: [{ port: 80, targetPort: 5000 }] }',
      ''
    ].join('\n')
  )
  const main = await runMain('kind-e2e', { image: IMAGE, manifests: dir, namespace }, opts)
  expect(errors(main)).toEqual([])
  expect(main.exitCode).toBe(0)
  expect(main.stdout).toMatch(/kubectl port-forward ended \(.*lost connection to pod.*\); starting it again/)
  expect(JSON.parse(main.outputs.report).portForwardRestarts).toBeGreaterThan(0)
  fs.rmSync(dir, { recursive: true, force: true })
})

describe('a cluster of your own (kubeconfig): no kind at all', () => {
  // no kind on PATH: the step must not need it
  const own = {
    env: { PATH: [path.dirname(infra.KUBECTL), path.dirname(infra.HELM), process.env.PATH].join(':') }
  }
  const copy = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'own-'))
    const file = path.join(dir, 'config')
    fs.copyFileSync(path.join(LAB, 'kubeconfig'), file)
    return file
  }

  test('deploys into a namespace it creates, passes, and deletes only that namespace', async () => {
    const namespace = uniqueName('own')
    namespaces.push(namespace)
    const kubeconfig = copy()
    const before = fs.readFileSync(kubeconfig, 'utf8')
    const { main, post } = await runMainAndPost(
      'kind-e2e',
      { image: IMAGE, chart: CHART, namespace, kubeconfig, set: 'replicaCount=1' },
      own
    )
    expect(errors(main)).toEqual([])
    expect(main.exitCode).toBe(0)
    expect(main.outputs['cluster-name']).toBe('lab')
    expect(main.stdout).not.toMatch(/kind (create|load|delete)/)
    // the chart's own pull policy (the cluster pulls; nothing was loaded)
    expect(main.stdout).toContain('Smoke tests against service/demo-flask-app:80')
    expect(main.stdout).toContain(`namespace "${namespace}" deleted`)
    const phase = execFileSync(
      infra.KUBECTL,
      [
        '--kubeconfig',
        kubeconfig,
        'get',
        'namespace',
        namespace,
        '-o',
        'jsonpath={.status.phase}',
        '--ignore-not-found'
      ],
      { encoding: 'utf8' }
    )
    expect(['', 'Terminating']).toContain(phase)
    expect(fs.readFileSync(kubeconfig, 'utf8')).toBe(before)
    expect(post.exitCode).toBe(0)
  })

  test('a namespace that exists already is refused and left alone', async () => {
    const namespace = uniqueName('own')
    namespaces.push(namespace)
    kubectl('create', 'namespace', namespace)
    kubectl('create', 'configmap', 'mine', '-n', namespace, '--from-literal=a=b')
    const { main, post } = await runMainAndPost(
      'kind-e2e',
      { image: IMAGE, chart: CHART, namespace, kubeconfig: copy() },
      own
    )
    expect(main.exitCode).toBe(1)
    expect(errors(main).join('\n')).toMatch(new RegExp(`namespace.*'${namespace}' already exists`))
    expect(main.stdout).not.toContain('helm upgrade')
    expect(post.exitCode).toBe(0)
    expect(kubectl('get', 'configmap', 'mine', '-n', namespace, '-o', 'name').trim()).toBe('configmap/mine')
    expect(kubectl('get', 'namespace', namespace, '-o', 'jsonpath={.status.phase}')).toBe('Active')
  })

  test('a kubeconfig that is not a file is a clear input error', async () => {
    const main = await runMain(
      'kind-e2e',
      { image: IMAGE, chart: CHART, kubeconfig: '/nonexistent/config' },
      own
    )
    expect(main.exitCode).toBe(1)
    expect(errors(main).join('\n')).toMatch(
      /kubeconfig.*must be the path of a kubeconfig file, got '\/nonexistent\/config'/
    )
  })
})
