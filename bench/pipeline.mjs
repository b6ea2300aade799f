// The whole `npm run pipeline`, warm, stage by stage, against the raw commands for the same work in the
// same run (alternating):
//   test     python3 -m pytest in example/demo-app
//   build    docker build + docker push
//   e2e      kind create cluster --wait, kind load docker-image, helm install --wait, one request through
//            kubectl port-forward, kind delete cluster
//   gitops   git clone, edit, commit, push, GET ?refresh=normal, then poll Argo CD until Synced at the
//            commit and Healthy (what `argocd app wait --sync --health` does)
// Goals (issue #30): the pipeline within 1.10x of the raw commands; push to Healthy at most 15 s; a warm
// run at most 4 minutes. The pipeline's own figures are its stage table and closing lines.
//   node bench/pipeline.mjs [runs]      (default 2 of each)
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as https from 'node:https'
import * as path from 'node:path'
import { parseFileCommands, tempDir, uniqueName } from '../scripts/lib/runner.mjs'
import { fmt, git, infra, median, ROOT, sshEnv, table, registryLogin } from './lib.mjs'

const SEED = process.env.DEMO_ACTIONS_SEED || '/tmp/demo-actions-seed'
const KIND = process.env.DEMO_ACTIONS_KIND || '/tmp/demo-actions-kind'
const ms = t0 => Number(process.hrtime.bigint() - t0) / 1e6

function pipelineRun() {
  const t0 = process.hrtime.bigint()
  const r = spawnSync('bash', [path.join(ROOT, 'scripts/pipeline.sh')], { encoding: 'utf8' })
  const total = ms(t0)
  if (r.status !== 0)
    throw new Error(`npm run pipeline failed:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-2000)}`)
  const stage = n => Number(new RegExp(`passed {3}${n}\\. [^(]+\\(([\\d.]+)s\\)`).exec(r.stdout)[1]) * 1000
  const healthy = Number(/([\d.]+) s from the push to Healthy/.exec(r.stdout)[1]) * 1000
  const probe = /(\d+) requests to .* during the rollout: (\d+) failed/.exec(r.stdout)
  return {
    total,
    test: stage(1),
    build: stage(2),
    e2e: stage(3),
    gitops: stage(4),
    healthy,
    sent: Number(probe[1]),
    failed: Number(probe[2])
  }
}

async function rawRun(env, kind, seed) {
  const out = {}
  let t0 = process.hrtime.bigint()
  execFileSync(env.PYTHON, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider'], {
    cwd: path.join(ROOT, 'example/demo-app'),
    stdio: 'ignore'
  })
  out.test = ms(t0)

  // a run number as the pipeline takes one (it never rolls back to an older run)
  const counter = path.join(SEED, 'run-number')
  const deployed = /tag: "[^"]*-(\d+)"/.exec(
    git(['--git-dir', seed.GITOPS_BARE, 'show', 'main:helm/demo-flask-app/values.yaml'])
  )
  const run =
    Math.max(
      Number(fs.existsSync(counter) ? fs.readFileSync(counter, 'utf8') : 0),
      Number(deployed?.[1] ?? 0)
    ) + 1
  fs.writeFileSync(counter, String(run))
  const tag = `v2.0.0-0000000-${run}`
  const image = `${seed.REPOSITORY}:${tag}`
  const cfg = registryLogin(env)
  t0 = process.hrtime.bigint()
  execFileSync(
    'docker',
    [
      'build',
      '-q',
      '--build-arg',
      `BASE_IMAGE=${env.PYTHON_IMAGE}`,
      '--build-arg',
      `APP_VERSION=${tag}`,
      '-t',
      image,
      path.join(ROOT, 'example/demo-app')
    ],
    { stdio: 'ignore' }
  )
  execFileSync('docker', ['--config', cfg, 'push', '-q', image], { stdio: 'ignore' })
  out.build = ms(t0)

  t0 = process.hrtime.bigint()
  const name = uniqueName('bench-e2e')
  const kubeconfig = path.join(tempDir('bench-kind'), 'kubeconfig')
  const x = (cmd, args) =>
    execFileSync(cmd, args, { stdio: 'ignore', env: { ...process.env, KUBECONFIG: kubeconfig } })
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
  x(kind.KIND, ['load', 'docker-image', image, '--name', name])
  x(env.HELM, [
    'install',
    'demo-flask-app',
    path.join(ROOT, 'example/gitops/helm/demo-flask-app'),
    '-n',
    'demo-app',
    '--create-namespace',
    '--wait',
    '--set',
    `image.repository=${seed.REPOSITORY}`,
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
  execFileSync('curl', ['-sf', '-o', '/dev/null', `http://127.0.0.1:${port}/healthz`])
  pf.kill()
  x(kind.KIND, ['delete', 'cluster', '--name', name, '--kubeconfig', kubeconfig])
  out.e2e = ms(t0)

  // the GitOps commit, as a script would push it, and Argo CD's confirmation polled as argocd app wait does
  t0 = process.hrtime.bigint()
  const work = tempDir('bench-gitops')
  git(['clone', '-q', seed.GITOPS_URL, work], { env: sshEnv(env) })
  const values = path.join(work, 'helm/demo-flask-app/values.yaml')
  fs.writeFileSync(
    values,
    fs
      .readFileSync(values, 'utf8')
      .replace(/tag: "[^"]*"/, `tag: "${tag}"`)
      .replace(/appVersion: "[^"]*"/, `appVersion: "${tag}"`)
  )
  git(['-c', 'user.name=bench', '-c', 'user.email=bench@localhost', 'commit', '-q', '-am', `bump ${tag}`], {
    cwd: work
  })
  const commit = git(['rev-parse', 'HEAD'], { cwd: work }).trim()
  git(['push', '-q', 'origin', 'HEAD:main'], { cwd: work, env: sshEnv(env) })
  const pushed = process.hrtime.bigint()
  const agent = new https.Agent({ ca: fs.readFileSync(seed.ARGOCD_CA), keepAlive: true })
  const token = fs.readFileSync(seed.ARGOCD_TOKEN_FILE, 'utf8').trim()
  const get = query =>
    new Promise((resolve, reject) =>
      https
        .get(
          `${seed.ARGOCD_SERVER}/api/v1/applications/${seed.ARGOCD_APPLICATION}${query}`,
          { agent, headers: { authorization: `Bearer ${token}` } },
          res => {
            let s = ''
            res.on('data', d => (s += d)).on('end', () => resolve(JSON.parse(s).status ?? {}))
          }
        )
        .on('error', reject)
    )
  await get('?refresh=normal')
  for (;;) {
    const st = await get('')
    if (st.sync?.revision === commit && st.sync?.status === 'Synced' && st.health?.status === 'Healthy') break
    await new Promise(r => setTimeout(r, 500))
  }
  out.healthy = ms(pushed)
  out.gitops = ms(t0)
  agent.destroy()
  out.total = out.test + out.build + out.e2e + out.gitops
  return out
}

export async function run(runs = 2) {
  const env = infra()
  for (const s of ['scripts/kind/kind.sh', 'scripts/seed/seed.sh']) {
    const r = spawnSync('bash', [path.join(ROOT, s), 'up'], { stdio: ['ignore', 'ignore', 'inherit'] })
    if (r.status !== 0) throw new Error(`${s} up failed`)
  }
  const seed = parseFileCommands(fs.readFileSync(path.join(SEED, 'env'), 'utf8'))
  const kind = parseFileCommands(fs.readFileSync(path.join(KIND, 'env'), 'utf8'))
  console.log(`\n## npm run pipeline (warm) against the raw commands, ${runs} runs each, alternating`)
  const ours = []
  const raws = []
  for (let i = 0; i < runs; i++) {
    ours.push(pipelineRun())
    raws.push(await rawRun(env, kind, seed))
  }
  const m = (xs, k) => median(xs.map(x => x[k]))
  const rows = ['test', 'build', 'e2e', 'gitops'].map(k => [
    k,
    fmt(m(raws, k)),
    fmt(m(ours, k)),
    (m(ours, k) / m(raws, k)).toFixed(2)
  ])
  const stages = () => m(ours, 'test') + m(ours, 'build') + m(ours, 'e2e') + m(ours, 'gitops')
  rows.push(['four stages', fmt(m(raws, 'total')), fmt(stages()), (stages() / m(raws, 'total')).toFixed(2)])
  rows.push([
    'push to Healthy',
    fmt(m(raws, 'healthy')),
    fmt(m(ours, 'healthy')),
    (m(ours, 'healthy') / m(raws, 'healthy')).toFixed(2)
  ])
  table(['', 'raw commands', 'npm run pipeline', 'ratio'], rows)
  console.log(
    `  whole npm run pipeline (bringing up what is there, the stages, the closing lines): ${fmt(m(ours, 'total'))}; ` +
      `requests during the rollouts: ${ours.map(o => `${o.failed} of ${o.sent} failed`).join(', ')}`
  )
}

if (import.meta.url === `file://${process.argv[1]}`) await run(Number(process.argv[2] ?? 2))
