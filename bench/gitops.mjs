// gitops-bump: time against GitOps history size, one bump against the minimal script, 20 concurrent bumps
// of 20 charts, and 10 racing runs of one key (issue #13's measures).
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { runMain, uniqueName } from '../scripts/lib/runner.mjs'
import { fmt, git, infra, median, rm, ROOT, sshEnv, table } from './lib.mjs'

const RUNS = Number(process.env.BENCH_RUNS_GITOPS || 5)

/** A bare repository with the example chart and, optionally, `files` more files over `commits` commits (git fast-import). */
function makeRepo(env, { commits = 1, files = 0 } = {}) {
  const bare = path.join(env.GIT_ROOT, `${uniqueName('bench')}.git`)
  git(['init', '-q', '--bare', '-b', 'main', bare])
  git(['config', 'receive.denyNonFastForwards', 'true'], { cwd: bare })
  const chartRoot = path.join(ROOT, 'example/gitops')
  const chartFiles = []
  const walk = d => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) walk(p)
      else chartFiles.push(path.relative(chartRoot, p))
    }
  }
  walk(chartRoot)
  const chunks = []
  const blob = text => `data ${Buffer.byteLength(text)}\n${text}\n`
  let mark = 0
  const commit = (message, ops) => {
    chunks.push(
      `commit refs/heads/main\nmark :${++mark}\ncommitter bench <bench@localhost> ${1700000000 + mark} +0000\n${blob(message)}`
    )
    if (mark > 1) chunks.push(`from :${mark - 1}\n`)
    for (const [p, text] of ops) chunks.push(`M 100644 inline ${p}\n${blob(text)}`)
    chunks.push('\n')
  }
  const first = chartFiles.map(f => [f, fs.readFileSync(path.join(chartRoot, f), 'utf8')])
  for (let i = 0; i < files; i++)
    first.push([
      `apps/app-${i}/values.yaml`,
      `image:\n  repository: ghcr.io/example/app-${i}\n  tag: "v1.0.0-0000000-0"\n`
    ])
  commit('seed', first)
  for (let c = 1; c < commits; c++) {
    const i = c % Math.max(files, 1)
    commit(`bump app-${i}`, [
      [
        `apps/app-${i}/values.yaml`,
        `image:\n  repository: ghcr.io/example/app-${i}\n  tag: "v1.0.0-0000000-${c}"\n`
      ]
    ])
  }
  const r = spawnSync('git', ['fast-import', '--quiet'], {
    cwd: bare,
    input: chunks.join(''),
    maxBuffer: 1 << 30
  })
  if (r.status !== 0) throw new Error(`fast-import failed: ${r.stderr}`)
  git(['repack', '-adq'], { cwd: bare })
  return { bare, url: `ssh://${process.env.USER || 'root'}@127.0.0.1:${env.SSH_PORT}${bare}` }
}

const bumpInputs = (env, repo, tag) => ({
  repository: repo.url,
  'values-file': 'helm/demo-flask-app/values.yaml',
  tag,
  'ssh-key': fs.readFileSync(env.SSH_KEY, 'utf8'),
  'ssh-known-hosts': fs.readFileSync(env.SSH_KNOWN_HOSTS, 'utf8')
})
const opts = env => ({ env: { PATH: `${path.dirname(env.HELM)}:${process.env.PATH}` } })

async function actionTimes(env, repo, runs, offset) {
  const xs = []
  for (let i = 0; i < runs; i++) {
    const r = await runMain('gitops-bump', bumpInputs(env, repo, `v3.0.0-abcdef0-${offset + i}`), opts(env))
    if (r.exitCode !== 0 || r.outputs.changed !== 'true')
      throw new Error(`bump failed: ${r.stdout.slice(-800)}`)
    xs.push(r.ms)
  }
  return median(xs)
}

/**
 * The minimal script issue #13 measures against, over the same SSH host: shallow sparse fetch, sed,
 * helm lint --strict and helm template in parallel, commit, push.
 */
const MINIMAL = `set -e
d=$(mktemp -d); git init -q -b main "$d/r"; cd "$d/r"
git sparse-checkout set --cone helm/demo-flask-app
git fetch -q --depth=1 "$1" main; git checkout -q -B main FETCH_HEAD
sed -i -E "s/^(  tag: ).*/\\1\\"$2\\"/; s/^(  appVersion: ).*/\\1\\"$2\\"/" helm/demo-flask-app/values.yaml
"$3" lint --strict helm/demo-flask-app >/dev/null & l=$!
"$3" template demo helm/demo-flask-app >/dev/null & t=$!
wait $l; wait $t
git -c user.name=ci -c user.email=ci@localhost commit -qam "bump $2"
git push -q "$1" HEAD:main; rm -rf "$d"`

function minimalOnce(env, repo, tag) {
  const t = process.hrtime.bigint()
  const r = spawnSync('bash', ['-c', MINIMAL, 'minimal', repo.url, tag, env.HELM], {
    env: { ...process.env, ...sshEnv(env) },
    encoding: 'utf8'
  })
  if (r.status !== 0) throw new Error(`minimal script failed: ${r.stderr}`)
  return Number(process.hrtime.bigint() - t) / 1e6
}

async function actionOnce(env, repo, tag) {
  const r = await runMain('gitops-bump', bumpInputs(env, repo, tag), opts(env))
  if (r.exitCode !== 0 || r.outputs.changed !== 'true')
    throw new Error(`bump failed: ${r.stdout.slice(-800)}`)
  return r.ms
}

/** N bumps at once with default settings; `inputsOf(i)` gives each its inputs. */
async function concurrent(env, repo, n, inputsOf, stagger = 0) {
  const count = () => Number(git(['rev-list', '--count', 'main'], { cwd: repo.bare }).trim())
  const before = count()
  const started = Date.now()
  const results = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      if (stagger) await new Promise(r => setTimeout(r, i * stagger))
      return runMain('gitops-bump', inputsOf(i), opts(env))
    })
  )
  const wall = Date.now() - started
  const ok = results.filter(r => r.exitCode === 0).length
  const attempts = results.map(r => 1 + (r.stdout.match(/^Attempt \d+: /gm) ?? []).length)
  const commits = count() - before
  return {
    wall,
    ok,
    commits,
    total: attempts.reduce((a, b) => a + b, 0),
    max: Math.max(...attempts),
    results
  }
}

/** A repository holding `n` copies of the example chart, charts/app-0 … charts/app-<n-1>. */
function manyCharts(env, n) {
  const repo = makeRepo(env)
  const work = fs.mkdtempSync(path.join(env.GIT_ROOT, 'work-'))
  git(['clone', '-q', repo.bare, work])
  for (let i = 0; i < n; i++)
    fs.cpSync(path.join(ROOT, 'example/gitops/helm/demo-flask-app'), path.join(work, 'charts', `app-${i}`), {
      recursive: true
    })
  git(['add', '-A'], { cwd: work })
  git(['-c', 'user.name=b', '-c', 'user.email=b@x', 'commit', '-qm', 'charts'], { cwd: work })
  git(['push', '-q', 'origin', 'main'], { cwd: work })
  rm(work)
  return repo
}

export async function run() {
  const env = infra()
  console.log(`\n## gitops-bump against GitOps history size (median of ${RUNS} bumps each)`)
  const small = makeRepo(env)
  const t0 = Date.now()
  const large = makeRepo(env, { commits: 20000, files: 2000 })
  console.log(`  (made a repository of 20,000 commits and 2,000 files in ${fmt(Date.now() - t0)})`)
  const a = await actionTimes(env, small, RUNS, 1)
  const b = await actionTimes(env, large, RUNS, 1)
  table(
    ['repository', 'bump (action)'],
    [
      ['1 commit', fmt(a)],
      ['20,000 commits, 2,000 files', fmt(b)]
    ]
  )
  console.log(`  ratio large/small: ${(b / a).toFixed(2)} (goal: at most 1.5)`)

  console.log(
    `\n## one bump: the action against the minimal script (same SSH host, interleaved, median of ${RUNS})`
  )
  const one = makeRepo(env)
  const mins = []
  const acts = []
  for (let i = 0; i < RUNS; i++) {
    mins.push(minimalOnce(env, one, `v3.0.0-abcdef0-${100 + i}`))
    acts.push(await actionOnce(env, one, `v3.0.0-abcdef0-${200 + i}`))
  }
  const [m1, a1] = [median(mins), median(acts)]
  table(
    ['minimal script', 'action', 'action / minimal', 'goal'],
    [[fmt(m1), fmt(a1), (a1 / m1).toFixed(2), 'at most 1.30']]
  )
  console.log('  the action also checks for downgrades and links, renders the manifests before the edit and')
  console.log('  writes the diffs to the summary; node start-up is in its time')
  rm(one.bare)
  rm(small.bare)
  rm(large.bare)

  const n = Number(process.env.BENCH_CONCURRENT || 20)
  console.log(`\n## ${n} concurrent bumps of ${n} charts in one repository, default settings`)
  const charts = manyCharts(env, n)
  const c = await concurrent(env, charts, n, i => ({
    ...bumpInputs(env, charts, `v4.0.0-abcdef0-${i + 1}`),
    'values-file': `charts/app-${i}/values.yaml`
  }))
  table(
    ['exit 0', 'commits', 'wall time', 'pushes tried', 'most by one bump', 'goal'],
    [
      [
        `${c.ok}/${n}`,
        String(c.commits),
        fmt(c.wall),
        String(c.total),
        String(c.max),
        'all, 20 commits, at most 30 s'
      ]
    ]
  )
  rm(charts.bare)

  console.log('\n## 10 concurrent bumps of one key, runs 1..10 started in random order, default settings')
  const same = makeRepo(env)
  const order = Array.from({ length: 10 }, (_, i) => i + 1).sort(() => Math.random() - 0.5)
  const s10 = await concurrent(env, same, 10, i => bumpInputs(env, same, `v4.0.0-abcdef0-${order[i]}`), 30)
  const final = git(['show', 'main:helm/demo-flask-app/values.yaml'], { cwd: same.bare }).match(
    /tag: "([^"]+)"/
  )?.[1]
  table(
    ['start order', 'exit 0', 'final tag', 'commits', 'wall time'],
    [[order.join(','), `${s10.ok}/10`, final, String(s10.commits), fmt(s10.wall)]]
  )
  console.log(
    "  goal: every step exits 0 and the branch ends at run 10's tag (no force push: denyNonFastForwards)"
  )
  rm(same.bare)
}

if (import.meta.url === `file://${process.argv[1]}`) await run()
