import { removeSavedPrivateDir } from '../common/temp.js'
import { State } from './constants.js'

/** Removes the step's private folder again, in case main was killed before its `finally`. */
export const post = (): Promise<void> => removeSavedPrivateDir(State.PrivateDir)
