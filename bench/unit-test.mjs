// unit-test over the bare pytest command on the same project, and JUnit parse time for 10,000 cases.
import { execFileSync, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { runMain, tempDir } from '../scripts/lib/runner.mjs'
import { fmt, infra, median, ROOT, table } from './lib.mjs'

const RUNS = Number(process.env.BENCH_RUNS_UNIT || 7)

function junit(n) {
  const cases = []
  for (let i = 0; i < n; i++) {
    const body =
      i % 10 === 0
        ? `<failure message="assert ${i} == 0">def test():\n&gt;  assert x == 0\nE  assert ${i} == 0\n\ntests/test_${i % 50}.py:${i % 300}: AssertionError</failure>`
        : i % 17 === 0
          ? '<skipped message="later"/>'
          : ''
    cases.push(
      `<testcase classname="tests.test_${i % 50}" name="test_${i}" file="tests/test_${i % 50}.py" line="${i % 300}" time="0.00${i % 9}">${body}</testcase>`
    )
  }
  return `<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" tests="${n}">${cases.join('\n')}</testsuite></testsuites>`
}

export async function run() {
  const env = infra()
  console.log(`\n## unit-test over bare pytest (median of ${RUNS})`)
  // The example app's 5 tests, and a generated suite of 2,000 tests that does some work.
  const suite = tempDir('bench-suite')
  fs.mkdirSync(path.join(suite, 'tests'))
  fs.writeFileSync(
    path.join(suite, 'tests', 'test_generated.py'),
    'import pytest\n\n\n@pytest.mark.parametrize("n", range(2000))\ndef test_sum(n):\n    assert sum(range(n * 200)) >= 0\n'
  )
  const rows = []
  for (const [label, cwd, wd] of [
    ['example/demo-app (5 tests)', path.join(ROOT, 'example/demo-app'), 'example/demo-app'],
    ['generated suite (2,000 tests)', suite, path.relative(ROOT, suite)]
  ]) {
    const bare = []
    const action = []
    for (let i = 0; i < RUNS; i++) {
      const t = process.hrtime.bigint()
      spawnSync(env.PYTHON, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider'], { cwd, stdio: 'ignore' })
      bare.push(Number(process.hrtime.bigint() - t) / 1e6)
      const r = await runMain('unit-test', {
        'working-directory': wd,
        python: env.PYTHON,
        install: 'false',
        args: '-p no:cacheprovider'
      })
      if (r.exitCode !== 0) throw new Error(r.stdout)
      action.push(r.ms)
    }
    const b = median(bare)
    const a = median(action)
    rows.push([label, fmt(b), fmt(a), (a / b).toFixed(2)])
  }
  fs.rmSync(suite, { recursive: true, force: true })
  table(['project', 'bare pytest', 'action', 'action / bare'], rows)
  console.log(
    '  the action also writes and parses the JUnit report, sets outputs and writes the summary; goal: at most 1.10x'
  )

  console.log('\n## JUnit parse time: one report of 10,000 cases, and 20 reports of 500 merged')
  const out = tempDir('bench-junit')
  // the reader and the merge exactly as the bundle has them, each built on its own
  const build = (src, dir) =>
    execFileSync(
      process.execPath,
      [
        path.join(ROOT, 'node_modules/@vercel/ncc/dist/ncc/cli.js'),
        'build',
        path.join(ROOT, src),
        '-o',
        path.join(out, dir),
        '--quiet',
        '--target',
        'es2022'
      ],
      { cwd: ROOT, stdio: 'ignore' }
    )
  build('src/unit-test/junit.ts', 'junit')
  build('src/unit-test/results.ts', 'results')
  const { parseJunit } = await import(path.join(out, 'junit', 'index.js'))
  const { foldRetries, totals } = await import(path.join(out, 'results', 'index.js'))
  const one = junit(10000)
  const twenty = Array.from({ length: 20 }, (_, k) =>
    junit(500).replaceAll('name="test_', `name="r${k}_test_`)
  )
  await parseJunit(one)
  const measure = async fn => {
    const times = []
    let t
    for (let i = 0; i < 10; i++) {
      const s = process.hrtime.bigint()
      t = await fn()
      times.push(Number(process.hrtime.bigint() - s) / 1e6)
    }
    return [t, median(times)]
  }
  const [t1, ms1] = await measure(async () => totals(foldRetries(await parseJunit(one, 'one.xml'))))
  const [t2, ms2] = await measure(async () => {
    const all = []
    for (let k = 0; k < 20; k++) all.push(...(await parseJunit(twenty[k], `r${k}.xml`)))
    return totals(foldRetries(all))
  })
  table(
    ['reports', 'cases', 'size', 'parse + merge + totals (median of 10)', 'goal'],
    [
      ['1', String(t1.total), `${(one.length / 1024).toFixed(0)} KB`, fmt(ms1), 'under 300 ms'],
      ['20', String(t2.total), `${(twenty.join('').length / 1024).toFixed(0)} KB`, fmt(ms2), 'under 500 ms']
    ]
  )
  fs.rmSync(out, { recursive: true, force: true })
}

if (import.meta.url === `file://${process.argv[1]}`) await run()
