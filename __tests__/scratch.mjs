// jest's globalSetup and globalTeardown: one scratch folder for the whole test run (tempDir() in
// scripts/lib/runner.mjs makes every test's folders inside it), removed at the end. Jest ends its workers
// without running their exit handlers, so a worker cannot clean up after itself.
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'

export default async function scratch() {
  if (process.env.DEMO_ACTIONS_SCRATCH) {
    fs.rmSync(process.env.DEMO_ACTIONS_SCRATCH, { recursive: true, force: true })
    delete process.env.DEMO_ACTIONS_SCRATCH
    return
  }
  process.env.DEMO_ACTIONS_SCRATCH = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-actions-tests-'))
}
