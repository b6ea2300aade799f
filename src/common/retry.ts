// Retry with exponential backoff and full jitter, bounded both in attempts and in total time.
export interface RetryOptions {
  attempts: number
  /** First delay ceiling in ms (or a function read at each retry); doubles each attempt up to maxDelayMs. */
  baseDelayMs?: number | (() => number)
  maxDelayMs?: number | (() => number)
  /** Give up once this much time has passed since the first attempt, whatever attempts remain. */
  deadlineMs?: number
  /** Whether an error is worth another attempt; others are thrown at once. */
  retryable?: (err: unknown) => boolean
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void
  random?: () => number
  sleep?: (ms: number) => Promise<void>
}

export const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

export function backoffDelay(attempt: number, base: number, max: number, random: () => number): number {
  return Math.floor(random() * Math.min(max, base * 2 ** (attempt - 1)))
}

export async function retry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const { attempts, baseDelayMs = 500, maxDelayMs = 10_000, deadlineMs = Infinity } = opts
  const random = opts.random ?? Math.random
  const wait = opts.sleep ?? sleep
  const start = Date.now()
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt)
    } catch (err) {
      const value = (v: number | (() => number)) => (typeof v === 'function' ? v() : v)
      const delay = backoffDelay(attempt, value(baseDelayMs), value(maxDelayMs), random)
      const outOfTime = Date.now() - start + delay > deadlineMs
      if (attempt >= attempts || outOfTime || (opts.retryable && !opts.retryable(err))) throw err
      opts.onRetry?.(err, attempt, delay)
      await wait(delay)
    }
  }
}
