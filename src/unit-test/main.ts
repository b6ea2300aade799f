import * as fs from 'node:fs/promises'
import * as path from 'node:path'
import * as core from '@actions/core'
import { run, tail, ToolError } from '../common/exec.js'
import { InputError } from '../common/inputs.js'
import { PrivateDir } from '../common/temp.js'
import * as summary from '../common/summary.js'
import { Inputs, Outputs } from './constants.js'
import { failureLocation, parseJunit, totals, type TestCase } from './junit.js'
import { getSettings, type Settings } from './settings.js'

const PYTEST_NO_TESTS = 5

export async function main(): Promise<void> {
  const settings = getSettings()
  const junitFile = settings.junitFile ?? path.join((await PrivateDir.create('unit-test')).path, 'junit.xml')
  await fs.mkdir(path.dirname(junitFile), { recursive: true })
  const before = await mtime(junitFile)

  if (settings.install) await install(settings)

  const args = [...settings.command.slice(1)]
  if (settings.isPytest) args.push(`--junitxml=${junitFile}`, '-o', 'junit_family=xunit1')
  const started = Date.now()
  const result = await core.group(`Run ${settings.command.join(' ')}`, () =>
    run(settings.command[0], args, {
      cwd: settings.workingDirectory,
      env: { JUNIT_FILE: junitFile, PYTHONDONTWRITEBYTECODE: '1' },
      ignoreReturnCode: true
    }).catch(err => {
      throw (
        notRunnable(err, settings.customCommand ? Inputs.Command : Inputs.Python, settings.command[0]) ?? err
      )
    })
  )
  const seconds = (Date.now() - started) / 1000

  if (settings.isPytest && result.exitCode === PYTEST_NO_TESTS) {
    setOutputs(junitFile, [], seconds)
    if (settings.allowEmpty) {
      core.notice('pytest collected no tests (allowed by allow-empty)')
      return
    }
    throw new Error(
      `pytest collected no tests in ${settings.workingDirectory}; set allow-empty: true if that is expected`
    )
  }
  if ((await mtime(junitFile)) === before)
    throw new Error(
      `The test command exited with code ${result.exitCode} and did not write the JUnit report '${junitFile}' (input '${Inputs.JunitFile}'):\n${tail(result)}`
    )

  const cases = await parseJunit(await fs.readFile(junitFile, 'utf8'))
  const t = setOutputs(junitFile, cases, seconds)
  annotate(settings, cases)
  report(settings, cases, seconds)
  await summary.writeSummary()

  if (t.failed + t.errors > 0) throw new Error(`${t.failed + t.errors} of ${t.total} tests failed`)
  if (result.exitCode !== 0)
    throw new Error(`The test command exited with code ${result.exitCode}:\n${tail(result)}`)
  if (t.total === 0 && !settings.allowEmpty)
    throw new Error('The JUnit report holds no tests; set allow-empty: true if that is expected')
  core.info(`${t.passed} passed, ${t.skipped} skipped in ${seconds.toFixed(2)}s`)
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

function setOutputs(junitFile: string, cases: TestCase[], seconds: number) {
  const t = totals(cases)
  core.setOutput(Outputs.Total, t.total)
  core.setOutput(Outputs.Passed, t.passed)
  core.setOutput(Outputs.Failed, t.failed)
  core.setOutput(Outputs.Skipped, t.skipped)
  core.setOutput(Outputs.Errors, t.errors)
  core.setOutput(Outputs.Duration, seconds.toFixed(3))
  core.setOutput(Outputs.JunitFile, junitFile)
  return t
}

function workspacePath(settings: Settings, file: string): string {
  const abs = path.resolve(settings.workingDirectory, file)
  return path.relative(settings.workspace, abs).split(path.sep).join('/')
}

function annotate(settings: Settings, cases: TestCase[]): void {
  const failing = cases.filter(c => c.status === 'failed' || c.status === 'error')
  for (const tc of failing.slice(0, settings.maxAnnotations)) {
    const loc = failureLocation(tc)
    core.error(tc.message ?? `${tc.status}`, {
      title: `${tc.classname ? tc.classname + '.' : ''}${tc.name} ${tc.status === 'error' ? 'errored' : 'failed'}`,
      file: loc.file ? workspacePath(settings, loc.file) : undefined,
      startLine: loc.line
    })
  }
  const more = failing.length - settings.maxAnnotations
  if (more > 0)
    core.notice(`${more} more failing tests were not annotated (max-annotations: ${settings.maxAnnotations})`)
}

function report(settings: Settings, cases: TestCase[], seconds: number): void {
  const t = totals(cases)
  const ok = t.failed + t.errors === 0
  summary.heading(
    `${ok ? '✅' : '❌'} Unit tests: ${t.passed} passed, ${t.failed} failed, ${t.errors} errors, ${t.skipped} skipped`
  )
  summary.table(
    ['Total', 'Passed', 'Failed', 'Errors', 'Skipped', 'Duration'],
    [[t.total, t.passed, t.failed, t.errors, t.skipped, `${seconds.toFixed(2)}s`]]
  )
  const failing = cases.filter(c => c.status === 'failed' || c.status === 'error')
  if (failing.length) {
    summary.heading('Failures', 4)
    for (const tc of failing) {
      const loc = failureLocation(tc)
      const where = loc.file ? ` (${workspacePath(settings, loc.file)}${loc.line ? ':' + loc.line : ''})` : ''
      summary.paragraph(
        `**${summary.escapeHtml(tc.classname ? `${tc.classname}.${tc.name}` : tc.name)}**${summary.escapeHtml(where)}: ${summary.code(tc.message ?? tc.status)}`
      )
      if (tc.details) summary.details('Traceback', tc.details)
    }
  }
  const slowest = [...cases].sort((a, b) => b.time - a.time).slice(0, 10)
  if (slowest.length) {
    summary.heading('Slowest tests', 4)
    summary.table(
      ['Test', 'Time'],
      slowest.map(c => [c.classname ? `${c.classname}.${c.name}` : c.name, `${c.time.toFixed(3)}s`])
    )
  }
}
