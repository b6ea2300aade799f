// The Argo CD part of a bump, loaded by main as one lazy chunk: the check before the push (argocd.ts),
// the wait after it, its outputs, and on-degraded: revert (revert.ts).
import * as core from '@actions/core'
import type { PrivateDir } from '../common/temp.js'
import { appLabel } from './argocd-settings.js'
import { waitForDeploy, type ArgoClient } from './argocd.js'

export type { Deploy }

export { ArgoClient, checkApplications } from './argocd.js'
export { checkSource } from './promote.js'
import type { GitOpsRepo } from './git.js'
import { describeProbe } from '../common/probe.js'
import type { Deploy, Outcome } from './outcome.js'
import { Probe, PROBE_TAIL_MS, type ProbeResult } from './probe.js'
import { revertBump } from './revert.js'
import type { Settings } from './settings.js'

export async function confirmDeploy(
  settings: Settings,
  client: ArgoClient,
  repo: GitOpsRepo,
  priv: PrivateDir,
  outcome: Outcome,
  pushedAt: number
): Promise<Deploy> {
  const s = settings.argocd!
  const names = s.applications.map(appLabel).join(', ')
  const probe = s.probe && new Probe(s.probe.url, s.probe.rate)
  probe?.start()
  const results = await core.group(
    `Wait for Argo CD: ${names} Synced and Healthy at ${outcome.commit.slice(0, 12)}`,
    () => waitForDeploy(client, s, outcome.commit, pushedAt, rev => repo.contains(rev, outcome.commit))
  )
  const probed = probe && (await stopProbe(probe))
  const deployed = results.every(r => !r.problem)
  const deploy: Deploy = { results, deployed, probe: probed }
  const degraded = results.filter(r => r.degraded)
  if (!deployed && s.onDegraded === 'revert' && degraded.length && outcome.changed) {
    const why = degraded.map(r => `Argo CD: ${appLabel(r.app)} ${r.problem}`).join('; ')
    const files = outcome.results.filter(r => r.changes.length).map(r => r.target.file)
    try {
      deploy.reverted = await core.group('on-degraded: revert the bump', () =>
        revertBump(settings, repo, priv, outcome.commit, files, why)
      )
      core.info(`Reverted in ${deploy.reverted}`)
      // Argo CD looks now, rather than at its next poll, so the old version comes back at once
      if (s.refresh !== 'none')
        for (const app of s.applications)
          await client
            .application(app, s.refresh)
            .catch(err =>
              core.warning(`Argo CD was not asked to refresh ${appLabel(app)} after the revert: ${err}`)
            )
    } catch (err) {
      deploy.revertError = (err as Error).message
    }
  }
  return deploy
}

/** The step's error when the deploy was not confirmed. */
export function deployError(deploy: Deploy, commit: string): Error {
  const lines = deploy.results
    .filter(r => r.problem)
    .map(r => `Argo CD application ${appLabel(r.app)}: ${r.problem}`)
  if (deploy.reverted) lines.push(`on-degraded: revert: the bump was reverted in ${deploy.reverted}`)
  if (deploy.revertError) lines.push(`on-degraded: revert failed: ${deploy.revertError}`)
  return new Error(`The deploy of ${commit.slice(0, 12)} was not confirmed.\n${lines.join('\n')}`)
}

/** The probe goes on a little after Argo CD's verdict: old pods stop after the rollout is complete. */
async function stopProbe(probe: Probe): Promise<ProbeResult> {
  await new Promise(r => setTimeout(r, PROBE_TAIL_MS))
  const r = await probe.stop()
  if (r.failed) core.warning(`Not zero downtime: ${describeProbe(r)}; first: ${r.first.join('; ')}`)
  else core.info(describeProbe(r))
  return r
}
