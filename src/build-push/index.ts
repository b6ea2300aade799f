import { dispatch, runStage } from '../common/stage.js'
import { buildPush } from './main.js'
import { post } from './post.js'

await dispatch(() => runStage(buildPush).then(() => undefined), post)
