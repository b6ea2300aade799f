// kind-e2e's upgrade rehearsal against the raw commands doing the same work, alternating in one run, on
// real kind (scripts/kind) with the example chart (2 replicas):
//   raw:    kind create cluster, kind load docker-image (the running release's image and the new one),
//           helm install --wait with production's values, a curl loop inside the cluster against the
//           Service at 50 requests a second (from the node, through kube-proxy, as kind-e2e's probe),
//           helm upgrade --wait to the new image, the old pods gone, the loop stopped and counted,
//           kind delete cluster
//   bundle: the committed kind-e2e bundle with upgrade-from (the same values file) and probe-rate 50
// Cluster creation is reported apart (most of both). Goal: the rehearsal at most 1.10x the raw commands.
//   node bench/rehearsal.mjs [runs]      (default 2 of each)
import { execFileSync, spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { runMainAndPost, tempDir, uniqueName } from '../scripts/lib/runner.mjs'
import { fmt, infra, kindUp, median, ROOT, table } from './lib.mjs'

const CHART = path.join(ROOT, 'example/gitops/helm/demo-flask-app')
const RATE = 50
const secs = t0 => Number(process.hrtime.bigint() - t0) / 1e6

/** Production's values naming the running release's image (what upgrade-from is given). */
export function valuesFile(repository, tag) {
  const file = path.join(tempDir('bench-rehearsal'), 'values-production.yaml')
  fs.writeFileSync(
    file,
    `image:\n  repository: ${repository}\n  tag: "${tag}"\n  pullPolicy: Never\nenv:\n  appVersion: "${tag}"\n`
  )
  return file
}

export async function raw(env, kind, from, to, values) {
  const name = uniqueName('bench-rh-raw')
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
  try {
    for (const image of [from, to]) x(kind.KIND, ['load', 'docker-image', image, '--name', name])
    const helm = (verb, image) =>
      x(env.HELM, [
        verb,
        'demo-flask-app',
        CHART,
        '-n',
        'e2e',
        '--create-namespace',
        '--wait',
        '--timeout',
        '180s',
        '-f',
        values,
        '--set',
        `image.repository=${image.split(/:(?=[^:]+$)/)[0]}`,
        '--set',
        `image.tag=${image.split(/:(?=[^:]+$)/)[1]}`,
        '--set',
        'image.pullPolicy=Never'
      ])
    helm('install', from)
    const ip = execFileSync(
      env.KUBECTL,
      ['get', 'service', 'demo-flask-app', '-n', 'e2e', '-o', 'jsonpath={.spec.clusterIP}'],
      {
        encoding: 'utf8',
        env: { ...process.env, KUBECONFIG: kubeconfig }
      }
    )
    // the loop: one request every 1/RATE s from the node, each with its own 1 s deadline, until told to stop
    const loop = spawn('docker', [
      'exec',
      '-i',
      `${name}-control-plane`,
      'bash',
      '-c',
      `ok=0; bad=0; while [ ! -e /tmp/stop ]; do (curl -s -o /dev/null -w '%{http_code}\\n' --max-time 1 http://${ip}/healthz >> /tmp/codes &); sleep ${1 / RATE}; done; wait; sleep 1.2; grep -c '^200$' /tmp/codes; grep -vc '^200$' /tmp/codes`
    ])
    let out = ''
    loop.stdout.on('data', d => (out += d))
    helm('upgrade', to)
    // the old pods gone (their requests counted to the end)
    const pods = () =>
      execFileSync(
        env.KUBECTL,
        ['get', 'pods', '-n', 'e2e', '-o', 'jsonpath={.items[*].spec.containers[*].image}'],
        {
          encoding: 'utf8',
          env: { ...process.env, KUBECONFIG: kubeconfig }
        }
      )
    while (pods().includes(from)) await new Promise(resolve => setTimeout(resolve, 250))
    x('docker', ['exec', `${name}-control-plane`, 'touch', '/tmp/stop'])
    await new Promise(resolve => loop.on('exit', resolve))
    const [ok, bad] = out.trim().split('\n').map(Number)
    return { total: secs(t0), create, requests: ok + bad, failed: bad }
  } finally {
    x(kind.KIND, ['delete', 'cluster', '--name', name, '--kubeconfig', kubeconfig])
  }
}

async function bundle(env, kind, to, values) {
  const t0 = process.hrtime.bigint()
  let create = 0
  const { main } = await runMainAndPost(
    'kind-e2e',
    {
      image: to,
      chart: 'example/gitops/helm/demo-flask-app',
      'node-image': kind.KIND_NODE_IMAGE,
      'upgrade-from': values,
      'probe-rate': String(RATE)
    },
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
  if (main.exitCode !== 0) throw new Error(`kind-e2e failed:\n${main.stdout.slice(-3000)}`)
  return {
    total: secs(t0),
    create,
    requests: Number(main.outputs.requests),
    failed: Number(main.outputs['failed-requests'])
  }
}

export async function run(runs = Number(process.argv[2] || 2)) {
  const env = infra()
  const kind = kindUp()
  const repo = `${env.REGISTRY}/bench/demo-flask-app`
  const [from, to] = ['v2.0.0-3f1c2d4-1', 'v2.0.0-3f1c2d4-2'].map(tag => `${repo}:${tag}`)
  for (const image of [from, to])
    execFileSync(
      'docker',
      [
        'build',
        '-q',
        '--build-arg',
        `BASE_IMAGE=${env.PYTHON_IMAGE}`,
        '--build-arg',
        `APP_VERSION=${image.split(':').pop()}`,
        '-t',
        image,
        path.join(ROOT, 'example/demo-app')
      ],
      { stdio: 'ignore' }
    )
  const values = valuesFile(repo, from.split(':').pop())
  console.log(
    `\n## kind-e2e's upgrade rehearsal against the raw commands (${runs} runs each, alternating; ${RATE} requests/s)`
  )
  const r = { raw: [], bundle: [] }
  for (let i = 0; i < runs; i++) {
    r.raw.push(await raw(env, kind, from, to, values))
    r.bundle.push(await bundle(env, kind, to, values))
  }
  const m = k => ({ total: median(r[k].map(x => x.total)), create: median(r[k].map(x => x.create)) })
  const [a, b] = [m('raw'), m('bundle')]
  table(
    ['', 'raw commands', 'kind-e2e upgrade-from', 'ratio'],
    [
      ['cluster creation', fmt(a.create), fmt(b.create), (b.create / a.create).toFixed(2)],
      [
        'the rest (load, install, probe, upgrade, delete)',
        fmt(a.total - a.create),
        fmt(b.total - b.create),
        ((b.total - b.create) / (a.total - a.create)).toFixed(2)
      ],
      ['whole', fmt(a.total), fmt(b.total), (b.total / a.total).toFixed(2)],
      [
        'failed requests / sent',
        r.raw.map(x => `${x.failed}/${x.requests}`).join(', '),
        r.bundle.map(x => `${x.failed}/${x.requests}`).join(', '),
        ''
      ]
    ]
  )
}

if (import.meta.url === `file://${process.argv[1]}`) await run()
