import { runStage } from '../common/stage.js'
import { main } from './main.js'

await runStage(main)
