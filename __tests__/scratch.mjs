// jest's globalSetup and globalTeardown: one scratch folder for the whole test run (tempDir() in
// scripts/lib/runner.mjs makes every test's folders inside it), removed at the end. Jest ends its workers
// without running their exit handlers, so a worker cannot clean up after itself. The run's TMPDIR is a
// folder of it too: what the tests' tools leave in the temp folder by their own design (the Docker CLI's
// `empty-dir*` and `dockerfile*` of a build from stdin, pytest's `pytest-of-<user>`, kept for its last
// three runs) goes with it, and so does kubectl's cache of the tests' own calls (KUBECACHEDIR: about 2 MB
// for every cluster a test makes, under ~/.kube/cache otherwise). The steps' environment leaves that
// variable out (scripts/lib/runner.mjs), as a runner's does: kind-e2e keeps its own.
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'

export default async function scratch() {
  if (process.env.DEMO_ACTIONS_SCRATCH) {
    fs.rmSync(process.env.DEMO_ACTIONS_SCRATCH, { recursive: true, force: true })
    delete process.env.DEMO_ACTIONS_SCRATCH
    if (process.env.DEMO_ACTIONS_TMPDIR_WAS === undefined) delete process.env.TMPDIR
    else process.env.TMPDIR = process.env.DEMO_ACTIONS_TMPDIR_WAS
    if (process.env.DEMO_ACTIONS_KUBECACHEDIR_WAS === undefined) delete process.env.KUBECACHEDIR
    else process.env.KUBECACHEDIR = process.env.DEMO_ACTIONS_KUBECACHEDIR_WAS
    return
  }
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-actions-tests-'))
  process.env.DEMO_ACTIONS_SCRATCH = root
  if (process.env.TMPDIR !== undefined) process.env.DEMO_ACTIONS_TMPDIR_WAS = process.env.TMPDIR
  fs.mkdirSync(path.join(root, 'tmp'))
  process.env.TMPDIR = path.join(root, 'tmp')
  if (process.env.KUBECACHEDIR !== undefined)
    process.env.DEMO_ACTIONS_KUBECACHEDIR_WAS = process.env.KUBECACHEDIR
  process.env.KUBECACHEDIR = path.join(root, 'kube-cache')
}
