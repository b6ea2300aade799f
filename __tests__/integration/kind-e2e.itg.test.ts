// The committed kind-e2e bundle. No kind cluster can start on these machines, so kind, kubectl and helm
// are stand-ins on PATH that record their calls; port-forward serves the real example app over HTTP, and
// docker (image inspect, login, pull) is the real engine with the real registry. What the Kubernetes lab
// shows with the real API server, kubectl and helm (kind-e2e-lab.itg.test.ts: workloads of every kind,
// not-Ready reasons, describe and events, the Service by label, port-forward restarts, helm test, a
// cluster of your own) is not repeated here; what stays is kind's own part (create, load, delete, export
// logs, versions, node image, docker contexts) and failures the lab cannot make, each saying so.
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { ROOT, runMain, runMainAndPost, runPost, uniqueName } from '../../scripts/lib/runner.mjs'
import { infra, loggedInDockerConfig, manifestDigest } from './registry.js'
import { CHART, IMAGE, sandbox, STANDINS, tagImage } from './standins.js'

beforeAll(tagImage)

describe('kind-e2e bundle (stand-ins for kind, kubectl and helm)', () => {
  // kind's call sequence (create with --wait, load image-archive, delete with its own kubeconfig)
  test('creates, loads, deploys the chart, waits, smoke-tests over HTTP, deletes', async () => {
    const s = sandbox()
    const main = await runMain('kind-e2e', { image: IMAGE, chart: CHART }, s.opts)
    expect(main.stderr).toBe('')
    expect(main.exitCode).toBe(0)
    const name = main.outputs['cluster-name']
    // run, attempt, job, and a random part: matrix legs share GITHUB_JOB
    expect(name).toMatch(/^e2e-9000000017-1-pipeline-[0-9a-f]{6}$/)
    expect(main.outputs.result).toBe('passed')
    expect(s.of('kind', 'create cluster')[0].args).toEqual([
      'create',
      'cluster',
      '--name',
      name,
      '--kubeconfig',
      expect.stringMatching(/kubeconfig$/),
      '--wait',
      '120s',
      '--image',
      'kindest/node:v1.34.0@sha256:7416a61b42b1662ca6ca89f02028ac133a309a2a30ba309614e8ec94d976dc5a'
    ])
    // one platform saved with docker save, loaded as an archive (kind #3795, #4224)
    expect(s.of('kind', 'load image-archive')[0].args).toEqual([
      'load',
      'image-archive',
      expect.stringMatching(/image\.tar$/),
      '--name',
      name
    ])
    expect(JSON.parse(fs.readFileSync(path.join(s.dir, 'loaded.json'), 'utf8'))).toEqual([IMAGE])
    // the node image is kind v0.30.0's, pinned by digest
    expect(s.of('kind', 'create cluster')[0].args).toEqual(expect.arrayContaining(['--image']))
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
    expect(s.of('kind', 'delete cluster')[0].args).toEqual(expect.arrayContaining(['--kubeconfig']))
    expect(fs.existsSync(path.join(s.dir, 'shared-kubeconfig-edited'))).toBe(false)
    expect(s.clusters()).toEqual([])
    expect(main.summary).toMatch(/GET \/healthz<\/td><td>200 \+ &#39;ok&#39;<\/td><td>200<\/td>/)
    const post = await runPost('kind-e2e', main, s.opts)
    expect(post.exitCode).toBe(0)
    expect(s.of('kind', 'delete cluster')).toHaveLength(1)
    expect(fs.existsSync(main.state.privateDir)).toBe(false)
  })

  // kept for kind's part: the cluster is still deleted and logs exported (the lab has no kind to delete)
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
    expect(main.state.created).toBe('pending')
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
    expect(s.of('kubectl', 'apply')[0].args).toEqual([
      'apply',
      '--namespace',
      'demo-app',
      '--recursive',
      '-f',
      expect.stringMatching(/manifests$/)
    ])
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
    const cfg = loggedInDockerConfig()
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

// Issue #14: the real tools' behaviour, each imitated by the stand-ins (see standin.py's header for the
// upstream behaviour and where it is documented).
describe('kind-e2e on real runners (stand-ins that fail as the real tools do)', () => {
  test('a cluster name that already exists is refused and never deleted', async () => {
    const s = sandbox()
    const name = uniqueName('taken')
    fs.mkdirSync(path.join(s.dir, 'clusters'), { recursive: true })
    fs.writeFileSync(path.join(s.dir, 'clusters', name), '')
    const { main, post } = await runMainAndPost(
      'kind-e2e',
      { image: IMAGE, chart: CHART, 'cluster-name': name },
      s.opts
    )
    expect(main.exitCode).toBe(1)
    expect(main.commands.find(c => c.command === 'error')?.message).toMatch(
      new RegExp(`A kind cluster named ${name} already exists. This step did not create it`)
    )
    expect(post.exitCode).toBe(0)
    expect(s.of('kind', 'delete cluster')).toEqual([])
    expect(s.clusters()).toEqual([name])
  })

  test("Docker's containerd image store: the image goes in as a one-platform archive", async () => {
    const s = sandbox({ STANDIN_CONTAINERD_STORE: '1' })
    const main = await runMain('kind-e2e', { image: IMAGE, chart: CHART }, s.opts)
    expect(main.exitCode).toBe(0)
    expect(s.of('kind', 'load docker-image')).toEqual([])
    expect(s.of('kind', 'load image-archive')).toHaveLength(1)
  })

  test('ignore-failed-clean: a cluster post cannot delete is a warning, not a failed job', async () => {
    const s = sandbox({ STANDIN_DELETE_FAIL: '1' })
    const { main, post } = await runMainAndPost(
      'kind-e2e',
      { image: IMAGE, chart: CHART, 'ignore-failed-clean': 'true' },
      s.opts
    )
    expect(main.exitCode).toBe(0)
    expect(post.exitCode).toBe(0)
    expect(post.commands.some(c => c.command === 'warning' && /ignore-failed-clean/.test(c.message))).toBe(
      true
    )
    const strict = sandbox({ STANDIN_DELETE_FAIL: '1' })
    const r = await runMainAndPost('kind-e2e', { image: IMAGE, chart: CHART }, strict.opts)
    expect(r.post.exitCode).toBe(1)
  })

  test('digest references: repo@sha256 is loaded under a tag of its own, checked against the digest', async () => {
    const s = sandbox()
    const repo = `${infra.REGISTRY}/e2e/digest-${uniqueName('d')}`
    execFileSync('docker', ['tag', infra.BUSYBOX_IMAGE, `${repo}:v1`])
    const cfg = loggedInDockerConfig()
    execFileSync('docker', ['--config', cfg, 'push', '-q', `${repo}:v1`], { stdio: 'ignore' })
    // only the digest reference is left locally, as after a pull by digest
    execFileSync('docker', ['rmi', `${repo}:v1`], { stdio: 'ignore' })
    const digest = (await manifestDigest(repo.slice(infra.REGISTRY.length + 1), 'v1'))!
    const main = await runMain(
      'kind-e2e',
      {
        image: `${repo}@${digest}`,
        chart: CHART,
        username: infra.REGISTRY_USER,
        password: infra.REGISTRY_PASSWORD
      },
      s.opts
    )
    expect(main.commands.filter(c => c.command === 'error')).toEqual([])
    expect(main.exitCode).toBe(0)
    const tag = `sha256-${digest.slice(7, 19)}`
    expect(JSON.parse(fs.readFileSync(path.join(s.dir, 'loaded.json'), 'utf8'))).toEqual([`${repo}:${tag}`])
    expect(s.of('helm', 'upgrade')[0].args).toEqual(
      expect.arrayContaining([`image.tag=${tag}`, 'image.pullPolicy=Never'])
    )
  })

  // kept for what the lab test does not show: nested folders, and another image's container left alone
  test('manifests mode: the image and pull policy are substituted, folders applied recursively', async () => {
    const s = sandbox()
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'manifests-'))
    fs.mkdirSync(path.join(dir, 'nested'))
    fs.writeFileSync(
      path.join(dir, 'nested', 'deploy.yaml'),
      // (valid for the real API server, which the stand-in never checked: a selector and ports)
      `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: demo}\nspec:\n  selector: {matchLabels: {app: demo}}\n  template:\n    metadata: {labels: {app: demo}}\n    spec:\n      containers:\n      - name: app\n        image: ${infra.REGISTRY}/e2e/demo:latest\n        imagePullPolicy: Always\n      - name: sidecar\n        image: busybox:1.36\n---\napiVersion: v1\nkind: Service\nmetadata: {name: demo}\nspec: {selector: {app: demo}, ports: [{port: 80}]}\n`
    )
    const main = await runMain('kind-e2e', { image: IMAGE, manifests: dir }, s.opts)
    expect(main.exitCode).toBe(0)
    const applied = fs.readFileSync(path.join(s.dir, 'applied', '000-deploy.yaml'), 'utf8')
    expect(applied).toContain(`image: ${IMAGE}\n`)
    expect(applied).toContain('imagePullPolicy: Never')
    expect(applied).toContain('image: busybox:1.36')
    expect(s.of('kubectl', 'port-forward')[0].args).toContain('service/demo')
  })

  test('image-keys: a Bitnami-style chart gets the registry and the repository apart', async () => {
    const s = sandbox()
    const main = await runMain(
      'kind-e2e',
      {
        image: IMAGE,
        chart: CHART,
        'image-keys':
          'registry=image.registry\nrepository=image.repository\ntag=image.tag\npullPolicy=image.pullPolicy'
      },
      s.opts
    )
    expect(main.exitCode).toBe(0)
    expect(s.of('helm', 'upgrade')[0].args).toEqual(
      expect.arrayContaining([`image.registry=${infra.REGISTRY}`, 'image.repository=e2e/demo'])
    )
  })

  test('keep-cluster: the kubeconfig outlives the step and is an output', async () => {
    const s = sandbox()
    const { main, post } = await runMainAndPost(
      'kind-e2e',
      { image: IMAGE, chart: CHART, 'keep-cluster': 'true' },
      s.opts
    )
    expect(main.exitCode).toBe(0)
    expect(post.exitCode).toBe(0)
    expect(fs.readFileSync(main.outputs.kubeconfig, 'utf8')).toContain(`kind-${main.outputs['cluster-name']}`)
    expect(s.clusters()).toEqual([main.outputs['cluster-name']])
  })

  test('kind-version is honoured: a kind of another version on PATH is passed over for the cached release', async () => {
    const s = sandbox({ STANDIN_KIND_VERSION: 'v0.29.0' })
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'toolcache-'))
    for (const v of ['0.30.0', 'v0.30.0']) {
      const dir = path.join(cache, 'kind', v, 'x64')
      fs.mkdirSync(dir, { recursive: true })
      // the cached "release": the stand-in, reporting the requested version
      fs.writeFileSync(
        path.join(dir, 'kind'),
        `#!/bin/sh\nSTANDIN_KIND_VERSION=v0.30.0 exec '${path.join(STANDINS, 'kind')}' "$@"\n`,
        { mode: 0o755 }
      )
      fs.writeFileSync(`${dir}.complete`, '')
    }
    const main = await runMain(
      'kind-e2e',
      { image: IMAGE, chart: CHART },
      { env: { ...s.opts.env, RUNNER_TOOL_CACHE: cache } }
    )
    expect(main.exitCode).toBe(0)
    expect(main.state.kind.startsWith(cache)).toBe(true)
    expect(main.stdout).toMatch(/kind v0\.29\.0; v0\.30\.0 was asked for/)
  })

  test('wait-timeout is one validated budget', async () => {
    const s = sandbox()
    const r = await runMain('kind-e2e', { image: IMAGE, chart: CHART, 'wait-timeout': '700h' }, s.opts)
    expect(r.exitCode).toBe(1)
    expect(r.commands.find(c => c.command === 'error')?.message).toMatch(
      /Input 'wait-timeout' must be from 1s to 6h/
    )
    expect(s.of('kind', 'create cluster')).toEqual([])
  })

  test('a non-default docker context is carried into the step (pull and save talk to the daemon kind uses)', async () => {
    const s = sandbox()
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'home-'))
    const env = { ...process.env, HOME: home, DOCKER_CONFIG: path.join(home, '.docker') }
    execFileSync('docker', ['context', 'create', 'other', '--docker', 'host=unix:///var/run/docker.sock'], {
      env,
      stdio: 'ignore'
    })
    execFileSync('docker', ['context', 'use', 'other'], { env, stdio: 'ignore' })
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'docker-wrap-'))
    const log = path.join(bin, 'contexts.log')
    const docker = execFileSync('which', ['docker'], { encoding: 'utf8' }).trim()
    fs.writeFileSync(
      path.join(bin, 'docker'),
      `#!/bin/sh\necho "$DOCKER_CONTEXT $1" >> '${log}'\nexec '${docker}' "$@"\n`,
      { mode: 0o755 }
    )
    const main = await runMain(
      'kind-e2e',
      { image: IMAGE, chart: CHART },
      {
        env: {
          ...s.opts.env,
          PATH: `${bin}:${s.opts.env!.PATH}`,
          HOME: home,
          DOCKER_CONFIG: path.join(home, '.docker')
        }
      }
    )
    expect(main.exitCode).toBe(0)
    const lines = fs.readFileSync(log, 'utf8').trim().split('\n')
    expect(lines.filter(l => / (image|save)$/.test(l)).every(l => l.startsWith('other '))).toBe(true)
  })
})

describe('kind-e2e: what the anchors have that users ask for', () => {
  // kept for values-files and test-command (helm test itself runs in the lab)
  test('values-files, helm test and a test command with the kubeconfig run after the smoke tests', async () => {
    const s = sandbox()
    const values = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'values-')), 'ci.yaml')
    fs.writeFileSync(values, 'replicaCount: 1\n')
    const out = path.join(s.dir, 'test-command.out')
    const main = await runMain(
      'kind-e2e',
      {
        image: IMAGE,
        chart: CHART,
        'values-files': values,
        'helm-test': 'true',
        'test-command': `${infra.PYTHON} -c "import os; open(os.environ['TEST_OUT'], 'w').write(os.environ['KUBECONFIG'])"`
      },
      { env: { ...s.opts.env, TEST_OUT: out } }
    )
    expect(main.commands.filter(c => c.command === 'error')).toEqual([])
    expect(main.exitCode).toBe(0)
    expect(s.of('helm', 'upgrade')[0].args).toContain(`--values=${values}`)
    expect(s.of('helm', 'test')[0].args.slice(0, 4)).toEqual([
      'test',
      'demo-flask-app',
      '--namespace',
      'demo-app'
    ])
    expect(fs.readFileSync(out, 'utf8')).toMatch(/kind-e2e-.*\/kubeconfig$/)
  })

  test('on failure, kind export logs goes to a folder given as an output', async () => {
    const s = sandbox({ STANDIN_HELM_TEST: 'fail' })
    const main = await runMain('kind-e2e', { image: IMAGE, chart: CHART, 'helm-test': 'true' }, s.opts)
    expect(main.exitCode).toBe(1)
    expect(
      fs.existsSync(
        path.join(main.outputs['logs-dir'], `${main.outputs['cluster-name']}-control-plane`, 'kubelet.log')
      )
    ).toBe(true)
    expect(main.summary).toContain('kind export logs')
    expect(s.clusters()).toEqual([])
  })

  test('install-only puts kind, kubectl and helm on PATH for later steps, and makes no cluster', async () => {
    const s = sandbox()
    const main = await runMain('kind-e2e', { image: 'x', 'install-only': 'true' }, s.opts)
    expect(main.exitCode).toBe(0)
    expect(s.of('kind', 'create cluster')).toEqual([])
    expect(fs.readFileSync(main.env.GITHUB_PATH, 'utf8')).toContain(STANDINS)
  })
})
