// Promotion from staging to production (gitops-bump with promote-from and promote-from-application) against
// the raw commands for the same work, alternating in one run, on the seed's two environments: staging in the
// seed's cluster, production in a cluster of its own, one Argo CD managing both (scripts/seed/seed.sh).
//   raw: git clone, the staging values read, staging's application read once (Synced at the head and
//        Healthy, what `argocd app wait` on it returns at once), production's values edited (tag and
//        digest), `helm lint --strict` and `helm template` of the old and new values, commit, push,
//        GET ?refresh=normal on production's application, then polled until Synced at the commit and
//        Healthy (`argocd app wait --sync --health`).
//   ours: the committed gitops-bump bundle under the runner's contract with the same inputs the pipeline
//        gives its promotion (no signature check: the raw side has none; its cost is in supply-chain.mjs).
// Before each promotion staging gets a new tag of the image it runs (same digest), pushed and waited for
// outside the timing. Goal: at most 1.10x.
//   node bench/promotion.mjs [runs]      (default 3 of each; after npm run pipeline, which gives staging
//                                         a digest to promote)
import { execFileSync, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { parseFileCommands, runMain } from '../scripts/lib/runner.mjs'
import {
  argoClient,
  fmt,
  git,
  imageOf,
  infra,
  median,
  registryLogin,
  rm,
  ROOT,
  table,
  rawDeploy,
  stagingProven
} from './lib.mjs'

const SEED = process.env.DEMO_ACTIONS_SEED || '/tmp/demo-actions-seed'
const STAGING = 'helm/demo-flask-app/values.yaml'
const PRODUCTION = 'helm/demo-flask-app/values-production.yaml'
const ms = t0 => Number(process.hrtime.bigint() - t0) / 1e6

function up() {
  for (const s of ['scripts/kind/kind.sh', 'scripts/seed/seed.sh']) {
    const r = spawnSync('bash', [path.join(ROOT, s), 'up'], { stdio: ['ignore', 'ignore', 'inherit'] })
    if (r.status !== 0) throw new Error(`${s} up failed`)
  }
  return parseFileCommands(fs.readFileSync(path.join(SEED, 'env'), 'utf8'))
}

export async function run(runs = 3) {
  const env = infra()
  const seed = up()
  const argo = argoClient(seed)
  const show = file => git(['--git-dir', seed.GITOPS_BARE, 'show', `main:${file}`])
  const staging = imageOf(show(STAGING))
  if (!staging.digest)
    throw new Error(`staging's values (${STAGING}) have no digest to promote: run npm run pipeline first`)

  // tags of staging's image (one digest), each a later run than anything deployed, as the pipeline counts
  const cfg = registryLogin(env)
  const source = `${seed.REPOSITORY}@${staging.digest}`
  execFileSync('docker', ['--config', cfg, 'pull', '-q', source], { stdio: 'ignore' })
  const version = /^(v\d+\.\d+\.\d+)-/.exec(staging.tag)?.[1] ?? 'v2.0.0'
  const counter = path.join(SEED, 'run-number')
  const runOf = t => Number(/-(\d+)$/.exec(t ?? '')?.[1] ?? 0)
  let next = Math.max(
    Number(fs.existsSync(counter) ? fs.readFileSync(counter, 'utf8') : 0),
    runOf(staging.tag),
    runOf(imageOf(show(PRODUCTION)).tag)
  )
  const newTag = () => {
    next += 1
    fs.writeFileSync(counter, String(next))
    const tag = `${version}-0000000-${next}`
    execFileSync('docker', ['tag', source, `${seed.REPOSITORY}:${tag}`])
    execFileSync('docker', ['--config', cfg, 'push', '-q', `${seed.REPOSITORY}:${tag}`], { stdio: 'ignore' })
    return tag
  }

  const deploy = { env, url: seed.GITOPS_URL, argo }

  // staging moves to a new tag of its image, outside the timing
  const stagingBump = async () => {
    const tag = newTag()
    await rawDeploy({
      ...deploy,
      file: STAGING,
      app: seed.ARGOCD_APPLICATION,
      pick: () => ({ tag, digest: staging.digest }),
      message: `staging ${tag}`,
      checks: false
    })
    // and its old pods gone (the promotion refuses while one is terminating, as it should)
    for (;;) {
      const pods = JSON.parse(
        execFileSync(
          env.KUBECTL,
          ['--kubeconfig', seed.KUBECONFIG, '-n', 'demo-app', 'get', 'pods', '-o', 'json'],
          { encoding: 'utf8' }
        )
      ).items
      if (!pods.some(p => p.metadata.deletionTimestamp)) break
      await new Promise(r => setTimeout(r, 500))
    }
    return tag
  }

  const ours = async () => {
    const t0 = process.hrtime.bigint()
    const r = await runMain(
      'gitops-bump',
      {
        repository: seed.GITOPS_URL,
        'values-file': PRODUCTION,
        'promote-from': STAGING,
        'promote-from-application': seed.ARGOCD_APPLICATION,
        'ssh-key': fs.readFileSync(env.SSH_KEY, 'utf8'),
        'ssh-known-hosts': fs.readFileSync(env.SSH_KNOWN_HOSTS, 'utf8'),
        'argocd-server': seed.ARGOCD_SERVER,
        'argocd-token': argo.token,
        'argocd-application': seed.PROD_ARGOCD_APPLICATION,
        'argocd-ca': fs.readFileSync(seed.ARGOCD_CA, 'utf8')
      },
      { env: { PATH: `${path.dirname(env.HELM)}:${process.env.PATH}` } }
    )
    const took = ms(t0)
    if (r.exitCode !== 0)
      throw new Error(
        `gitops-bump's promotion failed: ${r.commands
          .filter(c => c.command === 'error')
          .map(c => c.message)
          .join(' ')}`
      )
    return took
  }

  const raw = async () => {
    const t0 = process.hrtime.bigint()
    await rawDeploy({
      ...deploy,
      file: PRODUCTION,
      app: seed.PROD_ARGOCD_APPLICATION,
      pick: async work => {
        await stagingProven(argo, seed.ARGOCD_APPLICATION, work)
        return imageOf(fs.readFileSync(path.join(work, STAGING), 'utf8'))
      },
      message: 'promote staging'
    })
    return ms(t0)
  }

  console.log(`\n## promotion from staging to production against the raw commands, ${runs} runs each`)
  const times = { ours: [], raw: [] }
  for (let i = 0; i < 2 * runs; i++) {
    await stagingBump()
    // alternating which goes first, so that a slow minute of the machine lands on both
    const who = (i + Math.floor(i / 2)) % 2 === 0 ? 'ours' : 'raw'
    times[who].push(who === 'ours' ? await ours() : await raw())
  }
  argo.destroy()
  rm(cfg)
  table(
    ['', 'raw commands', 'gitops-bump promote-from', 'ratio'],
    [
      [
        'staging checked, production pushed, Synced and Healthy',
        fmt(median(times.raw)),
        fmt(median(times.ours)),
        (median(times.ours) / median(times.raw)).toFixed(2)
      ]
    ]
  )
  console.log(`  each: raw ${times.raw.map(fmt).join(', ')}; gitops-bump ${times.ours.map(fmt).join(', ')}`)
}

if (import.meta.url === `file://${process.argv[1]}`) await run(Number(process.argv[2] ?? 3))
