// The committed gitops-bump bundle against a real SSH git host (receive.denyNonFastForwards on) and real helm.
import { execFileSync, spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import YAML from 'yaml'
import { expectNowhere } from './secrets.js'
import { ROOT, runMain, runMainAndPost, runPost, tempDir } from '../../scripts/lib/runner.mjs'
import { filesContaining, git, helmPath, hostedRepo, infra, sshInputs, withValuesFile } from './git-host.js'
import { githubApi } from './github-api.js'

const VALUES = 'helm/demo-flask-app/values.yaml'
const TAG = 'v2.0.0-3f1c2d4-17'
const opts = () => ({ env: { PATH: helmPath() } })
const exampleRepo = () =>
  hostedRepo({
    helm: path.join(ROOT, 'example/gitops/helm'),
    'argocd-application.yaml': path.join(ROOT, 'example/gitops/argocd-application.yaml')
  })

describe('gitops-bump bundle', () => {
  test('bumps the example chart over SSH: two scalars, validated, pushed, nothing secret left', async () => {
    const repo = exampleRepo()
    const before = repo.show(VALUES)
    const inputs = { repository: repo.url, tag: TAG, ...sshInputs() }
    const { main, post } = await runMainAndPost('gitops-bump', withValuesFile(inputs), opts())
    expect(main.stderr).toBe('')
    expect(main.exitCode).toBe(0)
    expect(post.exitCode).toBe(0)
    expect(main.outputs).toMatchObject({
      changed: 'true',
      'previous-tag': 'v1.0.0-0000000-0',
      commit: repo.head()
    })
    expect(repo.show(VALUES)).toBe(before.replaceAll('"v1.0.0-0000000-0"', `"${TAG}"`))
    expect(git(['log', '-1', '--format=%s%n%an <%ae>%n%b', 'main'], repo.bare)).toMatch(
      new RegExp(
        `^chore: update demo-flask-app to ${TAG}\\ngithub-actions\\[bot\\] <41898282\\+github-actions\\[bot\\]@users.noreply.github.com>\\n[\\s\\S]*Source: banicr/demo_app@3f1c2d4`
      )
    )
    expect(main.summary).toContain('Values diff')
    expect(main.summary).toContain(`+  tag: &quot;${TAG}&quot;`.replace(/&quot;/g, '"'))
    expect(main.summary).toContain('Rendered manifests diff')

    const key = sshInputs()['ssh-key'].trim().split('\n')[1]
    expect(main.commands.filter(c => c.command === 'add-mask').length).toBeGreaterThan(1)
    expectNowhere(key, main, post)
    expect(filesContaining(main.runnerTemp, key)).toEqual([])
    expect(filesContaining(ROOT, key)).toEqual([])
    expect(fs.existsSync(main.state.privateDir)).toBe(false)
  })

  test('a second run with the same tag changes nothing', async () => {
    const repo = exampleRepo()
    const inputs = { repository: repo.url, tag: TAG, ...sshInputs() }
    expect((await runMain('gitops-bump', withValuesFile(inputs), opts())).exitCode).toBe(0)
    const head = repo.head()
    const again = await runMain('gitops-bump', withValuesFile(inputs), opts())
    expect(again.exitCode).toBe(0)
    expect(again.outputs).toMatchObject({ changed: 'false', commit: head, 'previous-tag': TAG })
    expect(repo.head()).toBe(head)
  })

  test('tricky YAML: only the target scalars change, and a number-like tag stays a string', async () => {
    const chart = path.join(ROOT, '__tests__/fixtures/charts/tricky')
    const repo = hostedRepo({ 'charts/tricky': chart })
    const before = repo.show('charts/tricky/values.yaml')
    const r = await runMain(
      'gitops-bump',
      withValuesFile({
        repository: repo.url,
        'values-file': 'charts/tricky/values.yaml',
        tag: '1.10',
        ...sshInputs()
      }),
      opts()
    )
    expect(r.exitCode).toBe(0)
    const after = repo.show('charts/tricky/values.yaml')
    expect(after).toBe(
      before.replace('tag: 1.0   #', 'tag: "1.10"   #').replace("appVersion: 'v1'", "appVersion: '1.10'")
    )
    expect(r.outputs['previous-tag']).toBe('1')
  })

  test('a chart that does not render is never pushed, and helm says why', async () => {
    const repo = hostedRepo({ 'charts/broken': path.join(ROOT, '__tests__/fixtures/charts/broken') })
    const head = repo.head()
    const r = await runMain(
      'gitops-bump',
      withValuesFile({
        repository: repo.url,
        'values-file': 'charts/broken/values.yaml',
        tag: TAG,
        ...sshInputs()
      }),
      opts()
    )
    expect(r.exitCode).toBe(1)
    const errors = r.commands.filter(c => c.command === 'error')
    expect(
      errors.some(
        e =>
          /helm (lint|template)/.test(e.properties.title ?? '') &&
          e.message.includes('databaseHost is required')
      )
    ).toBe(true)
    expect(repo.head()).toBe(head)
  })

  test('an unknown host key is refused', async () => {
    const repo = exampleRepo()
    const head = repo.head()
    const otherKey = fs
      .readFileSync(infra.SSH_KEY + '.pub', 'utf8')
      .split(' ')
      .slice(0, 2)
      .join(' ')
    const r = await runMain(
      'gitops-bump',
      withValuesFile({
        repository: repo.url,
        tag: TAG,
        'ssh-key': sshInputs()['ssh-key'],
        'ssh-known-hosts': `[127.0.0.1]:${infra.SSH_PORT} ${otherKey}`
      }),
      opts()
    )
    expect(r.exitCode).toBe(1)
    expect(r.commands.find(c => c.command === 'error')?.message).toMatch(
      /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/
    )
    expect(repo.head()).toBe(head)
  })

  // the checks that need no repository are in __tests__/unit/settings.test.ts; the bundle keeps one
  test.each([
    [{ tag: 'v1;rm -rf /' }, /Input 'tag' must be a valid image tag/],
    [{ set: 'image.nope=v2' }, /Input 'values-file' cannot be updated: .* has no key 'image.nope'/],
    [{ set: 'image=v2' }, /is not a single value/],
    [
      { 'values-file': 'helm/none.yaml', chart: 'helm/demo-flask-app' },
      /Input 'values-file' names helm\/none.yaml, which does not exist in ssh:.* on main/
    ]
  ])('bad input %o: a clear error and nothing pushed', async (bad, message) => {
    const repo = exampleRepo()
    const head = repo.head()
    const r = await runMain(
      'gitops-bump',
      withValuesFile({ repository: repo.url, tag: TAG, ...sshInputs(), ...bad }),
      opts()
    )
    expect(r.exitCode).toBe(1)
    expect(r.commands.find(c => c.command === 'error')?.message).toMatch(message)
    expect(repo.head()).toBe(head)
  })

  test('an older run never rolls production back, unless allow-downgrade', async () => {
    const repo = exampleRepo()
    const inputs = { repository: repo.url, ...sshInputs() }
    expect(
      (await runMain('gitops-bump', withValuesFile({ ...inputs, tag: 'v2.0.0-aaaaaaa-20' }), opts())).exitCode
    ).toBe(0)
    const older = await runMain(
      'gitops-bump',
      withValuesFile({ ...inputs, tag: 'v2.0.0-bbbbbbb-19' }),
      opts()
    )
    expect(older.exitCode).toBe(0)
    expect(older.outputs.changed).toBe('false')
    expect(older.commands.some(c => c.command === 'warning' && /not rolled back/.test(c.message))).toBe(true)
    expect(repo.show(VALUES)).toContain('v2.0.0-aaaaaaa-20')
    const forced = await runMain(
      'gitops-bump',
      withValuesFile({ ...inputs, tag: 'v2.0.0-bbbbbbb-19', 'allow-downgrade': 'true' }),
      opts()
    )
    expect(forced.outputs.changed).toBe('true')
    expect(repo.show(VALUES)).toContain('v2.0.0-bbbbbbb-19')
  })

  test('dry-run validates and reports but pushes nothing', async () => {
    const repo = exampleRepo()
    const head = repo.head()
    const r = await runMain(
      'gitops-bump',
      withValuesFile({ repository: repo.url, tag: TAG, 'dry-run': 'true', ...sshInputs() }),
      opts()
    )
    expect(r.exitCode).toBe(0)
    expect(r.outputs.changed).toBe('true')
    expect(r.summary).toContain('dry run')
    expect(repo.head()).toBe(head)
  })

  test('a push rejected with "cannot lock ref" is fetched, re-applied and retried', async () => {
    const repo = exampleRepo()
    const marker = path.join(repo.bare, 'rejected-once')
    const hook = path.join(repo.bare, 'hooks', 'pre-receive')
    fs.writeFileSync(
      hook,
      `#!/bin/sh\nif [ ! -e '${marker}' ]; then touch '${marker}'; echo "error: cannot lock ref 'refs/heads/main': is at 0000 but expected 1111" >&2; exit 1; fi\n`,
      { mode: 0o755 }
    )
    const r = await runMain(
      'gitops-bump',
      withValuesFile({ repository: repo.url, tag: TAG, ...sshInputs() }),
      opts()
    )
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toMatch(/^Attempt 1: The push was rejected/m)
    // the tip did not move: the chart and values are as validated, so the retry only pushes
    expect(r.stdout).toContain('Validation: unchanged since the last attempt')
    expect(repo.show(VALUES)).toContain(TAG)
    expect(repo.count()).toBe(2)
  })

  test('20 concurrent bumps (other files, other keys, the same key) all land, without force', async () => {
    const files: Record<string, string> = { helm: path.join(ROOT, 'example/gitops/helm') }
    const envDir = fs.mkdtempSync(path.join(infra.DEMO_ACTIONS_INFRA, 'envs-'))
    const keys = Array.from({ length: 7 }, (_, i) => `  k${i}: "0"`).join('\n')
    for (let i = 0; i < 7; i++) fs.writeFileSync(path.join(envDir, `e${i}.yaml`), `image:\n  tag: "v0"\n`)
    fs.writeFileSync(path.join(envDir, 'shared.yaml'), `image:\n  tag: "v0"\nkeys:\n${keys}\n`)
    files.envs = envDir
    const repo = hostedRepo(files)
    const common = {
      repository: repo.url,
      chart: 'helm/demo-flask-app',
      ...sshInputs()
    }
    const runs = [
      ...Array.from({ length: 7 }, (_, i) => ({
        ...common,
        'values-file': `envs/e${i}.yaml`,
        set: `image.tag=f${i}`
      })),
      ...Array.from({ length: 7 }, (_, i) => ({
        ...common,
        'values-file': 'envs/shared.yaml',
        set: `keys.k${i}=${i + 1}`
      })),
      ...Array.from({ length: 6 }, (_, i) => ({
        ...common,
        tag: `v3.0.0-ccccccc-${i + 1}`,
        'allow-downgrade': 'true'
      }))
    ]
    const results = await Promise.all(
      runs.map(inputs => runMain('gitops-bump', withValuesFile(inputs), opts()))
    )
    for (const r of results)
      expect({
        exit: r.exitCode,
        changed: r.outputs.changed,
        err: r.commands.filter(c => c.command === 'error')
      }).toEqual({ exit: 0, changed: 'true', err: [] })
    expect(repo.count()).toBe(21)
    for (let i = 0; i < 7; i++) expect(repo.show(`envs/e${i}.yaml`)).toContain(`tag: "f${i}"`)
    const shared = repo.show('envs/shared.yaml')
    for (let i = 0; i < 7; i++) expect(shared).toContain(`k${i}: "${i + 1}"`)
    const tagCommits = git(['log', '--format=%s', 'main', '--', VALUES], repo.bare)
      .split('\n')
      .filter(s => s.includes('v3.0.0-ccccccc'))
    expect(tagCommits).toHaveLength(6)
    const attempts = results.reduce((n, r) => n + (r.stdout.match(/^Attempt \d+: /gm) ?? []).length, 0)
    // a lost race is a line of the log, not a warning annotation (GitHub shows 10 per step)
    expect(results.every(r => r.commands.every(c => c.command !== 'warning'))).toBe(true)
    console.log(
      `20 concurrent bumps: ${results.length} landed, ${attempts} retries, ${Math.max(...results.map(r => r.ms))} ms`
    )
    fs.rmSync(envDir, { recursive: true, force: true })
  })

  test('every fetch and push of a step share one SSH connection, ended with the step', async () => {
    // an sshd of this test's own (same configuration, its own port and log), so connections are counted exactly
    const dir = tempDir('sshd')
    const port = 20000 + Math.floor(Math.random() * 20000)
    const log = path.join(dir, 'sshd.log')
    const sshd = spawn('/usr/sbin/sshd', [
      '-D',
      '-f',
      path.join(infra.DEMO_ACTIONS_INFRA, 'ssh', 'sshd_config'),
      '-p',
      String(port),
      '-o',
      `PidFile=${path.join(dir, 'pid')}`,
      '-E',
      log
    ])
    try {
      for (
        let i = 0;
        i < 50 && !(fs.existsSync(log) && /Server listening/.test(fs.readFileSync(log, 'utf8')));
        i++
      )
        await new Promise(r => setTimeout(r, 100))
      const repo = exampleRepo()
      const marker = path.join(repo.bare, 'rejected-once')
      fs.writeFileSync(
        path.join(repo.bare, 'hooks', 'pre-receive'),
        `#!/bin/sh\nif [ ! -e '${marker}' ]; then touch '${marker}'; echo "error: cannot lock ref 'refs/heads/main': is at 0000 but expected 1111" >&2; exit 1; fi\n`,
        { mode: 0o755 }
      )
      const hostKey = fs.readFileSync(path.join(infra.DEMO_ACTIONS_INFRA, 'ssh', 'host_ed25519.pub'), 'utf8')
      const { main, post } = await runMainAndPost(
        'gitops-bump',
        withValuesFile({
          repository: repo.url.replace(`:${infra.SSH_PORT}/`, `:${port}/`),
          tag: TAG,
          'ssh-key': sshInputs()['ssh-key'],
          'ssh-known-hosts': `[127.0.0.1]:${port} ${hostKey.split(' ').slice(0, 2).join(' ')}`
        }),
        opts()
      )
      expect(main.commands.filter(c => c.command === 'error')).toEqual([])
      expect(main.exitCode).toBe(0)
      expect(post.exitCode).toBe(0)
      // fetch, a rejected push, the refetch and the push that landed: one connection
      expect(main.stdout).toMatch(/^Attempt 1: /m)
      expect(fs.readFileSync(log, 'utf8').match(/Accepted publickey/g)).toHaveLength(1)
      // and no SSH master outlives the step
      const ps = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
      expect(ps.split('\n').filter(l => l.includes(main.runnerTemp))).toEqual([])
    } finally {
      sshd.kill()
    }
  })

  test('10 racing runs of one key, started in random order, end at run 10 and all succeed', async () => {
    const repo = exampleRepo()
    const order = Array.from({ length: 10 }, (_, i) => i + 1).sort(() => Math.random() - 0.5)
    const results = await Promise.all(
      order.map(async (n, i) => {
        await new Promise(r => setTimeout(r, i * 40))
        return runMain(
          'gitops-bump',
          withValuesFile({ repository: repo.url, tag: `v2.0.0-aaaaaaa-${n}`, ...sshInputs() }),
          opts()
        )
      })
    )
    expect(results.map(r => r.exitCode)).toEqual(order.map(() => 0))
    expect(YAML.parse(repo.show(VALUES)).image.tag).toBe('v2.0.0-aaaaaaa-10')
    // every commit on main moved the tag forward (no force push can rewrite it: denyNonFastForwards)
    const tags = git(['log', '--format=%s', '--reverse', 'main'], repo.bare)
      .split('\n')
      .slice(1)
      .map(l => Number(/-(\d+)$/.exec(l)?.[1]))
    expect(tags).toEqual([...tags].sort((a, b) => a - b))
  })

  test('post removes the private folder even when main was killed', async () => {
    const repo = exampleRepo()
    const main = await runMain(
      'gitops-bump',
      withValuesFile({ repository: repo.url, tag: TAG, ...sshInputs() }),
      {
        ...opts(),
        onSpawn: child => setTimeout(() => child.kill('SIGKILL'), 400)
      }
    )
    expect(main.signal).toBe('SIGKILL')
    const post = await runPost('gitops-bump', main, opts())
    // (post's own words when it fails)
    expect({ code: post.exitCode, out: post.exitCode ? post.stdout + post.stderr : '' }).toEqual({
      code: 0,
      out: ''
    })
    if (main.state.privateDir) {
      expect(fs.existsSync(main.state.privateDir)).toBe(false)
      // nor a process of it: an ssh master that git, outliving main, started in the folder
      const ps = execFileSync('ps', ['-eo', 'args='], { encoding: 'utf8' })
      expect(ps.split('\n').filter(l => l.includes(main.state.privateDir))).toEqual([])
    }
    expect(fs.readdirSync(main.runnerTemp).filter(f => f.startsWith('gitops-bump-'))).toEqual([])
  })

  test('pull-request mode pushes a branch of its own and opens, then updates, a pull request', async () => {
    const repo = exampleRepo()
    const head = repo.head()
    const [owner, name] = repo.bare
      .replace(/\.git$/, '')
      .split('/')
      .slice(-2)
    const api = await githubApi(owner, name)
    try {
      const inputs = {
        repository: repo.url,
        tag: TAG,
        mode: 'pull-request',
        token: 'ghs_test_token',
        ...sshInputs()
      }
      const env = { ...opts().env, GITHUB_API_URL: api.url }
      const first = await runMain('gitops-bump', withValuesFile(inputs), { env })
      expect(first.exitCode).toBe(0)
      expect(repo.head()).toBe(head)
      expect(repo.head(`gitops-bump/${TAG}`)).toBe(first.outputs.commit)
      expect(repo.show(VALUES, `gitops-bump/${TAG}`)).toContain(`tag: "${TAG}"`)
      expect(first.outputs['pull-request']).toBe(`https://github.example/${owner}/${name}/pull/1`)
      expect(api.pulls).toMatchObject([
        { head: `gitops-bump/${TAG}`, base: 'main', title: `chore: update demo-flask-app to ${TAG}` }
      ])
      expect(api.requests.every(r => r.authorization === 'token ghs_test_token')).toBe(true)
      expect(first.summary).toContain('Pull request #1 (opened)')
      expectNowhere('ghs_test_token', first)

      const again = await runMain(
        'gitops-bump',
        withValuesFile({ ...inputs, 'commit-message': 'chore: redeploy' }),
        { env }
      )
      expect(again.commands.filter(c => c.command === 'error')).toEqual([])
      expect(again.exitCode).toBe(0)
      expect(api.pulls).toHaveLength(1)
      expect(api.pulls[0].title).toBe('chore: redeploy')
      expect(again.outputs['pull-request']).toBe(first.outputs['pull-request'])
      expect(api.requests.map(r => r.method)).toEqual(['GET', 'POST', 'GET', 'PATCH'])
    } finally {
      await api.close()
    }
  })
})
