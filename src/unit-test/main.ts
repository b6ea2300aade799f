// unit-test: run pytest (or any command writing JUnit XML), read its report and any others, annotate the
// failures, and fail on failures. The phases, in order, are in `run`; the skeleton (common/stage.ts) writes
// the outputs and the summary and cleans up, on failure too.
import * as fs from 'node:fs/promises'
import * as path from 'node:path'
import * as core from '@actions/core'
import { run as runTool, tail, ToolError, type RunOptions, type RunResult } from '../common/exec.js'
import { InputError } from '../common/inputs.js'
import type { OutputValue, Stage, Step } from '../common/stage.js'
import { PrivateDir } from '../common/temp.js'
import { Inputs, Outputs, State } from './constants.js'
import { loadParser, parseJunit, type TestCase } from './junit.js'
import { Workspace } from './locate.js'
import { comparisonJson, type Comparison } from './baseline.js'
import { annotate, comparisonMarkdown, failures, resultsJson, writeReport, type Failure } from './report.js'
import { commentPhase, withBaseline, type BaselineDeps, type Regressions } from './regressions.js'
import { githubContext } from '../common/github.js'
import { readReports, reportFiles } from './report-files.js'
import { foldRetries, totals, type Totals } from './results.js'
import { getSettings, type Settings } from './settings.js'
import { durationsOf, prepareShard } from './shard.js'

const PYTEST_NO_TESTS = 5

interface Ran {
  result: RunResult
  seconds: number
  junitFile: string
  /** Whether the command wrote its JUnit report. */
  wrote: boolean
}

export interface Deps {
  /** The step's private folder, made on first use (its path saved for post first). */
  priv(): Promise<PrivateDir>
  /** Runs a program (the test command, pip). */
  exec(program: string, args: string[], opts: RunOptions): Promise<RunResult>
  now(): number
  /** The previous run's record (the Actions cache, GitHub's API for the comment, the run's context). */
  baseline: BaselineDeps
}

export interface Outcome {
  ran?: Ran
  cases: TestCase[]
  failures: Failure[]
  totals: Totals
  /** The JUnit file the outputs name: the command's, else the first report. */
  junitFile: string
  /** This run's record and its comparison with the previous one. */
  regressions?: Regressions
  /** Whether there are results to tell (the tests ran, or reports were read): no outputs otherwise. */
  reported: boolean
}

export function makeDeps(_: Settings, step: Step): Promise<Deps> {
  let priv: Promise<PrivateDir> | undefined
  return Promise.resolve({
    priv: () => (priv ??= PrivateDir.create('unit-test', dir => step.save(State.PrivateDir, dir))),
    exec: runTool,
    now: Date.now,
    baseline: {
      github: githubContext(),
      restore: (dir, keys) => import('./baseline-store.js').then(m => m.restore(dir, keys)),
      save: (dir, key) => import('./baseline-store.js').then(m => m.save(dir, key)),
      comment: (...a) => import('./comment.js').then(m => m.commentOnPullRequest(...a))
    }
  })
}

export const unitTest: Stage<Settings, Deps, Outcome> = {
  settings: getSettings,
  deps: makeDeps,
  outcome: () => ({ cases: [], failures: [], totals: totals([]), junitFile: '', reported: false }),
  async run(s, d, o, step) {
    if (s.command.length) o.ran = await runTests(s, d, step)
    if (o.ran && s.isPytest && o.ran.result.exitCode === PYTEST_NO_TESTS && !s.reports.length) {
      o.junitFile = o.ran.junitFile
      o.reported = true
      if (!s.allowEmpty)
        throw new Error(
          `pytest collected no tests in ${s.workingDirectory}; set allow-empty: true if that is expected`
        )
      core.notice('pytest collected no tests (allow-empty: true)')
      return
    }
    await readResults(s, o)
    o.regressions = await withBaseline(s, d.baseline, o.cases, (await d.priv()).path, step)
    const fresh = o.regressions.comparison && new Set(o.regressions.comparison.newFailures)
    // the step's closing error ("N of M tests failed") is an error annotation too: it keeps a place
    annotate(
      o.failures,
      s.maxAnnotations,
      failsOn(s, o) > 0 && s.failOnFailure,
      fresh,
      s.failOn === 'regressions' ? 'warnings' : 'errors'
    )
    if (o.regressions.comparison) await commentPhase(s, d.baseline, commentBody(o), step)
    verdict(s, o)
  },
  outputs,
  summary: (o, s) => {
    if (s.summary && !(o.ran?.result.exitCode === PYTEST_NO_TESTS && !o.cases.length))
      writeReport(
        o.cases,
        o.failures,
        o.totals,
        o.ran?.seconds,
        o.regressions && { ...o.regressions, failOn: s.failOn }
      )
  },
  // the private folder holds the default JUnit report and this run's record, outputs that later steps of the
  // job may upload: post removes it at the end of the job
  cleanup: async () => undefined
}

/** The command's own report and any the `reports` globs name (several files, merged into one result). */
async function readResults(s: Settings, o: Outcome): Promise<void> {
  const files = s.reports.length ? await reportFiles(s.workingDirectory, s.reports) : []
  const ran = o.ran
  if (ran && !s.reports.length && !ran.wrote)
    throw new Error(
      `The test command exited with code ${ran.result.exitCode} and did not write the JUnit report '${ran.junitFile}' (input '${Inputs.JunitFile}'):\n${tail(ran.result)}`
    )
  const raw: TestCase[] = []
  // (never push(...cases): a large report's cases overflow the stack as arguments)
  if (ran?.wrote && !files.includes(ran.junitFile))
    for (const c of await parseJunit(await fs.readFile(ran.junitFile, 'utf8'), relative(s, ran.junitFile)))
      raw.push(c)
  for (const c of await readReports(files, s.workspace)) raw.push(c)
  o.cases = foldRetries(raw)
  o.totals = totals(o.cases)
  o.failures = failures(o.cases, new Workspace(s.workspace, s.workingDirectory, s.sourcePrefix))
  o.junitFile = ran?.junitFile ?? files[0] ?? ''
  o.reported = true
}

/** How many failures fail the step: all of them, or with fail-on: regressions and a baseline, the new ones. */
function failsOn(s: Settings, o: Outcome): number {
  const c = o.regressions?.comparison
  return s.failOn === 'regressions' && c ? c.newFailures.length : o.totals.failed + o.totals.errors
}

/** Whether the step fails: failures (or new ones), flaky tests (fail-on-flaky), the command's exit, no tests. */
function verdict(s: Settings, o: Outcome): void {
  const t = o.totals
  const bad = t.failed + t.errors
  const c = o.regressions?.comparison
  if (s.failOn === 'regressions' && c && bad > 0) {
    const known = c.stillFailing.length
    if (c.newFailures.length && s.failOnFailure)
      throw new Error(
        `${c.newFailures.length} new of ${bad} failing tests (${known} known, failing in the baseline of ${c.baseline.commit.slice(0, 12)} too)`
      )
    core.notice(
      `fail-on: regressions: ${known} known failure${known === 1 ? '' : 's'} let through, failing in the baseline of ${c.baseline.commit.slice(0, 12)} (${c.baseline.ref}) too; no new failures`
    )
  } else if (bad > 0 && s.failOnFailure) throw new Error(`${bad} of ${t.total} tests failed`)
  if (t.flaky > 0 && s.failOnFlaky)
    throw new Error(`${t.flaky} tests were flaky (failed, then passed on a retry) and fail-on-flaky is true`)
  if (o.ran && o.ran.result.exitCode !== 0 && bad === 0)
    throw new Error(`The test command exited with code ${o.ran.result.exitCode}:\n${tail(o.ran.result)}`)
  if (t.total === 0 && !s.allowEmpty)
    throw new Error('The JUnit reports hold no tests; set allow-empty: true if that is expected')
  core.info(`${t.passed} passed, ${t.skipped} skipped, ${t.flaky} flaky, ${bad} failed`)
}

function outputs(o: Outcome): Record<string, OutputValue> {
  if (!o.reported) return {}
  const t = o.totals
  return {
    [Outputs.Total]: t.total,
    [Outputs.Passed]: t.passed,
    [Outputs.Failed]: t.failed,
    [Outputs.Skipped]: t.skipped,
    [Outputs.Errors]: t.errors,
    [Outputs.Flaky]: t.flaky,
    [Outputs.Duration]: (o.ran?.seconds ?? t.time).toFixed(3),
    [Outputs.JunitFile]: o.junitFile,
    [Outputs.Results]: resultsJson(o.cases, o.failures, t),
    [Outputs.BaselineFile]: o.regressions?.file,
    ...comparisonOutputs(o.regressions?.comparison)
  }
}

function comparisonOutputs(c: Comparison | undefined): Record<string, OutputValue> {
  if (!c) return {}
  return {
    [Outputs.NewFailures]: c.newFailures.length,
    [Outputs.StillFailing]: c.stillFailing.length,
    [Outputs.Fixed]: c.fixed.length,
    [Outputs.Flipped]: c.flipped.length,
    [Outputs.Comparison]: comparisonJson(c)
  }
}

/** The pull request comment: the totals and the comparison. */
function commentBody(o: Outcome): string {
  const t = o.totals
  return `### Unit tests: ${t.passed} passed, ${t.failed} failed, ${t.errors} errors, ${t.skipped} skipped\n\n${comparisonMarkdown(o.regressions!.comparison!, '')}`
}

function relative(settings: Settings, file: string): string {
  const rel = path.relative(settings.workspace, file)
  return rel.startsWith('..') ? file : rel.split(path.sep).join('/')
}

async function runTests(s: Settings, d: Deps, step: Step): Promise<Ran> {
  const priv = await d.priv()
  const junitFile = s.junitFile ?? path.join(priv.path, 'junit.xml')
  await fs.mkdir(path.dirname(junitFile), { recursive: true })
  const before = await mtime(junitFile)
  if (s.install) await install(s, d, step)
  const args = [...s.command.slice(1)]
  let env: Record<string, string> = { JUNIT_FILE: junitFile, PYTHONDONTWRITEBYTECODE: '1' }
  if (s.isPytest) args.push(`--junitxml=${junitFile}`, '-o', 'junit_family=xunit1')
  if (s.shard) {
    const durations = s.durationsReport
      ? durationsOf(
          await parseJunit(await fs.readFile(s.durationsReport, 'utf8'), relative(s, s.durationsReport))
        )
      : undefined
    const shard = await prepareShard(priv, s.shard, durations)
    args.push(...shard.args)
    env = { ...env, ...shard.env }
    core.info(
      `Shard ${s.shard.index} of ${s.shard.count}, balanced by ${durations ? `the durations in ${s.durationsReport}` : 'test files'}`
    )
  }
  // the report parser loads while the tests run
  loadParser().catch(() => undefined)
  const started = d.now()
  const result = await step.phase(`Run ${s.command.join(' ')}`, () =>
    d.exec(s.command[0], args, { cwd: s.workingDirectory, env, ignoreReturnCode: true }).catch(err => {
      throw notRunnable(err, s.customCommand ? Inputs.Command : Inputs.Python, s.command[0]) ?? err
    })
  )
  const seconds = (d.now() - started) / 1000
  return { result, seconds, junitFile, wrote: (await mtime(junitFile)) !== before }
}

/** A program that could not be started at all is a bad input, named as such. */
function notRunnable(err: unknown, input: string, program: string): InputError | undefined {
  if (err instanceof ToolError && err.result.exitCode === -1)
    return new InputError(input, `must name a program that can be run, got '${program}'`)
  return undefined
}

async function mtime(file: string): Promise<number | undefined> {
  return (await fs.stat(file).catch(() => undefined))?.mtimeMs
}

async function install(s: Settings, d: Deps, step: Step): Promise<void> {
  const files: string[] = []
  for (const f of s.requirements) {
    const p = path.resolve(s.workingDirectory, f)
    if (await fs.stat(p).catch(() => undefined)) files.push(p)
  }
  if (files.length === 0) return
  await step.phase('Install requirements', () =>
    d
      .exec(s.python, ['-m', 'pip', 'install', ...files.flatMap(f => ['-r', f]), ...s.pipArgs], {
        cwd: s.workingDirectory,
        label: `pip install of ${files.map(f => path.relative(s.workingDirectory, f)).join(', ')}`
      })
      .catch(err => {
        throw notRunnable(err, Inputs.Python, s.python) ?? err
      })
  )
}
