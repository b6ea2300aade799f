import * as fs from 'node:fs'
import * as path from 'node:path'
import * as inputs from '../common/inputs.js'
import { InputError } from '../common/inputs.js'
import { splitArgs } from '../common/argv.js'
import { Defaults, Inputs } from './constants.js'

export interface Settings {
  /** Absolute working directory. */
  workingDirectory: string
  workspace: string
  python: string
  install: boolean
  requirements: string[]
  pipArgs: string[]
  /** The test command as an argument array; the first element is the program. */
  command: string[]
  /** Whether the command is pytest, so that --junitxml can be added for it. */
  isPytest: boolean
  /** Whether the command came from the `command` input (else it is `<python> -m pytest`). */
  customCommand: boolean
  junitFile?: string
  allowEmpty: boolean
  maxAnnotations: number
}

export function getSettings(): Settings {
  const workspace = path.resolve(process.env.GITHUB_WORKSPACE || process.cwd())
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
  const command = commandText ? splitArgs(Inputs.Command, commandText) : [python, '-m', 'pytest']
  if (command.length === 0) throw new InputError(Inputs.Command, 'must name a program')
  const junit = inputs.str(Inputs.JunitFile)
  const requirements = inputs.list(Inputs.Requirements)
  return {
    workingDirectory,
    workspace,
    python,
    install: inputs.bool(Inputs.Install, true),
    requirements: requirements.length ? requirements : inputs.splitLines(Defaults[Inputs.Requirements]),
    pipArgs: splitArgs(Inputs.PipArgs, inputs.str(Inputs.PipArgs)),
    command: [...command, ...splitArgs(Inputs.Args, inputs.str(Inputs.Args))],
    customCommand: !!commandText,
    isPytest: command.some(a => /(^|[/\\])(py\.test|pytest)$/.test(a)),
    junitFile: junit ? path.resolve(workingDirectory, junit) : undefined,
    allowEmpty: inputs.bool(Inputs.AllowEmpty, false),
    maxAnnotations: inputs.int(Inputs.MaxAnnotations, 50, 0, 1000)
  }
}
