// gitops-bump: fetch the GitOps repository, edit the targets, validate, push without force (retrying when
// the branch moved), and with argocd-server confirm the deploy with Argo CD. With promote-from, the tag and
// digest come from another environment's values, gated by what its application shows. The phases, in
// order, are in `run`; the skeleton (common/stage.ts) writes outputs and summary and cleans up.
import * as path from 'node:path'
import * as core from '@actions/core'
import { InputError } from '../common/inputs.js'
import { checkInside, checkRegularFile } from '../common/paths.js'
import { retry } from '../common/retry.js'
import type { Stage, Step } from '../common/stage.js'
import { loadYaml } from '../common/yaml.js'
import { appLabel } from './argocd-settings.js'
import { bumpOnce, type Validated } from './bump.js'
import { Inputs } from './constants.js'
import { makeDeps, type Deps } from './deps.js'
import { ValuesError } from './errors.js'
import { GitOpsRepo, raceRetry, RaceError } from './git.js'
import { ValidationError } from './helm.js'
import { HelmValuesTarget } from './helm-values.js'
import { outputs, report, type Outcome } from './report.js'
import { sourceOf, PromotionRefused } from './promote.js'
import { getSettings, withPromoted, type Settings } from './settings.js'
import type { Target } from './target.js'
import type { Verified } from './verify.js'

export const gitopsBump: Stage<Settings, Deps, Outcome> = {
  settings: getSettings,
  deps: makeDeps,
  outcome: () => ({ changed: false, commit: '', results: [], attempts: 0 }),
  async run(settings, d, o, step) {
    // the YAML parser loads while git fetches (every target edit needs it; start-up does not)
    const yamlLoaded = loadYaml()
    yamlLoaded.catch(() => undefined)
    // a wrong token or application fails here, before anything is fetched or pushed
    if (d.argo) await step.phase('Argo CD: read the applications', () => d.argo!.check(settings))
    let s = settings
    // the image's signature and attestations, before anything is fetched (a promotion: once it is read)
    if (s.verify && !s.promote) s = await verifyPhase(s, d, o, step)
    const repo = await d.openRepo(s)
    const fetch = fetcher(s, repo)
    const base = await step.phase(`Fetch ${s.branch} of ${s.remote.url}`, fetch)
    core.info(`${s.branch} is at ${base}`)
    await yamlLoaded
    if (s.promote) {
      s = await promotePhase(s, d, o, step, repo, base)
      if (s.verify) s = await verifyPhase(s, d, o, step)
    }
    const targets = await d.makeTargets(s)
    const bumped = await bumpWithRetries(s, repo, targets, d, step, fetch)
    Object.assign(o, bumped)
    o.settings = s
    const pushedAt = d.now()
    if (s.mode === 'pull-request' && o.changed && !s.dryRun)
      o.pullRequest = await step.phase('Open the pull request', () =>
        d.openPullRequest(s, s.prBranch, o.message ?? '')
      )
    if (o.pullRequest)
      core.notice(`${o.pullRequest.created ? 'Opened' : 'Updated'} pull request ${o.pullRequest.url}`)
    if (d.argo && !s.dryRun) {
      o.deploy = await d.argo.confirm(s, repo, o, pushedAt)
      if (!o.deploy.deployed) throw d.argo.deployError(o.deploy, o.commit)
    }
  },
  explain: async (err, s) => explain(err, s),
  outputs,
  summary: (o, s) => {
    if (s.summary) report(o.settings ?? s, o)
  },
  async cleanup(_, d) {
    d.argo?.close()
    await d.closeRepo()
    await d.priv.remove()
  }
}

/** verify-image: the digest verified against the expected signer, then pinned (pin-digest); or an error. */
async function verifyPhase(s: Settings, d: Deps, o: Outcome, step: Step): Promise<Settings> {
  const v = s.verify!
  o.verified = await step
    .phase(`Verify ${v.image}${s.tag ? `:${s.tag}` : ''}`, () => d.verifyImage(s))
    .catch((err: Error) => {
      throw new Error(`Verification failed, nothing was pushed: ${err.message}`)
    })
  core.info(
    `Verified ${o.verified.image}@${o.verified.digest}, signed by ${o.verified.signer} (${o.verified.predicates.join(', ')})`
  )
  return pinDigest(s, o.verified)
}

/**
 * promote-from: the source's tag and digest read at the fetched tip and, with promote-from-application,
 * gated by what its application runs; the settings then become a bump with that tag and digest.
 */
async function promotePhase(
  s: Settings,
  d: Deps,
  o: Outcome,
  step: Step,
  repo: GitOpsRepo,
  base: string
): Promise<Settings> {
  const p = s.promote!
  const text = await repo.fileAt(base, p.from)
  if (text === undefined)
    throw new InputError(
      Inputs.PromoteFrom,
      `names ${p.from}, which is not in ${s.branch} at ${base.slice(0, 12)}`
    )
  const source = await sourceOf(text, p.from, base)
  o.promotion = { source }
  if (s.verify && !source.digest)
    throw new PromotionRefused(
      `${p.from} names no image.digest, and verify-image needs the digest that was verified in the source environment`
    )
  if (p.application)
    o.promotion.state = await step.phase(
      `Promotion gate: ${appLabel(p.application)} runs ${source.tag}`,
      () => d.argo!.gate(p.application!, source, (rev, file) => repo.fileAt(rev, file), p.afterMs, d.now())
    )
  core.info(
    `Promoting ${source.tag}${source.digest ? `@${source.digest}` : ''} from ${p.from}${o.promotion.state ? ` (${appLabel(p.application!)}: ${o.promotion.state.sync}, ${o.promotion.state.health}, ${o.promotion.state.pods} pods on the digest for ${o.promotion.state.soakSeconds.toFixed(0)} s)` : ''}`
  )
  return withPromoted(s, source.tag, source.digest)
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

/**
 * A fetch of the branch's tip. Every fetch brings content someone else wrote: its paths are checked
 * before anything reads them.
 */
function fetcher(settings: Settings, repo: GitOpsRepo): () => Promise<string> {
  const several = settings.targets.length > 1
  return async () => {
    const tip = await repo.fetch()
    for (const t of settings.targets) {
      await checkRegularFile(repo.dir, t.file, several ? Inputs.Targets : Inputs.ValuesFile)
      await checkInside(repo.dir, t.dir, several ? Inputs.Targets : Inputs.Chart)
    }
    return tip
  }
}

/** The bump, tried again on a new tip while pushes are rejected (git.ts's raceRetry: timeout, max-attempts). */
async function bumpWithRetries(
  settings: Settings,
  repo: GitOpsRepo,
  targets: Target[],
  d: Deps,
  step: Step,
  fetch: () => Promise<string>
): Promise<Pick<Outcome, 'changed' | 'commit' | 'results' | 'message' | 'attempts' | 'names'>> {
  const started = d.now()
  let attempts = 0
  const names = await Promise.all(
    targets.map(t => (t instanceof HelmValuesTarget ? t.name(repo.dir) : path.posix.basename(t.dir)))
  )
  const context = { settings, repo, targets, names, priv: d.priv, cache: new Map<Target, Validated>() }
  const attempt = await retry(
    async n => {
      attempts = n
      if (n > 1) await step.phase(`Fetch the new tip of ${settings.branch}`, fetch)
      return bumpOnce(context, n)
    },
    raceRetry(settings, repo, 'Attempt')
  ).catch(err => {
    if (err instanceof RaceError)
      throw new Error(
        `${settings.branch} kept moving: ${attempts} pushes were rejected in ${((d.now() - started) / 1000).toFixed(0)} s (timeout: ${settings.timeoutMs / 1000} s${settings.maxAttempts ? `, max-attempts: ${settings.maxAttempts}` : ''}). Last: ${err.message}`
      )
    throw err
  })
  return { ...attempt, attempts, names }
}

/** A validation failure is annotated; a values file that cannot be edited names its input. */
function explain(err: unknown, settings: Settings): unknown {
  if (err instanceof ValidationError)
    core.error(err.output, { title: `${err.step} failed; nothing was pushed` })
  if (err instanceof ValuesError)
    return new InputError(settings.targetsInput, `cannot be updated: ${err.message}`)
  return err
}
