import { runStage } from '../common/stage.js'
import { main } from './main.js'
import { post } from './post.js'

await runStage(main, post)
