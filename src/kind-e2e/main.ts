import * as path from 'node:path'
import * as core from '@actions/core'
import { writeFenced } from '../common/exec.js'
import * as summary from '../common/summary.js'
import { PrivateDir } from '../common/temp.js'
import { ensureTool } from '../common/tools.js'
import { Cluster, deleteCluster, type SmokeResult, type Tools } from './cluster.js'
import { HELM, kindTool, KUBECTL, Outputs, State } from './constants.js'
import { getSettings, type Settings } from './settings.js'

/** kind, kubectl and helm from PATH, else pinned releases checked against their published digests. */
async function findTools(settings: Settings): Promise<Tools> {
  const kind = await ensureTool(kindTool(settings.kindVersion))
  const kubectl = await ensureTool(KUBECTL)
  const helm = settings.chart ? await ensureTool(HELM) : undefined
  return { kind, kubectl, helm }
}

export async function main(): Promise<void> {
  const settings = getSettings()
  const tools = await findTools(settings)
  const priv = await PrivateDir.create('kind-e2e')
  core.saveState(State.PrivateDir, priv.path)
  core.saveState(State.Kind, tools.kind)
  core.saveState(State.KeepCluster, String(settings.keepCluster))
  // Saved before the cluster exists, so post deletes it even if main dies while creating it.
  core.saveState(State.ClusterName, settings.clusterName)
  core.setOutput(Outputs.ClusterName, settings.clusterName)

  const cluster = new Cluster(tools, settings, path.join(priv.path, 'kubeconfig'))
  let result = 'failed'
  let rolloutSeconds: number | undefined
  let smoke: SmokeResult[] = []
  let failure: unknown
  try {
    await core.group(`Create kind cluster ${settings.clusterName}`, () => cluster.create())
    await core.group(`Load ${settings.image} into the cluster`, () => cluster.loadImage(priv.path))
    await core.group(
      `Deploy ${settings.chart ? `chart ${settings.release}` : 'manifests'} to ${settings.namespace}`,
      () => cluster.deploy()
    )
    const rolloutStart = Date.now()
    const waitStart = Date.now()
    await core.group('Wait for the rollout', () => cluster.waitForRollout(waitStart + settings.waitTimeoutMs))
    rolloutSeconds = (Date.now() - rolloutStart) / 1000
    smoke = await core.group(`Smoke tests against service/${settings.service}:${settings.port}`, async () => {
      const r = await cluster.smokeTests(Date.now() + settings.waitTimeoutMs)
      for (const t of r)
        core.info(
          `${t.ok ? 'ok  ' : 'FAIL'} GET ${t.path} -> ${t.got} (expected ${t.status}${t.contains ? ` with '${t.contains}'` : ''})`
        )
      return r
    })
    const failed = smoke.filter(t => !t.ok)
    if (failed.length)
      throw new Error(
        `${failed.length} of ${smoke.length} smoke tests failed: ${failed.map(t => `GET ${t.path} -> ${t.got}`).join('; ')}`
      )
    result = 'passed'
  } catch (err) {
    failure = err
    const diag = await core.group('Diagnostics', async () => {
      const text = await cluster.diagnostics().catch(e => `diagnostics failed: ${e}`)
      writeFenced(text)
      return text
    })
    summary.details('Diagnostics: pods, events and logs', diag)
  } finally {
    core.setOutput(Outputs.Result, result)
    report(settings, result, rolloutSeconds, smoke)
    if (!settings.keepCluster) {
      await core
        .group(`Delete kind cluster ${settings.clusterName}`, async () => {
          await deleteCluster(tools.kind, settings.clusterName)
          core.saveState(State.ClusterName, '')
        })
        .catch(err =>
          core.warning(
            `Cluster ${settings.clusterName} was not deleted; post will try again: ${(err as Error).message}`
          )
        )
    } else core.notice(`keep-cluster: cluster ${settings.clusterName} left running`)
    await summary.writeSummary().catch(e => core.warning(`Could not write the job summary: ${e}`))
    await priv.remove()
  }
  if (failure) throw failure
}

function report(
  settings: Settings,
  result: string,
  rolloutSeconds: number | undefined,
  smoke: SmokeResult[]
): void {
  summary.heading(`${result === 'passed' ? '✅' : '❌'} kind e2e ${result}: ${settings.image}`)
  summary.table(
    ['Cluster', 'Image', 'Namespace', 'Rollout'],
    [
      [
        settings.clusterName,
        settings.image,
        settings.namespace,
        rolloutSeconds === undefined ? '—' : `${rolloutSeconds.toFixed(1)}s`
      ]
    ]
  )
  if (smoke.length)
    summary.table(
      ['Check', 'Expected', 'Got', 'Attempts', 'Result'],
      smoke.map(t => [
        `GET ${t.path}`,
        `${t.status}${t.contains ? ` + '${t.contains}'` : ''}`,
        t.got,
        t.attempts,
        t.ok ? '✅' : '❌'
      ])
    )
}
