// Signed commits and fuller pull requests, through the committed gitops-bump bundle, the real
// SSH git host and helm, and the loopback GitHub API stand-in (github-api.ts, backed by the same bare
// repository, checking what GitHub's REST docs require of each call).
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { ROOT, runMain, tempDir } from '../../scripts/lib/runner.mjs'
import { git, helmPath, hostedRepo, sshInputs, withValuesFile } from './git-host.js'
import { githubApi } from './github-api.js'
import { expectNowhere, filesLeaking } from './secrets.js'

const VALUES = 'helm/demo-flask-app/values.yaml'
const TAG = 'v2.0.0-3f1c2d4-17'
const TOKEN = 'ghs_test_token'
const exampleRepo = () => hostedRepo({ helm: path.join(ROOT, 'example/gitops/helm') })

async function withApi<T>(
  repo: ReturnType<typeof hostedRepo>,
  fn: (api: Awaited<ReturnType<typeof githubApi>>, env: Record<string, string>) => Promise<T>,
  opts: Parameters<typeof githubApi>[3] = {}
) {
  const [owner, name] = repo.bare
    .replace(/\.git$/, '')
    .split('/')
    .slice(-2)
  const api = await githubApi(owner, name, repo.bare, opts)
  try {
    return await fn(api, { PATH: helmPath(), GITHUB_API_URL: api.url })
  } finally {
    await api.close()
  }
}

describe('gitops-bump: commits GitHub signs (sign-commits, through the API)', () => {
  test('the commit is made through the API on top of the fetched tip, with no author of ours: verified', async () => {
    const repo = exampleRepo()
    const parent = repo.head()
    await withApi(repo, async (api, env) => {
      const r = await runMain(
        'gitops-bump',
        withValuesFile({
          repository: repo.url,
          tag: TAG,
          token: TOKEN,
          'sign-commits': 'true',
          ...sshInputs()
        }),
        { env }
      )
      expect(r.commands.filter(c => c.command === 'error')).toEqual([])
      expect(r.exitCode).toBe(0)
      const head = repo.head()
      expect(r.outputs.commit).toBe(head)
      expect(api.commits.get(head)).toEqual({ verified: true })
      expect(git(['rev-parse', `${head}^`], repo.bare)).toBe(parent)
      expect(repo.show(VALUES)).toContain(`tag: "${TAG}"`)
      const calls = api.requests.map(q => `${q.method} ${q.path.replace(/[0-9a-f]{40}/, 'SHA')} ${q.status}`)
      expect(calls).toEqual([
        'GET /repos/git/' +
          repo.bare
            .split('/')
            .pop()!
            .replace(/\.git$/, '') +
          '/git/commits/SHA 200',
        ...calls.slice(1, -2),
        expect.stringMatching(/^POST .*\/git\/commits 201$/),
        expect.stringMatching(/^PATCH .*\/git\/refs\/heads(\/|%2F)main 200$/)
      ])
      const created = api.requests.find(q => q.path.endsWith('/git/commits') && q.method === 'POST')!
      expect(created.body).not.toHaveProperty('author')
      expect(created.body).not.toHaveProperty('committer')
      expect(api.requests.find(q => q.method === 'PATCH')?.body).toMatchObject({ force: false })
      expectNowhere(TOKEN, r)
    })
  })

  test('four bumps racing through the API all land: a refused ref update is retried, never forced', async () => {
    const repo = hostedRepo({
      a: path.join(ROOT, 'example/gitops/helm/demo-flask-app'),
      b: path.join(ROOT, 'example/gitops/helm/demo-flask-app'),
      c: path.join(ROOT, 'example/gitops/helm/demo-flask-app'),
      d: path.join(ROOT, 'example/gitops/helm/demo-flask-app')
    })
    const before = repo.count()
    await withApi(repo, async (api, env) => {
      const runs = await Promise.all(
        ['a', 'b', 'c', 'd'].map(chart =>
          runMain(
            'gitops-bump',
            withValuesFile({
              repository: repo.url,
              'values-file': `${chart}/values.yaml`,
              tag: TAG,
              token: TOKEN,
              'sign-commits': 'true',
              ...sshInputs()
            }),
            { env }
          )
        )
      )
      expect(runs.map(r => r.exitCode)).toEqual([0, 0, 0, 0])
      expect(repo.count()).toBe(before + 4)
      for (const chart of ['a', 'b', 'c', 'd'])
        expect(repo.show(`${chart}/values.yaml`)).toContain(`tag: "${TAG}"`)
      const patches = api.requests.filter(q => q.method === 'PATCH')
      expect(patches.length).toBeGreaterThanOrEqual(4)
      expect(patches.every(q => q.body?.force === false)).toBe(true)
    })
  })

  test('a ref update refused because another commit landed in between: retried on the new tip, never forced', async () => {
    const repo = exampleRepo()
    const work = tempDir('other-writer')
    git(['clone', '-q', repo.bare, work])
    // another writer's commit, pushed after the step made its commit and before it moves the branch
    const landInBetween = () => {
      fs.writeFileSync(path.join(work, 'OTHER.md'), 'another change\n')
      git(['add', 'OTHER.md'], work)
      git(['-c', 'user.name=o', '-c', 'user.email=o@o', 'commit', '-qm', 'other writer'], work)
      git(['push', '-q', 'origin', 'HEAD:main'], work)
    }
    await withApi(
      repo,
      async (api, env) => {
        const r = await runMain(
          'gitops-bump',
          withValuesFile({
            repository: repo.url,
            tag: TAG,
            token: TOKEN,
            'sign-commits': 'true',
            ...sshInputs()
          }),
          { env }
        )
        expect(r.commands.filter(c => c.command === 'error')).toEqual([])
        expect(r.exitCode).toBe(0)
        const patches = api.requests.filter(q => q.method === 'PATCH')
        expect(patches.map(q => q.status)).toEqual([422, 200])
        expect(patches.every(q => q.body?.force === false)).toBe(true)
        // the bump sits on top of the other writer's commit, which is kept
        const head = repo.head()
        expect(git(['log', '-1', '--format=%s', `${head}^`], repo.bare)).toBe('other writer')
        expect(repo.show('OTHER.md')).toBe('another change')
        expect(repo.show(VALUES)).toContain(`tag: "${TAG}"`)
        expect(api.commits.get(head)).toEqual({ verified: true })
      },
      { beforeRefUpdate: landInBetween }
    )
  })

  test('sign-commits needs a token', async () => {
    const repo = exampleRepo()
    const r = await runMain(
      'gitops-bump',
      withValuesFile({ repository: repo.url, tag: TAG, 'sign-commits': 'true', ...sshInputs() }),
      {
        env: { PATH: helmPath() }
      }
    )
    expect(r.exitCode).toBe(1)
    expect(r.commands.find(c => c.command === 'error')?.message).toMatch(
      /Input 'token' is required with sign-commits/
    )
  })
})

describe('gitops-bump: commits signed with an SSH key (signing-key)', () => {
  test('git signs the commit; it verifies against the key; the key is nowhere after the step', async () => {
    const dir = tempDir('signing')
    const keyFile = path.join(dir, 'signing')
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'gitops-signing', '-f', keyFile])
    const key = fs.readFileSync(keyFile, 'utf8')
    const repo = exampleRepo()
    const r = await runMain(
      'gitops-bump',
      withValuesFile({ repository: repo.url, tag: TAG, 'signing-key': key, ...sshInputs() }),
      { env: { PATH: helmPath() } }
    )
    expect(r.commands.filter(c => c.command === 'error')).toEqual([])
    expect(r.exitCode).toBe(0)
    const allowed = path.join(dir, 'allowed_signers')
    fs.writeFileSync(allowed, `github-actions[bot] ${fs.readFileSync(keyFile + '.pub', 'utf8')}`)
    const verify = execFileSync(
      'git',
      ['-c', `gpg.ssh.allowedSignersFile=${allowed}`, 'verify-commit', '--raw', 'main'],
      { cwd: repo.bare, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }
    )
    void verify
    const status = execFileSync(
      'git',
      ['-c', `gpg.ssh.allowedSignersFile=${allowed}`, 'log', '-1', '--format=%G?', 'main'],
      { cwd: repo.bare, encoding: 'utf8' }
    ).trim()
    expect(status).toBe('G')
    const line = key.trim().split('\n')[1]
    expectNowhere(key, r)
    expect(filesLeaking(r.runnerTemp, line)).toEqual([])
  })

  test('a signing key that is not an SSH private key is refused by name', async () => {
    const repo = exampleRepo()
    const r = await runMain(
      'gitops-bump',
      withValuesFile({ repository: repo.url, tag: TAG, 'signing-key': 'not a key', ...sshInputs() }),
      {
        env: { PATH: helmPath() }
      }
    )
    expect(r.exitCode).toBe(1)
    expect(r.commands.find(c => c.command === 'error')?.message).toMatch(
      /Input 'signing-key' must be an SSH private key/
    )
  })
})

describe('gitops-bump: fuller pull requests', () => {
  test('draft, labels, reviewers (users and teams), auto-merge, and the number as an output', async () => {
    const repo = exampleRepo()
    await withApi(repo, async (api, env) => {
      const r = await runMain(
        'gitops-bump',
        withValuesFile({
          repository: repo.url,
          tag: TAG,
          mode: 'pull-request',
          token: TOKEN,
          draft: 'true',
          labels: 'deploy, gitops',
          reviewers: 'octocat\nbanicr/platform',
          'auto-merge': 'squash',
          ...sshInputs()
        }),
        { env }
      )
      expect(r.commands.filter(c => c.command === 'error')).toEqual([])
      expect(r.exitCode).toBe(0)
      expect(r.outputs['pull-request-number']).toBe('1')
      expect(api.pulls[0]).toMatchObject({
        draft: true,
        labels: ['deploy', 'gitops'],
        reviewers: ['octocat'],
        team_reviewers: ['platform'],
        auto_merge: 'SQUASH'
      })
      expect(api.requests.every(q => (q.status ?? 0) < 300)).toBe(true)
    })
  })

  test('pull-request mode with sign-commits creates the branch through the API', async () => {
    const repo = exampleRepo()
    const head = repo.head()
    await withApi(repo, async (api, env) => {
      const r = await runMain(
        'gitops-bump',
        withValuesFile({
          repository: repo.url,
          tag: TAG,
          mode: 'pull-request',
          token: TOKEN,
          'sign-commits': 'true',
          ...sshInputs()
        }),
        { env }
      )
      expect(r.commands.filter(c => c.command === 'error')).toEqual([])
      expect(r.exitCode).toBe(0)
      expect(repo.head()).toBe(head)
      expect(repo.head(`gitops-bump/${TAG}`)).toBe(r.outputs.commit)
      expect(api.commits.get(r.outputs.commit)).toEqual({ verified: true })
      expect(
        api.requests.some(q => q.method === 'POST' && q.path.endsWith('/git/refs') && q.status === 201)
      ).toBe(true)
      expect(api.pulls).toHaveLength(1)
    })
  })

  test('labels without pull-request mode are refused by name', async () => {
    const repo = exampleRepo()
    const r = await runMain(
      'gitops-bump',
      withValuesFile({ repository: repo.url, tag: TAG, labels: 'x', ...sshInputs() }),
      {
        env: { PATH: helmPath() }
      }
    )
    expect(r.exitCode).toBe(1)
    expect(r.commands.find(c => c.command === 'error')?.message).toMatch(
      /Input 'labels' applies to mode: pull-request only/
    )
  })
})
