// Every wait of a step ends by a deadline that holds the process open. Node ends a process whose
// event loop is empty, even inside an unsettled top-level await (exit code 13, no message): an unref'd
// timer such as AbortSignal.timeout does not count. Node 20's fetch can wait for ever on a connection
// the peer closed without an answer (kubectl port-forward at a forwarding error), and then nothing is
// left but that timer. Here the deadline is a plain (ref'd) setTimeout that rejects by itself, whether
// or not the work ever notices its abort signal.

export class DeadlineError extends Error {}

/**
 * Runs `work` with an abort signal; settles with its result, or rejects with a DeadlineError naming
 * `what` after `ms` (and aborts the signal). `giveUp`, when it settles first, ends the wait at once
 * with its own reason (the port-forward the request goes through has ended).
 */
export function withDeadline<T>(
  what: string,
  ms: number,
  work: (signal: AbortSignal) => Promise<T>,
  giveUp?: Promise<string>
): Promise<T> {
  const controller = new AbortController()
  return new Promise<T>((resolve, reject) => {
    const stop = (err: Error) => {
      clearTimeout(timer)
      controller.abort(err)
      reject(err)
    }
    const timer = setTimeout(() => stop(new DeadlineError(`${what}: no answer within ${formatMs(ms)}`)), ms)
    giveUp?.then(
      why => stop(new Error(`${what}: ${why}`)),
      () => undefined
    )
    work(controller.signal).then(
      v => {
        clearTimeout(timer)
        resolve(v)
      },
      (err: unknown) => {
        clearTimeout(timer)
        reject(err instanceof Error ? err : new Error(String(err)))
      }
    )
  })
}

/** fetch with a deadline over the whole exchange (headers and body). The body is read as text. */
export async function fetchText(
  url: string,
  init: RequestInit,
  ms: number,
  giveUp?: Promise<string>
): Promise<{ status: number; headers: Headers; body: string }> {
  const where = new URL(url)
  return withDeadline(
    `${init.method ?? 'GET'} ${where.origin}${where.pathname}`,
    ms,
    async signal => {
      const res = await fetch(url, { ...init, signal })
      return { status: res.status, headers: res.headers, body: await res.text() }
    },
    giveUp
  )
}

/**
 * A fetch for clients that take one (Octokit's request.fetch): each call has its answer's headers by
 * `ms` or rejects. The caller's own signal still aborts it.
 */
export function fetchWithDeadline(ms: number): typeof fetch {
  return (input, init) => {
    const url = input instanceof Request ? input.url : String(input)
    const where = new URL(url)
    return withDeadline(`${init?.method ?? 'GET'} ${where.origin}${where.pathname}`, ms, signal => {
      return fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal })
    })
  }
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`
}
