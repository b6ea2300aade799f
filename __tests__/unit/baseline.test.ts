// unit-test's baseline: the record, the comparison table, bad baselines, and the stage with a fake cache
// and a fake GitHub: fail-on: regressions lets known failures through and fails on new ones.
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { gzipSync } from 'node:zlib'
import { runStage } from '../../src/common/stage.js'
import {
  compare,
  comparisonJson,
  FORMAT,
  makeRecord,
  readRecord,
  testId,
  VERSION,
  writeRecord,
  type BaselineRecord
} from '../../src/unit-test/baseline.js'
import { cacheKeys } from '../../src/unit-test/baseline-store.js'
import type { TestCase } from '../../src/unit-test/junit.js'
import { makeDeps, unitTest, type Deps } from '../../src/unit-test/main.js'
import { githubContext } from '../../src/common/github.js'
import { runInStep } from './step.js'

const tc = (name: string, status: TestCase['status'], file = 'tests/test_a.py'): TestCase => ({
  suite: 's',
  classname: 'tests.test_a',
  name,
  file,
  time: 0.5,
  status,
  problems: [],
  retries: status === 'flaky' ? 1 : 0,
  report: 'junit.xml'
})
const meta = { commit: 'a'.repeat(40), ref: 'refs/heads/main', now: new Date('2026-12-06T10:00:00Z') }
const names = (ids: string[]) => ids.map(id => id.split('\u001f')[2])

describe('the comparison', () => {
  const before = makeRecord(
    [
      tc('known', 'failed'),
      tc('fixed', 'failed'),
      tc('steady', 'passed'),
      tc('gone', 'passed'),
      tc('was_skipped', 'skipped')
    ],
    undefined,
    10,
    meta
  )
  const now = makeRecord(
    [
      tc('known', 'failed'),
      tc('fixed', 'passed'),
      tc('steady', 'failed'),
      tc('was_skipped', 'error'),
      tc('brand_new', 'failed'),
      tc('brand_new_ok', 'passed')
    ],
    before,
    10,
    meta
  )
  const c = compare(now, before)
  test.each([
    [
      'new failures: passing, skipped or absent before',
      c.newFailures,
      ['steady', 'was_skipped', 'brand_new']
    ],
    ['still failing', c.stillFailing, ['known']],
    ['fixed', c.fixed, ['fixed']],
    ['new tests', c.newTests, ['brand_new', 'brand_new_ok']],
    ['removed', c.removed, ['gone']],
    ['flipped within the history', c.flipped, ['fixed', 'steady']]
  ])('%s', (_, got, want) => {
    expect(names(got)).toEqual(want)
  })

  test('a renamed test is one removed and one new', () => {
    const a = makeRecord([tc('old_name', 'passed')], undefined, 10, meta)
    const b = makeRecord([tc('new_name', 'failed')], a, 10, meta)
    const r = compare(b, a)
    expect(names(r.removed)).toEqual(['old_name'])
    expect(names(r.newTests)).toEqual(['new_name'])
    expect(names(r.newFailures)).toEqual(['new_name'])
  })

  test('the history is kept for `history` runs: a test flips only while a run of the other outcome is kept', () => {
    let r: BaselineRecord | undefined
    for (const s of ['failed', 'passed', 'passed', 'passed'] as const)
      r = makeRecord([tc('t', s)], r, 3, meta)
    expect(r!.tests[0][1]).toBe('ppp')
    expect(compare(makeRecord([tc('t', 'passed')], r, 3, meta), r!).flipped).toEqual([])
    expect(names(compare(makeRecord([tc('t', 'failed')], r, 3, meta), r!).flipped)).toEqual(['t'])
  })

  test('a flaky test (passed on a retry) counts as passing; its id is file, class and name', () => {
    const a = makeRecord([tc('t', 'failed')], undefined, 10, meta)
    const b = makeRecord([tc('t', 'flaky')], a, 10, meta)
    expect(names(compare(b, a).fixed)).toEqual(['t'])
    expect(testId(tc('t', 'passed'))).toBe('tests/test_a.py\u001ftests.test_a\u001ft')
  })

  test('the comparison output: counts, names, within GitHub’s 1 MB', () => {
    const many = Array.from({ length: 5000 }, (_, i) => tc(`t${i}_${'x'.repeat(150)}`, 'failed'))
    const json = comparisonJson(
      compare(makeRecord(many, undefined, 10, meta), makeRecord([], undefined, 10, meta))
    )
    const doc = JSON.parse(json)
    expect(doc.counts.newFailures).toBe(5000)
    expect(doc.newFailures).toHaveLength(1000)
    expect(doc.truncated).toBe(true)
    expect(Buffer.byteLength(json)).toBeLessThan(1_000_000)
  })
})

describe('bad baselines: a BaselineError naming the problem', () => {
  let dir: string
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'baseline-'))))
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }))
  const file = (name: string, content: Buffer | string) => {
    const f = path.join(dir, name)
    fs.writeFileSync(f, content)
    return f
  }
  test.each([
    ['missing', () => path.join(dir, 'none.json.gz'), /is not a file/],
    [
      'corrupt gzip',
      () => file('a.json.gz', Buffer.from([0x1f, 0x8b, 1, 2, 3])),
      /is not a readable gzip file/
    ],
    [
      'another tool’s JSON',
      () => file('b.json', JSON.stringify({ tests: [] })),
      /is not a baseline of this step/
    ],
    ['not JSON (a JUnit report)', () => file('c.xml', '<testsuite/>'), /is not JSON/],
    [
      'an older record version',
      () => file('d.json.gz', gzipSync(JSON.stringify({ format: FORMAT, version: 0, tests: [] }))),
      /is a baseline of version 0; this step reads version 1/
    ],
    [
      'a malformed test list',
      () =>
        file('e.json.gz', gzipSync(JSON.stringify({ format: FORMAT, version: VERSION, tests: [[1, 2]] }))),
      /has a malformed test list/
    ],
    [
      '200 MB',
      () => {
        const f = path.join(dir, 'huge.json.gz')
        fs.writeFileSync(f, '')
        fs.truncateSync(f, 200 * 2 ** 20)
        return f
      },
      /is 200 MB, over the 64 MB a baseline may be/
    ]
  ])('%s', async (_, make, error) => {
    await expect(readRecord(make())).rejects.toThrow(error)
  })

  test('a record written is read back as it was', async () => {
    const r = makeRecord([tc('a', 'passed'), tc('b', 'failed')], undefined, 10, meta)
    const f = path.join(dir, 'r.json.gz')
    await writeRecord(f, r)
    expect(await readRecord(f)).toEqual(r)
  })
})

describe('the cache keys: a pull request reads its base branch, a push its own', () => {
  const env = { GITHUB_SHA: 'c'.repeat(40), GITHUB_RUN_ID: '9', GITHUB_RUN_ATTEMPT: '1' }
  test('push to main', () => {
    const k = cacheKeys(
      'test-abc',
      githubContext({ ...env, GITHUB_EVENT_NAME: 'push', GITHUB_REF_NAME: 'main' })
    )
    expect(k.restore).toEqual(['demo-actions-unit-test-baseline-v1-test-abc-main-'])
    expect(k.save).toBe(`demo-actions-unit-test-baseline-v1-test-abc-main-${'c'.repeat(40)}-9-1`)
  })
  test('a pull request from feature into main', () => {
    const k = cacheKeys(
      'test-abc',
      githubContext({
        ...env,
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_REF_NAME: '7/merge',
        GITHUB_BASE_REF: 'main',
        GITHUB_HEAD_REF: 'feature'
      })
    )
    expect(k.restore).toEqual(['demo-actions-unit-test-baseline-v1-test-abc-main-'])
    expect(k.save).toMatch(/-test-abc-feature-c{40}-9-1$/)
  })
})

describe('unit-test with a baseline, fake cache and GitHub', () => {
  let dir: string
  let reports: string
  let baseline: string
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'regress-'))
    reports = path.join(dir, 'junit.xml')
    baseline = path.join(dir, 'baseline.json.gz')
  })
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }))
  const junit = (cases: [string, 'pass' | 'fail'][]) =>
    fs.writeFileSync(
      reports,
      `<testsuite name="s">${cases
        .map(
          ([n, s]) =>
            `<testcase classname="tests.test_a" name="${n}" file="tests/test_a.py">${s === 'fail' ? `<failure message="${n} broke"/>` : ''}</testcase>`
        )
        .join('')}</testsuite>`
    )
  const calls: string[] = []
  const run = (inputs: Record<string, string>, found?: BaselineRecord, env: Record<string, string> = {}) =>
    runInStep(
      'unit-test',
      { reports, ...inputs },
      () =>
        runStage(unitTest, {
          deps: async (s, step) => {
            const real: Deps = await makeDeps(s, step)
            return {
              ...real,
              baseline: {
                ...real.baseline,
                github: githubContext(process.env),
                restore: async d => {
                  calls.push('restore')
                  if (!found) return undefined
                  await writeRecord(path.join(d, 'baseline.json.gz'), found)
                  return 'key'
                },
                save: async () => (calls.push('save'), true),
                comment: async (_t, _c, pr) => (calls.push(`comment #${pr.number}`), 'created')
              }
            }
          }
        }),
      { env }
    )

  test('fail-on: regressions, known failures only: passes, saying how many it let through and since which commit', async () => {
    calls.length = 0
    junit([
      ['a', 'fail'],
      ['b', 'pass']
    ])
    const before = makeRecord(
      [tc('a', 'failed'), tc('b', 'passed')].map(c => ({ ...c, classname: 'tests.test_a' })),
      undefined,
      10,
      meta
    )
    const r = await run({ baseline: 'cache', 'fail-on': 'regressions' }, before)
    expect(r.error).toBeUndefined()
    expect(calls).toEqual(['restore', 'save'])
    expect(r.outputs).toMatchObject({ 'new-failures': '0', 'still-failing': '1', fixed: '0' })
    expect(
      r.commands.some(c =>
        /^::notice::fail-on: regressions: 1 known failure let through, failing in the baseline of aaaaaaaaaaaa/.test(
          c
        )
      )
    ).toBe(true)
  })

  test('fail-on: regressions and a new failure: fails naming only the new ones', async () => {
    junit([
      ['a', 'fail'],
      ['b', 'fail']
    ])
    const before = makeRecord([tc('a', 'failed'), tc('b', 'passed')], undefined, 10, meta)
    await writeRecord(baseline, before)
    const r = await run({ baseline, 'fail-on': 'regressions' })
    expect(r.error?.message).toBe(
      '1 new of 2 failing tests (1 known, failing in the baseline of aaaaaaaaaaaa too)'
    )
    const errors = r.commands.filter(c => c.startsWith('::error'))
    // the new failure takes the first place among the annotations
    expect(errors[0]).toMatch(/title=tests.test_a.b failed/)
    expect(r.summary).toMatch(/1 new failure.*New failures.*tests.test_a.b.*Known failures.*tests.test_a.a/s)
  })

  test('no baseline found: a warning, and regressions behaves as failures (never silently passes)', async () => {
    junit([['a', 'fail']])
    const r = await run({ baseline: 'cache', 'fail-on': 'regressions' })
    expect(r.error?.message).toBe('1 of 1 tests failed')
    expect(
      r.commands.some(c =>
        /^::warning::no baseline found in the Actions cache.*behaves as fail-on: failures/.test(c)
      )
    ).toBe(true)
    expect(r.outputs['new-failures']).toBeUndefined()
  })

  test('a baseline that is another tool’s file: a warning naming it, the comparison skipped', async () => {
    junit([['a', 'pass']])
    fs.writeFileSync(baseline, '{"junit": true}')
    const r = await run({ baseline, 'fail-on': 'regressions' })
    expect(r.error).toBeUndefined()
    expect(
      r.commands.some(c =>
        /^::warning::the baseline cannot be used: .*is not a baseline of this step/.test(c)
      )
    ).toBe(true)
  })

  test('comment: true on a pull request: the comparison commented; a run that is not one comments nothing', async () => {
    calls.length = 0
    junit([['a', 'pass']])
    await writeRecord(baseline, makeRecord([tc('a', 'failed')], undefined, 10, meta))
    const event = path.join(dir, 'event.json')
    fs.writeFileSync(event, JSON.stringify({ pull_request: { number: 7 } }))
    await run({ baseline, comment: 'true', token: 'ghs_unit_test_token_0003' }, undefined, {
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: event,
      GITHUB_REF: 'refs/pull/7/merge'
    })
    expect(calls).toEqual(['comment #7'])
    calls.length = 0
    await run({ baseline, comment: 'true', token: 'ghs_unit_test_token_0003' })
    expect(calls).toEqual([])
  })

  test('baseline: none still writes this run’s record as baseline-file', async () => {
    junit([['a', 'pass']])
    const r = await run({})
    expect(r.error).toBeUndefined()
    expect(r.outputs['baseline-file']).toMatch(/baseline\.json\.gz$/)
    expect(r.outputs['new-failures']).toBeUndefined()
  })
})

describe("annotations within GitHub's limits (10 of a kind per step)", () => {
  const failure = (i: number): import('../../src/unit-test/report.js').Failure => ({
    id: `tests/test_a.py::test_${i}`,
    test: `test_${i}`,
    status: 'failed',
    file: 'tests/test_a.py',
    line: i + 1,
    message: `boom ${i}`,
    report: 'junit.xml'
  })
  /** The workflow commands annotate() writes, by kind. */
  async function written(run: () => void) {
    const lines: string[] = []
    const write = process.stdout.write
    process.stdout.write = ((chunk: string | Uint8Array) => {
      lines.push(...String(chunk).split('\n').filter(Boolean))
      return true
    }) as typeof write
    try {
      run()
    } finally {
      process.stdout.write = write
    }
    const kind = (k: string) => lines.filter(l => l.startsWith(`::${k} `) || l.startsWith(`::${k}::`))
    return { error: kind('error'), warning: kind('warning'), notice: kind('notice') }
  }

  test('15 failures, max 10, the closing error to come: 9 errors and one notice saying 6 more', async () => {
    const { annotate } = await import('../../src/unit-test/report.js')
    const out = await written(() =>
      annotate(
        Array.from({ length: 15 }, (_, i) => failure(i)),
        10,
        true
      )
    )
    expect(out.error).toHaveLength(9)
    expect(out.notice).toHaveLength(1)
    expect(out.notice[0]).toContain('6 more failures are not annotated')
    // without a closing error, 10
    expect(
      (
        await written(() =>
          annotate(
            Array.from({ length: 15 }, (_, i) => failure(i)),
            10
          )
        )
      ).error
    ).toHaveLength(10)
  })

  test('known failures as warnings: at most max of those too; new failures take the error places first', async () => {
    const { annotate } = await import('../../src/unit-test/report.js')
    const list = Array.from({ length: 30 }, (_, i) => failure(i))
    const fresh = new Set(list.slice(20).map(f => f.id))
    const out = await written(() => annotate(list, 10, true, fresh, 'warnings'))
    expect(out.error).toHaveLength(9)
    expect(out.error.every(l => /boom (2\d)/.test(l))).toBe(true)
    expect(out.warning).toHaveLength(10)
  })
})
