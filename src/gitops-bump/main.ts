import * as fs from 'node:fs/promises'
import * as path from 'node:path'
import * as core from '@actions/core'
import { unifiedDiff } from '../common/diff.js'
import { InputError } from '../common/inputs.js'
import { checkInside, checkRegularFile } from '../common/paths.js'
import { retry } from '../common/retry.js'
import * as summary from '../common/summary.js'
import { PrivateDir } from '../common/temp.js'
import { Inputs, Outputs, State } from './constants.js'
import { GitOpsRepo, RaceError } from './git.js'
import { Helm, ValidationError } from './helm.js'
import { getSettings, isDowngrade, type Settings } from './settings.js'
import { openPullRequest, type PullRequest } from './pull-request.js'
import { ValuesError } from './errors.js'
import type { Change } from './values.js'

interface Outcome {
  changed: boolean
  previousTag: string
  commit: string
  changes: Change[]
  valuesDiff: string
  manifestDiff?: string
  skipped?: string
  attempts: number
  message?: string
  pullRequest?: PullRequest
}

export async function main(): Promise<void> {
  const settings = getSettings()
  const priv = await PrivateDir.create('gitops-bump')
  core.saveState(State.PrivateDir, priv.path)
  try {
    const helm = settings.validate ? await Helm.find() : undefined
    const repo = await GitOpsRepo.prepare(settings, priv)
    // Every fetch brings content someone else wrote: its paths are checked before anything reads them.
    const fetch = async () => {
      const tip = await repo.fetch()
      await checkRegularFile(repo.dir, settings.valuesFile, Inputs.ValuesFile)
      await checkInside(repo.dir, settings.chart, Inputs.Chart)
      return tip
    }
    const base = await core.group(`Fetch ${settings.branch} of ${settings.remote.url}`, fetch)
    core.info(`${settings.branch} is at ${base}`)
    const chartName = await readChartName(repo.dir, settings.chart)

    let attempts = 0
    const outcome = await retry(
      async attempt => {
        attempts = attempt
        if (attempt > 1) await core.group(`Fetch the new tip of ${settings.branch}`, fetch)
        return bumpOnce(settings, repo, helm, chartName, priv, attempt)
      },
      {
        attempts: settings.maxAttempts,
        baseDelayMs: 200,
        maxDelayMs: 3000,
        retryable: err => err instanceof RaceError,
        onRetry: (err, attempt, delay) =>
          core.warning(
            `Attempt ${attempt} of ${settings.maxAttempts}: ${(err as Error).message.split('\n')[0]}; retrying in ${delay} ms`
          )
      }
    ).catch(err => {
      if (err instanceof RaceError)
        throw new Error(
          `${settings.branch} kept moving: ${attempts} pushes were rejected (max-attempts: ${settings.maxAttempts}). Last: ${err.message}`
        )
      throw err
    })
    outcome.attempts = attempts
    if (settings.mode === 'pull-request' && outcome.changed && !settings.dryRun) {
      outcome.pullRequest = await core.group('Open the pull request', () =>
        openPullRequest(settings, settings.prBranch, outcome.message ?? '')
      )
      core.notice(
        `${outcome.pullRequest.created ? 'Opened' : 'Updated'} pull request ${outcome.pullRequest.url}`
      )
    }

    core.setOutput(Outputs.Changed, String(outcome.changed))
    core.setOutput(Outputs.Commit, outcome.commit)
    core.setOutput(Outputs.PreviousTag, outcome.previousTag)
    core.setOutput(Outputs.PullRequest, outcome.pullRequest?.url ?? '')
    try {
      report(settings, outcome, chartName)
    } catch (err) {
      core.warning(`The job summary could not be made: ${err}`)
    }
  } catch (err) {
    if (err instanceof ValidationError)
      core.error(err.output, { title: `${err.step} failed; nothing was pushed` })
    if (err instanceof ValuesError)
      throw new InputError(Inputs.ValuesFile, `cannot be updated: ${err.message}`)
    throw err
  } finally {
    await summary.writeSummary().catch(e => core.warning(`Could not write the job summary: ${e}`))
    await priv.remove()
  }
}

async function readChartName(repoDir: string, chart: string): Promise<string> {
  const text = await fs.readFile(path.join(repoDir, chart, 'Chart.yaml'), 'utf8').catch(() => '')
  const { chartNameOf } = await import('./values.js')
  return (text && chartNameOf(text)) || path.posix.basename(chart)
}

function defaultMessage(settings: Settings, chartName: string, changes: Change[]): string {
  const env = process.env
  const tag = settings.tag ?? changes[0]?.after ?? ''
  const lines = [`chore: update ${chartName} to ${tag}`, '']
  for (const c of changes) lines.push(`- ${c.path}: ${String(c.before)} -> ${c.after}`)
  if (env.GITHUB_REPOSITORY && env.GITHUB_SHA)
    lines.push('', `Source: ${env.GITHUB_REPOSITORY}@${env.GITHUB_SHA}`)
  if (env.GITHUB_RUN_ID && env.GITHUB_REPOSITORY)
    lines.push(
      `Run: ${env.GITHUB_SERVER_URL || 'https://github.com'}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
    )
  return lines.join('\n') + '\n'
}

async function bumpOnce(
  settings: Settings,
  repo: GitOpsRepo,
  helm: Helm | undefined,
  chartName: string,
  priv: PrivateDir,
  attempt: number
): Promise<Outcome> {
  const messageFile = path.join(priv.path, 'commit-message')
  const file = path.join(repo.dir, settings.valuesFile)
  const before = await fs.readFile(file, 'utf8').catch(() => {
    throw new InputError(
      Inputs.ValuesFile,
      `does not exist in ${settings.remote.url} on ${settings.branch}: ${settings.valuesFile}`
    )
  })
  const tagPath = settings.set.find(([k]) => k === 'image.tag')?.[0] ?? settings.set[0][0]
  // The yaml package is loaded only now: a post step or a bad input never pays for it.
  const { applyValues, readValue } = await import('./values.js')
  const previous = readValue(before, tagPath, settings.valuesFile)
  const previousTag = previous === undefined || previous === null ? '' : String(previous)
  const newTag = settings.set.find(([k]) => k === tagPath)![1]
  const none = {
    changed: false,
    previousTag,
    commit: '',
    changes: [],
    valuesDiff: '',
    manifestDiff: '',
    attempts: attempt
  }

  if (!settings.allowDowngrade && isDowngrade(previous, newTag)) {
    core.warning(
      `${tagPath} is ${previousTag}, from a later run than ${newTag}; not rolled back (allow-downgrade: true to force)`
    )
    return { ...none, commit: await repo.head(), skipped: 'downgrade' }
  }
  const { text: after, changes } = applyValues(before, settings.set, settings.valuesFile, settings.optional)
  if (changes.length === 0) {
    core.info(
      `${settings.valuesFile} already has ${settings.set.map(([k, v]) => `${k}=${v}`).join(', ')}; nothing to do`
    )
    return { ...none, commit: await repo.head() }
  }
  await writeAtomic(file, after)
  const valuesDiff = unifiedDiff(before, after, `a/${settings.valuesFile}`, `b/${settings.valuesFile}`)

  let rendered = ''
  if (helm)
    rendered = await core.group(
      `Validate ${settings.chart} (helm lint --strict, helm template)`,
      async () => {
        const [, out] = await Promise.all([
          helm.lint(repo.dir, settings.chart, settings.valuesFile),
          helm.template(repo.dir, chartName, settings.chart, settings.valuesFile)
        ])
        core.info('helm lint --strict and helm template passed')
        return out
      }
    )
  // The render of the values before the edit is only for the summary's diff: it runs while the commit is
  // pushed, and a chart that did not render before does not stop the bump.
  const renderedBefore = helm
    ? priv
        .write(`values.before.${attempt}.yaml`, before)
        .then(file => helm.template(repo.dir, chartName, settings.chart, file))
        .catch(() => '')
    : Promise.resolve('')
  // After a push the bump has landed: nothing about its summary may fail the step.
  const manifestDiff = async () => {
    if (!helm) return ''
    try {
      return unifiedDiff(await renderedBefore, rendered, 'rendered before', 'rendered after')
    } catch (err) {
      core.warning(`The rendered-manifest diff for the summary could not be made: ${err}`)
      return ''
    }
  }

  if (settings.dryRun) {
    core.notice(
      `dry-run: ${settings.valuesFile} would change (${changes.map(c => c.path).join(', ')}); nothing committed`
    )
    return {
      ...none,
      commit: await repo.head(),
      changed: true,
      changes,
      valuesDiff,
      manifestDiff: await manifestDiff()
    }
  }
  const message = settings.commitMessage
    ? settings.commitMessage + '\n'
    : defaultMessage(settings, chartName, changes)
  await fs.writeFile(messageFile, message)
  let commit = await repo.commit(settings.valuesFile, messageFile)
  // push mode: the branch itself. pull-request mode: a branch of the action's own, named after the tag;
  // when an earlier run left it, the new commit also descends from its tip. Never a force push.
  let target = settings.branch
  if (settings.mode === 'pull-request') {
    target = settings.prBranch
    const existing = await repo.fetchBranch(target)
    if (existing) commit = await repo.onTopOf(existing, messageFile)
  }
  await core.group(`Push ${commit.slice(0, 7)} to ${target} (attempt ${attempt})`, () =>
    repo.push(`HEAD:refs/heads/${target}`)
  )
  core.info(`Pushed ${commit} to ${target}`)
  return {
    changed: true,
    previousTag,
    commit,
    changes,
    valuesDiff,
    manifestDiff: await manifestDiff(),
    attempts: attempt,
    message
  }
}

async function writeAtomic(file: string, text: string): Promise<void> {
  const tmp = `${file}.gitops-bump.tmp`
  const mode = (await fs.stat(file)).mode & 0o777
  await fs.writeFile(tmp, text, { mode })
  await fs.rename(tmp, file)
}

function report(settings: Settings, o: Outcome, chartName: string): void {
  const newTag =
    o.changes.find(c => c.path === 'image.tag')?.after ?? settings.tag ?? o.changes[0]?.after ?? ''
  const title = o.skipped
    ? `⏭️ ${chartName}: not rolled back to ${newTag} (stays at ${o.previousTag})`
    : !o.changed
      ? `✅ ${chartName} already at ${newTag || o.previousTag}; nothing to push`
      : settings.dryRun
        ? `🧪 ${chartName}: ${o.previousTag} → ${newTag} (dry run, not pushed)`
        : `🚀 ${chartName}: ${o.previousTag} → ${newTag}`
  summary.heading(title)
  summary.table(
    ['Repository', 'Branch', 'Values file', 'Before', 'After', 'Commit', 'Attempts'],
    [
      [
        settings.remote.url,
        settings.branch,
        settings.valuesFile,
        o.previousTag,
        o.changed ? newTag : o.previousTag,
        o.commit.slice(0, 12),
        o.attempts
      ]
    ]
  )
  if (o.pullRequest)
    summary.paragraph(
      `Pull request #${o.pullRequest.number} (${o.pullRequest.created ? 'opened' : 'updated'}): <a href="${summary.escapeHtml(o.pullRequest.url)}">${summary.escapeHtml(o.pullRequest.url)}</a>, from branch ${summary.code(settings.prBranch)}`
    )
  if (o.valuesDiff) summary.details('Values diff', o.valuesDiff, 'diff')
  if (o.manifestDiff) summary.details('Rendered manifests diff (helm template)', o.manifestDiff, 'diff')
}
