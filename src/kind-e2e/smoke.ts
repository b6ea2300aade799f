// The smoke tests: HTTP requests to the Service through `kubectl port-forward`, each retried (common
// retry, budget SMOKE_RETRY_* in constants.ts) until it answers as expected or the wait-timeout is spent.
import * as core from '@actions/core'
import { fetchText } from '../common/deadline.js'
import { spawnBackground, type Background } from '../common/exec.js'
import { retry } from '../common/retry.js'
import { portForwardArgs } from './args.js'
import { SMOKE_REQUEST_MS, SMOKE_RETRY_MAX_MS, SMOKE_RETRY_MS } from './constants.js'
import type { Kube } from './kube.js'
import type { SmokeTest } from './settings.js'

export interface SmokeResult extends SmokeTest {
  ok: boolean
  got: string
  attempts: number
}

/** What a response means for a check: '' when it passes, else what was got (pure). */
export function judge(t: SmokeTest, status: number, body: string): string {
  const missing = t.contains && !body.includes(t.contains)
  if (status === t.status && !missing) return ''
  return `${status}${missing ? `, body without '${t.contains}'` : ''}`
}

/** A port-forward to the Service, started again when kubectl ends it (since 1.23, at the first forwarding error). */
class Forward {
  private current?: { pf: Background; base: string }
  /** What each ended port-forward said, for the report and the diagnostics. */
  readonly restarts: string[] = []

  constructor(
    private readonly kube: Kube,
    private readonly namespace: string,
    private readonly service: string,
    private readonly port: number
  ) {}

  async base(deadline: number): Promise<string> {
    if (this.current && !this.current.pf.exited()) return this.current.base
    if (this.current) {
      const said = this.current.pf.output().trim().split('\n').slice(-3).join(' | ')
      this.restarts.push(said)
      core.info(`kubectl port-forward ended (${said}); starting it again`)
    }
    const pf = await spawnBackground(
      this.kube.kubectlPath,
      portForwardArgs(this.namespace, this.service, this.port),
      { env: this.kube.env }
    )
    const m = await pf.waitFor(/Forwarding from 127\.0\.0\.1:(\d+)/, Math.max(5000, deadline - Date.now()))
    this.current = { pf, base: `http://127.0.0.1:${m[1]}` }
    return this.current.base
  }

  /** Settles when the current port-forward ends: a request in flight is not waited for then. */
  ended(): Promise<string> {
    return this.current!.pf.ended.then(() => 'kubectl port-forward ended before answering')
  }

  lastWords(): string {
    return this.current?.pf.exited()
      ? `; port-forward ended: ${this.current.pf.output().trim().split('\n').pop()}`
      : ''
  }

  async stop(): Promise<void> {
    await this.current?.pf.stop()
  }
}

async function check(forward: Forward, t: SmokeTest, deadline: number): Promise<SmokeResult> {
  let attempts = 0
  let got = ''
  try {
    await retry(
      async () => {
        attempts++
        try {
          const res = await fetchText(
            (await forward.base(deadline)) + t.path,
            { redirect: 'manual' },
            SMOKE_REQUEST_MS,
            forward.ended()
          )
          got = judge(t, res.status, res.body)
        } catch (err) {
          const cause = (err as { cause?: { code?: string; message?: string } }).cause
          got = `${(err as Error).message}${cause ? ` (${cause.code ?? cause.message})` : ''}${forward.lastWords()}`
        }
        if (got) throw new Error(got)
      },
      {
        attempts: Infinity,
        baseDelayMs: SMOKE_RETRY_MS,
        maxDelayMs: SMOKE_RETRY_MAX_MS,
        deadlineMs: Math.max(0, deadline - Date.now())
      }
    )
    return { ...t, ok: true, got: String(t.status), attempts }
  } catch {
    return { ...t, ok: false, got, attempts }
  }
}

export async function smokeTests(
  k: Kube,
  namespace: string,
  service: string,
  port: number,
  tests: SmokeTest[],
  deadline: number
): Promise<{ results: SmokeResult[]; portForwardRestarts: string[] }> {
  const forward = new Forward(k, namespace, service, port)
  try {
    const results: SmokeResult[] = []
    for (const t of tests) results.push(await check(forward, t, deadline))
    return { results, portForwardRestarts: forward.restarts }
  } finally {
    await forward.stop()
  }
}
