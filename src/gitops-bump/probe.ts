// probe-url: requests to the app while Argo CD rolls the bump out, to show whether it was zero downtime.
// Each request is a GET on a connection of its own (as a new client arrives), with a 2 s limit; at most
// `rate` a second, never more than twice that many in flight. It runs from the push until the wait for
// Argo CD ends and PROBE_TAIL_MS after (a Deployment is rolled out once its old pods are terminating;
// they stop a little later, and requests meeting them then count too).
import * as http from 'node:http'
import * as https from 'node:https'

export const PROBE_REQUEST_MS = 2000
export const PROBE_TAIL_MS = 10_000

export interface ProbeResult {
  url: string
  rate: number
  seconds: number
  sent: number
  failed: number
  /** Failures by kind: an HTTP status, or the connection error's code (ECONNREFUSED, timeout ...). */
  errors: Record<string, number>
  /** The first few failures, with the second of the probe they came at. */
  first: string[]
}

/** One request: '' when it got a 2xx or 3xx, else what it got. */
export function get(url: URL, timeoutMs = PROBE_REQUEST_MS): Promise<string> {
  const lib = url.protocol === 'https:' ? https : http
  return new Promise(resolve => {
    const req = lib.get(
      url,
      { agent: false, timeout: timeoutMs, headers: { 'user-agent': 'demo-actions-probe' } },
      res => {
        res.resume()
        res.on('end', () => resolve((res.statusCode ?? 0) < 400 ? '' : `HTTP ${res.statusCode}`))
        res.on('error', err => resolve((err as { code?: string }).code ?? err.message))
      }
    )
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })))
    req.on('error', err => resolve((err as { code?: string }).code ?? err.message))
  })
}

export class Probe {
  private timer?: NodeJS.Timeout
  private readonly inflight = new Set<Promise<void>>()
  private started = 0
  private readonly result: ProbeResult

  constructor(
    private readonly url: URL,
    private readonly rate: number,
    private readonly request: (url: URL) => Promise<string> = get
  ) {
    this.result = { url: url.href, rate, seconds: 0, sent: 0, failed: 0, errors: {}, first: [] }
  }

  start(): void {
    this.started = Date.now()
    this.timer = setInterval(() => this.tick(), 1000 / this.rate)
  }

  private tick(): void {
    if (this.inflight.size >= this.rate * 2) return
    this.result.sent++
    const at = (Date.now() - this.started) / 1000
    const p = this.request(this.url).then(problem => {
      if (!problem) return
      this.result.failed++
      this.result.errors[problem] = (this.result.errors[problem] ?? 0) + 1
      if (this.result.first.length < 5) this.result.first.push(`${at.toFixed(1)} s: ${problem}`)
    })
    this.inflight.add(p)
    void p.finally(() => this.inflight.delete(p))
  }

  /** Stops sending, waits for the requests in flight, and says what came of them all. */
  async stop(): Promise<ProbeResult> {
    clearInterval(this.timer)
    await Promise.all(this.inflight)
    this.result.seconds = (Date.now() - this.started) / 1000
    return this.result
  }
}
