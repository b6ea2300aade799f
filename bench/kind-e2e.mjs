// kind-e2e on real kind (scripts/kind) against the raw commands for the same work, alternating in one run:
//   raw:    kind create cluster --wait 120s, kind load docker-image, helm install --wait, one HTTP request
//           through kubectl port-forward, kind delete cluster
//   bundle: the committed kind-e2e bundle under the runner's contract, on the example chart (2 replicas)
// Cluster creation is reported apart (it is most of both). Goal (issue #29): the bundle at most 1.05x.
// Then image-source: `kind load` (docker save + kind load image-archive, what kind-e2e does) against a
// pull by the nodes from the registry (crictl pull through containerd's CRI, what the kubelet does), for
// the example image and an image of about 500 MB, in one cluster.
//   node bench/kind-e2e.mjs [runs]      (default 2 of each)
import { execFileSync, spawn } from 'node:child_process'
/* global fetch */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { runMainAndPost, tempDir, uniqueName } from '../scripts/lib/runner.mjs'
import { fmt, infra, kindUp, median, ROOT, table, registryLogin } from './lib.mjs'

const CHART = path.join(ROOT, 'example/gitops/helm/demo-flask-app')

const secs = t0 => Number(process.hrtime.bigint() - t0) / 1e6

/** The raw commands, each timed; create apart. */
async function raw(env, kind, image) {
  const name = uniqueName('bench-raw')
  const kubeconfig = path.join(tempDir('bench-kind'), 'kubeconfig')
  const x = (cmd, args) =>
    execFileSync(cmd, args, { stdio: 'ignore', env: { ...process.env, KUBECONFIG: kubeconfig } })
  const t0 = process.hrtime.bigint()
  x(kind.KIND, [
    'create',
    'cluster',
    '--name',
    name,
    '--kubeconfig',
    kubeconfig,
    '--wait',
    '120s',
    '--image',
    kind.KIND_NODE_IMAGE
  ])
  const create = secs(t0)
  x(kind.KIND, ['load', 'docker-image', image, '--name', name])
  const [repository, tag] = image.split(/:(?=[^:]+$)/)
  x(env.HELM, [
    'install',
    'demo-flask-app',
    CHART,
    '-n',
    'demo-app',
    '--create-namespace',
    '--wait',
    '--timeout',
    '180s',
    '--set',
    `image.repository=${repository}`,
    '--set',
    `image.tag=${tag}`,
    '--set',
    'image.pullPolicy=Never'
  ])
  const pf = spawn(env.KUBECTL, ['port-forward', '-n', 'demo-app', 'service/demo-flask-app', ':80'], {
    env: { ...process.env, KUBECONFIG: kubeconfig }
  })
  const port = await new Promise((resolve, reject) => {
    pf.stdout.on('data', d => {
      const m = /127\.0\.0\.1:(\d+)/.exec(d.toString())
      if (m) resolve(m[1])
    })
    pf.on('exit', () => reject(new Error('port-forward ended')))
  })
  const res = await fetch(`http://127.0.0.1:${port}/healthz`)
  if (res.status !== 200) throw new Error(`raw smoke test got ${res.status}`)
  pf.kill()
  x(kind.KIND, ['delete', 'cluster', '--name', name, '--kubeconfig', kubeconfig])
  return { total: secs(t0), create }
}

/** The bundle; create timed from its log (the group after it starts). */
async function bundle(env, kind, image) {
  const t0 = process.hrtime.bigint()
  let create = 0
  const { main } = await runMainAndPost(
    'kind-e2e',
    { image, chart: 'example/gitops/helm/demo-flask-app', 'node-image': kind.KIND_NODE_IMAGE },
    {
      env: {
        PATH: [
          path.dirname(kind.KIND),
          path.dirname(env.HELM),
          path.dirname(env.KUBECTL),
          process.env.PATH
        ].join(':')
      },
      onSpawn: child =>
        child.stdout.on('data', d => {
          if (!create && d.toString().includes('::group::Load ')) create = secs(t0)
        })
    }
  )
  if (main.exitCode !== 0) throw new Error(`kind-e2e failed:\n${main.stdout.slice(-2000)}`)
  return { total: secs(t0), create }
}

/** kind load against a pull by the nodes, for one image, in one cluster (the image removed in between). */
function loadVsPull(env, kind, name, image) {
  const node = `${name}-control-plane`
  const dir = tempDir('bench-load')
  // every reference to the image (its tag, its digest, its id) removed with --sync: only then does
  // containerd's garbage collection drop the layers, so that the next pull fetches them again
  const repo = image.replace(/:[^:/]+$/, '')
  const gone = () =>
    execFileSync(
      'docker',
      [
        'exec',
        node,
        'sh',
        '-c',
        `id=$(crictl inspecti -o go-template --template '{{.status.id}}' ${image}); for r in $(ctr -n k8s.io images ls -q | grep -e '${repo}' -e "$id"); do ctr -n k8s.io images rm --sync "$r"; done; ctr -n k8s.io content ls -q | wc -l`
      ],
      { encoding: 'utf8' }
    )
  let t0 = process.hrtime.bigint()
  execFileSync('docker', ['save', '-o', path.join(dir, 'image.tar'), image])
  execFileSync(kind.KIND, ['load', 'image-archive', path.join(dir, 'image.tar'), '--name', name], {
    stdio: 'ignore'
  })
  const load = secs(t0)
  gone()
  t0 = process.hrtime.bigint()
  execFileSync('docker', ['exec', node, 'crictl', 'pull', image], { stdio: 'ignore' })
  const pull = secs(t0)
  gone()
  fs.rmSync(dir, { recursive: true, force: true })
  return { load, pull }
}

export async function run(runs = 2) {
  const env = infra()
  const kind = kindUp()
  const image = `${env.REGISTRY}/bench/demo-flask-app:v2.0.0-3f1c2d4-1`
  execFileSync(
    'docker',
    [
      'build',
      '-q',
      '--build-arg',
      `BASE_IMAGE=${env.PYTHON_IMAGE}`,
      '-t',
      image,
      path.join(ROOT, 'example/demo-app')
    ],
    {
      stdio: 'ignore'
    }
  )
  console.log(
    `\n## kind-e2e against the raw commands (${runs} runs each, alternating; kind ${kind.KIND_NODE_IMAGE})`
  )
  const r = { raw: [], bundle: [] }
  for (let i = 0; i < runs; i++) {
    r.raw.push(await raw(env, kind, image))
    r.bundle.push(await bundle(env, kind, image))
  }
  const m = k => ({ total: median(r[k].map(x => x.total)), create: median(r[k].map(x => x.create)) })
  const [a, b] = [m('raw'), m('bundle')]
  table(
    ['', 'raw commands', 'kind-e2e', 'ratio'],
    [
      ['cluster creation', fmt(a.create), fmt(b.create), (b.create / a.create).toFixed(2)],
      [
        'the rest (load, deploy, wait, smoke, delete)',
        fmt(a.total - a.create),
        fmt(b.total - b.create),
        ((b.total - b.create) / (a.total - a.create)).toFixed(2)
      ],
      ['whole', fmt(a.total), fmt(b.total), (b.total / a.total).toFixed(2)]
    ]
  )

  console.log('\n## image-source: kind load against a pull by the nodes (one cluster; medians of 2)')
  const big = `${env.REGISTRY}/bench/big:v1`
  const ctx = tempDir('bench-big')
  execFileSync('sh', ['-c', `head -c 450000000 /dev/urandom > ${ctx}/blob`])
  fs.writeFileSync(path.join(ctx, 'Dockerfile'), `FROM ${image}\nCOPY blob /blob\n`)
  execFileSync('docker', ['build', '-q', '-t', big, ctx], { stdio: 'ignore' })
  fs.rmSync(path.join(ctx, 'blob'))
  const cfg = registryLogin(env)
  for (const ref of [image, big])
    execFileSync('docker', ['--config', cfg, 'push', '-q', ref], { stdio: 'ignore' })
  const name = uniqueName('bench-pull')
  const kubeconfig = path.join(tempDir('bench-kind'), 'kubeconfig')
  execFileSync('bash', [path.join(ROOT, 'scripts/kind/kind.sh'), 'create', name, kubeconfig], {
    stdio: 'inherit'
  })
  try {
    const rows = []
    for (const [label, ref] of [
      ['example app', image],
      ['500 MB', big]
    ]) {
      const size = execFileSync('docker', ['image', 'inspect', '-f', '{{.Size}}', ref], {
        encoding: 'utf8'
      }).trim()
      const xs = [loadVsPull(env, kind, name, ref), loadVsPull(env, kind, name, ref)]
      const load = median(xs.map(x => x.load))
      const pull = median(xs.map(x => x.pull))
      rows.push([
        `${label} (${(Number(size) / 1e6).toFixed(0)} MB)`,
        fmt(load),
        fmt(pull),
        (pull / load).toFixed(2)
      ])
    }
    table(['image', 'kind load (save + load)', 'pull from the registry', 'pull / load'], rows)
  } finally {
    execFileSync('bash', [path.join(ROOT, 'scripts/kind/kind.sh'), 'delete', name])
    execFileSync('docker', ['rmi', big], { stdio: 'ignore' })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run(Number(process.argv[2] ?? 2))
