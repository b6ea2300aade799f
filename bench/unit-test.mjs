// unit-test over the bare pytest command on the same project, and JUnit parse time for 10,000 cases.
import { execFileSync, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { runMain } from '../scripts/lib/runner.mjs'
import { fmt, infra, median, ROOT, table } from './lib.mjs'

const RUNS = Number(process.env.BENCH_RUNS_UNIT || 10)

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
  console.log(`\n## unit-test over bare pytest on example/demo-app (median of ${RUNS})`)
  const cwd = path.join(ROOT, 'example/demo-app')
  const bare = []
  const action = []
  for (let i = 0; i < RUNS; i++) {
    const t = process.hrtime.bigint()
    spawnSync(env.PYTHON, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider'], { cwd, stdio: 'ignore' })
    bare.push(Number(process.hrtime.bigint() - t) / 1e6)
    const r = await runMain('unit-test', {
      'working-directory': 'example/demo-app',
      python: env.PYTHON,
      install: 'false',
      args: '-p no:cacheprovider'
    })
    if (r.exitCode !== 0) throw new Error(r.stdout)
    action.push(r.ms)
  }
  const b = median(bare)
  const a = median(action)
  table(['bare pytest', 'action', 'action / bare'], [[fmt(b), fmt(a), (a / b).toFixed(2)]])
  console.log(
    '  the action also writes and parses the JUnit report, sets outputs and writes the summary; goal: at most 1.10x'
  )

  console.log('\n## JUnit parse time for 10,000 test cases')
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-junit-'))
  // the parser exactly as the bundle has it, built on its own
  execFileSync(
    process.execPath,
    [
      path.join(ROOT, 'node_modules/@vercel/ncc/dist/ncc/cli.js'),
      'build',
      path.join(ROOT, 'src/unit-test/junit.ts'),
      '-o',
      out,
      '--quiet',
      '--target',
      'es2022'
    ],
    { cwd: ROOT, stdio: 'ignore' }
  )
  const { parseJunit, totals } = await import(path.join(out, 'index.js'))
  const xml = junit(10000)
  await parseJunit(xml)
  const times = []
  let t
  for (let i = 0; i < 10; i++) {
    const s = process.hrtime.bigint()
    t = totals(await parseJunit(xml))
    times.push(Number(process.hrtime.bigint() - s) / 1e6)
  }
  table(
    ['cases', 'report size', 'parse + totals (median of 10)'],
    [[String(t.total), `${(xml.length / 1024).toFixed(0)} KB`, fmt(median(times))]]
  )
  console.log('  goal: under 300 ms')
  fs.rmSync(out, { recursive: true, force: true })
}

if (import.meta.url === `file://${process.argv[1]}`) await run()
