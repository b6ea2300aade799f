// The seed's clusters (scripts/seed/seed.sh) held awake for the test files that use them: during npm test
// they sleep (docker pause) while no file holds them, and a hold waits until they answer again. A file
// holds them in its first beforeAll and releases them in its last afterAll (Jest runs hooks in the order
// they are declared), so that its own cleanup still finds them awake.
import { execFileSync } from 'node:child_process'
import * as path from 'node:path'
import { ROOT } from '../../scripts/lib/runner.mjs'

const seedSh = (what: 'hold' | 'release') => () => {
  execFileSync('bash', [path.join(ROOT, 'scripts/seed/seed.sh'), what, String(process.pid)], {
    stdio: ['ignore', 'ignore', 'inherit']
  })
}

export const holdSeed = seedSh('hold')
export const releaseSeed = seedSh('release')
/** How long a hold may take: waking both clusters */
export const HOLD_TIMEOUT = 200_000
