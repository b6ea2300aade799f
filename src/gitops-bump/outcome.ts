// What a bump produced, as the summary, the outputs and the errors read it.
import type { AppResult } from './argocd.js'
import type { TargetResult } from './bump.js'
import type { ProbeResult } from './probe.js'
import type { PullRequest } from './pull-request.js'
import type { Verified } from './verify.js'

export interface Deploy {
  results: AppResult[]
  deployed: boolean
  /** The revert commit (on-degraded: revert). */
  reverted?: string
  revertError?: string
  /** probe-url: the requests made to the app during the rollout. */
  probe?: ProbeResult
}

export interface Outcome {
  changed: boolean
  commit: string
  results: TargetResult[]
  attempts: number
  /** The commit message (a pull request's description). */
  message?: string
  pullRequest?: PullRequest
  deploy?: Deploy
  /** verify-image: what was verified before the bump. */
  verified?: Verified
}

export function describeProbe(r: ProbeResult): string {
  const kinds = Object.entries(r.errors)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ')
  return `${r.sent} requests to ${r.url} in ${r.seconds.toFixed(0)} s (${r.rate}/s) during the rollout: ${r.failed} failed${kinds ? ` (${kinds})` : ''}`
}
