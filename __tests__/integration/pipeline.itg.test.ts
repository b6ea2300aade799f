// The README's first command: the whole pipeline, locally, on the bundled example.
import { spawnSync } from 'node:child_process'
import * as path from 'node:path'
import { ROOT, uniqueName } from '../../scripts/lib/runner.mjs'
import { git, infra } from './git-host.js'

test('npm run pipeline: test, build, e2e reported as skipped without kind, GitOps bump pushed', () => {
  const repo = uniqueName('pipeline')
  const run = () =>
    spawnSync(process.execPath, [path.join(ROOT, 'scripts/pipeline-local.mjs')], {
      encoding: 'utf8',
      env: {
        ...process.env,
        DEMO_ACTIONS_GITOPS_REPO: repo,
        PATH: process.env
          .PATH!.split(':')
          .filter(p => !p.includes('standins'))
          .join(':')
      }
    })
  const first = run()
  expect(first.stderr).not.toMatch(/error/i)
  expect(first.status).toBe(0)
  expect(first.stdout).toMatch(/passed {3}1\. Test/)
  expect(first.stdout).toMatch(/passed {3}2\. Build/)
  expect(first.stdout).toMatch(/SKIPPED {2}3\. E2E test — kind is not installed here/)
  expect(first.stdout).toMatch(/passed {3}4\. Update GitOps/)
  const tag = /Deployed (v2\.0\.0-[0-9a-f]{7}-1)/.exec(first.stdout)![1]
  const bare = path.join(infra.GIT_ROOT, `${repo}.git`)
  expect(git(['show', 'main:helm/demo-flask-app/values.yaml'], bare)).toContain(`tag: "${tag}"`)
  expect(first.stdout).toContain(`GitOps commit ${git(['rev-parse', 'main'], bare)}`)
  expect(first.stdout).not.toContain(infra.REGISTRY_PASSWORD)

  const second = run()
  expect(second.status).toBe(0)
  expect(second.stdout).toMatch(/Deployed v2\.0\.0-[0-9a-f]{7}-2/)
})
