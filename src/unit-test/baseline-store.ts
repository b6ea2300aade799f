// Where the previous run's record comes from and where this run's goes. baseline: cache keeps records in
// GitHub's Actions cache with @actions/cache (what actions/cache uses), keyed by the suite, the branch and
// the commit: a pull request restores the newest record of its base branch (a pull request may read its
// base branch's caches), a push its own branch's; every run saves its own. baseline: <path> reads a file
// (an artifact the workflow downloaded); none reads nothing. The cache library loads only in cache mode.
import { createHash } from 'node:crypto'
import * as fs from 'node:fs/promises'
import * as os from 'node:os'
import * as path from 'node:path'
import * as core from '@actions/core'
import type { GitHubContext } from '../common/github.js'
import type { Settings } from './settings.js'

const PREFIX = 'demo-actions-unit-test-baseline-v1'
export const RECORD = 'baseline.json.gz'

/** The suite a record belongs to: the job and what it runs (two unit-test steps of a job keep two). */
export function suiteOf(
  s: Pick<Settings, 'workingDirectory' | 'workspace' | 'command' | 'reports'>,
  job: string
): string {
  const what = [path.relative(s.workspace, s.workingDirectory), s.command.join(' '), ...s.reports].join('\n')
  return `${job || 'job'}-${createHash('sha256').update(what).digest('hex').slice(0, 12)}`
}

/** The key this run saves under, and the prefixes it restores from (newest first). */
export function cacheKeys(suite: string, github: GitHubContext): { save: string; restore: string[] } {
  const pr = github.eventName.startsWith('pull_request')
  const branch = (pr ? github.headRef || github.refName : github.refName) || 'detached'
  const from = pr ? github.baseRef : branch
  return {
    save: `${PREFIX}-${suite}-${branch}-${github.sha}-${github.runId}-${github.runAttempt}`,
    restore: [`${PREFIX}-${suite}-${from}-`]
  }
}

/**
 * The folder the cache restores into and saves from: its path must be the same on every run (the cache
 * entry's version is a hash of it), so it is named by the suite under RUNNER_TEMP, not made fresh.
 */
export function cacheDir(suite: string): string {
  return path.join(process.env.RUNNER_TEMP || os.tmpdir(), 'demo-actions-unit-test-baseline', suite)
}

/** Restores the newest record of the keys' branch into `dir`; its key, or undefined when there is none. */
export async function restore(
  dir: string,
  keys: { save: string; restore: string[] }
): Promise<string | undefined> {
  const cache = await import('@actions/cache')
  if (!cache.isFeatureAvailable()) {
    core.warning(
      'baseline: cache, but the Actions cache service is not available to this job (ACTIONS_CACHE_URL / ACTIONS_RESULTS_URL): no baseline read or saved'
    )
    return undefined
  }
  await fs.mkdir(dir, { recursive: true })
  try {
    return await cache.restoreCache([dir], keys.save, keys.restore)
  } catch (err) {
    core.warning(`The baseline could not be restored from the Actions cache: ${(err as Error).message}`)
    return undefined
  }
}

/** Saves this run's record (a cache that refuses is a warning, never a failed step). */
export async function save(dir: string, key: string): Promise<boolean> {
  const cache = await import('@actions/cache')
  if (!cache.isFeatureAvailable()) return false
  try {
    await cache.saveCache([dir], key)
    return true
  } catch (err) {
    core.warning(`The baseline was not saved to the Actions cache: ${(err as Error).message}`)
    return false
  }
}
