// kind-e2e's collaborators: the private folder, Docker, the cluster (a kind cluster of the step's or a
// namespace in the user's) and the workloads in it (kubectl and helm), and the clock. Made once, after the
// settings; unit tests give fakes instead.
import * as path from 'node:path'
import { stepDockerEnv } from '../common/docker.js'
import { tool, type Tool } from '../common/exec.js'
import { HELM, kindTool, KUBECTL } from '../common/pinned.js'
import type { Step } from '../common/stage.js'
import { PrivateDir } from '../common/temp.js'
import { ensureTool } from '../common/tools.js'
import { OwnNamespace, StepKindCluster, type Cluster } from './cluster.js'
import { State } from './constants.js'
import { loadedRef, pulledRef, type Loaded } from './image.js'
import { kube, kubeEnv, type Tools } from './kube.js'
import { KindCluster } from './lifecycle.js'
import { OwnCluster } from './own-cluster.js'
import type { Settings } from './settings.js'
import { KubeWorkloads, type Workloads } from './workloads.js'

export interface Deps {
  priv: Pick<PrivateDir, 'path' | 'remove'>
  docker: Tool
  cluster: Cluster
  workloads: Workloads
  /** The reference the candidate runs under in the cluster. */
  loaded: Loaded
  /** Whether the nodes pull images (image-source: registry, or a cluster of your own). */
  pulled: boolean
  now(): number
}

/** kind, kubectl and helm from PATH, else pinned releases checked against their published digests. */
async function findTools(s: Settings): Promise<Tools> {
  const kind = s.kubeconfig ? undefined : await ensureTool(kindTool(s.kindVersion))
  const kubectl = await ensureTool(KUBECTL)
  const helm = s.chart ? await ensureTool(HELM) : undefined
  return { kind, kubectl, helm }
}

/**
 * Tools, the private folder (its path saved for post before it exists), and the cluster. With keep-cluster
 * a kind cluster's kubeconfig outlives the step, for later steps: beside, not inside, the private folder.
 * docker gets a per-step config that keeps the user's docker context (pull, save and kind talk to one
 * daemon).
 */
export async function makeDeps(s: Settings, step: Step): Promise<Deps> {
  const tools = await findTools(s)
  const priv = await PrivateDir.create('kind-e2e', dir => step.save(State.PrivateDir, dir))
  step.save(State.KeepCluster, String(s.keepCluster))
  step.save(State.IgnoreFailedClean, String(s.ignoreFailedClean))
  const kubeconfig =
    s.kubeconfig ||
    (s.keepCluster
      ? path.join(path.dirname(priv.path), `kind-${s.clusterName}.kubeconfig`)
      : path.join(priv.path, 'kubeconfig'))
  const stepLogins = s.password ? [s.ref.registry || 'docker.io'] : []
  const dockerEnv = await stepDockerEnv(priv.path, stepLogins)
  const docker = tool('docker', { env: dockerEnv })
  let cluster: Cluster
  if (s.kubeconfig) {
    const own = new OwnCluster(tools.kubectl, kubeEnv(s.kubeconfig, priv.path), s.namespace)
    step.save(State.OwnKubeconfig, s.kubeconfig)
    step.save(State.Kubectl, tools.kubectl)
    cluster = new OwnNamespace(own, (await own.context()) || s.clusterName)
  } else {
    step.save(State.Kind, tools.kind!)
    step.save(State.ClusterName, s.clusterName)
    const kind = new KindCluster(
      tool(tools.kind!, { env: { KUBECONFIG: kubeconfig } }),
      docker,
      s.clusterName,
      kubeconfig
    )
    cluster = new StepKindCluster(kind, docker, { ...dockerEnv }, s, priv)
  }
  const pulled = !!s.kubeconfig || s.imageSource === 'registry'
  return {
    priv,
    docker,
    cluster,
    workloads: new KubeWorkloads(kube(tools, kubeconfig, priv.path), s, pulled, priv.path),
    loaded: pulled ? pulledRef(s.ref, s.image) : loadedRef(s.ref),
    pulled,
    now: Date.now
  }
}
