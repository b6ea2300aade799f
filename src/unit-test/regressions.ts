// This run against the previous one: the previous record read (cache, file, or none), this run's record
// written and (cache) saved, the comparison made. fail-on: regressions then fails only on new failures; with
// no usable baseline it behaves as fail-on: failures, saying why (never silently passing).
import * as fs from 'node:fs/promises'
import * as path from 'node:path'
import * as core from '@actions/core'
import { pullRequestOf, type GitHubContext } from '../common/github.js'
import type { Step } from '../common/stage.js'
import {
  BaselineError,
  compare,
  makeRecord,
  readRecord,
  writeRecord,
  type BaselineRecord,
  type Comparison
} from './baseline.js'
import { cacheDir, cacheKeys, RECORD, suiteOf } from './baseline-store.js'
import { marker } from './comment.js'
import type { TestCase } from './junit.js'
import { State } from './constants.js'
import type { Settings } from './settings.js'

export interface BaselineDeps {
  github: GitHubContext
  restore(dir: string, keys: { save: string; restore: string[] }): Promise<string | undefined>
  save(dir: string, key: string): Promise<boolean>
  comment(
    token: string,
    github: GitHubContext,
    pr: { number: number; fromFork: boolean },
    body: string,
    mark: string
  ): Promise<string>
}

export interface Regressions {
  /** This run's record (the baseline-file output). */
  file: string
  comparison?: Comparison
  /** Why there is no comparison (no baseline found, or one that cannot be used). */
  none?: string
}

/**
 * Reads the previous record, writes this run's, saves it (cache), compares. `privDir` holds the record in
 * file and none modes; in cache mode it lives in the cache's folder (saved in state for post to remove).
 */
export async function withBaseline(
  s: Settings,
  d: BaselineDeps,
  cases: TestCase[],
  privDir: string,
  step: Step
): Promise<Regressions> {
  const suite = suiteOf(s, d.github.job)
  const keys = cacheKeys(suite, d.github)
  const dir = s.baseline.kind === 'cache' ? cacheDir(suite) : privDir
  if (s.baseline.kind === 'cache') {
    step.save(State.BaselineDir, dir)
    await fs.mkdir(dir, { recursive: true })
  }
  const file = path.join(dir, RECORD)
  let previous: BaselineRecord | undefined
  let none: string | undefined
  if (s.baseline.kind !== 'none') {
    const from = s.baseline.kind === 'file' ? s.baseline.path : file
    const found =
      s.baseline.kind === 'file' ||
      (await step.phase('Restore the baseline from the Actions cache', () => d.restore(dir, keys)))
    if (!found) none = `no baseline found in the Actions cache under ${keys.restore[0]}*`
    else
      previous = await readRecord(from).catch((err: unknown) => {
        if (!(err instanceof BaselineError)) throw err
        none = `the baseline cannot be used: ${err.message}`
        return undefined
      })
  }
  const record = makeRecord(cases, previous, s.history, { commit: d.github.sha, ref: d.github.ref })
  await writeRecord(file, record)
  if (s.baseline.kind === 'cache')
    await step.phase('Save this run’s baseline to the Actions cache', () => d.save(dir, keys.save))
  if (none)
    core.warning(
      `${none}; ${s.failOn === 'regressions' ? 'fail-on: regressions behaves as fail-on: failures' : 'nothing to compare with'}`
    )
  return { file, comparison: previous ? compare(record, previous) : undefined, none }
}

/** The comparison on the pull request (comment: true), when this run is one. */
export async function commentPhase(s: Settings, d: BaselineDeps, body: string, step: Step): Promise<void> {
  const pr = pullRequestOf(d.github)
  if (!s.comment) return
  if (!pr) {
    core.info('comment: true, but this run is not for a pull request: no comment')
    return
  }
  const result = await step.phase(`Comment on pull request #${pr.number}`, () =>
    d.comment(s.token, d.github, pr, body, marker(d.github.job, suiteOf(s, d.github.job)))
  )
  core.info(`Pull request comment: ${result}`)
}
