// The step's secrets and the environment a child process gets. Every secret the step reads is registered
// here (and masked); every child process started by exec.ts gets `childEnv()`, never the step's own
// environment: no INPUT_* (a secret input is also removed from this process's environment as soon as it
// is read), no STATE_*, none of the runner's tokens, none of the step's file-command paths (a test or a
// chart could otherwise forge outputs or state), and no variable whose value holds a secret of the step.
// A tool that needs a secret is given it by file (0600, in the step's private folder) or on stdin.
import * as core from '@actions/core'

const secrets = new Set<string>()

/** Masks a secret (whole and each line of it) and remembers it so it never reaches a child's environment. */
export function maskSecret(value: string): void {
  if (!value) return
  core.setSecret(value)
  secrets.add(value)
  for (const line of value.split(/\r?\n/)) {
    const l = line.trim()
    if (l.length >= 4) {
      core.setSecret(l)
      secrets.add(l)
    }
  }
}

/** Removes a variable from this process's environment (an input once read, so no library child gets it). */
export function forgetEnv(name: string): void {
  delete process.env[name]
}

/** The runner's variables that no tool needs: tokens of the runner's services and the step's file commands. */
const DROPPED = new Set([
  'ACTIONS_RUNTIME_TOKEN',
  'ACTIONS_RUNTIME_URL',
  'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
  'ACTIONS_ID_TOKEN_REQUEST_URL',
  'ACTIONS_CACHE_URL',
  'ACTIONS_RESULTS_URL',
  'GITHUB_OUTPUT',
  'GITHUB_STATE',
  'GITHUB_ENV',
  'GITHUB_PATH',
  'GITHUB_STEP_SUMMARY'
])

function holdsSecret(value: string): boolean {
  for (const s of secrets) if (value.includes(s)) return true
  return false
}

/**
 * The environment for a child process: the step's environment less what the rules above drop, with
 * `extra` laid over it (what the call sets on purpose; `undefined` removes a variable).
 */
export function childEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || DROPPED.has(k) || k.startsWith('INPUT_') || k.startsWith('STATE_')) continue
    if (holdsSecret(v)) continue
    env[k] = v
  }
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k]
    else env[k] = v
  }
  return env
}

/** Text with every secret of the step replaced by ***, longest first (for debug logs of tool calls). */
export function redact(text: string): string {
  let out = text
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) out = out.split(s).join('***')
  return out
}
