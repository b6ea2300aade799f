import * as core from '@actions/core'
import * as fs from 'node:fs/promises'
import * as os from 'node:os'
import * as path from 'node:path'
import { tool } from '../common/exec.js'
import { removeSavedPrivateDir } from '../common/temp.js'
import { deleteCluster } from './lifecycle.js'
import { State } from './constants.js'
import { kubeEnv } from './kube.js'
import { deleteNamespace } from './own-cluster.js'

/**
 * Deletes the cluster again, if this step created it and main did not delete it (main killed, or its
 * delete failed), unless keep-cluster. kind treats a missing cluster as deleted. A delete that still
 * fails fails the step, unless ignore-failed-clean (helm/kind-action #54).
 */
export async function post(): Promise<void> {
  try {
    // a cluster of the user's own: the namespace main created, if main did not delete it
    const namespace = core.getState(State.OwnNamespace)
    if (namespace && core.getState(State.KeepCluster) !== 'true') {
      core.info(`Deleting namespace ${namespace}, which main created`)
      const kubeconfig = core.getState(State.OwnKubeconfig)
      const priv = core.getState(State.PrivateDir)
      const env = priv ? kubeEnv(kubeconfig, priv) : { KUBECONFIG: kubeconfig }
      await deleteNamespace(core.getState(State.Kubectl), env, namespace)
    }
    const name = core.getState(State.ClusterName)
    const kind = core.getState(State.Kind)
    // 'pending': main died while kind was creating a cluster under a name that was free, so it is ours
    const created = ['true', 'pending'].includes(core.getState(State.Created))
    if (name && kind && created && core.getState(State.KeepCluster) !== 'true') {
      core.info(`Deleting kind cluster ${name}`)
      // a kubeconfig of post's own: kind edits the one it is given, and must not take ~/.kube/config's lock
      const kubeconfig = path.join(process.env.RUNNER_TEMP || os.tmpdir(), `kind-e2e-post-${name}.kubeconfig`)
      try {
        await deleteCluster(tool(kind), name, kubeconfig)
        await fs.rm(kubeconfig, { force: true })
      } catch (err) {
        if (core.getState(State.IgnoreFailedClean) !== 'true') throw err
        core.warning(`Cluster ${name} could not be deleted (ignore-failed-clean): ${(err as Error).message}`)
      }
    }
  } finally {
    await removeSavedPrivateDir(State.PrivateDir)
  }
}
