import { dispatch, runStage } from '../common/stage.js'
import { gitopsBump } from './main.js'
import { post } from './post.js'

await dispatch(() => runStage(gitopsBump).then(() => undefined), post)
