import * as core from '@actions/core'
import { removeSavedPrivateDir } from '../common/temp.js'
import { deleteCluster } from './cluster.js'
import { State } from './constants.js'

/** Deletes the cluster again (idempotent: kind treats a missing cluster as deleted) unless keep-cluster. */
export async function post(): Promise<void> {
  try {
    const name = core.getState(State.ClusterName)
    const kind = core.getState(State.Kind)
    if (name && kind && core.getState(State.KeepCluster) !== 'true') {
      core.info(`Deleting kind cluster ${name}`)
      await deleteCluster(kind, name)
    }
  } finally {
    await removeSavedPrivateDir(State.PrivateDir)
  }
}
