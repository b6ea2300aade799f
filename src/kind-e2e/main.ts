import * as path from 'node:path'
import * as core from '@actions/core'
import { stepDockerEnv } from '../common/docker.js'
import { tool, writeFenced } from '../common/exec.js'
import * as summary from '../common/summary.js'
import { PrivateDir } from '../common/temp.js'
import { ensureTool } from '../common/tools.js'
import { Cluster, deleteCluster, type SmokeResult, type Tools } from './cluster.js'
import { Defaults, HELM, Inputs, kindTool, KUBECTL, Outputs, State } from './constants.js'
import * as inputs from '../common/inputs.js'
import { InputError } from '../common/inputs.js'
import { OwnCluster } from './own-cluster.js'
import { getSettings, type Settings } from './settings.js'

/**
 * kind, kubectl and helm from PATH, else pinned releases checked against their published digests (no
 * kind for a cluster of the user's own).
 */
async function findTools(settings: Settings): Promise<Tools> {
  const kind = settings.kubeconfig ? undefined : await ensureTool(kindTool(settings.kindVersion))
  const kubectl = await ensureTool(KUBECTL)
  const helm = settings.chart ? await ensureTool(HELM) : undefined
  return { kind, kubectl, helm }
}

/**
 * docker for the pull and the save, with a per-step config (credentials stay in the private folder) that
 * keeps the user's current docker context: without it, pull and save could talk to another daemon than
 * the one kind uses (self-hosted runners with a non-default context).
 */
async function dockerFor(privDir: string): Promise<ReturnType<typeof tool>> {
  return tool('docker', { env: await stepDockerEnv(privDir) })
}

/** install-only: kind (the requested version), kubectl and helm on PATH for later steps, no cluster. */
async function installOnly(): Promise<void> {
  const version = inputs.str(Inputs.KindVersion, Defaults[Inputs.KindVersion])
  if (!/^v\d+\.\d+\.\d+$/.test(version))
    throw new InputError(Inputs.KindVersion, `must be a release such as v0.30.0, got '${version}'`)
  for (const t of [kindTool(version), KUBECTL, HELM]) {
    const bin = await ensureTool(t)
    core.addPath(path.dirname(bin))
    core.info(`${t.name}: ${bin}`)
  }
}

/** A kind cluster of this step's, with the image loaded into it. */
async function createAndLoad(cluster: Cluster, settings: Settings, privDir: string): Promise<void> {
  await core.group(`Create kind cluster ${settings.clusterName}`, async () => {
    // A cluster that already exists is never this step's to delete. A free name is marked 'pending'
    // before kind starts, so post deletes a half-made cluster if main dies while creating it.
    if (await cluster.exists())
      throw new Error(
        `A kind cluster named ${settings.clusterName} already exists. This step did not create it, so it leaves it alone (not deleted); choose another cluster-name, or delete it yourself`
      )
    core.saveState(State.Created, 'pending')
    try {
      await cluster.create()
    } finally {
      core.saveState(State.Created, String(cluster.created))
    }
  })
  const docker = await dockerFor(privDir)
  await core.group(`Load ${settings.image} into the cluster`, () => cluster.loadImage(docker, privDir))
}

export async function main(): Promise<void> {
  if (inputs.bool(Inputs.InstallOnly, false)) return installOnly()
  const settings = getSettings()
  const tools = await findTools(settings)
  const priv = await PrivateDir.create('kind-e2e')
  // a cluster of the user's own (kubeconfig input), or a kind cluster of this step's; with keep-cluster
  // a kind cluster's kubeconfig outlives the step, for later steps: beside, not inside, the private folder
  const own = settings.kubeconfig
    ? new OwnCluster(tools.kubectl, settings.kubeconfig, settings.namespace)
    : undefined
  const kubeconfig =
    settings.kubeconfig ||
    (settings.keepCluster
      ? path.join(path.dirname(priv.path), `kind-${settings.clusterName}.kubeconfig`)
      : path.join(priv.path, 'kubeconfig'))
  core.saveState(State.PrivateDir, priv.path)
  core.saveState(State.KeepCluster, String(settings.keepCluster))
  core.saveState(State.IgnoreFailedClean, String(settings.ignoreFailedClean))
  if (own) {
    core.saveState(State.OwnKubeconfig, settings.kubeconfig)
    core.saveState(State.Kubectl, tools.kubectl)
    settings.clusterName = (await own.context()) || settings.clusterName
  } else {
    core.saveState(State.Kind, tools.kind!)
    core.saveState(State.ClusterName, settings.clusterName)
  }
  core.setOutput(Outputs.ClusterName, settings.clusterName)

  const cluster = new Cluster(tools, settings, kubeconfig)
  let result = 'failed'
  let rolloutSeconds: number | undefined
  let smoke: SmokeResult[] = []
  let service = settings.service
  let failure: unknown
  // One budget, wait-timeout, for the rollout and the smoke tests together.
  let deadline = 0
  try {
    if (own)
      await core.group(`Namespace ${settings.namespace} in the cluster of ${settings.kubeconfig}`, () =>
        own.claimNamespace()
      )
    else await createAndLoad(cluster, settings, priv.path)
    await core.group(
      `Deploy ${settings.chart ? `chart ${settings.release}` : 'manifests'} to ${settings.namespace}`,
      () => cluster.deploy(priv.path)
    )
    deadline = Date.now() + settings.waitTimeoutMs
    const rolloutStart = Date.now()
    await core.group('Wait for the rollout', () => cluster.waitForRollout(deadline))
    rolloutSeconds = (Date.now() - rolloutStart) / 1000
    service = await cluster.findService()
    smoke = await core.group(`Smoke tests against service/${service}:${settings.port}`, async () => {
      const r = await cluster.smokeTests(service, deadline)
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
    if (settings.helmTest && settings.chart)
      await core.group(`helm test ${settings.release}`, () => cluster.helmTest(deadline))
    if (settings.testCommand.length)
      await core.group(`Test command: ${settings.testCommand.join(' ')}`, () =>
        cluster.testCommand(process.env.GITHUB_WORKSPACE || process.cwd())
      )
    result = 'passed'
  } catch (err) {
    failure = err
    if (cluster.created || own?.created) {
      const diag = await core.group('Diagnostics', async () => {
        const text = await cluster.diagnostics().catch(e => `diagnostics failed: ${e}`)
        writeFenced(text)
        return text
      })
      summary.details('Diagnostics: pods, events and logs', diag)
      if (settings.exportLogs && cluster.created) {
        // kubelet and containerd logs of the nodes, beside the private folder (it outlives the step)
        const dir = await cluster.exportLogs(
          path.join(path.dirname(priv.path), `kind-logs-${settings.clusterName}`)
        )
        if (dir) {
          core.setOutput(Outputs.LogsDir, dir)
          summary.paragraph(`kind export logs: ${summary.code(dir)} (upload it with actions/upload-artifact)`)
        }
      }
    }
  } finally {
    core.setOutput(Outputs.Result, result)
    core.setOutput(
      Outputs.Report,
      JSON.stringify({
        result,
        cluster: settings.clusterName,
        image: settings.image,
        loaded: cluster.loaded.ref,
        namespace: settings.namespace,
        service,
        rolloutSeconds: rolloutSeconds ?? null,
        smoke: smoke.map(t => ({
          path: t.path,
          expected: t.status,
          got: t.got,
          ok: t.ok,
          attempts: t.attempts
        })),
        portForwardRestarts: cluster.portForwardRestarts.length
      })
    )
    if (settings.summary) report(settings, service, result, rolloutSeconds, smoke)
    if (own?.created && !settings.keepCluster) {
      await core
        .group(`Delete namespace ${settings.namespace}`, () => own.release())
        .catch(err =>
          core.warning(
            `Namespace ${settings.namespace} was not deleted; post will try again: ${(err as Error).message}`
          )
        )
    } else if (own?.created) {
      core.notice(
        `keep-cluster: namespace ${settings.namespace} and what was deployed into it are left in the cluster of ${settings.kubeconfig}`
      )
    } else if (cluster.created && !settings.keepCluster) {
      await core
        .group(`Delete kind cluster ${settings.clusterName}`, async () => {
          await deleteCluster(tools.kind!, settings.clusterName, kubeconfig)
          core.saveState(State.Created, 'false')
        })
        .catch(err =>
          core.warning(
            `Cluster ${settings.clusterName} was not deleted; post will try again: ${(err as Error).message}`
          )
        )
    } else if (cluster.created) {
      core.setOutput(Outputs.Kubeconfig, kubeconfig)
      core.notice(
        `keep-cluster: cluster ${settings.clusterName} left running; its kubeconfig is ${kubeconfig}`
      )
    }
    await summary.writeSummary().catch(e => core.warning(`Could not write the job summary: ${e}`))
    await priv.remove()
  }
  if (failure) throw failure
}

function report(
  settings: Settings,
  service: string,
  result: string,
  rolloutSeconds: number | undefined,
  smoke: SmokeResult[]
): void {
  summary.heading(`${result === 'passed' ? '✅' : '❌'} kind e2e ${result}: ${settings.image}`)
  summary.table(
    ['Cluster', 'Image', 'Namespace', 'Service', 'Rollout'],
    [
      [
        settings.clusterName,
        settings.image,
        settings.namespace,
        service,
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
