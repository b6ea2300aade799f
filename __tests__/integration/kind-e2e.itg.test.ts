// The committed kind-e2e bundle. No kind cluster can start on these machines, so kind, kubectl and helm
// are stand-ins on PATH that record their calls; port-forward serves the real example app over HTTP, and
// docker (image inspect, login, pull) is the real engine with the real registry.
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { ROOT, runMain, runPost, uniqueName, type StepOptions } from '../../scripts/lib/runner.mjs'
import { infra, manifestDigest } from './registry.js'

const STANDINS = path.join(ROOT, '__tests__/fixtures/standins')
const CHART = 'example/gitops/helm/demo-flask-app'
const IMAGE = `${infra.REGISTRY}/e2e/demo:v2.0.0-3f1c2d4-17`

interface Call {
  tool: string
  args: string[]
  kubeconfig: string
}

function sandbox(env: Record<string, string> = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'standins-'))
  const log = path.join(dir, 'calls.jsonl')
  const opts: StepOptions = {
    env: {
      PATH: `${STANDINS}:${process.env.PATH}`,
      STANDIN_DIR: dir,
      STANDIN_LOG: log,
      STANDIN_APP_DIR: path.join(ROOT, 'example/demo-app'),
      ...env
    }
  }
  const calls = (): Call[] =>
    fs.existsSync(log)
      ? fs
          .readFileSync(log, 'utf8')
          .trim()
          .split('\n')
          .filter(Boolean)
          .map(l => JSON.parse(l))
      : []
  const clusters = () => fs.readdirSync(path.join(dir, 'clusters'))
  return {
    dir,
    opts,
    calls,
    clusters,
    of: (tool: string, sub: string) =>
      calls().filter(c => c.tool === tool && c.args.join(' ').startsWith(sub))
  }
}

beforeAll(() => {
  execFileSync('docker', ['tag', infra.BUSYBOX_IMAGE, IMAGE])
})

describe('kind-e2e bundle (stand-ins for kind, kubectl and helm)', () => {
  test('creates, loads, deploys the chart, waits, smoke-tests over HTTP, deletes', async () => {
    const s = sandbox()
    const main = await runMain('kind-e2e', { image: IMAGE, chart: CHART }, s.opts)
    expect(main.stderr).toBe('')
    expect(main.exitCode).toBe(0)
    const name = main.outputs['cluster-name']
    expect(name).toBe('e2e-9000000017-1-pipeline')
    expect(main.outputs.result).toBe('passed')
    expect(s.of('kind', 'create cluster')[0].args).toEqual([
      'create',
      'cluster',
      '--name',
      name,
      '--kubeconfig',
      expect.stringMatching(/kubeconfig$/),
      '--wait',
      '120s'
    ])
    expect(s.of('kind', 'load docker-image')[0].args).toEqual(['load', 'docker-image', IMAGE, '--name', name])
    const helm = s.of('helm', 'upgrade')[0]
    expect(helm.args).toEqual([
      'upgrade',
      '--install',
      'demo-flask-app',
      path.join(ROOT, CHART),
      '--namespace',
      'demo-app',
      '--create-namespace',
      '--set',
      `image.repository=${infra.REGISTRY}/e2e/demo`,
      '--set',
      'image.tag=v2.0.0-3f1c2d4-17',
      '--set',
      'image.pullPolicy=Never'
    ])
    expect(helm.kubeconfig).toMatch(/kind-e2e-.*\/kubeconfig$/)
    expect(s.of('kubectl', 'rollout status')[0].args.slice(0, 2)).toEqual(['rollout', 'status'])
    expect(s.of('kubectl', 'port-forward')[0].args).toContain('service/demo-flask-app')
    expect(s.of('kind', 'delete cluster')).toHaveLength(1)
    expect(s.clusters()).toEqual([])
    expect(main.summary).toMatch(/GET \/healthz<\/td><td>200 \+ &#39;ok&#39;<\/td><td>200<\/td>/)
    const post = await runPost('kind-e2e', main, s.opts)
    expect(post.exitCode).toBe(0)
    expect(s.of('kind', 'delete cluster')).toHaveLength(1)
    expect(fs.existsSync(main.state.privateDir)).toBe(false)
  })

  test('a failed rollout names what is not ready, shows diagnostics, and still deletes', async () => {
    const s = sandbox({ STANDIN_ROLLOUT: 'fail' })
    const main = await runMain('kind-e2e', { image: IMAGE, chart: CHART }, s.opts)
    expect(main.exitCode).toBe(1)
    expect(main.outputs.result).toBe('failed')
    const error = main.commands.filter(c => c.command === 'error').at(-1)!.message
    expect(error).toMatch(/deployment.apps\/demo-flask-app is not ready .*CrashLoopBackOff/)
    expect(main.stdout).toContain('kubectl describe pod demo-flask-app-6d4cf56db6-x7k2p')
    expect(main.stdout).toContain('Back-off restarting failed container')
    expect(main.commands.some(c => c.message.includes("a line from the app's log"))).toBe(false)
    expect(main.summary).toContain('Diagnostics: pods, events and logs')
    expect(s.of('kind', 'delete cluster')).toHaveLength(1)
    expect(s.clusters()).toEqual([])
  })

  test('a failed smoke test fails the step with what it got, ends port-forward, and deletes', async () => {
    const s = sandbox({ STANDIN_SMOKE: 'broken' })
    const main = await runMain('kind-e2e', { image: IMAGE, chart: CHART, 'wait-timeout': '3s' }, s.opts)
    expect(main.exitCode).toBe(1)
    expect(main.commands.filter(c => c.command === 'error').at(-1)!.message).toMatch(
      /1 of 2 smoke tests failed: GET \/healthz -> 503/
    )
    expect(main.summary).toContain('❌')
    expect(s.clusters()).toEqual([])
    const left = execFileSync('ps', ['-eo', 'args'])
      .toString()
      .split('\n')
      .filter(l => l.includes(s.dir))
    expect(left).toEqual([])
  })

  test('main killed while creating the cluster: post deletes it', async () => {
    const s = sandbox({ STANDIN_CREATE_SLEEP: '30' })
    const name = uniqueName('killed')
    const main = await runMain(
      'kind-e2e',
      { image: IMAGE, chart: CHART, 'cluster-name': name },
      {
        ...s.opts,
        onSpawn: child => {
          const timer = setInterval(() => {
            if (s.of('kind', 'create cluster').length) {
              clearInterval(timer)
              child.kill('SIGKILL')
            }
          }, 50)
        }
      }
    )
    expect(main.signal).toBe('SIGKILL')
    expect(s.clusters()).toHaveLength(1)
    const post = await runPost('kind-e2e', main, s.opts)
    expect(post.exitCode).toBe(0)
    expect(s.of('kind', 'delete cluster')).toHaveLength(1)
    expect(s.clusters()).toEqual([])
    // The stand-in `kind create` that main left behind is still asleep: end it.
    execFileSync('pkill', ['-f', `create cluster --name ${name}`, '-e'], { stdio: 'ignore' })
  })

  test('a failed delete is retried', async () => {
    const s = sandbox({ STANDIN_DELETE_FAIL_ONCE: '1' })
    const main = await runMain('kind-e2e', { image: IMAGE, chart: CHART }, s.opts)
    expect(main.exitCode).toBe(0)
    expect(s.of('kind', 'delete cluster')).toHaveLength(2)
    expect(
      main.commands.some(
        c => c.command === 'warning' && /Deleting cluster .* failed \(attempt 1\)/.test(c.message)
      )
    ).toBe(true)
    expect(s.clusters()).toEqual([])
  })

  test('keep-cluster leaves the cluster to the user, in main and in post', async () => {
    const s = sandbox()
    const main = await runMain(
      'kind-e2e',
      { image: IMAGE, chart: CHART, 'keep-cluster': 'true', 'cluster-name': 'kept' },
      s.opts
    )
    expect(main.exitCode).toBe(0)
    await runPost('kind-e2e', main, s.opts)
    expect(s.of('kind', 'delete cluster')).toHaveLength(0)
    expect(s.clusters()).toEqual(['kept'])
  })

  test('manifests are applied with kubectl; custom smoke tests are checked', async () => {
    const s = sandbox()
    const manifests = fs.mkdtempSync(path.join(os.tmpdir(), 'manifests-'))
    fs.writeFileSync(
      path.join(manifests, 'app.yaml'),
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n'
    )
    const main = await runMain(
      'kind-e2e',
      { image: IMAGE, manifests, service: 'demo', 'smoke-tests': '/healthz/ready 200 "ready"\n/nope 404' },
      s.opts
    )
    expect(main.exitCode).toBe(0)
    expect(s.of('kubectl', 'apply')[0].args).toEqual(['apply', '--namespace', 'demo-app', '-f', manifests])
    expect(s.of('helm', '')).toHaveLength(0)
    expect(main.summary).toContain('GET /nope')
  })

  test('two runs on one machine never collide', async () => {
    const a = sandbox()
    const b = sandbox()
    b.opts.env!.STANDIN_DIR = a.dir
    b.opts.env!.STANDIN_LOG = path.join(a.dir, 'calls.jsonl')
    b.opts.env!.GITHUB_RUN_ID = '9000000018'
    const [ra, rb] = await Promise.all([
      runMain('kind-e2e', { image: IMAGE, chart: CHART }, a.opts),
      runMain('kind-e2e', { image: IMAGE, chart: CHART }, b.opts)
    ])
    expect([ra.exitCode, rb.exitCode]).toEqual([0, 0])
    expect(ra.outputs['cluster-name']).not.toBe(rb.outputs['cluster-name'])
    expect(a.clusters()).toEqual([])
  })

  test('an image missing from the local store is pulled with the credentials given', async () => {
    const image = `${infra.REGISTRY}/e2e/${uniqueName('pulled')}:v1`
    execFileSync('docker', ['tag', infra.BUSYBOX_IMAGE, image])
    const cfg = fs.mkdtempSync(path.join(os.tmpdir(), 'dockercfg-'))
    execFileSync(
      'docker',
      ['--config', cfg, 'login', '-u', infra.REGISTRY_USER, '--password-stdin', infra.REGISTRY],
      { input: infra.REGISTRY_PASSWORD, stdio: ['pipe', 'ignore', 'ignore'] }
    )
    execFileSync('docker', ['--config', cfg, 'push', '-q', image], { stdio: 'ignore' })
    execFileSync('docker', ['rmi', image], { stdio: 'ignore' })
    expect(await manifestDigest(image.split('/').slice(1).join('/').split(':')[0], 'v1')).toBeDefined()
    const s = sandbox()
    const main = await runMain(
      'kind-e2e',
      { image, chart: CHART, username: infra.REGISTRY_USER, password: infra.REGISTRY_PASSWORD },
      s.opts
    )
    expect(main.exitCode).toBe(0)
    expect(execFileSync('docker', ['image', 'inspect', '--format', '{{.Id}}', image]).toString()).toMatch(
      /^sha256:/
    )
  })

  test.each([
    [{ image: IMAGE }, /Input 'chart' or 'manifests' is required/],
    [{ image: 'ghcr.io/owner/app', chart: CHART }, /Input 'image' must include a tag/],
    [
      { image: IMAGE, chart: CHART, 'smoke-tests': 'healthz 200' },
      /Input 'smoke-tests' line 1 must look like/
    ],
    [{ image: IMAGE, chart: CHART, 'wait-timeout': 'soon' }, /Input 'wait-timeout' must be a duration/],
    [{ image: IMAGE, chart: CHART, 'cluster-name': 'Bad_Name' }, /Input 'cluster-name' must be lower-case/],
    [{ image: IMAGE, chart: 'no/such/chart' }, /Input 'chart' must be a chart folder/]
  ])('bad input %o: a clear error, and no cluster', async (inputs, message) => {
    const s = sandbox()
    const main = await runMain('kind-e2e', inputs, s.opts)
    expect(main.exitCode).toBe(1)
    expect(main.commands.find(c => c.command === 'error')?.message).toMatch(message)
    expect(s.calls()).toEqual([])
  })
})
