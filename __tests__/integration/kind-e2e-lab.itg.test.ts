// kind-e2e on a real Kubernetes API: the lab of scripts/lab/lab.sh (etcd 3.6.4, kube-apiserver,
// controller-manager and scheduler 1.34.0 built from their Go modules, kwok for the node), with the real
// kubectl and helm of scripts/infra.sh. The lab runs each pod's container with Docker and kwok forwards
// port-forward and logs to it, so the smoke tests reach the real example app through a real
// `kubectl port-forward service/…`. Only kind itself is a stand-in (standins/lab/kind): no kind node can
// start here. The rest of issue #21's list is still to come; kind-e2e.itg.test.ts keeps the stand-in
// tests until then.
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { ROOT, runMainAndPost, uniqueName } from '../../scripts/lib/runner.mjs'
import { infra } from './registry.js'
import { CHART, STANDINS } from './standins.js'

const LAB = process.env.DEMO_ACTIONS_LAB || '/tmp/demo-actions-lab'
const IMAGE = `${infra.REGISTRY}/lab/demo-flask-app:v2.0.0-3f1c2d4-17`
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
  execFileSync(
    'docker',
    [
      'build',
      '-q',
      '--build-arg',
      `BASE_IMAGE=${infra.PYTHON_IMAGE}`,
      '-t',
      IMAGE,
      path.join(ROOT, 'example/demo-app')
    ],
    { stdio: 'ignore' }
  )
})

afterAll(() => {
  for (const ns of namespaces) kubectl('delete', 'namespace', ns, '--wait=false', '--ignore-not-found')
})

test('the example chart deploys on the real API server and its smoke tests reach the real app', async () => {
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
