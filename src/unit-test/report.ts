// What a reviewer sees: annotations at the failing lines, within GitHub's limits (10 errors, 10 warnings
// and 10 notices are shown per step), every other failure in the summary with a link to its line, and the
// summary itself kept under the 1 MiB GitHub accepts (common/summary.ts cuts and says so). Also the
// `results` output, a JSON document for later steps, kept under GitHub's 1 MB per output.
import * as core from '@actions/core'
import { githubContext, repositoryUrl } from '../common/github.js'
import * as summary from '../common/summary.js'
import { ANNOTATIONS_PER_STEP } from './constants.js'
import type { Problem, TestCase } from './junit.js'
import { goPackage, problemLocation, type Workspace } from './locate.js'
import { messageOf } from './message.js'
import { fullName, type Totals } from './results.js'
import { idName, testId, type Comparison } from './baseline.js'

export interface Failure {
  /** The test's id in the baseline (file, class, name). */
  id: string
  test: string
  status: 'failed' | 'error' | 'flaky'
  file?: string
  line?: number
  message: string
  details?: string
  report: string
}

/**
 * One entry per <failure>/<error> element of a failing test (and of a flaky test's failed attempts);
 * the same message at the same place once (vitest writes one element per attempt).
 */
export function failures(cases: TestCase[], ws: Workspace): Failure[] {
  const out: Failure[] = []
  for (const tc of cases) {
    if (tc.status !== 'failed' && tc.status !== 'error' && tc.status !== 'flaky') continue
    const problems: (Problem | undefined)[] = tc.problems.length ? tc.problems : [undefined]
    const seen = new Set<string>()
    for (const p of problems) {
      const loc = problemLocation(tc, p)
      let file = ws.resolve(loc.file, tc.classname)
      let line = file ? loc.line : undefined
      const pkg = !file ? goPackage(tc) : undefined
      if (pkg) ({ file, line } = ws.goTest(pkg, tc.name) ?? {})
      const message =
        messageOf(p) ??
        (tc.status === 'flaky'
          ? `passed on attempt ${tc.retries + 1} (the report keeps no earlier attempt)`
          : // nothing written at all: the test's name, as mikepenz/action-junit-report shows it
            tc.name)
      const once = `${file}:${line}\u0000${message}\u0000${p?.details ?? ''}`
      if (seen.has(once)) continue
      seen.add(once)
      out.push({
        id: testId(tc),
        test: fullName(tc),
        status: tc.status,
        file,
        line,
        message,
        details: p?.details,
        report: tc.report
      })
    }
  }
  return out
}

/**
 * At most `max` error annotations, `closing` (the step's own error, written after these) among them:
 * GitHub shows 10 a step, and the one that says the step failed must not be the one dropped. With a
 * baseline (`fresh`: the new failures) new failures take the places first; with fail-on: regressions
 * (`known`: warnings) a failure the baseline had too is a warning, as it does not fail the step.
 */
export function annotate(
  list: Failure[],
  max: number,
  closing = false,
  fresh?: Set<string>,
  known: 'errors' | 'warnings' = 'errors'
): void {
  const failed = list
    .filter(f => f.status !== 'flaky')
    .sort((a, b) => (fresh ? Number(fresh.has(b.id)) - Number(fresh.has(a.id)) : 0))
  const warnKnown = !!fresh && known === 'warnings'
  const errors = warnKnown ? failed.filter(f => fresh.has(f.id)) : failed
  const shown = Math.max(0, max - (closing ? 1 : 0))
  for (const f of errors.slice(0, shown))
    core.error(f.message, {
      title: `${f.test} ${f.status === 'error' ? 'errored' : 'failed'}`,
      file: f.file,
      startLine: f.file ? f.line : undefined
    })
  const more = errors.length - shown
  if (more > 0)
    core.notice(
      `${more} more ${more === 1 ? 'failure is' : 'failures are'} not annotated (max-annotations: ${max}, the step's own error included; GitHub shows ${ANNOTATIONS_PER_STEP} per step): the job summary lists every failure with its file and line`
    )
  const warnings = [
    ...(warnKnown ? failed.filter(f => !fresh.has(f.id)) : []),
    ...list.filter(f => f.status === 'flaky')
  ]
  for (const f of warnings.slice(0, max))
    core.warning(
      f.status === 'flaky'
        ? `Flaky: failed, then passed on a retry: ${f.message}`
        : `Known failure (failing in the baseline too): ${f.message}`,
      {
        title:
          f.status === 'flaky'
            ? `${f.test} is flaky`
            : `${f.test} ${f.status === 'error' ? 'errored' : 'failed'} (known)`,
        file: f.file,
        startLine: f.file ? f.line : undefined
      }
    )
}

function link(f: Failure): string {
  if (!f.file) return ''
  const where = `${f.file}${f.line ? `:${f.line}` : ''}`
  const run = githubContext()
  if (run.repository && run.sha) {
    const url = `${repositoryUrl(run)}/blob/${run.sha}/${f.file.split('/').map(encodeURIComponent).join('/')}${f.line ? `#L${f.line}` : ''}`
    return `<a href="${summary.escapeHtml(url)}">${summary.escapeHtml(where)}</a>`
  }
  return summary.code(where)
}

/** A message on one line, cut to a length a table can show. */
function short(text: string, max = 300): string {
  const one = text.replace(/\s*\n\s*/g, ' ⏎ ').trim()
  return one.length > max ? `${one.slice(0, max)}…` : one
}

export function writeReport(
  cases: TestCase[],
  list: Failure[],
  t: Totals,
  seconds: number | undefined,
  compared?: { comparison?: Comparison; none?: string; failOn: string }
): void {
  const bad = t.failed + t.errors
  summary.heading(
    `${bad ? '❌' : '✅'} Unit tests: ${t.passed} passed, ${t.failed} failed, ${t.errors} errors, ${t.skipped} skipped${t.flaky ? `, ${t.flaky} flaky` : ''}`
  )
  summary.table(
    ['Total', 'Passed', 'Failed', 'Errors', 'Skipped', 'Flaky', 'Duration'],
    [[t.total, t.passed, t.failed, t.errors, t.skipped, t.flaky, `${(seconds ?? t.time).toFixed(2)}s`]]
  )
  if (compared?.comparison) summary.paragraph(comparisonMarkdown(compared.comparison, compared.failOn))
  else if (compared?.none) summary.paragraph(`⚠️ No comparison: ${summary.escapeHtml(compared.none)}`)
  const errors = list.filter(f => f.status !== 'flaky')
  if (errors.length) {
    summary.heading('Failures', 4)
    // every failure, one line each, then the tracebacks of as many as fit
    for (const f of errors)
      summary.paragraph(`- **${summary.escapeHtml(f.test)}** ${link(f)}: ${summary.code(short(f.message))}`)
    for (const f of errors) if (f.details) summary.details(`${f.test}: traceback`, f.details, '', 16 * 1024)
  }
  const flaky = list.filter(f => f.status === 'flaky')
  if (flaky.length) {
    summary.heading('Flaky tests (failed, then passed on a retry)', 4)
    const seen = new Set<string>()
    for (const f of flaky)
      if (!seen.has(f.test)) {
        seen.add(f.test)
        summary.paragraph(`- **${summary.escapeHtml(f.test)}** ${link(f)}: ${summary.code(short(f.message))}`)
      }
  }
  const slowest = [...cases].sort((a, b) => b.time - a.time).slice(0, 10)
  if (slowest.length && slowest[0].time > 0) {
    summary.heading('Slowest tests', 4)
    summary.table(
      ['Test', 'Time'],
      slowest.map(c => [fullName(c), `${c.time.toFixed(3)}s`])
    )
  }
}

/** GitHub's limit for one output is 1 MB; the JSON stays under it, saying when the lists were cut. */
const RESULTS_LIMIT = 900_000

export function resultsJson(cases: TestCase[], list: Failure[], t: Totals): string {
  const pick = (f: Failure) => ({
    test: f.test,
    file: f.file,
    line: f.line,
    message: f.message.slice(0, 2000)
  })
  const doc = {
    totals: t,
    failures: list.filter(f => f.status !== 'flaky').map(pick),
    flaky: [...new Set(cases.filter(c => c.status === 'flaky').map(fullName))],
    truncated: false
  }
  let json = JSON.stringify(doc)
  while (json.length > RESULTS_LIMIT && (doc.failures.length > 1 || doc.flaky.length > 1)) {
    doc.failures = doc.failures.slice(0, Math.ceil(doc.failures.length / 2))
    doc.flaky = doc.flaky.slice(0, Math.ceil(doc.flaky.length / 2))
    doc.truncated = true
    json = JSON.stringify(doc)
  }
  return json
}

/** The comparison with the baseline, new failures first, then fixed, then known; as Markdown. */
export function comparisonMarkdown(c: Comparison, failOn: string): string {
  const n = (ids: string[]) => ids.length
  const lines = [
    `Compared with the baseline of ${c.baseline.commit.slice(0, 12) || 'an unknown commit'} (${c.baseline.ref || 'unknown ref'}): ` +
      `**${n(c.newFailures)} new failure${n(c.newFailures) === 1 ? '' : 's'}**, ${n(c.fixed)} fixed, ${n(c.stillFailing)} known (failing there too), ` +
      `${n(c.flipped)} flipped, ${n(c.newTests)} new tests, ${n(c.removed)} removed${failOn === 'regressions' ? ' (fail-on: regressions)' : ''}`
  ]
  const section = (title: string, ids: string[], max = 50) => {
    if (!ids.length) return
    lines.push('', `**${title}**`)
    for (const id of ids.slice(0, max)) lines.push(`- ${summary.code(idName(id))}`)
    if (ids.length > max) lines.push(`- … ${ids.length - max} more (the comparison output lists up to 1000)`)
  }
  section('New failures', c.newFailures)
  section('Fixed', c.fixed)
  section('Known failures (failing in the baseline too)', c.stillFailing)
  section('Flipped (passed and failed within the kept history)', c.flipped, 20)
  return lines.join('\n')
}
