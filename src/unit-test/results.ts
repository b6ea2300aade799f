// What the reports add up to. A test that failed and appears again in the same suite (reruns: gotestsum
// --rerun-fails, pytest-rerunfailures, Marathon, web-test-runner retries) is one test: flaky when it
// both failed and passed, failed when every attempt failed. Entries of one name that all passed are
// distinct tests (TestNG data providers, parametrized runs) and are all counted. Surefire's rerun
// elements say the same inside one <testcase>. pytest-rerunfailures writes a failed attempt as an empty
// <testcase> (no <failure>) before the one of the outcome, and its suite's `tests` counts each test once:
// in a suite that lists more cases than it declares, repeated names are reruns and the last one decides
// (passed: flaky, since a test is run again only after it failed).
import type { Problem, Status, TestCase } from './junit.js'

export interface Totals {
  total: number
  passed: number
  failed: number
  errors: number
  skipped: number
  flaky: number
  time: number
}

const isBad = (s: Status) => s === 'failed' || s === 'error'

function key(c: TestCase): string {
  return `${c.report}\u0000${c.suite}\u0000${c.classname}\u0000${c.name}\u0000${c.file ?? ''}`
}

/** One case per test: attempts of one test are folded into it, in report order. */
export function foldRetries(cases: TestCase[]): TestCase[] {
  const byKey = new Map<string, TestCase[]>()
  for (const c of cases) {
    // a skipped entry is not an attempt (TestNG skips a test whose setup failed, under the same name)
    if (c.status === 'skipped') {
      byKey.set(`skipped\u0000${byKey.size}`, [c])
      continue
    }
    const k = key(c)
    const list = byKey.get(k)
    if (list) list.push(c)
    else byKey.set(k, [c])
  }
  const out: TestCase[] = []
  for (const attempts of byKey.values()) {
    const bad = attempts.filter(a => isBad(a.status))
    const reruns = attempts.length > 1 && attempts.every(a => a.rerunSuite)
    if (attempts.length === 1 || (bad.length === 0 && !reruns)) {
      for (const a of attempts) out.push(a)
      continue
    }
    const good = attempts.filter(a => a.status === 'passed' || a.status === 'flaky')
    const last = attempts[attempts.length - 1]
    const problems: Problem[] = bad.flatMap(a => a.problems)
    let status: Status
    if (reruns) status = isBad(last.status) ? last.status : 'flaky'
    else if (good.length && bad.length) status = 'flaky'
    else if (bad.length) status = bad.some(a => a.status === 'failed') ? 'failed' : 'error'
    else status = good.length ? (good.some(a => a.status === 'flaky') ? 'flaky' : 'passed') : last.status
    out.push({
      ...last,
      status,
      // a failing test keeps the problems of its last failed attempt; a flaky one, all (for the summary)
      problems: status === 'flaky' ? problems : bad.length ? bad[bad.length - 1].problems : [],
      retries: reruns
        ? attempts.length - 1
        : attempts.reduce((n, a) => n + a.retries, 0) + bad.length - (status === 'flaky' ? 0 : 1),
      time: attempts.reduce((t, a) => t + a.time, 0)
    })
  }
  return out
}

export function totals(cases: TestCase[]): Totals {
  const t: Totals = { total: cases.length, passed: 0, failed: 0, skipped: 0, errors: 0, flaky: 0, time: 0 }
  for (const c of cases) {
    t.time += c.time
    if (c.status === 'passed') t.passed++
    else if (c.status === 'failed') t.failed++
    else if (c.status === 'skipped') t.skipped++
    else if (c.status === 'flaky') t.flaky++
    else t.errors++
  }
  return t
}

/** How a test is named to people; the names as the report spells them, but for the spaces around them
 * (jest-junit's default templates begin a top-level test's names with one). */
export function fullName(c: TestCase): string {
  const name = c.name.trim()
  const classname = c.classname.trim()
  return classname && !name.startsWith(classname) ? `${classname}.${name}` : name
}
