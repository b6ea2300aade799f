// Tests that count every request of a rollout run their probes one at a time. Two rehearsals at 50
// requests a second (a curl process per request on the node) beside the other clusters starve a 2-core
// machine: kube-proxy then follows the endpoints late, and both lose requests for the machine's sake, not
// the chart's (seen: 50 timeouts within one second in each, at the same moment).
import * as fs from 'node:fs'
import * as path from 'node:path'

export async function probesOneAtATime<T>(fn: () => Promise<T> | T): Promise<T> {
  const root = process.env.DEMO_ACTIONS_SCRATCH
  // the run's scratch folder is shared by every worker and removed at the end, a stale lock with it
  if (!root || !fs.existsSync(root)) return fn()
  const lock = path.join(root, 'probes.lock')
  for (;;) {
    try {
      fs.mkdirSync(lock)
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
    await new Promise(r => setTimeout(r, 500))
  }
  try {
    return await fn()
  } finally {
    fs.rmSync(lock, { recursive: true, force: true })
  }
}
