// What the stages read, at scale: time and peak memory of the bundle's own process, small case beside
// large, and the growth as a ratio (linear growth: the time and memory ratios stay near the size ratio or
// below). Goals (issue #23): a 360,000-case JUnit report in under 10 s and under 1 GB.
//   JUnit: 36,000 vs 360,000 cases in one report; 20 vs 200 reports of 500 cases merged.
//   gitops-bump: a 0.5 MB vs 5 MB values file bumped; a GitOps repository of 1,000 vs 10,000 charts;
//   a chart rendering 100 vs 1,000 objects that all change (the rendered-manifest diff in the summary).
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { runMain, uniqueName, tempDir } from '../scripts/lib/runner.mjs'
import { writeLargeReport } from '../__tests__/fixtures/junit/generate.mjs'
import { fmt, git, infra, rm, table } from './lib.mjs'

const tmp = tempDir('bench-scale')
// The step's own peak memory (resident set), written by the bundle's process at exit.
const probe = path.join(tmp, 'maxrss.cjs')
fs.writeFileSync(
  probe,
  "process.on('exit', () => require('fs').writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)))\n"
)

/** Runs a stage once; its time and the peak RSS of its process, in MB. */
async function measure(stage, inputs, opts = {}) {
  const rssFile = path.join(tmp, `${uniqueName('rss')}`)
  const t = process.hrtime.bigint()
  const r = await runMain(stage, inputs, {
    ...opts,
    env: { ...opts.env, NODE_OPTIONS: `--require=${probe}`, BENCH_RSS_FILE: rssFile }
  })
  const ms = Number(process.hrtime.bigint() - t) / 1e6
  const mb = Number(fs.readFileSync(rssFile, 'utf8')) / 1024
  return { r, ms, mb }
}

const row = (what, small, large, sizeRatio, goal = '') => [
  what,
  `${fmt(small.ms)}, ${small.mb.toFixed(0)} MB`,
  `${fmt(large.ms)}, ${large.mb.toFixed(0)} MB`,
  `${(large.ms / small.ms).toFixed(1)}× time, ${(large.mb / small.mb).toFixed(1)}× memory for ${sizeRatio}× size`,
  goal
]

async function junit() {
  const rows = []
  const one = async n => {
    const ws = fs.mkdtempSync(path.join(tmp, 'junit-'))
    writeLargeReport(path.join(ws, 'report.xml'), { cases: n })
    const m = await measure(
      'unit-test',
      { 'working-directory': '.', reports: 'report.xml', 'fail-on-failure': 'false' },
      { workspace: ws }
    )
    if (m.r.outputs.total !== String(n)) throw new Error(`unit-test read ${m.r.outputs.total} of ${n} cases`)
    rm(ws)
    return m
  }
  const small = await one(36_000)
  const large = await one(360_000)
  rows.push(
    row(
      'JUnit report, 36,000 vs 360,000 cases',
      small,
      large,
      10,
      large.ms < 10_000 && large.mb < 1024 ? 'yes (10 s, 1 GB)' : 'NO (10 s, 1 GB)'
    )
  )
  const merged = async files => {
    const ws = fs.mkdtempSync(path.join(tmp, 'merge-'))
    fs.mkdirSync(path.join(ws, 'reports'))
    for (let i = 0; i < files; i++)
      writeLargeReport(path.join(ws, 'reports', `shard-${i}.xml`), { cases: 500 })
    const m = await measure(
      'unit-test',
      { 'working-directory': '.', reports: 'reports/*.xml', 'fail-on-failure': 'false' },
      { workspace: ws }
    )
    if (m.r.outputs.total !== String(files * 500)) throw new Error(`merged ${m.r.outputs.total} cases`)
    rm(ws)
    return m
  }
  rows.push(row('JUnit reports merged, 20 vs 200 of 500 cases', await merged(20), await merged(200), 10))
  return rows
}

/** A bare GitOps repository on the SSH host from a folder. */
function hosted(env, dir) {
  const bare = path.join(env.GIT_ROOT, `${uniqueName('scale')}.git`)
  git(['init', '-q', '--bare', '-b', 'main', bare])
  git(['init', '-q', '-b', 'main'], { cwd: dir })
  git(['add', '-A'], { cwd: dir })
  git(['commit', '-q', '-m', 'seed'], { cwd: dir })
  git(['push', '-q', bare, 'main'], { cwd: dir })
  return { bare, url: `ssh://${os.userInfo().username}@127.0.0.1:${env.SSH_PORT}${bare}` }
}

const IMAGE_CM = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Chart.Name }}\ndata:\n  image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"\n`

function chart(dir, { name = 'app', values = '', templates = { 'configmap.yaml': IMAGE_CM } } = {}) {
  fs.mkdirSync(path.join(dir, 'templates'), { recursive: true })
  fs.writeFileSync(path.join(dir, 'Chart.yaml'), `apiVersion: v2\nname: ${name}\nversion: 0.1.0\n`)
  fs.writeFileSync(
    path.join(dir, 'values.yaml'),
    `image:\n  repository: ghcr.io/example/${name}\n  tag: "v1.0.0-0000000-0"\n${values}`
  )
  for (const [f, t] of Object.entries(templates)) fs.writeFileSync(path.join(dir, 'templates', f), t)
}

async function gitops(env) {
  const rows = []
  const bump = async (repo, valuesFile, validate = 'true') =>
    measure(
      'gitops-bump',
      {
        repository: repo.url,
        'values-file': valuesFile,
        tag: 'v2.0.0-3f1c2d4-17',
        validate,
        'ssh-key': fs.readFileSync(env.SSH_KEY, 'utf8'),
        'ssh-known-hosts': fs.readFileSync(env.SSH_KNOWN_HOSTS, 'utf8')
      },
      { env: { PATH: `${path.dirname(env.HELM)}:${process.env.PATH}` } }
    )
  const check = m => {
    if (m.r.exitCode !== 0) throw new Error(`gitops-bump failed: ${m.r.stdout.slice(-2000)}`)
    return m
  }

  // a values file of `mb` MB (10^6 bytes: helm refuses a chart file over 5 MiB): keys, comments, lists
  const big = async mb => {
    const dir = fs.mkdtempSync(path.join(tmp, 'values-'))
    const parts = []
    let size = 0
    for (let i = 0; size < mb * 1e6 - 200; i++) {
      const s = `service${i}:\n  # settings of service ${i}\n  enabled: true\n  replicas: ${i % 5}\n  env:\n    - name: KEY_${i}\n      value: "value ${i}: with a colon"\n  annotations: { team: platform, tier: "${i % 3}" }\n`
      parts.push(s)
      size += s.length
    }
    chart(path.join(dir, 'charts/app'), { values: parts.join('') })
    const m = check(await bump(hosted(env, dir), 'charts/app/values.yaml'))
    rm(dir)
    return m
  }
  rows.push(row('values file bumped (helm lint + template), 0.5 vs 5 MB', await big(0.5), await big(5), 10))

  const many = async n => {
    const dir = fs.mkdtempSync(path.join(tmp, 'charts-'))
    for (let i = 0; i < n; i++) chart(path.join(dir, `charts/app-${i}`), { name: `app-${i}` })
    const m = check(await bump(hosted(env, dir), `charts/app-${n - 1}/values.yaml`))
    rm(dir)
    return m
  }
  rows.push(
    row(
      'one chart bumped in a repository of 1,000 vs 10,000 charts',
      await many(1000),
      await many(10_000),
      10
    )
  )

  const objects = async n => {
    const dir = fs.mkdtempSync(path.join(tmp, 'objects-'))
    chart(path.join(dir, 'charts/app'), {
      values: `count: ${n}\n`,
      templates: {
        'configmaps.yaml': `{{- range $i := until (int .Values.count) }}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-{{ $i }}\ndata:\n  image: "{{ $.Values.image.repository }}:{{ $.Values.image.tag }}"\n  index: "{{ $i }}"\n{{- end }}\n`
      }
    })
    const m = check(await bump(hosted(env, dir), 'charts/app/values.yaml'))
    if (!m.r.summary.includes('Rendered manifests diff')) throw new Error('no rendered diff in the summary')
    rm(dir)
    return m
  }
  rows.push(
    row('rendered-manifest diff, 100 vs 1,000 changed objects', await objects(100), await objects(1000), 10)
  )
  return rows
}

export async function run() {
  const env = infra()
  console.log('\n## Scale: the bundle process, small vs large (one run each; time and peak resident memory)')
  const rows = [...(await junit()), ...(await gitops(env))]
  table(['what', 'small', 'large', 'growth', 'within goal'], rows)
  rm(tmp)
}

if (import.meta.url === `file://${process.argv[1]}`) await run()
