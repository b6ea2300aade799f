import * as fs from 'node:fs'
import * as path from 'node:path'
import { githubContext } from '../common/github.js'
import * as inputs from '../common/inputs.js'
import { InputError } from '../common/inputs.js'
import { splitArgs } from '../common/argv.js'
import { checkRelativePath } from '../common/validate.js'
import { Defaults, FAIL_ON, Inputs } from './constants.js'

export interface Shard {
  /** 1-based. */
  index: number
  count: number
}

export interface Settings {
  /** Absolute working directory. */
  workingDirectory: string
  workspace: string
  python: string
  install: boolean
  requirements: string[]
  pipArgs: string[]
  /** The test command as an argument array; the first element is the program. Empty: report only. */
  command: string[]
  /** Whether the command is pytest, so that --junitxml can be added for it. */
  isPytest: boolean
  /** Whether the command came from the `command` input (else it is `<python> -m pytest`). */
  customCommand: boolean
  junitFile?: string
  /** Globs of JUnit files (relative to working-directory) read after the command, or instead of one. */
  reports: string[]
  sourcePrefix: string
  shard?: Shard
  durationsReport?: string
  allowEmpty: boolean
  failOnFailure: boolean
  failOnFlaky: boolean
  maxAnnotations: number
  summary: boolean
  /** Where the previous run's record comes from: none, the Actions cache, or a file. */
  baseline: { kind: 'none' } | { kind: 'cache' } | { kind: 'file'; path: string }
  /** How many runs each test's outcomes are kept for (flipped tests). */
  history: number
  failOn: (typeof FAIL_ON)[number]
  /** A pull request comment with the comparison, updated in place (needs pull-requests: write). */
  comment: boolean
  token: string
}

export function parseShard(value: string): Shard | undefined {
  if (!value) return undefined
  const m = /^(\d+)\/(\d+)$/.exec(value)
  const index = m ? Number(m[1]) : 0
  const count = m ? Number(m[2]) : 0
  if (!m || count < 1 || count > 1000 || index < 1 || index > count)
    throw new InputError(Inputs.Shard, `must be K/N with 1 <= K <= N <= 1000, such as 2/4, got '${value}'`)
  return { index, count }
}

export function getSettings(): Settings {
  const workspace = path.resolve(githubContext().workspace)
  // Required in action.yml with a default of '.', so the runner always supplies it.
  const wd = inputs.required(Inputs.WorkingDirectory)
  const workingDirectory = path.resolve(workspace, wd)
  if (!fs.statSync(workingDirectory, { throwIfNoEntry: false })?.isDirectory())
    throw new InputError(
      Inputs.WorkingDirectory,
      `must be an existing directory, got '${wd}' (${workingDirectory})`
    )
  const python = inputs.str(Inputs.Python, Defaults[Inputs.Python])
  const commandText = inputs.str(Inputs.Command)
  const reports = inputs.lines(Inputs.Reports)
  for (const r of reports)
    // eslint-disable-next-line no-control-regex
    if (/[\x00-\x1f]/.test(r))
      throw new InputError(Inputs.Reports, `has a line that is not a path or glob: '${r}'`)
  // With reports and no command the step only reports (the tests ran elsewhere, such as matrix jobs).
  const reportOnly = reports.length > 0 && !commandText
  const command = commandText
    ? splitArgs(Inputs.Command, commandText)
    : reportOnly
      ? []
      : [python, '-m', 'pytest']
  if (commandText && !command[0]) throw new InputError(Inputs.Command, 'must name a program')
  const junit = inputs.str(Inputs.JunitFile)
  const requirements = inputs.list(Inputs.Requirements)
  const isPytest = command.some(a => /(^|[/\\])(py\.test|pytest)$/.test(a))
  const shard = parseShard(inputs.str(Inputs.Shard))
  if (shard && !isPytest)
    throw new InputError(Inputs.Shard, 'works with pytest only (the default command, or a pytest command)')
  const durations = inputs.str(Inputs.DurationsReport)
  const prefix = inputs.str(Inputs.SourcePrefix)
  return {
    workingDirectory,
    workspace,
    python,
    install: !reportOnly && inputs.bool(Inputs.Install, true),
    requirements: requirements.length ? requirements : inputs.splitLines(Defaults[Inputs.Requirements]),
    pipArgs: splitArgs(Inputs.PipArgs, inputs.str(Inputs.PipArgs)),
    command: command.length ? [...command, ...splitArgs(Inputs.Args, inputs.str(Inputs.Args))] : [],
    customCommand: !!commandText,
    isPytest,
    junitFile: junit ? path.resolve(workingDirectory, junit) : undefined,
    reports,
    sourcePrefix: prefix ? checkRelativePath(Inputs.SourcePrefix, prefix) : '',
    shard,
    durationsReport: durations ? path.resolve(workingDirectory, durations) : undefined,
    allowEmpty: inputs.bool(Inputs.AllowEmpty, false),
    failOnFailure: inputs.bool(Inputs.FailOnFailure, true),
    failOnFlaky: inputs.bool(Inputs.FailOnFlaky, false),
    maxAnnotations: inputs.int(Inputs.MaxAnnotations, 10, 0, 50),
    summary: inputs.bool(Inputs.Summary, true),
    ...baselineSettings(workspace)
  }
}

/** baseline, history, fail-on, comment: where the previous record comes from and what it decides. */
function baselineSettings(
  workspace: string
): Pick<Settings, 'baseline' | 'history' | 'failOn' | 'comment' | 'token'> {
  const given = inputs.str(Inputs.Baseline, Defaults[Inputs.Baseline])
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f]/.test(given))
    throw new InputError(Inputs.Baseline, `must be none, cache or a file's path, got '${given}'`)
  const baseline: Settings['baseline'] =
    given === 'none' || given === 'cache'
      ? { kind: given }
      : { kind: 'file', path: path.resolve(workspace, given) }
  const comment = inputs.bool(Inputs.Comment, false)
  const token = inputs.secret(Inputs.Token)
  if (comment && !token)
    throw new InputError(
      Inputs.Token,
      'is needed with comment: true (the default, github.token, with pull-requests: write)'
    )
  return {
    baseline,
    history: inputs.int(Inputs.History, Number(Defaults[Inputs.History]), 1, 100),
    failOn: inputs.oneOf(Inputs.FailOn, FAIL_ON, Defaults[Inputs.FailOn]),
    comment,
    token
  }
}
