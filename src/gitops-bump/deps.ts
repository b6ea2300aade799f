// gitops-bump's collaborators: the private folder, the GitOps repository (git), the validators (helm,
// kubectl), the registry and Sigstore (verify-image), GitHub's API (pull requests), Argo CD, and the clock.
// Made once, after the settings; unit tests give fakes instead.
import * as core from '@actions/core'
import { KUBECTL } from '../common/pinned.js'
import type { Step } from '../common/stage.js'
import { PrivateDir } from '../common/temp.js'
import { ensureTool } from '../common/tools.js'
import type { ArgoApp } from './argocd-settings.js'
import { State } from './constants.js'
import { closeSshMaster, GitOpsRepo } from './git.js'
import { Helm } from './helm.js'
import { HelmValuesTarget } from './helm-values.js'
import { KustomizeTarget } from './kustomize.js'
import type { Deploy, Outcome } from './outcome.js'
import type { ReadAt, Source, SourceState } from './promote.js'
import { openPullRequest, type PullRequest } from './pull-request.js'
import type { Settings } from './settings.js'
import type { Target } from './target.js'
import type { Verified } from './verify.js'

/** What the step asks of Argo CD (loaded only when argocd-server is given). */
export interface Argo {
  /** Before anything is fetched: every application (and the promotion's source) can be read. */
  check(s: Settings): Promise<void>
  /** After the push: the wait until Synced and Healthy, the probe, the revert on Degraded. */
  confirm(s: Settings, repo: GitOpsRepo, o: Outcome, pushedAt: number): Promise<Deploy>
  deployError(deploy: Deploy, commit: string): Error
  /** promote-from-application: the source environment proven, or refused. */
  gate(app: ArgoApp, source: Source, readAt: ReadAt, afterMs: number, now: number): Promise<SourceState>
  close(): void
}

export interface Deps {
  priv: PrivateDir
  argo?: Argo
  verifyImage(s: Settings): Promise<Verified>
  openRepo(s: Settings): Promise<GitOpsRepo>
  /** Ends what openRepo started (the SSH master connection). */
  closeRepo(): Promise<void>
  makeTargets(s: Settings): Promise<Target[]>
  openPullRequest(s: Settings, branch: string, message: string): Promise<PullRequest>
  now(): number
}

export async function makeDeps(settings: Settings, step: Step): Promise<Deps> {
  const priv = await PrivateDir.create('gitops-bump', dir => step.save(State.PrivateDir, dir))
  return {
    priv,
    argo: settings.argocd ? await argoFor(settings, priv) : undefined,
    verifyImage,
    openRepo: s => GitOpsRepo.prepare(s, priv),
    closeRepo: () => closeSshMaster(priv.path),
    makeTargets,
    openPullRequest,
    now: Date.now
  }
}

/** Argo CD's client (and Node's https) loads only when the step waits for Argo CD: start-up stays small. */
async function argoFor(settings: Settings, priv: PrivateDir): Promise<Argo> {
  const mod = await import('./argocd-confirm.js')
  const client = new mod.ArgoClient(settings.argocd!)
  return {
    check: s => {
      const source = s.promote?.application
      const apps = source ? [...s.argocd!.applications, source] : s.argocd!.applications
      return mod.checkApplications(client, { ...s.argocd!, applications: apps })
    },
    confirm: (s, repo, o, pushedAt) => mod.confirmDeploy(s, client, repo, priv, o, pushedAt),
    deployError: mod.deployError,
    gate: (app, source, readAt, afterMs, now) => mod.checkSource(client, app, source, readAt, afterMs, now),
    close: () => client.close()
  }
}

/** verify-image: the tag's digest verified against the expected signer (verify.ts), or an error. */
async function verifyImage(s: Settings): Promise<Verified> {
  const v = s.verify!
  const { RegistryClient } = await import('../common/registry.js')
  const { verifyImage: verify } = await import('./verify.js')
  return verify(v, new RegistryClient(v.registry, v.username, v.password), s.tag, s.digest)
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
  core.debug(`assignments: ${assignments.map(a => a.path).join(', ')}`)
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
