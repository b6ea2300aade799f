// gitops-bump's main with fake Argo CD, registry and GitHub, and a real git repository on disk (file://, no
// network, milliseconds): the order of its phases, what each failure leaves (nothing pushed), the digest
// pin, the pull request, the no-downgrade guard, and promotion from another environment.
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { runStage } from '../../src/common/stage.js'
import type { Deploy } from '../../src/gitops-bump/outcome.js'
import type { Argo, Deps } from '../../src/gitops-bump/deps.js'
import { makeDeps } from '../../src/gitops-bump/deps.js'
import { gitopsBump } from '../../src/gitops-bump/main.js'
import { PromotionRefused } from '../../src/gitops-bump/promote.js'
import type { Verified } from '../../src/gitops-bump/verify.js'
import { runInStep, type Inputs } from './step.js'

const D1 = `sha256:${'1'.repeat(64)}`
const D2 = `sha256:${'2'.repeat(64)}`
const STAGING = 'helm/app/values.yaml'
const PROD = 'helm/app/values-production.yaml'
const values = (tag: string, digest = '') =>
  `replicaCount: 2\nimage:\n  repository: ghcr.io/o/app\n  tag: "${tag}"\n  digest: "${digest}"\nenv:\n  appVersion: "${tag}"\n`

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@t',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@t'
    }
  }).trim()

let dir: string
let bare: string
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-'))
  bare = path.join(dir, 'gitops.git')
  const work = path.join(dir, 'work')
  fs.mkdirSync(path.join(work, 'helm/app'), { recursive: true })
  fs.writeFileSync(path.join(work, 'helm/app/Chart.yaml'), 'apiVersion: v2\nname: app\nversion: 0.1.0\n')
  fs.writeFileSync(path.join(work, STAGING), values('v2.0.0-aaaaaaa-20', D2))
  fs.writeFileSync(path.join(work, PROD), values('v2.0.0-bbbbbbb-10', D1))
  git(dir, 'init', '-q', '--bare', '-b', 'main', bare)
  git(work, 'init', '-q', '-b', 'main')
  git(work, 'add', '-A')
  git(work, 'commit', '-qm', 'seed')
  git(work, 'push', '-q', bare, 'main')
})
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }))

const show = (file: string) => git(dir, '--git-dir', bare, 'show', `main:${file}`)
const head = () => git(dir, '--git-dir', bare, 'rev-parse', 'main')

interface Fakes {
  calls: string[]
  verified?: Verified | Error
  gate?: Error
  deploy?: Deploy
}

function argo(f: Fakes): Argo {
  return {
    check: async () => void f.calls.push('argo check'),
    confirm: async () => {
      f.calls.push('argo confirm')
      return f.deploy ?? { results: [], deployed: true }
    },
    deployError: () => new Error('The deploy was not confirmed'),
    gate: async (app, source) => {
      f.calls.push(
        `gate ${app.name} ${source.tag}@${source.digest.slice(7, 11)} at ${source.revision.slice(0, 7)}`
      )
      if (f.gate) throw f.gate
      return { app, health: 'Healthy', sync: 'Synced', revision: source.revision, pods: 2, soakSeconds: 900 }
    },
    close: () => undefined
  }
}

async function run(f: Fakes, inputs: Inputs) {
  return runInStep('gitops-bump', { repository: `file://${bare}`, validate: 'false', ...inputs }, () =>
    runStage(gitopsBump, {
      deps: async (s, step) => {
        const real = await makeDeps({ ...s, argocd: undefined }, step)
        const openRepo = real.openRepo
        return {
          ...real,
          argo: s.argocd ? argo(f) : undefined,
          openRepo: async settings => {
            f.calls.push('fetch')
            return openRepo(settings)
          },
          verifyImage: async settings => {
            f.calls.push(`verify ${settings.tag}`)
            if (f.verified instanceof Error) throw f.verified
            return f.verified ?? { image: 'ghcr.io/o/app', digest: D2, signer: 'ci', predicates: ['sig'] }
          },
          openPullRequest: async (_, branch) => {
            f.calls.push(`pull request from ${branch}`)
            return { number: 7, url: 'https://github.com/o/gitops/pull/7', created: true }
          }
        } satisfies Deps
      }
    })
  )
}

const ARGO = {
  'argocd-server': 'https://argocd.example.com',
  'argocd-token': 'argocd-unit-test-token-0002',
  'argocd-application': 'prod'
}

describe('gitops-bump main, with fake Argo CD and registry over a real git repository', () => {
  test('a bump: fetched, edited, pushed; outputs name the commit and the previous tag', async () => {
    const f: Fakes = { calls: [] }
    const r = await run(f, { 'values-file': PROD, tag: 'v2.0.0-ccccccc-30' })
    expect(r.error).toBeUndefined()
    expect(show(PROD)).toContain('tag: "v2.0.0-ccccccc-30"')
    // a digest pinned by an earlier bump belongs to the earlier tag
    expect(show(PROD)).toContain('digest: ""')
    expect(r.outputs).toMatchObject({ changed: 'true', commit: head(), 'previous-tag': 'v2.0.0-bbbbbbb-10' })
    expect(r.summary).toContain('v2.0.0-bbbbbbb-10 → v2.0.0-ccccccc-30')
  })

  test('the no-downgrade guard: an older run of the same version is left alone, nothing pushed', async () => {
    const before = head()
    const r = await run({ calls: [] }, { 'values-file': PROD, tag: 'v2.0.0-ddddddd-9' })
    expect(r.error).toBeUndefined()
    expect(head()).toBe(before)
    expect(r.outputs.changed).toBe('false')
    expect(r.commands.some(c => /^::warning.*not rolled back|downgrade/i.test(c))).toBe(true)
  })

  test('verify-image: verified before anything is fetched, then the digest is pinned', async () => {
    const f: Fakes = { calls: [] }
    const r = await run(f, {
      'values-file': PROD,
      tag: 'v2.0.0-ccccccc-30',
      'verify-image': 'ghcr.io/o/app',
      'certificate-identity': 'https://github.com/o/app/.github/workflows/ci.yml@refs/heads/main',
      'pin-digest': 'key'
    })
    expect(r.error).toBeUndefined()
    expect(f.calls).toEqual(['verify v2.0.0-ccccccc-30', 'fetch'])
    expect(show(PROD)).toContain(`digest: "${D2}"`)
    expect(r.outputs['verified-digest']).toBe(D2)
  })

  test('a signature that does not verify: nothing fetched, nothing pushed, the reason given', async () => {
    const f: Fakes = { calls: [], verified: new Error('no bundle is signed by the expected identity') }
    const before = head()
    const r = await run(f, {
      'values-file': PROD,
      tag: 'v2.0.0-ccccccc-30',
      'verify-image': 'ghcr.io/o/app',
      'certificate-identity': 'https://github.com/o/app/.github/workflows/ci.yml@refs/heads/main'
    })
    expect(r.error?.message).toBe(
      'Verification failed, nothing was pushed: no bundle is signed by the expected identity'
    )
    expect(f.calls).toEqual(['verify v2.0.0-ccccccc-30'])
    expect(head()).toBe(before)
  })

  test('pull-request mode: the bump goes to its own branch and the pull request is opened', async () => {
    const f: Fakes = { calls: [] }
    const before = head()
    const r = await run(f, {
      'values-file': PROD,
      tag: 'v2.0.0-ccccccc-30',
      mode: 'pull-request',
      token: 'ghs_unit_test_token_0001'
    })
    expect(r.error).toBeUndefined()
    expect(f.calls).toContain('pull request from gitops-bump/v2.0.0-ccccccc-30')
    expect(head()).toBe(before)
    expect(git(dir, '--git-dir', bare, 'show', 'gitops-bump/v2.0.0-ccccccc-30:' + PROD)).toContain(
      'v2.0.0-ccccccc-30'
    )
    expect(r.outputs).toMatchObject({
      'pull-request': 'https://github.com/o/gitops/pull/7',
      'pull-request-number': '7'
    })
  })

  test('Argo CD: the applications read before the fetch; a deploy not confirmed fails the step after the push', async () => {
    const f: Fakes = { calls: [], deploy: { results: [], deployed: false } }
    const r = await run(f, { 'values-file': PROD, tag: 'v2.0.0-ccccccc-30', ...ARGO })
    expect(f.calls).toEqual(['argo check', 'fetch', 'argo confirm'])
    expect(r.error?.message).toBe('The deploy was not confirmed')
    expect(r.outputs.deployed).toBe('false')
    expect(show(PROD)).toContain('v2.0.0-ccccccc-30')
  })
})

describe('gitops-bump promote-from', () => {
  test('without an application: the source values’ tag and digest written as a bump would write them', async () => {
    const f: Fakes = { calls: [] }
    const r = await run(f, { 'values-file': PROD, 'promote-from': STAGING })
    expect(r.error).toBeUndefined()
    const prod = show(PROD)
    expect(prod).toContain('tag: "v2.0.0-aaaaaaa-20"')
    expect(prod).toContain(`digest: "${D2}"`)
    expect(prod).toContain('appVersion: "v2.0.0-aaaaaaa-20"')
    expect(show(STAGING)).toBe(values('v2.0.0-aaaaaaa-20', D2).trimEnd())
    expect(r.outputs).toMatchObject({ 'promoted-tag': 'v2.0.0-aaaaaaa-20', 'promoted-digest': D2 })
    expect(r.outputs['source-revision']).toMatch(/^[0-9a-f]{40}$/)
    expect(r.summary).toContain('Promoted')
  })

  test('with its application: the gate before the verify and the push; the source revision from the gate', async () => {
    const f: Fakes = { calls: [] }
    const seed = head()
    const r = await run(f, {
      'values-file': PROD,
      'promote-from': STAGING,
      'promote-from-application': 'staging',
      ...ARGO,
      'verify-image': 'ghcr.io/o/app',
      'certificate-identity': 'https://github.com/o/app/.github/workflows/ci.yml@refs/heads/main',
      'pin-digest': 'key'
    })
    expect(r.error).toBeUndefined()
    expect(f.calls).toEqual([
      'argo check',
      'fetch',
      `gate staging v2.0.0-aaaaaaa-20@2222 at ${seed.slice(0, 7)}`,
      'verify v2.0.0-aaaaaaa-20',
      'argo confirm'
    ])
    expect(r.outputs['source-revision']).toBe(seed)
    expect(r.summary).toContain('Healthy, Synced, 2 pod(s) on the digest')
  })

  test('refused by the gate: nothing pushed, the reason is the step’s error', async () => {
    const f: Fakes = {
      calls: [],
      gate: new PromotionRefused(
        'staging is Degraded (Deployment/app: exceeded its progress deadline), not Healthy'
      )
    }
    const before = head()
    const r = await run(f, {
      'values-file': PROD,
      'promote-from': STAGING,
      'promote-from-application': 'staging',
      ...ARGO
    })
    expect(r.error?.message).toBe(
      'Promotion refused, nothing was pushed: staging is Degraded (Deployment/app: exceeded its progress deadline), not Healthy'
    )
    expect(head()).toBe(before)
    expect(f.calls).not.toContain('argo confirm')
  })

  test('source values without a digest while verify-image is set: refused', async () => {
    const work = path.join(dir, 'work')
    fs.writeFileSync(path.join(work, STAGING), values('v2.0.0-aaaaaaa-21'))
    git(work, 'commit', '-qam', 'staging without digest')
    git(work, 'push', '-q', bare, 'main')
    const before = head()
    const r = await run(
      { calls: [] },
      {
        'values-file': PROD,
        'promote-from': STAGING,
        'verify-image': 'ghcr.io/o/app',
        'certificate-identity': 'https://github.com/o/app/.github/workflows/ci.yml@refs/heads/main'
      }
    )
    expect(r.error?.message).toMatch(
      /^Promotion refused, nothing was pushed: helm\/app\/values.yaml names no image.digest/
    )
    expect(head()).toBe(before)
  })

  test('a target already at a newer version is left alone, as a bump leaves it', async () => {
    const work = path.join(dir, 'work')
    fs.writeFileSync(path.join(work, PROD), values('v2.0.0-eeeeeee-40', D1))
    git(work, 'commit', '-qam', 'prod ahead')
    git(work, 'push', '-q', bare, 'main')
    const before = head()
    const r = await run({ calls: [] }, { 'values-file': PROD, 'promote-from': STAGING })
    expect(r.error).toBeUndefined()
    expect(head()).toBe(before)
    expect(r.outputs.changed).toBe('false')
  })

  test('a source file that is not in the repository names the input', async () => {
    const r = await run({ calls: [] }, { 'values-file': PROD, 'promote-from': 'envs/none.yaml' })
    expect(r.error?.message).toMatch(
      /^Input 'promote-from' names envs\/none.yaml, which is not in main at [0-9a-f]{12}/
    )
  })
})
