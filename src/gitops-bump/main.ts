import * as path from 'node:path'
import * as core from '@actions/core'
import { KUBECTL } from '../common/pinned.js'
import { ensureTool } from '../common/tools.js'
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
import type { Verified } from './verify.js'
import type { Target } from './target.js'

// gitops-bump: fetch the GitOps repository, edit the targets, validate, push without force (retrying when
// the branch moved), and with argocd-server confirm the deploy with Argo CD. Phases below, in order.
export async function main(): Promise<void> {
  let settings = getSettings()
  // the YAML parser loads while git fetches (every target edit needs it; start-up does not)
  const yamlLoaded = loadYaml()
  yamlLoaded.catch(() => undefined)
  const priv = await PrivateDir.create('gitops-bump')
  core.saveState(State.PrivateDir, priv.path)
  const argo = await argoFor(settings)
  try {
    // a wrong token or application fails here, before anything is fetched or pushed
    if (argo)
      await core.group('Argo CD: read the applications', () =>
        argo.mod.checkApplications(argo.client, settings.argocd!)
      )
    // the image's signature and attestations, before anything is fetched or pushed
    const verified = settings.verify ? await verifyPhase(settings) : undefined
    if (verified) settings = pinDigest(settings, verified)
    const targets = await makeTargets(settings)
    const repo = await GitOpsRepo.prepare(settings, priv)
    const fetch = fetcher(settings, repo, targets)
    const base = await core.group(`Fetch ${settings.branch} of ${settings.remote.url}`, fetch)
    core.info(`${settings.branch} is at ${base}`)
    await yamlLoaded
    const names = await Promise.all(
      targets.map(t => (t instanceof HelmValuesTarget ? t.name(repo.dir) : path.posix.basename(t.dir)))
    )
    const outcome = await bumpWithRetries(settings, repo, targets, names, priv, fetch)
    outcome.verified = verified
    const pushedAt = Date.now()
    if (settings.mode === 'pull-request' && outcome.changed && !settings.dryRun)
      await pullRequest(settings, outcome)
    setOutputs(outcome)
    if (argo && !settings.dryRun)
      outcome.deploy = await argo.mod.confirmDeploy(settings, argo.client, repo, priv, outcome, pushedAt)
    summarize(settings, outcome, names)
    if (argo && outcome.deploy && !outcome.deploy.deployed)
      throw argo.mod.deployError(outcome.deploy, outcome.commit)
  } catch (err) {
    throw explain(err, settings)
  } finally {
    argo?.client.close()
    await closeSshMaster(priv.path)
    await summary.writeSummary().catch(e => core.warning(`Could not write the job summary: ${e}`))
    await priv.remove()
  }
}

/** verify-image: the tag's digest verified against the expected signer (verify.ts), or an error. */
async function verifyPhase(settings: Settings): Promise<Verified> {
  const v = settings.verify!
  const { RegistryClient } = await import('../common/registry.js')
  const { verifyImage } = await import('./verify.js')
  const client = new RegistryClient(v.registry, v.username, v.password)
  const verified = await core
    .group(`Verify ${v.image}${settings.tag ? `:${settings.tag}` : ''}`, () =>
      verifyImage(v, client, settings.tag, settings.digest)
    )
    .catch((err: Error) => {
      throw new Error(`Verification failed, nothing was pushed: ${err.message}`)
    })
  core.info(
    `Verified ${verified.image}@${verified.digest}, signed by ${verified.signer} (${verified.predicates.join(', ')})`
  )
  core.setOutput(Outputs.VerifiedDigest, verified.digest)
  return verified
}

/**
 * pin-digest: tag writes `<tag>@<digest>` where the tag goes (Helm values; a Kustomize images entry takes
 * the digest field), key the digest under image.digest (Helm) or digest (Kustomize), as the digest input
 * does. Either way Argo CD deploys exactly the verified image, even if the tag moves later.
 */
export function pinDigest(settings: Settings, verified: Verified): Settings {
  const pin = settings.verify?.pin ?? 'false'
  if (pin === 'false') return settings
  const onlyKustomize = settings.targets.every(t => t.kind === 'kustomize')
  if (pin === 'key' || onlyKustomize) return { ...settings, digest: verified.digest }
  return {
    ...settings,
    digest: settings.targets.some(t => t.kind === 'kustomize') ? verified.digest : settings.digest,
    set: settings.set.map(a =>
      a.path === 'image.tag' ? { ...a, value: `${a.value}@${verified.digest}` } : a
    )
  }
}

/** Argo CD's client (and Node's https) loads only when the step waits for Argo CD: start-up stays small. */
async function argoFor(settings: Settings) {
  if (!settings.argocd) return undefined
  const mod = await import('./deploy.js')
  return { mod, client: new mod.ArgoClient(settings.argocd) }
}

/**
 * A fetch of the branch's tip. Every fetch brings content someone else wrote: its paths are checked
 * before anything reads them.
 */
function fetcher(settings: Settings, repo: GitOpsRepo, targets: Target[]): () => Promise<string> {
  const input = settings.targets.length > 1 ? Inputs.Targets : Inputs.ValuesFile
  return async () => {
    const tip = await repo.fetch()
    for (const t of targets) {
      await checkRegularFile(repo.dir, t.file, input)
      await checkInside(repo.dir, t.dir, settings.targets.length > 1 ? Inputs.Targets : Inputs.Chart)
    }
    return tip
  }
}

/** The bump, tried again on a new tip while pushes are rejected (git.ts's raceRetry: timeout, max-attempts). */
async function bumpWithRetries(
  settings: Settings,
  repo: GitOpsRepo,
  targets: Target[],
  names: string[],
  priv: PrivateDir,
  fetch: () => Promise<string>
): Promise<Outcome> {
  const started = Date.now()
  let attempts = 0
  const ctx = { settings, repo, targets, names, priv, cache: new Map<Target, Validated>() }
  const attempt = await retry(
    async n => {
      attempts = n
      if (n > 1) await core.group(`Fetch the new tip of ${settings.branch}`, fetch)
      return bumpOnce(ctx, n)
    },
    raceRetry(settings, repo, 'Attempt')
  ).catch(err => {
    if (err instanceof RaceError)
      throw new Error(
        `${settings.branch} kept moving: ${attempts} pushes were rejected in ${((Date.now() - started) / 1000).toFixed(0)} s (timeout: ${settings.timeoutMs / 1000} s${settings.maxAttempts ? `, max-attempts: ${settings.maxAttempts}` : ''}). Last: ${err.message}`
      )
    throw err
  })
  return { ...attempt, attempts }
}

async function pullRequest(settings: Settings, outcome: Outcome): Promise<void> {
  outcome.pullRequest = await core.group('Open the pull request', () =>
    openPullRequest(settings, settings.prBranch, outcome.message ?? '')
  )
  core.notice(`${outcome.pullRequest.created ? 'Opened' : 'Updated'} pull request ${outcome.pullRequest.url}`)
}

function setOutputs(outcome: Outcome): void {
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
}

function summarize(settings: Settings, outcome: Outcome, names: string[]): void {
  try {
    if (settings.summary) report(settings, outcome, names)
  } catch (err) {
    core.warning(`The job summary could not be made: ${err}`)
  }
}

/** A validation failure is annotated; a values file that cannot be edited names its input. */
function explain(err: unknown, settings: Settings): unknown {
  if (err instanceof ValidationError)
    core.error(err.output, { title: `${err.step} failed; nothing was pushed` })
  if (err instanceof ValuesError)
    return new InputError(settings.targetsInput, `cannot be updated: ${err.message}`)
  return err
}

/** The targets of the step, with the tools that validate them (found once). */
async function makeTargets(settings: Settings): Promise<Target[]> {
  const needs = (kind: string) => settings.validate && settings.targets.some(t => t.kind === kind)
  const helm = needs('helm') ? await Helm.find() : undefined
  let kubectl: string | undefined
  if (needs('kustomize')) {
    kubectl = await ensureTool(KUBECTL).catch((err: Error) => {
      throw new Error(
        `kubectl is needed to validate the kustomization (kubectl kustomize): it is not on PATH and kubectl ${KUBECTL.version} could not be installed (${err.message}); install it or set 'validate: false'`
      )
    })
  }
  const assignments =
    settings.digest && settings.verify?.pin !== 'tag'
      ? [
          ...settings.set.filter(a => a.path !== 'image.digest'),
          { path: 'image.digest', value: settings.digest, type: 'str' as const }
        ]
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
