// What a bump produced, as the summary, the outputs and the errors read it.
import type { AppResult } from './argocd.js'
import type { TargetResult } from './bump.js'
import type { ProbeResult } from '../common/probe.js'
import type { Source, SourceState } from './promote.js'
import type { PullRequest } from './pull-request.js'
import type { Settings } from './settings.js'
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
  /** promote-from: what the source environment's values hold, and what its application showed. */
  promotion?: { source: Source; state?: SourceState }
  /** The images' names of the targets (the summary's title). */
  names?: string[]
  /** The settings the bump ran with (a promotion's or a pinned digest's: the tag and digest filled in). */
  settings?: Settings
}
