// The one place that starts processes. Arguments are always arrays (no shell ever parses an input),
// a tool's output is fenced with ::stop-commands:: so nothing it prints can become a workflow command,
// and a non-zero exit becomes one error that carries the tool's own last words.
import * as path from 'node:path'
import { randomBytes } from 'node:crypto'
import * as exec from '@actions/exec'

export interface RunOptions {
  cwd?: string
  /** Merged over the step's environment. */
  env?: Record<string, string | undefined>
  /** Written to the tool's stdin (how passwords reach `docker login`). */
  input?: string | Buffer
  /** Keep the tool's output out of the log (it is still captured). */
  silent?: boolean
  /** Return a failing result instead of throwing. */
  ignoreReturnCode?: boolean
  /** What the call does, for the error message: "push to origin". */
  label?: string
}

export interface RunResult {
  exitCode: number
  stdout: string
  stderr: string
}

export class ToolError extends Error {
  constructor(
    message: string,
    readonly result: RunResult
  ) {
    super(message)
    this.name = 'ToolError'
  }
}

/** Lines of output that explain a failure: stderr first, else stdout, the last `max` lines. */
export function tail(result: RunResult, max = 20): string {
  const text = (result.stderr.trim() || result.stdout.trim()).split('\n')
  return text.slice(-max).join('\n')
}

/** Writes a line to the log with nothing interpreted as a workflow command. */
export function writeFenced(text: string): void {
  const token = randomBytes(16).toString('hex')
  process.stdout.write(`::stop-commands::${token}\n${text.endsWith('\n') ? text : text + '\n'}::${token}::\n`)
}

export async function run(tool: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries({ ...process.env, ...opts.env })) if (v !== undefined) env[k] = v
  const token = opts.silent ? '' : randomBytes(16).toString('hex')
  if (token) process.stdout.write(`::stop-commands::${token}\n`)
  let result: RunResult
  try {
    result = await exec.getExecOutput(tool, args, {
      cwd: opts.cwd,
      env,
      input: typeof opts.input === 'string' ? Buffer.from(opts.input) : opts.input,
      silent: opts.silent ?? false,
      ignoreReturnCode: true
    })
  } catch (err) {
    // Spawning failed: the tool is missing or not executable.
    throw new ToolError(`Could not run ${tool}: ${(err as Error).message}`, {
      exitCode: -1,
      stdout: '',
      stderr: ''
    })
  } finally {
    if (token) process.stdout.write(`\n::${token}::\n`)
  }
  if (result.exitCode !== 0 && !opts.ignoreReturnCode) {
    const what = opts.label ?? `${path.basename(tool)} ${args[0] ?? ''}`.trim()
    throw new ToolError(`${what} failed with exit code ${result.exitCode}:\n${tail(result)}`, result)
  }
  return result
}

/** A runner bound to one tool and its environment: `const git = tool('git', {env})`. */
export function tool(
  name: string,
  base: Omit<RunOptions, 'ignoreReturnCode' | 'label' | 'input'> = {}
): (args: string[], opts?: RunOptions) => Promise<RunResult> {
  return (args, opts = {}) => run(name, args, { ...base, ...opts, env: { ...base.env, ...opts.env } })
}

export interface Background {
  /** Resolves with the first line of output that matches, or rejects when the process ends or time runs out. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>
  output(): string
  stop(): Promise<void>
}

/** A long-running helper (kubectl port-forward): its output is kept, not logged, and stop() always ends it. */
export async function spawnBackground(
  toolPath: string,
  args: string[],
  opts: { env?: Record<string, string | undefined> } = {}
): Promise<Background> {
  const { spawn } = await import('node:child_process')
  const child = spawn(toolPath, args, {
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  let exited = false
  const listeners = new Set<() => void>()
  const onData = (d: Buffer) => {
    out += d.toString()
    for (const l of listeners) l()
  }
  child.stdout.on('data', onData)
  child.stderr.on('data', onData)
  const ended = new Promise<void>(resolve =>
    child.on('close', () => {
      exited = true
      for (const l of listeners) l()
      resolve()
    })
  )
  child.on('error', err => {
    out += `\n${err.message}`
  })
  return {
    output: () => out,
    waitFor(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => done(new Error(`timed out after ${timeoutMs} ms waiting for ${toolPath}: ${out.trim()}`)),
          timeoutMs
        )
        const check = () => {
          const m = out.match(pattern)
          if (m) done(undefined, m)
          else if (exited) done(new Error(`${toolPath} ${args[0]} ended: ${out.trim()}`))
        }
        const done = (err?: Error, m?: RegExpMatchArray) => {
          clearTimeout(timer)
          listeners.delete(check)
          if (err) reject(err)
          else resolve(m!)
        }
        listeners.add(check)
        check()
      })
    },
    async stop() {
      if (exited) return
      child.kill('SIGTERM')
      const t = setTimeout(() => child.kill('SIGKILL'), 3000)
      await ended
      clearTimeout(t)
    }
  }
}
