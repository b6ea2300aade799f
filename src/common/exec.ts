// The one place that starts processes, so that these rules hold for every tool:
// - arguments are always arrays, and the program is run exactly as given (a path with spaces stays one
//   path; no shell and no re-splitting, which @actions/exec does to its first argument);
// - stdin is /dev/null unless the call gives `input`, which is written and closed (a tool waiting for
//   input, `breakpoint()` in a test or `docker build -`, ends at once instead of hanging the job);
// - the environment is `childEnv()` (secrets.ts): no inputs, state, runner tokens or secrets of the step;
// - a tool's output is fenced with ::stop-commands:: so nothing it prints can become a workflow command,
//   and a non-zero exit becomes one error that carries the tool's own last words.
import { spawn } from 'node:child_process'
import * as os from 'node:os'
import * as path from 'node:path'
import { randomBytes } from 'node:crypto'
import { childEnv, redact } from './secrets.js'

export interface RunOptions {
  cwd?: string
  /** Set on top of the child's environment (childEnv); `undefined` removes a variable. */
  env?: Record<string, string | undefined>
  /** Written to the tool's stdin, which is then closed (how passwords reach `docker login`). */
  input?: string | Buffer
  /** Keep the tool's output out of the log (it is still captured). */
  silent?: boolean
  /** Return a failing result instead of throwing. */
  ignoreReturnCode?: boolean
  /** What the call does, for the error message: "push to origin". */
  label?: string
  /** Called with each piece of output (stdout or stderr) as it arrives: to act on progress mid-run. */
  onOutput?: (text: string) => void
  /** Ends the tool (SIGTERM) when aborted: its result is then that of a tool killed by a signal. */
  signal?: AbortSignal
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

/** How much of each stream is kept in memory; the start of a longer output is dropped (the end explains). */
export const CAPTURE_LIMIT = 16 * 1024 * 1024

class Capture {
  private chunks: Buffer[] = []
  private size = 0
  dropped = 0
  add(chunk: Buffer): void {
    this.chunks.push(chunk)
    this.size += chunk.length
    while (this.size > CAPTURE_LIMIT && this.chunks.length > 1) {
      const first = this.chunks.shift()!
      this.size -= first.length
      this.dropped += first.length
    }
  }
  text(): string {
    const s = Buffer.concat(this.chunks).toString('utf8')
    return this.dropped ? `[${this.dropped} bytes of earlier output not kept]\n${s}` : s
  }
}

/**
 * Debug logging (ACTIONS_STEP_DEBUG / RUNNER_DEBUG): every tool's command line and the output of the calls
 * that are otherwise silent are shown, fenced, with the step's secrets replaced by ***.
 */
function debugging(): boolean {
  return process.env.RUNNER_DEBUG === '1' || process.env.ACTIONS_STEP_DEBUG === 'true'
}

function commandLine(tool: string, args: string[]): string {
  return [tool, ...args]
    .map(a => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`))
    .join(' ')
}

export async function run(tool: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const debug = debugging()
  const shown = `[command]${redact(commandLine(tool, args))}${opts.cwd ? `  (in ${opts.cwd})` : ''}`
  if (debug && opts.silent) writeFenced(shown)
  const token = opts.silent ? '' : randomBytes(16).toString('hex')
  // a visible call shows its command line first, as @actions/exec does, inside the fence (an argument
  // with a line break cannot start a workflow command)
  if (token) process.stdout.write(`::stop-commands::${token}\n${shown}\n`)
  let result: RunResult
  try {
    result = await new Promise<RunResult>((resolve, reject) => {
      const child = spawn(tool, args, {
        cwd: opts.cwd,
        env: childEnv(opts.env),
        stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe']
      })
      const out = new Capture()
      const err = new Capture()
      let lastByte = 10
      const echo = (chunk: Buffer) => {
        opts.onOutput?.(chunk.toString('utf8'))
        if (opts.silent) return
        process.stdout.write(chunk)
        lastByte = chunk[chunk.length - 1]
      }
      child.stdout!.on('data', (d: Buffer) => (out.add(d), echo(d)))
      child.stderr!.on('data', (d: Buffer) => (err.add(d), echo(d)))
      if (child.stdin) {
        // A tool that exits without reading its input closes the pipe: that is its answer, not ours to crash on.
        child.stdin.on('error', () => {})
        child.stdin.end(opts.input)
      }
      const abort = () => child.kill('SIGTERM')
      if (opts.signal?.aborted) abort()
      else opts.signal?.addEventListener('abort', abort, { once: true })
      child.on('error', err => {
        opts.signal?.removeEventListener('abort', abort)
        reject(err)
      })
      child.on('close', (code, signal) => {
        opts.signal?.removeEventListener('abort', abort)
        if (token && lastByte !== 10) process.stdout.write('\n')
        const stderr = err.text()
        resolve({
          exitCode: code ?? 128 + (signal ? (os.constants.signals[signal] ?? 0) : 0),
          stdout: out.text(),
          stderr:
            signal && code === null
              ? `${stderr}${stderr && !stderr.endsWith('\n') ? '\n' : ''}killed by ${signal}`
              : stderr
        })
      })
    })
  } catch (err) {
    // Spawning failed: the tool is missing or not executable.
    throw new ToolError(`Could not run ${tool}: ${(err as Error).message}`, {
      exitCode: -1,
      stdout: '',
      stderr: ''
    })
  } finally {
    if (token) process.stdout.write(`::${token}::\n`)
  }
  if (debug && opts.silent) {
    const out = `${result.stdout}${result.stderr ? `\n[stderr]\n${result.stderr}` : ''}`.trim()
    writeFenced(`[exit ${result.exitCode}]${out ? `\n${redact(out)}` : ''}`)
  }
  if (result.exitCode !== 0 && !opts.ignoreReturnCode) {
    const what = opts.label ?? `${path.basename(tool)} ${args[0] ?? ''}`.trim()
    throw new ToolError(`${what} failed with exit code ${result.exitCode}:\n${tail(result)}`, result)
  }
  return result
}

/** A runner bound to one tool and its environment: `const git = tool('git', {env})`. */
export type Tool = (args: string[], opts?: RunOptions) => Promise<RunResult>

export function tool(
  name: string,
  base: Omit<RunOptions, 'ignoreReturnCode' | 'label' | 'input'> = {}
): Tool {
  return (args, opts = {}) => run(name, args, { ...base, ...opts, env: { ...base.env, ...opts.env } })
}

export interface Background {
  /** Resolves with the first line of output that matches, or rejects when the process ends or time runs out. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>
  output(): string
  /** Whether the process has ended (by itself or by stop()). */
  exited(): boolean
  /** Settles when the process has ended. */
  ended: Promise<void>
  stop(): Promise<void>
}

/** A long-running helper (kubectl port-forward): its output is kept, not logged, and stop() always ends it. */
export async function spawnBackground(
  toolPath: string,
  args: string[],
  opts: { env?: Record<string, string | undefined> } = {}
): Promise<Background> {
  const child = spawn(toolPath, args, {
    env: childEnv(opts.env),
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
    exited: () => exited,
    ended,
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
