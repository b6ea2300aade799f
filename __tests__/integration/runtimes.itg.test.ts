// The runner's contract on both runtimes the bundles meet: Node 24 (what GitHub runs `using: node24`
// on, and what the other integration tests use) and Node 20 (what act and @github/local-action use
// where it is the machine's node). Each stage: a passing run, a failing run, and post after each (unit-test has no post step).
// kind-e2e's pair on Node 20 is kind-e2e.itg.test.ts's first test (two runs at once, one passing, one
// crashing with every diagnostic): the same clusters prove both, and Node 24 runs every other kind-e2e test.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { ROOT, runMain, runMainAndPost, uniqueName } from '../../scripts/lib/runner.mjs'
import { helmPath, hostedRepo, sshInputs, withValuesFile } from './git-host.js'
import { infra, manifestDigest } from './registry.js'

const errors = (r: { commands: { command: string; message: string }[] }) =>
  r.commands.filter(c => c.command === 'error').map(c => c.message)

describe('the runner contract on Node 20', () => {
  const node = '20' as const

  test('unit-test: passing and failing runs', async () => {
    const base = { python: infra.PYTHON, install: 'false', args: '-p no:cacheprovider' }
    const ok = await runMain('unit-test', { ...base, 'working-directory': 'example/demo-app' }, { node })
    expect(ok.exitCode).toBe(0)
    expect(ok.outputs).toMatchObject({ total: '5', passed: '5' })
    expect(ok.summary).toContain('Unit tests: 5 passed, 0 failed')
    const wd = '__tests__/fixtures/pytest-mixed'
    const bad = await runMain('unit-test', { ...base, 'working-directory': wd }, { node })
    expect(bad.exitCode).toBe(1)
    expect(errors(bad).at(-1)).toBe('1 of 4 tests failed')
  })

  test('build-push: a push with outputs, a failing build, post cleans up', async () => {
    const repository = `itg/${uniqueName('node20')}`
    const login = { username: infra.REGISTRY_USER, password: infra.REGISTRY_PASSWORD }
    const ok = await runMainAndPost(
      'build-push',
      { image: `${infra.REGISTRY}/${repository}`, context: '__tests__/fixtures/docker/tiny', ...login },
      { node }
    )
    expect(errors(ok.main)).toEqual([])
    expect(ok.main.exitCode).toBe(0)
    expect(ok.main.outputs.digest).toBe(await manifestDigest(repository, ok.main.outputs.tag))
    expect(ok.post.exitCode).toBe(0)
    expect(fs.existsSync(ok.main.state.privateDir)).toBe(false)
    const bad = await runMainAndPost(
      'build-push',
      { image: `${infra.REGISTRY}/${repository}`, context: '__tests__/fixtures/docker/failing', ...login },
      { node }
    )
    expect(bad.main.exitCode).toBe(1)
    expect(errors(bad.main).length).toBeGreaterThan(0)
    expect(bad.post.exitCode).toBe(0)
    expect(fs.existsSync(bad.main.state.privateDir)).toBe(false)
  })

  test('gitops-bump: a pushed bump; a missing values file changes nothing; post removes the key', async () => {
    const repo = hostedRepo({ helm: path.join(ROOT, 'example/gitops/helm') })
    const inputs = { repository: repo.url, tag: 'v2.0.0-3f1c2d4-17', ...sshInputs() }
    const env = { env: { PATH: helmPath() }, node }
    const ok = await runMainAndPost('gitops-bump', withValuesFile(inputs), env)
    expect(errors(ok.main)).toEqual([])
    expect(ok.main.exitCode).toBe(0)
    expect(ok.main.outputs).toMatchObject({ changed: 'true', commit: repo.head() })
    expect(ok.post.exitCode).toBe(0)
    expect(fs.existsSync(ok.main.state.privateDir)).toBe(false)
    const head = repo.head()
    const bad = await runMainAndPost(
      'gitops-bump',
      withValuesFile({ ...inputs, 'values-file': 'helm/none/values.yaml' }),
      env
    )
    expect(bad.main.exitCode).toBe(1)
    expect(errors(bad.main).join('\n')).toMatch(/values-file/)
    expect(repo.head()).toBe(head)
    expect(bad.post.exitCode).toBe(0)
    expect(fs.existsSync(bad.main.state.privateDir)).toBe(false)
  })
})
