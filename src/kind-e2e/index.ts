import * as inputs from '../common/inputs.js'
import { dispatch, runStage } from '../common/stage.js'
import { Inputs } from './constants.js'
import { installOnly, kindE2e } from './main.js'
import { post } from './post.js'

await dispatch(async () => {
  if (inputs.bool(Inputs.InstallOnly, false)) await installOnly()
  else await runStage(kindE2e)
}, post)
