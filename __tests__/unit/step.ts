// A step's environment for units that read settings or run a stage's main in-process: the same INPUT_*
// (action.yml's defaults filled in) and GITHUB_* of the same run as scripts/lib/runner.mjs gives the
// bundles it runs, the workspace at the repository's root.
import { githubEnv, inputsEnv, ROOT, RUN } from '../../scripts/lib/runner.mjs'

export type Inputs = Record<string, string>
export const SHA = RUN.sha

/** The runner's environment for one step: its inputs with action.yml's defaults, and a push to main. */
export function withStep<T>(stage: string, given: Inputs, read: () => T): T {
  const saved = { ...process.env }
  const write = process.stdout.write
  for (const k of Object.keys(process.env)) if (/^(INPUT|GITHUB|STATE)_/.test(k)) delete process.env[k]
  Object.assign(process.env, githubEnv(ROOT), inputsEnv(stage, given, { workspace: ROOT }))
  delete process.env.SSH_AUTH_SOCK
  // add-mask commands of secret inputs are for the runner, not the test's output
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) =>
    String(chunk).startsWith('::') ? true : write.call(process.stdout, chunk, ...rest)) as typeof write
  const cwd = process.cwd()
  process.chdir(ROOT)
  try {
    return read()
  } finally {
    process.chdir(cwd)
    process.stdout.write = write
    process.env = saved
  }
}

/** What a stage run in-process left: its error, outputs, state, summary and workflow commands. */
export interface StepRun<T> {
  value?: T
  error?: Error
  outputs: Record<string, string>
  state: Record<string, string>
  summary: string
  /** stdout lines that are workflow commands (::warning::, ::group:: ...). */
  commands: string[]
}

/**
 * Runs `work` (a stage's main with fake collaborators) in the runner's environment for one step: inputs
 * with action.yml's defaults, and fresh GITHUB_OUTPUT, GITHUB_STATE and GITHUB_STEP_SUMMARY files in a
 * RUNNER_TEMP of its own, read back afterwards.
 */
export async function runInStep<T>(
  stage: string,
  given: Inputs,
  work: () => Promise<T>,
  opts: { env?: Record<string, string>; summaryFile?: string } = {}
): Promise<StepRun<T>> {
  const fs = await import('node:fs')
  const os = await import('node:os')
  const path = await import('node:path')
  const { parseFileCommands } = await import('../../scripts/lib/runner.mjs')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'step-'))
  const files = {
    GITHUB_OUTPUT: path.join(dir, 'output'),
    GITHUB_STATE: path.join(dir, 'state'),
    GITHUB_STEP_SUMMARY: opts.summaryFile ?? path.join(dir, 'summary')
  }
  for (const f of Object.values(files)) if (!fs.existsSync(f)) fs.writeFileSync(f, '')
  const saved = { ...process.env }
  const write = process.stdout.write
  const commands: string[] = []
  const run: StepRun<T> = { outputs: {}, state: {}, summary: '', commands }
  try {
    // withStep restores the environment when it returns: its environment is copied for the async work
    const env = capture(stage, given)
    Object.assign(process.env, env, files, { RUNNER_TEMP: path.join(dir, 'temp') }, opts.env ?? {})
    fs.mkdirSync(path.join(dir, 'temp'))
    process.stdout.write = ((chunk: string | Uint8Array) => {
      for (const line of String(chunk).split('\n')) if (line.startsWith('::')) commands.push(line)
      return true
    }) as typeof write
    try {
      run.value = await work()
    } catch (err) {
      run.error = err as Error
    }
  } finally {
    process.stdout.write = write
    process.env = saved
  }
  run.outputs = parseFileCommands(fs.readFileSync(files.GITHUB_OUTPUT, 'utf8'))
  run.state = parseFileCommands(fs.readFileSync(files.GITHUB_STATE, 'utf8'))
  if (fs.statSync(files.GITHUB_STEP_SUMMARY).isFile())
    run.summary = fs.readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8')
  fs.rmSync(dir, { recursive: true, force: true })
  return run
}

/** The environment withStep sets for a step, as a plain object. */
function capture(stage: string, given: Inputs): Record<string, string> {
  return withStep(stage, given, () => ({ ...(process.env as Record<string, string>) }))
}
