// From the push to a confirmed Healthy, with real Argo CD in the seed's kind cluster (scripts/seed/seed.sh):
// gitops-bump with argocd-refresh: normal (it asks Argo CD to look now) and with none (Argo CD's own poll),
// side by side with the raw commands a script would run in the same round: git commit and push, one
// GET ?refresh=normal, then polling the application until it is Synced at the pushed commit and
// Healthy (what `argocd app get --refresh` and `argocd app wait --sync --health` do). Goal (issue #22):
// at most 15 s with the refresh. Each run has a new GitOps repository and application, Healthy at its seed.
//   node bench/argocd.mjs [runs]      (default 3 runs with the refresh, 1 without)
import { execFileSync, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import YAML from 'yaml'
import { parseFileCommands, runMain, tempDir } from '../scripts/lib/runner.mjs'
import { argoClient, git, infra, median, ROOT, rm, sshEnv, table, registryLogin } from './lib.mjs'

const SEED = process.env.DEMO_ACTIONS_SEED || '/tmp/demo-actions-seed'
const VALUES = 'helm/demo-flask-app/values.yaml'

function up() {
  for (const s of ['scripts/kind/kind.sh', 'scripts/seed/seed.sh']) {
    const r = spawnSync('bash', [path.join(ROOT, s), 'up'], { stdio: ['ignore', 'ignore', 'inherit'] })
    if (r.status !== 0) throw new Error(`${s} up failed`)
  }
  return parseFileCommands(fs.readFileSync(path.join(SEED, 'env'), 'utf8'))
}

export async function run(runs = 3) {
  const env = infra()
  const argo = up()
  const token = fs.readFileSync(argo.ARGOCD_TOKEN_FILE, 'utf8').trim()
  const ca = fs.readFileSync(argo.ARGOCD_CA, 'utf8')
  const kubectl = (...a) =>
    execFileSync(env.KUBECTL, ['--kubeconfig', argo.KUBECONFIG, ...a], { encoding: 'utf8' })
  const repository = `${env.REGISTRY}/bench/demo-flask-app`
  execFileSync(
    'docker',
    [
      'build',
      '-q',
      '--build-arg',
      `BASE_IMAGE=${env.PYTHON_IMAGE}`,
      '-t',
      `${repository}:v1.0.0-0000000-0`,
      path.join(ROOT, 'example/demo-app')
    ],
    { stdio: 'ignore' }
  )
  const tags = []
  for (let i = 0; i < 2 * runs + 2; i++) {
    const tag = `v2.${i}.0-3f1c2d4-${100 + i}`
    execFileSync('docker', ['tag', `${repository}:v1.0.0-0000000-0`, `${repository}:${tag}`])
    tags.push(tag)
  }
  // the cluster pulls them from the registry
  const cfg = registryLogin(env)
  for (const tag of ['v1.0.0-0000000-0', ...tags])
    execFileSync('docker', ['--config', cfg, 'push', '-q', `${repository}:${tag}`], { stdio: 'ignore' })
  const client = argoClient(argo)
  const get = client.get
  const made = []
  const lab = async () => {
    const name = `bench-${process.pid}-${made.length}`
    const bare = path.join(env.GIT_ROOT, `${name}.git`)
    const work = tempDir('bench-argo')
    git(['init', '-q', '--bare', '-b', 'main', bare])
    git(['init', '-q', '-b', 'main', work])
    fs.cpSync(path.join(ROOT, 'example/gitops/helm'), path.join(work, 'helm'), { recursive: true })
    const values = path.join(work, VALUES)
    fs.writeFileSync(
      values,
      fs
        .readFileSync(values, 'utf8')
        .replace('ghcr.io/banicr/demo-flask-app', repository)
        .replace('replicaCount: 2', 'replicaCount: 1')
    )
    git(['add', '-A'], { cwd: work })
    git(['commit', '-q', '-m', 'seed'], { cwd: work })
    git(['push', '-q', bare, 'main'], { cwd: work })
    const url = `ssh://${os.userInfo().username}@127.0.0.1:${env.SSH_PORT}${bare}`
    const app = YAML.parse(fs.readFileSync(path.join(ROOT, 'example/gitops/argocd-application.yaml'), 'utf8'))
    app.metadata.name = name
    app.spec.source.repoURL = `ssh://root@${argo.GIT_IN_CLUSTER}${bare}`
    app.spec.destination.namespace = name
    const file = path.join(work, 'app.yaml')
    fs.writeFileSync(file, YAML.stringify(app))
    kubectl('apply', '-f', file)
    made.push({ name, bare, work })
    for (let i = 0; i < 240; i++) {
      if ((await get(name)).health?.status === 'Healthy') return { name, url, work }
      await new Promise(r => setTimeout(r, 500))
    }
    throw new Error(`${name} not Healthy at its seed`)
  }
  const step = async (l, tag, refresh, timeout = '6m') => {
    const t0 = Date.now()
    const r = await runMain(
      'gitops-bump',
      {
        repository: l.url,
        'values-file': 'helm/demo-flask-app/values.yaml',
        tag,
        'ssh-key': fs.readFileSync(env.SSH_KEY, 'utf8'),
        'ssh-known-hosts': fs.readFileSync(env.SSH_KNOWN_HOSTS, 'utf8'),
        'argocd-server': argo.ARGOCD_SERVER,
        'argocd-token': token,
        'argocd-application': l.name,
        'argocd-ca': ca,
        'argocd-refresh': refresh,
        'argocd-timeout': timeout
      },
      { env: { PATH: `${path.dirname(env.HELM)}:${process.env.PATH}` } }
    )
    const m = /Healthy, ([\d.]+) s after the push/.exec(r.stdout)
    if (r.exitCode !== 0 || !m)
      return {
        failed: r.commands
          .filter(c => c.command === 'error')
          .map(c => c.message)
          .join(' ')
          .slice(0, 300),
        step: (Date.now() - t0) / 1000
      }
    return { pushToHealthy: Number(m[1]), step: (Date.now() - t0) / 1000 }
  }
  const raw = async (l, tag) => {
    const values = path.join(l.work, VALUES)
    fs.writeFileSync(values, fs.readFileSync(values, 'utf8').replace(/tag: "[^"]*"/, `tag: "${tag}"`))
    git(['commit', '-q', '-am', `bump ${tag}`], { cwd: l.work })
    const commit = git(['rev-parse', 'HEAD'], { cwd: l.work }).trim()
    git(['push', '-q', l.url, 'HEAD:main'], { cwd: l.work, env: sshEnv(env) })
    const pushed = Date.now()
    await client.waitFor(l.name, commit)
    return (Date.now() - pushed) / 1000
  }
  console.log(
    "\n## Argo CD: from the push to a confirmed Healthy (real Argo CD 3.2.11 in the seed's kind cluster)"
  )
  const ours = []
  const raws = []
  let t = 0
  for (let i = 0; i < runs; i++) {
    ours.push(await step(await lab(), tags[t++], 'normal'))
    console.log(`  run ${i + 1}: gitops-bump ${JSON.stringify(ours.at(-1))}`)
    // the raw commands push in a clone of their own (seeded like the step's repository)
    const l = await lab()
    git(['fetch', '-q', l.url, 'main'], { cwd: l.work, env: sshEnv(env) })
    git(['reset', '-q', '--hard', 'FETCH_HEAD'], { cwd: l.work })
    raws.push(await raw(l, tags[t++]))
    console.log(`  run ${i + 1}: raw ${raws.at(-1).toFixed(1)} s`)
  }
  // Argo CD's own poll: its controller reconciles every 120 s plus up to 60 s of jitter by default, and
  // the repo-server keeps a branch's resolved revision for 3 minutes
  const poll = await step(await lab(), tags[t++], 'none', '8m')
  if (poll.failed) console.log(`  argocd-refresh: none: ${poll.failed}`)
  table(
    ['what', 'push to Healthy (median)', 'whole step', 'runs', 'goal'],
    [
      [
        'gitops-bump, argocd-refresh: normal',
        `${median(ours.map(o => o.pushToHealthy)).toFixed(1)} s`,
        `${median(ours.map(o => o.step)).toFixed(1)} s`,
        String(runs),
        median(ours.map(o => o.pushToHealthy)) <= 15 ? 'within 15 s' : 'OVER 15 s'
      ],
      ['raw: git push, GET ?refresh=normal, poll', `${median(raws).toFixed(1)} s`, '—', String(runs), ''],
      [
        'gitops-bump, argocd-refresh: none (Argo CD polls)',
        poll.failed ? 'not within 8 min' : `${poll.pushToHealthy.toFixed(1)} s`,
        `${poll.step.toFixed(1)} s`,
        '1',
        ''
      ]
    ]
  )
  for (const m of made) {
    kubectl('delete', 'application', m.name, '-n', 'argocd', '--wait=false', '--ignore-not-found')
    kubectl('delete', 'namespace', m.name, '--wait=false', '--ignore-not-found')
    rm(m.bare)
    rm(m.work)
  }
  client.destroy()
}

if (import.meta.url === `file://${process.argv[1]}`) await run(Number(process.argv[2] ?? 3))
