// kind-e2e: a kind cluster of this step's (or a namespace in a cluster of your own), the image in it, the
// chart or manifests deployed and waited for — or, with upgrade-from, what runs now installed and upgraded to
// the candidate while a probe counts every request — smoke tests over HTTP, diagnostics on failure, and the
// cluster deleted whatever happened (post deletes it again when main was killed). The order of the phases
// is below; the skeleton (common/stage.ts) writes outputs and summary and cleans up, on failure too.
import * as path from 'node:path'
import * as core from '@actions/core'
import { writeFenced } from '../common/exec.js'
import * as inputs from '../common/inputs.js'
import { InputError } from '../common/inputs.js'
import { describeProbe } from '../common/probe.js'
import type { Stage, Step } from '../common/stage.js'
import * as summary from '../common/summary.js'
import { ensureTool } from '../common/tools.js'
import { HELM, kindTool, KUBECTL } from '../common/pinned.js'
import { nodeKubeVersion } from './args.js'
import { Defaults, Inputs } from './constants.js'
import { makeDeps, type Deps } from './deps.js'
import { ImageNotHad } from './load.js'
import {
  currentNotHad,
  currentNotReady,
  currentNotRendered,
  readCurrent,
  tooManyFailed,
  type Current
} from './rehearsal.js'
import { addSummary, outputs, type Outcome } from './report.js'
import { getSettings, type Settings } from './settings.js'

export const kindE2e: Stage<Settings, Deps, Outcome> = {
  settings: getSettings,
  deps: makeDeps,
  outcome: (s, d) => ({
    result: 'failed',
    cluster: d.cluster.name,
    image: s.image,
    loaded: d.loaded.ref,
    namespace: s.namespace,
    service: s.service,
    smoke: [],
    portForwardRestarts: []
  }),
  async run(s, d, o, step) {
    const current = s.upgradeFrom
      ? await step.phase('Read what runs now', () => readCurrent(s, d.pulled))
      : undefined
    if (current) o.rehearsal = { from: current.image }
    await render(s, d, step, current)
    await provision(s, d, o, step, current)
    const deadline = current
      ? await rehearseUpgrade(s, d, o, step, current)
      : await deployCandidate(s, d, o, step)
    await check(s, d, o, step, deadline)
    if (current && s.upgradeFrom!.rollback) await rehearseRollback(s, d, o, step, current)
    o.result = 'passed'
  },
  explain,
  outputs,
  summary: (o, s) => {
    if (s.summary) addSummary(o)
  },
  cleanup: release
}

/** install-only: kind (the requested version), kubectl and helm on PATH for later steps, no cluster. */
export async function installOnly(): Promise<void> {
  const version = inputs.str(Inputs.KindVersion, Defaults[Inputs.KindVersion])
  if (!/^v\d+\.\d+\.\d+$/.test(version))
    throw new InputError(Inputs.KindVersion, `must be a release such as v0.30.0, got '${version}'`)
  for (const t of [kindTool(version), KUBECTL, HELM]) {
    const bin = await ensureTool(t)
    core.addPath(path.dirname(bin))
    core.info(`${t.name}: ${bin}`)
  }
}

/**
 * The chart rendered (helm template) for the node image's Kubernetes version before a kind cluster is made:
 * one that does not render fails in a second, not after a cluster made for nothing; with upgrade-from, what
 * runs now and the upgrade too. Not for manifests, a cluster of your own (nothing is made) or a node image
 * whose tag names no version (helm would hold the chart's kubeVersion against a version of its own).
 */
async function render(s: Settings, d: Deps, step: Step, current?: Current): Promise<void> {
  const kubeVersion = nodeKubeVersion(s.nodeImage)
  if (!s.chart || !d.cluster.isKind || !kubeVersion) return
  await step.phase(`Render chart ${s.release} for Kubernetes ${kubeVersion}`, async () => {
    if (!current) return d.workloads.render(d.loaded, kubeVersion)
    const before = { valuesFile: current.valuesFile, chart: s.upgradeFrom!.chart }
    await d.workloads.render(current.loaded, kubeVersion, before).catch(err => {
      throw currentNotRendered(current, err)
    })
    await d.workloads.render(d.loaded, kubeVersion, { valuesFile: current.valuesFile })
  })
}

/**
 * The cluster: the images in the local store first (image-source: load; with upgrade-from, what runs now
 * too), so one that cannot be had fails before a cluster is made for nothing; then a kind cluster created
 * (the nodes told how to reach the registry) and the images loaded in one archive; or the namespace claimed.
 */
async function provision(s: Settings, d: Deps, o: Outcome, step: Step, current?: Current): Promise<void> {
  const loads = d.cluster.isKind && s.imageSource === 'load'
  const images = [{ image: s.image, loaded: d.loaded }]
  if (current) images.push({ image: current.image, loaded: current.loaded })
  const title = current ? `${s.image} and ${current.image} (what runs now)` : s.image
  if (loads)
    await step.phase(`Get ${title}`, () =>
      d.cluster.fetch(images).catch(err => {
        throw current && err instanceof ImageNotHad && err.image === current.image
          ? currentNotHad(current, err)
          : err
      })
    )
  await step.phase(
    d.cluster.isKind
      ? `Create kind cluster ${s.clusterName}`
      : `Namespace ${s.namespace} in the cluster of ${s.kubeconfig}`,
    () => d.cluster.provision(step)
  )
  if (s.keepCluster && d.cluster.isKind) o.kubeconfig = d.workloads.kubeconfig
  if (loads) await step.phase(`Load ${title} into the cluster`, () => d.cluster.load(images))
}

/** The candidate deployed and waited for; returns the deadline the checks share with the rollout. */
async function deployCandidate(s: Settings, d: Deps, o: Outcome, step: Step): Promise<number> {
  await step.phase(`Deploy ${s.chart ? `chart ${s.release}` : 'manifests'} to ${s.namespace}`, () =>
    d.workloads.deploy(d.loaded)
  )
  const start = d.now()
  const deadline = start + s.waitTimeoutMs
  await step.phase('Wait for the rollout', () => d.workloads.waitForRollout(deadline))
  o.rolloutSeconds = (d.now() - start) / 1000
  return deadline
}

/**
 * upgrade-from: what runs now installed and ready, then upgraded to the candidate while the probe counts
 * every request, until the old pods are gone. Returns the deadline the checks share with the upgrade.
 */
async function rehearseUpgrade(
  s: Settings,
  d: Deps,
  o: Outcome,
  step: Step,
  current: Current
): Promise<number> {
  const u = s.upgradeFrom!
  await step.phase(`Install what runs now: ${current.image}`, async () => {
    await d.workloads.deploy(current.loaded, { valuesFile: current.valuesFile, chart: u.chart })
    await d.workloads.waitForRollout(d.now() + s.waitTimeoutMs).catch(err => {
      throw currentNotReady(current, err)
    })
  })
  o.service = await d.workloads.service()
  const url = await d.workloads.serviceUrl(o.service, u.probePath)
  const upgrade = () => d.workloads.deploy(d.loaded, { valuesFile: current.valuesFile })
  const { deadline, probe } = await probedRollout(s, d, step, `Upgrade to ${s.image}`, upgrade, url)
  o.rehearsal!.upgrade = probe.result
  o.rolloutSeconds = probe.seconds
  if (probe.error) throw stillServing(probe.error, probe.result)
  core.info(describeProbe(probe.result, `the upgrade from ${current.image}`))
  const lost = tooManyFailed('upgrade', probe.result, u.maxFailedRequests)
  if (lost) throw lost
  return deadline
}

/** rollback: back to what ran before, the probe running again, the same limit. */
async function rehearseRollback(
  s: Settings,
  d: Deps,
  o: Outcome,
  step: Step,
  current: Current
): Promise<void> {
  const url = await d.workloads.serviceUrl(o.service, s.upgradeFrom!.probePath)
  // a chart goes back with helm rollback; manifests are applied again as they were
  const back = () => (s.chart ? d.workloads.rollback() : d.workloads.deploy(current.loaded))
  const { probe } = await probedRollout(s, d, step, `Roll back to ${current.image}`, back, url)
  o.rehearsal!.rollback = probe.result
  o.rehearsal!.rollbackSeconds = probe.seconds
  if (probe.error) throw probe.error
  core.info(describeProbe(probe.result, 'the rollback'))
  const lost = tooManyFailed('rollback', probe.result, s.upgradeFrom!.maxFailedRequests)
  if (lost) throw lost
}

/** A change rolled out under the probe: started, waited for until the old pods are gone, the probe stopped. */
async function probedRollout(
  s: Settings,
  d: Deps,
  step: Step,
  title: string,
  change: () => Promise<void>,
  url: string
) {
  const running = await d.cluster.startProbe(url, s.upgradeFrom!.probeRate)
  const start = d.now()
  const deadline = start + s.waitTimeoutMs
  let error: Error | undefined
  try {
    await step.phase(title, async () => {
      await change()
      await d.workloads.waitForRollout(deadline)
      await d.workloads.waitOldPodsGone(deadline)
    })
  } catch (err) {
    error = err as Error
  }
  const seconds = (d.now() - start) / 1000
  const result = await running.stop()
  return { deadline, probe: { result, seconds, error } }
}

/** A candidate that did not come up, said with what the release before it did meanwhile. */
function stillServing(err: Error, probe: { sent: number; failed: number }): Error {
  err.message += `. Meanwhile the release that ran before ${probe.failed === 0 ? `answered all ${probe.sent} requests` : `lost ${probe.failed} of ${probe.sent} requests`}`
  return err
}

/** Smoke tests over HTTP, then the chart's own helm test and the user's test command, if asked for. */
async function check(s: Settings, d: Deps, o: Outcome, step: Step, deadline: number): Promise<void> {
  o.service = await d.workloads.service()
  const r = await step.phase(`Smoke tests against service/${o.service}:${s.port}`, async () => {
    const r = await d.workloads.smoke(o.service, deadline)
    for (const t of r.results)
      core.info(
        `${t.ok ? 'ok  ' : 'FAIL'} GET ${t.path} -> ${t.got} (expected ${t.status}${t.contains ? ` with '${t.contains}'` : ''})`
      )
    return r
  })
  o.smoke = r.results
  o.portForwardRestarts = r.portForwardRestarts
  const failed = o.smoke.filter(t => !t.ok)
  if (failed.length)
    throw new Error(
      `${failed.length} of ${o.smoke.length} smoke tests failed: ${failed.map(t => `GET ${t.path} -> ${t.got}`).join('; ')}`
    )
  if (s.helmTest && s.chart) await step.phase(`helm test ${s.release}`, () => d.workloads.helmTest(deadline))
  if (s.testCommand.length)
    await step.phase(`Test command: ${s.testCommand.join(' ')}`, () =>
      d.workloads.testCommand(d.cluster.isKind ? s.clusterName : undefined)
    )
}

/**
 * A failure, explained from the cluster before it is deleted: a node container that stopped is named
 * (nothing else can be read then); otherwise the pods, describe, events and logs, and kind's own logs.
 */
async function explain(err: unknown, s: Settings, d: Deps, o: Outcome): Promise<unknown> {
  if (!d.cluster.created) return err
  const troubled = await d.cluster.troubledNodes()
  if (troubled.length)
    return new Error(
      `kind's node container ${troubled.join(', ')} stopped while the step ran, so the cluster was interrupted: ${(err as Error).message}`
    )
  const restarts = o.portForwardRestarts
  const notes = restarts.length
    ? [`### kubectl port-forward ended ${restarts.length} time(s)\n${restarts.join('\n')}`]
    : []
  const diag = await core.group('Diagnostics', async () => {
    const text = await d.workloads.diagnostics(notes).catch(e => `diagnostics failed: ${e}`)
    writeFenced(text)
    return text
  })
  summary.details('Diagnostics: pods, events and logs', diag)
  if (s.exportLogs) {
    o.logsDir = await d.cluster.exportLogs()
    if (o.logsDir)
      summary.paragraph(
        `kind export logs: ${summary.code(o.logsDir)} (upload it with actions/upload-artifact)`
      )
  }
  return err
}

/** What this step made goes, unless keep-cluster: its namespace in your cluster, or its kind cluster. */
async function release(s: Settings, d: Deps): Promise<void> {
  if (d.cluster.created && !s.keepCluster)
    await core
      .group(
        `Delete ${d.cluster.isKind ? `kind cluster ${s.clusterName}` : `namespace ${s.namespace}`}`,
        () => d.cluster.release()
      )
      .catch((err: Error) =>
        core.warning(
          `${d.cluster.isKind ? `Cluster ${s.clusterName}` : `Namespace ${s.namespace}`} was not deleted; post will try again: ${err.message}`
        )
      )
  else if (d.cluster.created) core.notice(d.cluster.kept())
  await d.priv.remove()
}
