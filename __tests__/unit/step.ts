// A step's environment as the runner gives it, for units that read settings: INPUT_* with action.yml's
// defaults filled in, GITHUB_* of a push to main, the workspace at the repository's root.
import { actionMetadata, ROOT } from '../../scripts/lib/runner.mjs'

export type Inputs = Record<string, string>
export const SHA = '3f1c2d4e5f60718293a4b5c6d7e8f90123456789'

/** The runner's environment for one step: its inputs with action.yml's defaults, and a push to main. */
export function withStep<T>(stage: string, given: Inputs, read: () => T): T {
  const saved = { ...process.env }
  const write = process.stdout.write
  for (const k of Object.keys(process.env)) if (k.startsWith('INPUT_')) delete process.env[k]
  const declared = actionMetadata(stage).inputs as Record<string, { default?: unknown }>
  const context: Record<string, string> = { 'github.token': '', 'github.workspace': ROOT }
  for (const [name, spec] of Object.entries(declared)) {
    const value =
      name in given
        ? given[name]
        : String(spec.default ?? '').replace(/\$\{\{\s*([\w.]+)\s*\}\}/g, (_, e) => context[e] ?? '')
    process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value
  }
  for (const name of Object.keys(given))
    if (!(name in declared)) throw new Error(`${stage} declares no input '${name}'`)
  Object.assign(process.env, {
    GITHUB_WORKSPACE: ROOT,
    GITHUB_SHA: SHA,
    GITHUB_RUN_NUMBER: '17',
    GITHUB_RUN_ID: '4242',
    GITHUB_JOB: 'e2e',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_REPOSITORY: 'banicr/demo-flask-app'
  })
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
