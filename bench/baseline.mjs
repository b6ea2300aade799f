// unit-test's baseline: comparing two 100,000-test records (the functions exactly as the bundle has them,
// built on their own), and what a baseline adds to a run of the unit-test bundle on a 10,000-test report
// (reading the previous record, comparing, writing this run's: the file mode, which the cache mode wraps
// in @actions/cache's restore and save). Goals: the comparison under 200 ms; the baseline adds at most
// 1 s to a 10,000-test run.
//   node bench/baseline.mjs [runs]      (default 7)
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { runMain, tempDir } from '../scripts/lib/runner.mjs'
import { fmt, median, ROOT, table } from './lib.mjs'

const RUNS = Number(process.argv[2] || process.env.BENCH_RUNS_BASELINE || 7)

/** A JUnit report of n tests, every tenth failing (`shift` moves which ones). */
function junit(n, shift = 0) {
  const cases = []
  for (let i = 0; i < n; i++) {
    const body =
      (i + shift) % 10 === 0 ? `<failure message="assert ${i} == 0">E  assert ${i} == 0</failure>` : ''
    cases.push(
      `<testcase classname="tests.test_${i % 50}" name="test_${i}" file="tests/test_${i % 50}.py" line="${i % 300}" time="0.001">${body}</testcase>`
    )
  }
  return `<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" tests="${n}">${cases.join('\n')}</testsuite></testsuites>`
}

const time = async fn => {
  const s = process.hrtime.bigint()
  await fn()
  return Number(process.hrtime.bigint() - s) / 1e6
}

export async function run() {
  console.log(`\n## unit-test baseline: comparing two 100,000-test records (median of ${RUNS})`)
  const out = tempDir('bench-baseline')
  execFileSync(
    process.execPath,
    [
      path.join(ROOT, 'node_modules/@vercel/ncc/dist/ncc/cli.js'),
      'build',
      path.join(ROOT, 'src/unit-test/baseline.ts'),
      '-o',
      path.join(out, 'baseline'),
      '--quiet',
      '--target',
      'es2022'
    ],
    { cwd: ROOT, stdio: 'ignore' }
  )
  const { compare, makeRecord, writeRecord, readRecord } = await import(
    path.join(out, 'baseline', 'index.js')
  )
  const cases = shift =>
    Array.from({ length: 100000 }, (_, i) => ({
      classname: `tests.test_${i % 50}`,
      name: `test_${i}`,
      file: `tests/test_${i % 50}.py`,
      status: (i + shift) % 10 === 0 ? 'failed' : 'passed',
      time: 0.001,
      retries: 0
    }))
  const meta = { commit: 'a'.repeat(40), ref: 'refs/heads/main' }
  const before = makeRecord(cases(0), undefined, 10, meta)
  const now = makeRecord(cases(1), before, 10, meta)
  const file = path.join(out, 'record.json.gz')
  const cmp = []
  const rw = []
  let result
  for (let r = 0; r < RUNS; r++) {
    cmp.push(await time(() => (result = compare(now, before))))
    rw.push(await time(async () => readRecord((await writeRecord(file, now), file))))
  }
  table(
    ['what', 'median', 'goal'],
    [
      ['compare two 100,000-test records', fmt(median(cmp)), '< 200 ms'],
      [
        `write + read this run's record (${(fs.statSync(file).size / 1024).toFixed(0)} KB gzip)`,
        fmt(median(rw)),
        ''
      ]
    ]
  )
  console.log(
    `  ${result.newFailures.length} new failures, ${result.fixed.length} fixed, ${result.flipped.length} flipped`
  )

  console.log(
    `\n## unit-test on a 10,000-test report: without and with a baseline (median of ${RUNS}, alternating)`
  )
  const ws = tempDir('bench-baseline-ws')
  fs.writeFileSync(path.join(ws, 'before.xml'), junit(10000, 0))
  fs.writeFileSync(path.join(ws, 'now.xml'), junit(10000, 1))
  // the previous run's record, as the step writes it
  const first = await runMain(
    'unit-test',
    { reports: 'before.xml', 'fail-on-failure': 'false', baseline: 'previous.json.gz' },
    { workspace: ws }
  )
  if (first.exitCode !== 0) throw new Error(`unit-test failed: ${first.stdout.slice(-2000)}`)
  fs.copyFileSync(first.outputs['baseline-file'], path.join(ws, 'previous.json.gz'))
  const without = []
  const withIt = []
  for (let r = 0; r < RUNS; r++) {
    const a = await runMain(
      'unit-test',
      { reports: 'now.xml', 'fail-on-failure': 'false' },
      { workspace: ws }
    )
    without.push(a.ms)
    const b = await runMain(
      'unit-test',
      {
        reports: 'now.xml',
        'fail-on-failure': 'false',
        baseline: 'previous.json.gz',
        'fail-on': 'regressions'
      },
      { workspace: ws }
    )
    if (b.outputs['new-failures'] === undefined) throw new Error('no comparison was made')
    withIt.push(b.ms)
  }
  table(
    ['run', 'median', 'added by the baseline', 'goal'],
    [
      ['without baseline', fmt(median(without)), '', ''],
      [
        'baseline: a file, fail-on: regressions',
        fmt(median(withIt)),
        fmt(median(withIt) - median(without)),
        '<= 1 s'
      ]
    ]
  )
}

if (import.meta.url === `file://${process.argv[1]}`) await run()
