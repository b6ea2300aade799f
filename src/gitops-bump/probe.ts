// probe-url: requests to the app while Argo CD rolls the bump out, to show whether it was zero downtime.
// Each request is a GET on a connection of its own (as a new client arrives), with a 2 s limit; at most
// `rate` a second, never more than twice that many in flight. It runs from the push until the wait for
// Argo CD ends and PROBE_TAIL_MS after (a Deployment is rolled out once its old pods are terminating;
// they stop a little later, and requests meeting them then count too).
import * as http from 'node:http'
import * as https from 'node:https'
import { Tally, type ProbeResult } from '../common/probe.js'

export type { ProbeResult }

export const PROBE_REQUEST_MS = 2000
export const PROBE_TAIL_MS = 10_000

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
  private readonly tally: Tally

  constructor(
    private readonly url: URL,
    private readonly rate: number,
    private readonly request: (url: URL) => Promise<string> = get
  ) {
    this.tally = new Tally(url.href, rate)
  }

  start(): void {
    this.started = Date.now()
    this.timer = setInterval(() => this.tick(), 1000 / this.rate)
  }

  private tick(): void {
    if (this.inflight.size >= this.rate * 2) return
    this.tally.sent()
    const at = (Date.now() - this.started) / 1000
    const p = this.request(this.url).then(problem => {
      if (problem) this.tally.failed(at, problem)
    })
    this.inflight.add(p)
    void p.finally(() => this.inflight.delete(p))
  }

  /** Stops sending, waits for the requests in flight, and says what came of them all. */
  async stop(): Promise<ProbeResult> {
    clearInterval(this.timer)
    await Promise.all(this.inflight)
    return this.tally.result((Date.now() - this.started) / 1000)
  }
}
