import * as path from 'node:path'
import * as core from '@actions/core'
import { which } from '../common/tools.js'
import { InputError } from '../common/inputs.js'
import { checkInside, checkRegularFile } from '../common/paths.js'
import { retry } from '../common/retry.js'
import * as summary from '../common/summary.js'
import { loadYaml } from '../common/yaml.js'
import { PrivateDir } from '../common/temp.js'
import { bumpOnce, type Validated } from './bump.js'
import { Inputs, Outputs, State } from './constants.js'
import { ValuesError } from './errors.js'
import { closeSshMaster, GitOpsRepo, raceRetry, RaceError } from './git.js'
import { Helm, ValidationError } from './helm.js'
import { HelmValuesTarget } from './helm-values.js'
import { KustomizeTarget } from './kustomize.js'
import { openPullRequest } from './pull-request.js'
import { report, type Outcome } from './report.js'
import { getSettings, type Settings } from './settings.js'
import type { Target } from './target.js'

export async function main(): Promise<void> {
  const settings = getSettings()
  // the YAML parser loads while git fetches (every target edit needs it; start-up does not)
  const yamlLoaded = loadYaml()
  yamlLoaded.catch(() => undefined)
  const started = Date.now()
  const priv = await PrivateDir.create('gitops-bump')
  core.saveState(State.PrivateDir, priv.path)
  // Argo CD's client (and Node's https) loads only when the step waits for Argo CD: start-up stays small
  const argocd = settings.argocd ? await import('./deploy.js') : undefined
  const argo = argocd && new argocd.ArgoClient(settings.argocd!)
  try {
    // a wrong token or application fails here, before anything is fetched or pushed
    if (argocd && argo)
      await core.group('Argo CD: read the applications', () =>
        argocd.checkApplications(argo, settings.argocd!)
      )
    const targets = await makeTargets(settings)
    const repo = await GitOpsRepo.prepare(settings, priv)
    // Every fetch brings content someone else wrote: its paths are checked before anything reads them.
    const fetch = async () => {
      const tip = await repo.fetch()
      for (const t of targets) {
        await checkRegularFile(
          repo.dir,
          t.file,
          settings.targets.length > 1 ? Inputs.Targets : Inputs.ValuesFile
        )
        await checkInside(repo.dir, t.dir, settings.targets.length > 1 ? Inputs.Targets : Inputs.Chart)
      }
      return tip
    }
    const base = await core.group(`Fetch ${settings.branch} of ${settings.remote.url}`, fetch)
    core.info(`${settings.branch} is at ${base}`)
    await yamlLoaded
    const names = await Promise.all(
      targets.map(t => (t instanceof HelmValuesTarget ? t.name(repo.dir) : path.posix.basename(t.dir)))
    )

    // Retries: git.ts's raceRetry (timeout, max-attempts, a backoff scaled to the push round trip)
    let attempts = 0
    const cache = new Map<Target, Validated>()
    const attempt = await retry(
      async n => {
        attempts = n
        if (n > 1) await core.group(`Fetch the new tip of ${settings.branch}`, fetch)
        return bumpOnce(settings, repo, targets, names, priv, n, cache)
      },
      raceRetry(settings, repo, 'Attempt')
    ).catch(err => {
      if (err instanceof RaceError)
        throw new Error(
          `${settings.branch} kept moving: ${attempts} pushes were rejected in ${((Date.now() - started) / 1000).toFixed(0)} s (timeout: ${settings.timeoutMs / 1000} s${settings.maxAttempts ? `, max-attempts: ${settings.maxAttempts}` : ''}). Last: ${err.message}`
        )
      throw err
    })
    const pushedAt = Date.now()
    const outcome: Outcome = { ...attempt, attempts }
    if (settings.mode === 'pull-request' && outcome.changed && !settings.dryRun) {
      outcome.pullRequest = await core.group('Open the pull request', () =>
        openPullRequest(settings, settings.prBranch, attempt.message ?? '')
      )
      core.notice(
        `${outcome.pullRequest.created ? 'Opened' : 'Updated'} pull request ${outcome.pullRequest.url}`
      )
    }

    core.setOutput(Outputs.Changed, String(outcome.changed))
    core.setOutput(Outputs.Commit, outcome.commit)
    core.setOutput(Outputs.PreviousTag, outcome.results[0]?.previous ?? '')
    core.setOutput(Outputs.PullRequest, outcome.pullRequest?.url ?? '')
    core.setOutput(Outputs.PullRequestNumber, outcome.pullRequest ? String(outcome.pullRequest.number) : '')
    core.setOutput(
      Outputs.Result,
      JSON.stringify({
        changed: outcome.changed,
        commit: outcome.commit,
        attempts: outcome.attempts,
        pullRequest: outcome.pullRequest ?? null,
        targets: outcome.results.map(r => ({
          file: r.target.file,
          kind: r.target.kind,
          previous: r.previous,
          changes: r.changes,
          skipped: r.skipped ?? null
        }))
      })
    )
    if (argocd && argo && !settings.dryRun)
      outcome.deploy = await argocd.confirmDeploy(settings, argo, repo, priv, outcome, pushedAt)
    try {
      if (settings.summary) report(settings, outcome, names)
    } catch (err) {
      core.warning(`The job summary could not be made: ${err}`)
    }
    if (argocd && outcome.deploy && !outcome.deploy.deployed)
      throw argocd.deployError(outcome.deploy, outcome.commit)
  } catch (err) {
    if (err instanceof ValidationError)
      core.error(err.output, { title: `${err.step} failed; nothing was pushed` })
    if (err instanceof ValuesError)
      throw new InputError(settings.targetsInput, `cannot be updated: ${err.message}`)
    throw err
  } finally {
    argo?.close()
    await closeSshMaster(priv.path)
    await summary.writeSummary().catch(e => core.warning(`Could not write the job summary: ${e}`))
    await priv.remove()
  }
}

/** The targets of the step, with the tools that validate them (found once). */
async function makeTargets(settings: Settings): Promise<Target[]> {
  const needs = (kind: string) => settings.validate && settings.targets.some(t => t.kind === kind)
  const helm = needs('helm') ? await Helm.find() : undefined
  let kubectl: string | undefined
  if (needs('kustomize')) {
    kubectl = await which('kubectl')
    if (!kubectl)
      throw new Error(
        "kubectl is needed to validate the kustomization (kubectl kustomize) and is not on PATH: install it or set 'validate: false'"
      )
  }
  const assignments = settings.digest
    ? [...settings.set, { path: 'image.digest', value: settings.digest, type: 'str' as const }]
    : settings.set
  return settings.targets.map(t =>
    t.kind === 'helm'
      ? new HelmValuesTarget(t.file, t.dir, assignments, helm)
      : new KustomizeTarget(
          t.file,
          t.dir,
          {
            name: settings.image,
            tag: settings.tag ?? settings.set.find(a => a.path === 'image.tag')?.value,
            newName: settings.newName || undefined,
            digest: settings.digest || undefined
          },
          kubectl
        )
  )
}
