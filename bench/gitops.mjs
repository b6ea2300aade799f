// gitops-bump: time against GitOps history size, overhead over a naive script, and 20 concurrent bumps.
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

/** What people write by hand: full clone, sed, helm lint, commit, push. */
function naiveTimes(env, repo, runs, offset) {
  const script = `set -e
d=$(mktemp -d); git clone -q "$1" "$d/r"; cd "$d/r"
sed -i -E "s/^(  tag: ).*/\\1\\"$2\\"/; s/^(  appVersion: ).*/\\1\\"$2\\"/" helm/demo-flask-app/values.yaml
"$3" lint --strict helm/demo-flask-app >/dev/null
git -c user.name=ci -c user.email=ci@localhost commit -qam "bump $2"
git push -q origin HEAD:main; rm -rf "$d"`
  const xs = []
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint()
    const r = spawnSync('bash', ['-c', script, 'naive', repo.url, `v3.0.0-abcdef0-${offset + i}`, env.HELM], {
      env: { ...process.env, ...sshEnv(env) },
      encoding: 'utf8'
    })
    if (r.status !== 0) throw new Error(`naive script failed: ${r.stderr}`)
    xs.push(Number(process.hrtime.bigint() - t) / 1e6)
  }
  return median(xs)
}

async function concurrent(env, n) {
  const repo = makeRepo(env)
  const started = Date.now()
  const results = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      runMain(
        'gitops-bump',
        {
          ...bumpInputs(env, repo, `v4.0.0-abcdef0-${i + 1}`),
          'allow-downgrade': 'true',
          'max-attempts': '40'
        },
        opts(env)
      )
    )
  )
  const wall = Date.now() - started
  const landed = results.filter(r => r.exitCode === 0 && r.outputs.changed === 'true').length
  const attempts = results.map(
    r => 1 + r.commands.filter(c => c.command === 'warning' && /^Attempt/.test(c.message)).length
  )
  const commits = Number(git(['rev-list', '--count', 'main'], { cwd: repo.bare }).trim()) - 1
  rm(repo.bare)
  return { wall, landed, commits, total: attempts.reduce((a, b) => a + b, 0), max: Math.max(...attempts) }
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
    `\n## gitops-bump against the naive script (clone, sed, helm lint, commit, push; median of ${RUNS})`
  )
  const na = naiveTimes(env, small, RUNS, 100)
  const nb = naiveTimes(env, large, RUNS, 100)
  const a2 = await actionTimes(env, small, RUNS, 200)
  const b2 = await actionTimes(env, large, RUNS, 200)
  table(
    ['repository', 'naive script', 'action', 'action / naive'],
    [
      ['1 commit', fmt(na), fmt(a2), (a2 / na).toFixed(2)],
      ['20,000 commits, 2,000 files', fmt(nb), fmt(b2), (b2 / nb).toFixed(2)]
    ]
  )
  console.log('  the action also runs helm template, checks for downgrades, renders the manifest diff and')
  console.log('  writes the summary; goal: at most 1.2x the naive script')
  rm(small.bare)
  rm(large.bare)

  const n = Number(process.env.BENCH_CONCURRENT || 20)
  console.log(`\n## ${n} concurrent bumps of one key in one repository`)
  const c = await concurrent(env, n)
  table(
    ['landed', 'commits', 'wall time', 'pushes tried', 'most by one bump'],
    [[`${c.landed}/${n}`, String(c.commits), fmt(c.wall), String(c.total), String(c.max)]]
  )
}

if (import.meta.url === `file://${process.argv[1]}`) await run()
