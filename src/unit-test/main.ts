import * as fs from 'node:fs/promises'
import * as path from 'node:path'
import * as core from '@actions/core'
import { run, tail, ToolError, type RunResult } from '../common/exec.js'
import { InputError } from '../common/inputs.js'
import { PrivateDir } from '../common/temp.js'
import * as summary from '../common/summary.js'
import { Inputs, Outputs } from './constants.js'
import { loadParser, parseJunit, type TestCase } from './junit.js'
import { Workspace } from './locate.js'
import { annotate, failures, resultsJson, writeReport } from './report.js'
import { readReports, reportFiles } from './reports.js'
import { foldRetries, totals } from './results.js'
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

export async function main(): Promise<void> {
  const settings = getSettings()
  const ran = settings.command.length ? await runTests(settings) : undefined

  if (ran && settings.isPytest && ran.result.exitCode === PYTEST_NO_TESTS && !settings.reports.length) {
    setOutputs(ran.junitFile, [], '', ran.seconds)
    if (settings.allowEmpty) {
      core.notice('pytest collected no tests (allow-empty: true)')
      return
    }
    throw new Error(
      `pytest collected no tests in ${settings.workingDirectory}; set allow-empty: true if that is expected`
    )
  }

  // The command's own report, and any the `reports` globs name (several files, merged into one result).
  const files = settings.reports.length ? await reportFiles(settings.workingDirectory, settings.reports) : []
  if (ran && !settings.reports.length && !ran.wrote)
    throw new Error(
      `The test command exited with code ${ran.result.exitCode} and did not write the JUnit report '${ran.junitFile}' (input '${Inputs.JunitFile}'):\n${tail(ran.result)}`
    )
  const raw: TestCase[] = []
  // (never push(...cases): a large report's cases overflow the stack as arguments)
  if (ran?.wrote && !files.includes(ran.junitFile))
    for (const c of await parseJunit(
      await fs.readFile(ran.junitFile, 'utf8'),
      relative(settings, ran.junitFile)
    ))
      raw.push(c)
  for (const c of await readReports(files, settings.workspace)) raw.push(c)
  const cases = foldRetries(raw)

  const t = totals(cases)
  const ws = new Workspace(settings.workspace, settings.workingDirectory, settings.sourcePrefix)
  const list = failures(cases, ws)
  setOutputs(ran?.junitFile ?? files[0] ?? '', cases, resultsJson(cases, list, t), ran?.seconds ?? t.time)
  // the step's closing error ("N of M tests failed") is an error annotation too: it keeps a place
  annotate(list, settings.maxAnnotations, t.failed + t.errors > 0 && settings.failOnFailure)
  if (settings.summary) {
    writeReport(cases, list, t, ran?.seconds)
    await summary.writeSummary()
  }

  const bad = t.failed + t.errors
  if (bad > 0 && settings.failOnFailure) throw new Error(`${bad} of ${t.total} tests failed`)
  if (t.flaky > 0 && settings.failOnFlaky)
    throw new Error(`${t.flaky} tests were flaky (failed, then passed on a retry) and fail-on-flaky is true`)
  if (ran && ran.result.exitCode !== 0 && bad === 0)
    throw new Error(`The test command exited with code ${ran.result.exitCode}:\n${tail(ran.result)}`)
  if (t.total === 0 && !settings.allowEmpty)
    throw new Error('The JUnit reports hold no tests; set allow-empty: true if that is expected')
  core.info(`${t.passed} passed, ${t.skipped} skipped, ${t.flaky} flaky, ${bad} failed`)
}

function relative(settings: Settings, file: string): string {
  const rel = path.relative(settings.workspace, file)
  return rel.startsWith('..') ? file : rel.split(path.sep).join('/')
}

async function runTests(settings: Settings): Promise<Ran> {
  const priv = await PrivateDir.create('unit-test')
  const junitFile = settings.junitFile ?? path.join(priv.path, 'junit.xml')
  await fs.mkdir(path.dirname(junitFile), { recursive: true })
  const before = await mtime(junitFile)
  if (settings.install) await install(settings)

  const args = [...settings.command.slice(1)]
  let env: Record<string, string> = { JUNIT_FILE: junitFile, PYTHONDONTWRITEBYTECODE: '1' }
  if (settings.isPytest) args.push(`--junitxml=${junitFile}`, '-o', 'junit_family=xunit1')
  if (settings.shard) {
    const durations = settings.durationsReport
      ? durationsOf(
          await parseJunit(
            await fs.readFile(settings.durationsReport, 'utf8'),
            relative(settings, settings.durationsReport)
          )
        )
      : undefined
    const shard = await prepareShard(priv, settings.shard, durations)
    args.push(...shard.args)
    env = { ...env, ...shard.env }
    core.info(
      `Shard ${settings.shard.index} of ${settings.shard.count}, balanced by ${durations ? `the durations in ${settings.durationsReport}` : 'test files'}`
    )
  }
  // the report parser loads while the tests run
  loadParser().catch(() => undefined)
  const started = Date.now()
  const result = await core.group(`Run ${settings.command.join(' ')}`, () =>
    run(settings.command[0], args, { cwd: settings.workingDirectory, env, ignoreReturnCode: true }).catch(
      err => {
        throw (
          notRunnable(err, settings.customCommand ? Inputs.Command : Inputs.Python, settings.command[0]) ??
          err
        )
      }
    )
  )
  const seconds = (Date.now() - started) / 1000
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

async function install(settings: Settings): Promise<void> {
  const files: string[] = []
  for (const f of settings.requirements) {
    const p = path.resolve(settings.workingDirectory, f)
    if (await fs.stat(p).catch(() => undefined)) files.push(p)
  }
  if (files.length === 0) return
  await core.group('Install requirements', () =>
    run(settings.python, ['-m', 'pip', 'install', ...files.flatMap(f => ['-r', f]), ...settings.pipArgs], {
      cwd: settings.workingDirectory,
      label: `pip install of ${files.map(f => path.relative(settings.workingDirectory, f)).join(', ')}`
    }).catch(err => {
      throw notRunnable(err, Inputs.Python, settings.python) ?? err
    })
  )
}

function setOutputs(junitFile: string, cases: TestCase[], results: string, seconds: number) {
  const t = totals(cases)
  core.setOutput(Outputs.Total, t.total)
  core.setOutput(Outputs.Passed, t.passed)
  core.setOutput(Outputs.Failed, t.failed)
  core.setOutput(Outputs.Skipped, t.skipped)
  core.setOutput(Outputs.Errors, t.errors)
  core.setOutput(Outputs.Flaky, t.flaky)
  core.setOutput(Outputs.Duration, seconds.toFixed(3))
  core.setOutput(Outputs.JunitFile, junitFile)
  core.setOutput(
    Outputs.Results,
    results || JSON.stringify({ totals: t, failures: [], flaky: [], truncated: false })
  )
}
