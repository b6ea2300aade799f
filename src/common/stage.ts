// Main/post dispatch shared by every stage: one bundle, and `isPost` taken from saved state as in
// actions/checkout. Main marks the state first, so post runs its cleanup even when main failed early.
import * as core from '@actions/core'

export const IS_POST_STATE = 'isPost'

export type Step = () => Promise<void>

export async function runStage(main: Step, post?: Step): Promise<void> {
  const isPost = core.getState(IS_POST_STATE) === 'true'
  try {
    if (isPost) {
      if (post) await post()
      return
    }
    core.saveState(IS_POST_STATE, 'true')
    await main()
  } catch (err) {
    core.setFailed(err instanceof Error ? err.message : String(err))
  }
}
