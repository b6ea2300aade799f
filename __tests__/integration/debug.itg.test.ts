// With debug logging on (ACTIONS_STEP_DEBUG, which the runner turns into RUNNER_DEBUG=1), every
// tool's command line and the output of otherwise silent calls are in the log, and no secret is.
import * as path from 'node:path'
import { ROOT, runMainAndPost, uniqueName } from '../../scripts/lib/runner.mjs'
import { helmPath, hostedRepo, sshInputs, withValuesFile } from './git-host.js'
import { infra } from './registry.js'
import { expectNowhere } from './secrets.js'

test('gitops-bump under RUNNER_DEBUG=1 shows git, ssh-using fetches and helm, and no key', async () => {
  const repo = hostedRepo({ helm: path.join(ROOT, 'example/gitops/helm') })
  const { main, post } = await runMainAndPost(
    'gitops-bump',
    withValuesFile({ repository: repo.url, tag: 'v2.0.0-3f1c2d4-17', ...sshInputs() }),
    { env: { PATH: helmPath(), RUNNER_DEBUG: '1' } }
  )
  expect(main.exitCode).toBe(0)
  expect(main.stdout).toMatch(/^\[command\]git fetch --depth=1 --no-tags ssh:\/\//m)
  expect(main.stdout).toMatch(/^\[command\]\S*helm lint --strict --values=/m)
  expect(main.stdout).toMatch(/^\[command\]git push --porcelain /m)
  expect(main.stdout).toMatch(/^\[exit 0\]/m)
  expectNowhere(sshInputs()['ssh-key'], main, post)
  // and without debug, none of it
  const quiet = await runMainAndPost(
    'gitops-bump',
    withValuesFile({
      repository: hostedRepo({ helm: path.join(ROOT, 'example/gitops/helm') }).url,
      tag: 'v2.0.0-3f1c2d4-18',
      ...sshInputs()
    }),
    { env: { PATH: helmPath() } }
  )
  // the same bump, succeeding: what it does not print is left out, not lost to a failure
  expect(quiet.main.exitCode).toBe(0)
  expect(quiet.post.exitCode).toBe(0)
  expect(quiet.main.outputs.changed).toBe('true')
  expect(quiet.main.stdout).not.toContain('[command]')
})

test('build-push under ACTIONS_STEP_DEBUG=true shows the build without the password', async () => {
  const { main, post } = await runMainAndPost(
    'build-push',
    {
      image: `${infra.REGISTRY}/itg/${uniqueName('debug')}`,
      context: '__tests__/fixtures/docker/tiny',
      username: infra.REGISTRY_USER,
      password: infra.REGISTRY_PASSWORD
    },
    { env: { ACTIONS_STEP_DEBUG: 'true' } }
  )
  expect(main.exitCode).toBe(0)
  // the credentials are written to the step's docker config, not given to a process
  expect(main.stdout).not.toContain('[command]docker login')
  // the buildx plugin, run directly (standalone mode) when build-push finds its file
  expect(main.stdout).toMatch(/^\[command\]\S*docker-buildx build /m)
  expectNowhere(infra.REGISTRY_PASSWORD, main, post)
})
