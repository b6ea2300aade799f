// What a downtime probe counts, wherever its requests come from (kind-e2e's in the cluster during the
// rehearsed upgrade, gitops-bump's against production during the Argo CD rollout): requests sent, failures
// by what they were, and the first few with their time.

/** What a failed request was. */
export type FailureKind = 'refused' | 'reset' | 'timeout' | '5xx' | 'other'

export interface ProbeResult {
  url: string
  rate: number
  seconds: number
  sent: number
  failed: number
  /** Failures by what was got: an HTTP status, or the connection error's code (ECONNREFUSED, timeout ...). */
  errors: Record<string, number>
  /** Failures by kind: refused, reset, timeout, 5xx, other. */
  kinds: Partial<Record<FailureKind, number>>
  /** The first few failures, with the second of the probe they came at. */
  first: string[]
}

/** How many failures are listed with their time. */
export const FIRST_FAILURES = 5

/** The kind of a failure from what a client said (Node's error codes, curl's words, an HTTP status). */
export function failureKind(problem: string): FailureKind {
  if (/refused/i.test(problem)) return 'refused'
  if (/reset|EPIPE|empty reply|socket hang up/i.test(problem)) return 'reset'
  if (/timeout|timed out/i.test(problem)) return 'timeout'
  if (/^HTTP 5\d\d$/.test(problem)) return '5xx'
  return 'other'
}

export class Tally {
  private readonly r: ProbeResult

  constructor(url: string, rate: number) {
    this.r = { url, rate, seconds: 0, sent: 0, failed: 0, errors: {}, kinds: {}, first: [] }
  }

  sent(): void {
    this.r.sent++
  }

  /** A failed request, `at` seconds after the probe (or the rollout) began. */
  failed(at: number, problem: string): void {
    const kind = failureKind(problem)
    this.r.failed++
    this.r.errors[problem] = (this.r.errors[problem] ?? 0) + 1
    this.r.kinds[kind] = (this.r.kinds[kind] ?? 0) + 1
    if (this.r.first.length < FIRST_FAILURES) this.r.first.push(`${at.toFixed(1)} s: ${problem}`)
  }

  result(seconds: number): ProbeResult {
    return { ...this.r, seconds }
  }
}

/** '12 refused, 3 timeout' */
export function describeKinds(r: Pick<ProbeResult, 'kinds'>): string {
  return Object.entries(r.kinds)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ')
}

export function describeProbe(r: ProbeResult, during = 'the rollout'): string {
  const kinds = Object.entries(r.errors)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ')
  return `${r.sent} requests to ${r.url} in ${r.seconds.toFixed(0)} s (${r.rate}/s) during ${during}: ${r.failed} failed${kinds ? ` (${kinds})` : ''}`
}
