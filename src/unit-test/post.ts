import * as core from '@actions/core'
import * as fs from 'node:fs/promises'
import { removeSavedPrivateDir } from '../common/temp.js'
import { State } from './constants.js'

/**
 * Removes the step's private folder and the baseline cache folder (the record it saved is in the cache)
 * at the end of the job: later steps could still upload baseline-file as an artifact. The JUnit file a
 * user named stays where they asked.
 */
export async function post(): Promise<void> {
  const dir = core.getState(State.BaselineDir)
  if (dir) await fs.rm(dir, { recursive: true, force: true })
  await removeSavedPrivateDir(State.PrivateDir)
}
