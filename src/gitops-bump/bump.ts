// One attempt of a bump: read every target at the fetched tip, edit, validate them all (nothing is
// committed unless every target validates), commit them in one commit and push without force. A push
// rejected because the branch moved is a RaceError: main fetches the new tip and calls this again.
import * as fs from 'node:fs/promises'
import * as path from 'node:path'
import * as core from '@actions/core'
import { unifiedDiff } from '../common/diff.js'
import { githubContext, runUrl } from '../common/github.js'
import { commitThroughApi } from './api-commit.js'
import { InputError } from '../common/inputs.js'
import type { PrivateDir } from '../common/temp.js'
import type { GitOpsRepo } from './git.js'
import { isDowngrade } from '../common/tag.js'
import type { Settings } from './settings.js'
import { describe, type Target } from './target.js'
import { decodeUtf8, type Change } from './values.js'

export interface TargetResult {
  target: Target
  previous: string
  changes: Change[]
  valuesDiff: string
  manifestDiff: string
  skipped?: 'downgrade'
}

/** What a target was validated with in an earlier attempt of the step, and what it rendered. */
export interface Validated {
  key: string
  after: string
  rendered: string
  renderedBefore: Promise<string>
}

export interface Attempt {
  changed: boolean
  commit: string
  results: TargetResult[]
  message?: string
}

const asText = (v: unknown) => (v === undefined || v === null ? '' : String(v))

/** What every attempt of one step shares. */
export interface BumpContext {
  settings: Settings
  repo: GitOpsRepo
  targets: Target[]
  /** The images' names, for the commit message. */
  names: string[]
  priv: PrivateDir
  /** What each target was validated with in an earlier attempt. */
  cache: Map<Target, Validated>
}

/** A target that changes: its text before and after, and its render before the edit (for the diff). */
interface Pending {
  result: TargetResult
  before: string
  after: string
  renderedBefore: Promise<string>
}

export async function bumpOnce(bump: BumpContext, attempt: number): Promise<Attempt> {
  const { results, pending } = await editAll(bump)
  if (pending.length === 0) return { changed: false, commit: await bump.repo.head(), results }
  const rendered = await validateAll(bump, pending, attempt)
  // After this point a summary that cannot be made never fails the step.
  const diffs = () => manifestDiffs(pending, rendered)
  if (bump.settings.dryRun) {
    core.notice(
      `dry-run: ${pending.map(p => p.result.target.file).join(', ')} would change; nothing committed`
    )
    await diffs()
    return { changed: true, commit: await bump.repo.head(), results }
  }
  const { commit, message } = await commitAndPush(
    bump,
    pending.map(p => p.result),
    attempt
  )
  await diffs()
  return { changed: true, commit, results, message }
}

/** Reads and edits every target at the fetched tip; a downgrade or an edit that changes nothing is not pending. */
async function editAll(bump: BumpContext): Promise<{ results: TargetResult[]; pending: Pending[] }> {
  const { settings, repo } = bump
  const results: TargetResult[] = []
  const pending: Pending[] = []
  for (const t of bump.targets) {
    const bytes = await fs.readFile(path.join(repo.dir, t.file)).catch(() => {
      throw new InputError(
        settings.targetsInput,
        `names ${t.file}, which does not exist in ${settings.remote.url} on ${settings.branch}`
      )
    })
    const before = decodeUtf8(bytes, t.file)
    const edit = t.edit(before)
    const result: TargetResult = {
      target: t,
      previous: asText(edit.previous),
      changes: edit.changes,
      valuesDiff: '',
      manifestDiff: ''
    }
    results.push(result)
    if (!settings.allowDowngrade && edit.tag && isDowngrade(edit.previous, edit.tag)) {
      core.warning(
        `${t.file} has ${result.previous}, from a later run than ${edit.tag}; not rolled back (allow-downgrade: true to force)`
      )
      result.skipped = 'downgrade'
      result.changes = []
      continue
    }
    if (edit.changes.length === 0) {
      core.info(`${t.file} already has the new values; nothing to do`)
      continue
    }
    pending.push({ result, before, after: edit.text, renderedBefore: Promise.resolve('') })
  }
  return { results, pending }
}

/**
 * Writes the edits and validates every pending target (nothing is committed unless all validate); returns
 * what each rendered. After a lost race, a target whose inputs are what was validated before is not
 * validated again: the edit gives the same text, so the same result.
 */
async function validateAll(bump: BumpContext, pending: Pending[], attempt: number): Promise<string[]> {
  const { repo, priv } = bump
  const { keys, reused } = await reusable(bump, pending)
  // The render before the edit is only for the summary's diff: a target that did not render before does
  // not stop the bump. Kustomize renders the folder itself, so it goes before the new text is written;
  // Helm renders a copy of the old values later, while the commit is pushed (the cores are free then).
  for (const [i, p] of pending.entries())
    if (reused[i]) p.renderedBefore = reused[i]!.renderedBefore
    else if (p.result.target.kind === 'kustomize')
      p.renderedBefore = p.result.target.renderBefore(repo.dir, p.before, priv, attempt).catch(() => '')
  await Promise.all(pending.map(p => p.renderedBefore))
  for (const p of pending) {
    const file = p.result.target.file
    await writeAtomic(path.join(repo.dir, file), p.after)
    p.result.valuesDiff = unifiedDiff(p.before, p.after, `a/${file}`, `b/${file}`)
  }
  const fresh = pending.filter((_, i) => !reused[i]).map(p => describe(p.result.target))
  const rendered = await core.group(
    fresh.length ? `Validate ${fresh.join(', ')}` : 'Validation: unchanged since the last attempt',
    async () => {
      const out = await Promise.all(
        pending.map((p, i) =>
          reused[i] ? Promise.resolve(reused[i]!.rendered) : p.result.target.validate(repo.dir)
        )
      )
      if (bump.settings.validate && fresh.length) core.info(`validated: ${fresh.join(', ')}`)
      if (fresh.length < pending.length)
        core.info(
          'targets whose chart and values are as validated in the last attempt were not validated again'
        )
      return out
    }
  )
  for (const [i, p] of pending.entries()) {
    if (!reused[i] && p.result.target.kind === 'helm')
      p.renderedBefore = p.result.target.renderBefore(repo.dir, p.before, priv, attempt).catch(() => '')
    bump.cache.set(p.result.target, {
      key: keys[i],
      after: p.after,
      rendered: rendered[i],
      renderedBefore: p.renderedBefore
    })
  }
  return rendered
}

/**
 * What a target's validation depends on, at this tip: its folder's tree and its file's blob (a
 * kustomization may read anything, so the whole tree); and the earlier validation that still holds.
 */
async function reusable(
  bump: BumpContext,
  pending: Pending[]
): Promise<{ keys: string[]; reused: (Validated | undefined)[] }> {
  const keys = await Promise.all(
    pending.map(async p => {
      const t = p.result.target
      return (await bump.repo.ids(t.kind === 'helm' ? [t.dir, t.file] : ['.'])).join(' ')
    })
  )
  const reused = pending.map((p, i) => {
    const c = bump.cache.get(p.result.target)
    return c && keys[i] && c.key === keys[i] && c.after === p.after ? c : undefined
  })
  return { keys, reused }
}

/** The rendered-manifest diffs for the summary; one that cannot be made is a warning. */
async function manifestDiffs(pending: Pending[], rendered: string[]): Promise<void> {
  for (const [i, p] of pending.entries())
    try {
      p.result.manifestDiff = rendered[i]
        ? unifiedDiff(await p.renderedBefore, rendered[i], 'rendered before', 'rendered after')
        : ''
    } catch (err) {
      core.warning(`The rendered-manifest diff of ${p.result.target.file} could not be made: ${err}`)
    }
}

/**
 * One commit of every changed target, pushed without force. push mode: the branch itself. pull-request
 * mode: a branch of the action's own, named after the tag; when an earlier run left it, the new commit
 * also descends from its tip. A push rejected because the branch moved is a RaceError (git.ts).
 */
async function commitAndPush(
  bump: BumpContext,
  changed: TargetResult[],
  attempt: number
): Promise<{ commit: string; message: string }> {
  const { settings, repo, priv } = bump
  const message = settings.commitMessage
    ? settings.commitMessage + '\n'
    : defaultMessage(settings, bump.names, changed)
  const messageFile = path.join(priv.path, 'commit-message')
  await fs.writeFile(messageFile, message)
  const files = changed.map(r => r.target.file)
  const target = settings.mode === 'pull-request' ? settings.prBranch : settings.branch
  const existing = settings.mode === 'pull-request' ? await repo.fetchBranch(target) : undefined
  let commit: string
  if (settings.signCommits) {
    const tip = await repo.head()
    const parents = existing ? [tip, existing] : [tip]
    const create = settings.mode === 'pull-request' && !existing
    commit = await core.group(
      `Commit through the GitHub API to ${target} (attempt ${attempt}; GitHub signs it)`,
      () => commitThroughApi(settings, repo.dir, files, message, parents, target, create)
    )
  } else {
    commit = await repo.commit(files, messageFile)
    if (existing) commit = await repo.onTopOf(existing, messageFile)
    await core.group(`Push ${commit.slice(0, 7)} to ${target} (attempt ${attempt})`, () =>
      repo.push(`HEAD:refs/heads/${target}`)
    )
  }
  core.info(`Pushed ${commit} to ${target}`)
  return { commit, message }
}

function defaultMessage(settings: Settings, names: string[], results: TargetResult[]): string {
  const run = githubContext()
  const tag = settings.tag ?? asText(results[0]?.changes[0]?.after)
  const lines = [`chore: update ${[...new Set(names)].join(', ')} to ${tag}`, '']
  for (const r of results)
    for (const c of r.changes)
      lines.push(
        `- ${results.length > 1 ? `${r.target.file}: ` : ''}${c.path}: ${asText(c.before)} -> ${asText(c.after)}`
      )
  if (run.repository && run.sha) lines.push('', `Source: ${run.repository}@${run.sha}`)
  if (runUrl(run)) lines.push(`Run: ${runUrl(run)}`)
  return lines.join('\n') + '\n'
}

/** Writes through a temporary file and a rename: a killed step never leaves a half-written file. */
async function writeAtomic(file: string, text: string): Promise<void> {
  const tmp = `${file}.gitops-bump.tmp`
  const mode = (await fs.stat(file)).mode & 0o777
  await fs.writeFile(tmp, text, { mode })
  await fs.rename(tmp, file)
}
