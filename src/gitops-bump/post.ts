import { getState } from '@actions/core'
import { removeSavedPrivateDir } from '../common/temp.js'
import { State } from './constants.js'
import { closeSshMaster, endSshMasters } from './git.js'

/** Ends the SSH master and removes the step's private folder again, in case main was killed before its `finally`. */
export async function post(): Promise<void> {
  const dir = getState(State.PrivateDir)
  if (dir) await closeSshMaster(dir)
  await removeSavedPrivateDir(State.PrivateDir)
  // with the folder gone no master can start there any more: one that started meanwhile is ended
  if (dir) await endSshMasters(dir)
}
