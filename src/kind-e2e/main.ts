// kind-e2e: a kind cluster of this step's (or a namespace in a cluster of your own), the image in it,
// the chart or manifests deployed and waited for, smoke tests over HTTP, diagnostics on failure, and the
// cluster deleted whatever happened (post deletes it again when main was killed).
import * as fs from 'node:fs/promises'
import * as path from 'node:path'
import * as core from '@actions/core'
import { stepDockerEnv } from '../common/docker.js'
import { run, tool, writeFenced, type Tool } from '../common/exec.js'
import * as inputs from '../common/inputs.js'
import { InputError } from '../common/inputs.js'
import * as summary from '../common/summary.js'
import { PrivateDir } from '../common/temp.js'
import { ensureTool } from '../common/tools.js'
import { helmTestArgs, secondsLeft } from './args.js'
import { HELM, kindTool, KUBECTL } from '../common/pinned.js'
import { Defaults, Inputs, Outputs, State } from './constants.js'
import { deploy } from './deploy.js'
import { diagnostics } from './diagnostics.js'
import { loadedRef, pulledRef, type Loaded } from './image.js'
import { kube, type Kube, type Tools } from './kube.js'
import { alreadyExists, checkDocker, deleteCluster, KindCluster } from './lifecycle.js'
import { loadImage } from './load.js'
import { configureNodes, containerdPatch, kindConfig, needsConfig, registryAccess } from './node-registry.js'
import { OwnCluster } from './own-cluster.js'
import { addSummary, setOutputs, type Outcome } from './report.js'
import { findService } from './service.js'
import { getSettings, type Settings } from './settings.js'
import { smokeTests } from './smoke.js'
import { waitForRollout } from './wait.js'

/** What the phases share: the settings, the cluster and its tools, and what happened so far. */
export interface E2e {
  s: Settings
  k: Kube
  docker: Tool
  /** A kind cluster of this step's, or (kubeconfig input) a namespace in a cluster of the user's own. */
  cluster?: KindCluster
  own?: OwnCluster
  /** The kind binary (kind mode), which post also uses. */
  kindPath?: string
  priv: PrivateDir
  loaded: Loaded
  /** Whether the nodes pull the image (image-source: registry, or a cluster of your own). */
  pulled: boolean
  /** The wait-timeout's end: one budget for the rollout and the smoke tests. */
  deadline: number
  /** kind's network, when this step's container joined it to reach the cluster. */
  joined?: string
  outcome: Outcome
}

export async function main(): Promise<void> {
  if (inputs.bool(Inputs.InstallOnly, false)) return installOnly()
  const e = await prepare(getSettings())
  let failure: unknown
  try {
    await provision(e)
    await deployAndWait(e)
    await check(e)
    e.outcome.result = 'passed'
  } catch (err) {
    failure = await explain(e, err)
  } finally {
    await finish(e)
  }
  if (failure) throw failure
}

/** kind, kubectl and helm from PATH, else pinned releases checked against their published digests. */
async function findTools(s: Settings): Promise<Tools> {
  const kind = s.kubeconfig ? undefined : await ensureTool(kindTool(s.kindVersion))
  const kubectl = await ensureTool(KUBECTL)
  const helm = s.chart ? await ensureTool(HELM) : undefined
  return { kind, kubectl, helm }
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

/**
 * Tools, the private folder, and the state post needs. With keep-cluster a kind cluster's kubeconfig
 * outlives the step, for later steps: beside, not inside, the private folder. docker gets a per-step
 * config that keeps the user's docker context (pull, save and kind talk to one daemon).
 */
async function prepare(s: Settings): Promise<E2e> {
  const tools = await findTools(s)
  const priv = await PrivateDir.create('kind-e2e')
  const kubeconfig =
    s.kubeconfig ||
    (s.keepCluster
      ? path.join(path.dirname(priv.path), `kind-${s.clusterName}.kubeconfig`)
      : path.join(priv.path, 'kubeconfig'))
  core.saveState(State.PrivateDir, priv.path)
  core.saveState(State.KeepCluster, String(s.keepCluster))
  core.saveState(State.IgnoreFailedClean, String(s.ignoreFailedClean))
  const stepLogins = s.password ? [s.ref.registry || 'docker.io'] : []
  const docker = tool('docker', { env: await stepDockerEnv(priv.path, stepLogins) })
  let own: OwnCluster | undefined
  let cluster: KindCluster | undefined
  if (s.kubeconfig) {
    own = new OwnCluster(tools.kubectl, s.kubeconfig, s.namespace)
    core.saveState(State.OwnKubeconfig, s.kubeconfig)
    core.saveState(State.Kubectl, tools.kubectl)
    s.clusterName = (await own.context()) || s.clusterName
  } else {
    cluster = new KindCluster(
      tool(tools.kind!, { env: { KUBECONFIG: kubeconfig } }),
      docker,
      s.clusterName,
      kubeconfig
    )
    core.saveState(State.Kind, tools.kind!)
    core.saveState(State.ClusterName, s.clusterName)
  }
  core.setOutput(Outputs.ClusterName, s.clusterName)
  const pulled = !!s.kubeconfig || s.imageSource === 'registry'
  const loaded = pulled ? pulledRef(s.ref, s.image) : loadedRef(s.ref)
  const outcome: Outcome = {
    result: 'failed',
    cluster: s.clusterName,
    image: s.image,
    loaded: loaded.ref,
    namespace: s.namespace,
    service: s.service,
    smoke: [],
    portForwardRestarts: []
  }
  return {
    s,
    k: kube(tools, kubeconfig),
    docker,
    cluster,
    own,
    kindPath: tools.kind,
    priv,
    loaded,
    pulled,
    deadline: 0,
    outcome
  }
}

/** The cluster: a kind cluster created (the nodes told how to reach the registry) and the image loaded; or the namespace claimed. */
async function provision(e: E2e): Promise<void> {
  const { s, cluster } = e
  if (!cluster)
    return core.group(`Namespace ${s.namespace} in the cluster of ${s.kubeconfig}`, () =>
      e.own!.claimNamespace()
    )
  await core.group(`Create kind cluster ${s.clusterName}`, async () => {
    await checkDocker(e.docker)
    // A cluster that already exists is never this step's to delete. A free name is marked 'pending'
    // before kind starts, so post deletes a half-made cluster if main dies while creating it.
    if (await cluster.exists()) throw new Error(alreadyExists(s.clusterName))
    const access = s.imageSource === 'registry' ? registryAccess(s) : undefined
    const config =
      access && needsConfig(access)
        ? await e.priv.write(
            'kind-config.yaml',
            await kindConfig(
              s.config ? await fs.readFile(s.config, 'utf8') : undefined,
              containerdPatch(access)
            )
          )
        : s.config
    core.saveState(State.Created, 'pending')
    try {
      await cluster.create(s.nodeImage, config || undefined)
    } finally {
      core.saveState(State.Created, String(cluster.created))
    }
    e.joined = await cluster.reachFromContainer()
    if (access && needsConfig(access)) await configureNodes(e.docker, await cluster.nodes(), access)
  })
  if (s.imageSource === 'load')
    await core.group(`Load ${s.image} into the cluster`, () =>
      loadImage(e.docker, cluster, s, e.loaded, e.priv.path)
    )
}

async function deployAndWait(e: E2e): Promise<void> {
  const { s } = e
  await core.group(`Deploy ${s.chart ? `chart ${s.release}` : 'manifests'} to ${s.namespace}`, () =>
    deploy(e.k, s, e.loaded, e.pulled, e.priv.path)
  )
  e.deadline = Date.now() + s.waitTimeoutMs
  const start = Date.now()
  await core.group('Wait for the rollout', () => waitForRollout(e.k.kubectl, s.namespace, e.deadline))
  e.outcome.rolloutSeconds = (Date.now() - start) / 1000
}

/** Smoke tests over HTTP, then the chart's own helm test and the user's test command, if asked for. */
async function check(e: E2e): Promise<void> {
  const { s, outcome } = e
  outcome.service = await findService(e.k.kubectl, s)
  await core.group(`Smoke tests against service/${outcome.service}:${s.port}`, async () => {
    const r = await smokeTests(e.k, s.namespace, outcome.service, s.port, s.smokeTests, e.deadline)
    outcome.smoke = r.results
    outcome.portForwardRestarts = r.portForwardRestarts
    for (const t of r.results)
      core.info(
        `${t.ok ? 'ok  ' : 'FAIL'} GET ${t.path} -> ${t.got} (expected ${t.status}${t.contains ? ` with '${t.contains}'` : ''})`
      )
  })
  const failed = outcome.smoke.filter(t => !t.ok)
  if (failed.length)
    throw new Error(
      `${failed.length} of ${outcome.smoke.length} smoke tests failed: ${failed.map(t => `GET ${t.path} -> ${t.got}`).join('; ')}`
    )
  if (s.helmTest && s.chart)
    await core.group(`helm test ${s.release}`, () =>
      e.k.helm!(helmTestArgs(s.release, s.namespace, secondsLeft(e.deadline)), {
        label: `helm test ${s.release}`
      })
    )
  if (s.testCommand.length) {
    const [program, ...args] = s.testCommand
    await core.group(`Test command: ${s.testCommand.join(' ')}`, () =>
      run(program, args, {
        cwd: process.env.GITHUB_WORKSPACE || process.cwd(),
        env: { KUBECONFIG: e.k.kubeconfig, ...(e.cluster ? { KIND_CLUSTER_NAME: s.clusterName } : {}) },
        label: `test-command ${program}`
      })
    )
  }
}

/**
 * A failure, explained from the cluster: a node container that stopped is named (nothing else can be
 * read then); otherwise the pods, describe, events and logs, and kind's own logs of the nodes.
 */
async function explain(e: E2e, err: unknown): Promise<unknown> {
  const { s } = e
  if (!e.cluster?.created && !e.own?.created) return err
  const troubled = e.cluster?.created ? await e.cluster.troubledNodes() : []
  if (troubled.length)
    return new Error(
      `kind's node container ${troubled.join(', ')} stopped while the step ran, so the cluster was interrupted: ${(err as Error).message}`
    )
  const restarts = e.outcome.portForwardRestarts
  const notes = restarts.length
    ? [`### kubectl port-forward ended ${restarts.length} time(s)\n${restarts.join('\n')}`]
    : []
  const diag = await core.group('Diagnostics', async () => {
    const text = await diagnostics(e.k.kubectl, s.namespace, notes).catch(d => `diagnostics failed: ${d}`)
    writeFenced(text)
    return text
  })
  summary.details('Diagnostics: pods, events and logs', diag)
  if (s.exportLogs && e.cluster?.created) {
    // kubelet and containerd logs of the nodes, beside the private folder (it outlives the step)
    const dir = await e.cluster.exportLogs(path.join(path.dirname(e.priv.path), `kind-logs-${s.clusterName}`))
    if (dir) {
      core.setOutput(Outputs.LogsDir, dir)
      summary.paragraph(`kind export logs: ${summary.code(dir)} (upload it with actions/upload-artifact)`)
    }
  }
  return err
}

async function finish(e: E2e): Promise<void> {
  setOutputs(e.outcome)
  if (e.s.summary) addSummary(e.outcome)
  await release(e)
  await summary.writeSummary().catch(err => core.warning(`Could not write the job summary: ${err}`))
  await e.priv.remove()
}

/** What this step made goes, unless keep-cluster: its namespace in your cluster, or its kind cluster. */
async function release(e: E2e): Promise<void> {
  const { s } = e
  const postWillRetry = (what: string) => (err: unknown) =>
    core.warning(`${what} was not deleted; post will try again: ${(err as Error).message}`)
  if (e.own?.created && !s.keepCluster)
    await core
      .group(`Delete namespace ${s.namespace}`, () => e.own!.release())
      .catch(postWillRetry(`Namespace ${s.namespace}`))
  else if (e.own?.created)
    core.notice(
      `keep-cluster: namespace ${s.namespace} and what was deployed into it are left in the cluster of ${s.kubeconfig}`
    )
  else if (e.cluster?.created && !s.keepCluster)
    await core
      .group(`Delete kind cluster ${s.clusterName}`, async () => {
        await deleteCluster(e.kindPath!, s.clusterName, e.k.kubeconfig, e.docker)
        core.saveState(State.Created, 'false')
        if (e.joined) await e.cluster!.leaveNetwork(e.joined)
      })
      .catch(postWillRetry(`Cluster ${s.clusterName}`))
  else if (e.cluster?.created) {
    core.setOutput(Outputs.Kubeconfig, e.k.kubeconfig)
    core.notice(`keep-cluster: cluster ${s.clusterName} left running; its kubeconfig is ${e.k.kubeconfig}`)
  }
}
