// Through the committed unit-test bundle with real pytest: GitHub's annotation limits, reports
// it did not write (merged), pytest sharded over a matrix and merged, flaky tests, the switches, reports
// that are not JUnit, and a program path with a space.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { infraEnv, runMain, tempDir } from '../../scripts/lib/runner.mjs'

const infra = infraEnv()
const base = { python: infra.PYTHON, install: 'false', args: '-p no:cacheprovider -q' }

function workspace(files: Record<string, string>): string {
  const dir = tempDir('ut-ws')
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true })
    fs.writeFileSync(path.join(dir, name), text)
  }
  return dir
}

const errors = (r: Awaited<ReturnType<typeof runMain>>) =>
  r.commands.filter(c => c.command === 'error' && c.properties.title)

describe('unit-test: GitHub limits', () => {
  test('30 failures: 10 annotations, a notice, and every failure listed in the summary with its line', async () => {
    const ws = workspace({
      'tests/test_many.py': [
        'import pytest',
        '@pytest.mark.parametrize("i", range(30))',
        'def test_many(i):',
        '    assert i < 0, f"number {i}\\nsecond line"',
        ''
      ].join('\n')
    })
    const r = await runMain('unit-test', base, { workspace: ws })
    expect(r.exitCode).toBe(1)
    expect(r.outputs.failed).toBe('30')
    // GitHub shows 10 error annotations a step: 9 failures and the step's own closing error
    expect(errors(r)).toHaveLength(9)
    expect(r.commands.filter(c => c.command === 'error')).toHaveLength(10)
    expect(r.commands.filter(c => c.command === 'error').at(-1)?.message).toBe('30 of 30 tests failed')
    // the multi-line message arrives as lines, not as `&#10;`
    expect(errors(r)[0].message).toMatch(/^AssertionError: number 0\n\s*second line/)
    expect(errors(r)[0].properties).toMatchObject({ file: 'tests/test_many.py', line: '4' })
    expect(r.commands.find(c => c.command === 'notice')?.message).toMatch(
      /^21 more failures are not annotated/
    )
    for (let i = 0; i < 30; i++) expect(r.summary).toContain(`test_many[${i}]`)
    expect(r.summary).toContain('tests/test_many.py#L4')
    expect(r.summary).not.toContain('&amp;#10;')
    const results = JSON.parse(r.outputs.results)
    expect(results.totals).toMatchObject({ total: 30, failed: 30 })
    expect(results.failures[29]).toMatchObject({ file: 'tests/test_many.py', line: 4 })
  })
})

const TEN = [
  'import pytest',
  '@pytest.mark.parametrize("i", range(100))',
  'def test_n(i):',
  '    assert True',
  ''
].join('\n')

describe('unit-test: reports it did not run', () => {
  test('reports: globs of several files merge into one result; with no command the step only reports', async () => {
    const ws = workspace({ 'tests/test_a.py': TEN })
    const a = await runMain('unit-test', { ...base, 'junit-file': 'out/a/junit.xml' }, { workspace: ws })
    expect(a.exitCode).toBe(0)
    fs.mkdirSync(path.join(ws, 'out/b'), { recursive: true })
    fs.writeFileSync(
      path.join(ws, 'out/b/TEST-b.xml'),
      '<testsuites><testsuite name="b"><testcase classname="B" name="one"/><testcase classname="B" name="two"><failure message="boom">at B.two(B.java:3)</failure></testcase></testsuite><testsuite name="c"><testcase classname="C" name="three"><skipped/></testcase></testsuite></testsuites>'
    )
    const r = await runMain('unit-test', { reports: 'out/**/*.xml' }, { workspace: ws })
    expect(r.outputs).toMatchObject({ total: '103', passed: '101', failed: '1', skipped: '1' })
    expect(r.exitCode).toBe(1)
    expect(r.stdout).not.toContain('pytest') // nothing was run
    const none = await runMain('unit-test', { reports: 'nothing/*.xml' }, { workspace: ws })
    expect(none.exitCode).toBe(1)
    expect(none.commands.find(c => c.command === 'error')?.message).toMatch(/Input 'reports' matched no file/)
  })

  test('a report that is not JUnit is an error naming what it is', async () => {
    const ws = workspace({
      'nunit.xml': '<?xml version="1.0"?><test-run id="2" testcasecount="1"></test-run>',
      'trx.xml':
        '<?xml version="1.0"?><TestRun id="x" xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010"></TestRun>',
      'report.json': '{"numTotalTests": 1}'
    })
    for (const [file, what] of [
      ['nunit.xml', /nunit\.xml is NUnit 3 XML, not JUnit XML/],
      ['trx.xml', /trx\.xml is Visual Studio TRX, not JUnit XML/],
      ['report.json', /report\.json is JSON, not JUnit XML/]
    ] as const) {
      const r = await runMain('unit-test', { reports: file }, { workspace: ws })
      expect(r.exitCode).toBe(1)
      expect(r.commands.find(c => c.command === 'error')?.message).toMatch(what)
    }
  })

  test('flaky tests (failed, then passed) pass the step unless fail-on-flaky', async () => {
    const ws = workspace({
      'retried.xml':
        '<testsuite name="pkg"><testcase classname="pkg" name="TestRace" time="1"><failure message="race">x_test.go:12: race</failure></testcase><testcase classname="pkg" name="TestOk"/><testcase classname="pkg" name="TestRace" time="2"/></testsuite>'
    })
    const r = await runMain('unit-test', { reports: 'retried.xml' }, { workspace: ws })
    expect(r.exitCode).toBe(0)
    expect(r.outputs).toMatchObject({ total: '2', passed: '1', failed: '0', flaky: '1' })
    expect(r.commands.find(c => c.command === 'warning')?.properties.title).toBe('pkg.TestRace is flaky')
    expect(r.summary).toContain('Flaky tests')
    expect(JSON.parse(r.outputs.results).flaky).toEqual(['pkg.TestRace'])
    const strict = await runMain(
      'unit-test',
      { reports: 'retried.xml', 'fail-on-flaky': 'true' },
      { workspace: ws }
    )
    expect(strict.exitCode).toBe(1)
    expect(strict.commands.find(c => c.command === 'error' && !c.properties.title)?.message).toMatch(
      /1 tests were flaky/
    )
  })

  test('summary: false writes no summary; fail-on-failure: false reports failures and passes', async () => {
    const ws = workspace({ 'tests/test_f.py': 'def test_f():\n    assert 1 == 2\n' })
    const r = await runMain(
      'unit-test',
      { ...base, summary: 'false', 'fail-on-failure': 'false' },
      { workspace: ws }
    )
    expect(r.exitCode).toBe(0)
    expect(r.summary).toBe('')
    expect(r.outputs.failed).toBe('1')
    expect(errors(r)).toHaveLength(1)
  })

  test('a quoted command whose program path has a space runs as that program', async () => {
    const ws = workspace({ 'tests/test_ok.py': 'def test_ok():\n    pass\n' })
    const bin = path.join(ws, 'tool dir')
    fs.mkdirSync(bin)
    fs.symlinkSync(infra.PYTHON, path.join(bin, 'python3'))
    const r = await runMain(
      'unit-test',
      { install: 'false', command: `"${path.join(bin, 'python3')}" -m pytest -p no:cacheprovider` },
      { workspace: ws }
    )
    expect(r.exitCode).toBe(0)
    expect(r.outputs.passed).toBe('1')
  })
})

describe('unit-test: sharding over a matrix', () => {
  // 2,000 tests in 20 files of unequal size (80 and 120)
  const files: Record<string, string> = {}
  for (let f = 0; f < 20; f++)
    files[`tests/test_f${f}.py`] = [
      'import pytest',
      `@pytest.mark.parametrize("i", range(${f % 2 ? 120 : 80}))`,
      'def test_n(i):',
      `    assert i != ${f === 7 ? 3 : -1}`,
      ''
    ].join('\n')

  /** The tests a JUnit report names, as classname::name. */
  const testIds = (file: string) =>
    [...fs.readFileSync(file, 'utf8').matchAll(/<testcase\b[^>]*>/g)].map(m => {
      const attr = (a: string) => new RegExp(`\\b${a}="([^"]*)"`).exec(m[0])?.[1] ?? ''
      return `${attr('classname')}::${attr('name')}`
    })

  test('4 shards run every test once and merge to the totals of one unsharded run', async () => {
    const ws = workspace(files)
    const inputs = { ...base, 'fail-on-failure': 'false' }
    const whole = await runMain('unit-test', { ...inputs, 'junit-file': 'whole.xml' }, { workspace: ws })
    expect(whole.outputs).toMatchObject({ total: '2000', failed: '1' })

    for (const balance of ['files', 'durations']) {
      const extra: Record<string, string> = balance === 'durations' ? { 'durations-report': 'whole.xml' } : {}
      const shards = await Promise.all(
        [1, 2, 3, 4].map(k =>
          runMain(
            'unit-test',
            { ...inputs, ...extra, shard: `${k}/4`, 'junit-file': `shards-${balance}/shard-${k}.xml` },
            { workspace: ws }
          )
        )
      )
      const sizes = shards.map(s => Number(s.outputs.total))
      expect(sizes.reduce((a, b) => a + b)).toBe(2000)
      // every test once: the shards' reports name each test of the whole run exactly once, by id
      const ids = [1, 2, 3, 4].flatMap(k => testIds(path.join(ws, `shards-${balance}/shard-${k}.xml`)))
      expect(ids.length).toBe(2000)
      expect(new Set(ids).size).toBe(2000)
      expect([...ids].sort()).toEqual(testIds(path.join(ws, 'whole.xml')).sort())
      // balanced: no shard holds more than 60% over an even share
      expect(Math.max(...sizes)).toBeLessThan(800)
      const merged = await runMain(
        'unit-test',
        { reports: `shards-${balance}/*.xml`, 'fail-on-failure': 'false' },
        { workspace: ws }
      )
      for (const k of ['total', 'passed', 'failed', 'skipped', 'errors'])
        expect({ balance, k, v: merged.outputs[k] }).toEqual({ balance, k, v: whole.outputs[k] })
      expect(errors(merged)[0].properties).toMatchObject({ file: 'tests/test_f7.py', line: '4' })
    }
  })

  test('shard must be K/N', async () => {
    const r = await runMain('unit-test', { ...base, shard: '5/4' })
    expect(r.exitCode).toBe(1)
    expect(r.commands.find(c => c.command === 'error')?.message).toMatch(/Input 'shard' must be K\/N/)
  })
})
