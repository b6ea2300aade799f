import { dispatch, runStage } from '../common/stage.js'
import { unitTest } from './main.js'
import { post } from './post.js'

await dispatch(() => runStage(unitTest).then(() => undefined), post)
