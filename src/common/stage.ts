// The one shape of every stage. A stage says what it reads (settings), what it talks to (deps: Docker, git,
// kube, the registry, Argo CD, the clock), what it does (run: named phases filling in its Outcome), what it
// tells (outputs, summary) and what it cleans up; this file owns the order, so that no stage can get it
// wrong:
//
//   settings -> deps -> outcome -> run (phase, phase, ...) -> [explain, on failure]
//            -> outputs -> summary blocks -> cleanup -> the summary written -> the error, if any
//
// Outputs and the summary are written on success and failure alike, redacted of the step's secrets and
// within GitHub's limits (1 MB per output, 1 MiB per step summary). A failed summary or cleanup is a
// warning that never hides the run's own error. A cancel (the runner sends SIGINT, then SIGTERM) stops the
// run at the next phase, and cleanup still runs; post (one bundle, `isPost` from saved state as in
// actions/checkout) cleans again what a killed main left.
import * as core from '@actions/core'
import { redact } from './secrets.js'
import * as summary from './summary.js'

export const IS_POST_STATE = 'isPost'
/** GitHub's limit for one output (docs: "Metadata syntax", outputs; the runner refuses larger). */
export const OUTPUT_LIMIT = 1_000_000

/** The run stopped because the runner cancelled the step (SIGINT or SIGTERM). */
export class CancelledError extends Error {}

/** What a stage's run gets from the skeleton. */
export interface Step {
  /** One named phase, in a log group. A cancel that came in before it ends the run here. */
  phase<T>(name: string, work: () => Promise<T>): Promise<T>
  /** Saves a value for post (GITHUB_STATE): call it before the thing it cleans up exists. */
  save(name: string, value: string): void
  /** The signal the runner sent, once it asked the step to stop. */
  readonly cancelled?: string
}

export type OutputValue = string | number | boolean | undefined

export interface Stage<S, D, O> {
  /** Every input, read and checked before anything is done (an InputError names the input). */
  settings(): S
  /** The outside systems this run talks to; tests pass fakes instead (runStage's `deps`). */
  deps(settings: S, step: Step): Promise<D>
  /** What is known before anything ran; the phases fill in the rest. */
  outcome(settings: S, deps: D): O
  /** The phases, in order. Throws to fail the step; the outcome keeps what happened until then. */
  run(settings: S, deps: D, outcome: O, step: Step): Promise<void>
  /** On failure, before cleanup (the cluster still exists): what can be learnt. Returns the error to report. */
  explain?(error: unknown, settings: S, deps: D, outcome: O, step: Step): Promise<unknown>
  outputs(outcome: O, settings: S): Record<string, OutputValue>
  /** Adds the summary's blocks (common/summary.ts); the skeleton writes them. */
  summary(outcome: O, settings: S, error: unknown): void
  /** Removes what the run made (in reverse), on success and failure alike. */
  cleanup(settings: S, deps: D, outcome: O): Promise<void>
}

export interface RunOptions<S, D> {
  /** The collaborators to use instead of stage.deps (unit tests). */
  deps?: (settings: S, step: Step) => Promise<D>
}

/**
 * main of one bundle: post when main marked the state, else main (the stage, or `main` for a stage that
 * is a single function). Any error ends in core.setFailed with its message.
 */
export async function dispatch(main: () => Promise<void>, post?: () => Promise<void>): Promise<void> {
  const isPost = core.getState(IS_POST_STATE) === 'true'
  try {
    if (isPost) {
      if (post) await post()
      return
    }
    core.saveState(IS_POST_STATE, 'true')
    await main()
  } catch (err) {
    core.setFailed(err instanceof Error ? err.message : String(err))
  }
}

/** Runs a stage in the skeleton's order; rejects with the run's error after everything is written. */
export async function runStage<S, D, O>(stage: Stage<S, D, O>, opts: RunOptions<S, D> = {}): Promise<O> {
  const step = new StepControl()
  try {
    const settings = stage.settings()
    const deps = await (opts.deps ?? stage.deps.bind(stage))(settings, step)
    const outcome = stage.outcome(settings, deps)
    let error: unknown
    try {
      await stage.run(settings, deps, outcome, step)
    } catch (err) {
      error = err
      if (stage.explain)
        error = await stage.explain(err, settings, deps, outcome, step).catch((e: unknown) => {
          core.warning(`Explaining the failure failed: ${(e as Error).message}`)
          return err
        })
    }
    await finish(stage, settings, deps, outcome, error)
    if (error) throw error
    return outcome
  } finally {
    step.dispose()
  }
}

async function finish<S, D, O>(stage: Stage<S, D, O>, settings: S, deps: D, outcome: O, error: unknown) {
  const warn = (what: string) => (e: unknown) =>
    core.warning(`${what}: ${e instanceof Error ? e.message : String(e)}`)
  try {
    writeOutputs(stage.outputs(outcome, settings))
  } catch (e) {
    warn('The outputs could not all be written')(e)
  }
  try {
    stage.summary(outcome, settings, error)
  } catch (e) {
    warn('The job summary could not be made')(e)
  }
  await stage.cleanup(settings, deps, outcome).catch(warn('Cleaning up failed; post will try again'))
  await summary.writeSummary().catch(warn('The job summary was not written'))
}

/** Each output redacted of the step's secrets and within GitHub's 1 MB (cut with a warning). */
export function writeOutputs(outputs: Record<string, OutputValue>): void {
  for (const [name, value] of Object.entries(outputs)) {
    if (value === undefined) continue
    core.setOutput(name, fitOutput(name, redact(String(value))))
  }
}

export function fitOutput(name: string, value: string, limit = OUTPUT_LIMIT): string {
  if (Buffer.byteLength(value) <= limit) return value
  core.warning(
    `Output ${name} is ${Buffer.byteLength(value)} bytes, over GitHub's ${limit} per output: it was cut`
  )
  return Buffer.from(value)
    .subarray(0, limit)
    .toString('utf8')
    .replace(/\uFFFD$/, '')
}

class StepControl implements Step {
  cancelled?: string
  private readonly handlers = {
    SIGINT: () => this.cancel('SIGINT'),
    SIGTERM: () => this.cancel('SIGTERM')
  }

  constructor() {
    process.on('SIGINT', this.handlers.SIGINT)
    process.on('SIGTERM', this.handlers.SIGTERM)
  }

  /**
   * The runner cancels a step with SIGINT, then SIGTERM 7.5 s later, then kills it: the run stops at the
   * next phase and cleans up; a second signal ends the process at once (post cleans up then).
   */
  private cancel(signal: string): void {
    if (this.cancelled) {
      core.warning(`${signal} again: stopping now; post cleans up`)
      process.exit(1)
    }
    this.cancelled = signal
    core.warning(`The runner asked the step to stop (${signal}): stopping after this phase, then cleaning up`)
  }

  async phase<T>(name: string, work: () => Promise<T>): Promise<T> {
    if (this.cancelled)
      throw new CancelledError(`Cancelled (${this.cancelled}) before: ${name}; cleaned up what was made`)
    return core.group(name, work)
  }

  save(name: string, value: string): void {
    core.saveState(name, value)
  }

  dispose(): void {
    process.off('SIGINT', this.handlers.SIGINT)
    process.off('SIGTERM', this.handlers.SIGTERM)
  }
}
