import { removeSavedPrivateDir } from '../common/temp.js'
import { State } from './constants.js'

/** Removes the step's private folder again (the JUnit file a user named stays where they asked). */
export async function post(): Promise<void> {
  await removeSavedPrivateDir(State.PrivateDir)
}
