// gitops-bump confirming the deploy with real Argo CD (scripts/lab/argocd.sh: argocd-server,
// repo-server and application-controller 3.2.11 built from their Go module, on the Kubernetes lab).
// Each test has a GitOps repository of its own on the SSH git host, seeded with the example's chart,
// and the seed's argocd-application.yaml pointed at it (its own name and namespace). Argo CD reads the
// repository with the deploy key; the lab's kubelet runs the pods the sync makes with Docker, so Healthy
// and Degraded are what the real controllers and Argo CD's health checks conclude.
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import YAML from 'yaml'
import { ROOT, runMain, uniqueName, tempDir } from '../../scripts/lib/runner.mjs'
import { git, hostedRepo, infra, sshInputs, type HostedRepo } from './git-host.js'
import { expectNowhere } from './secrets.js'
import { buildExampleApp } from './example-app.js'

const LAB = process.env.DEMO_ACTIONS_LAB || '/tmp/demo-actions-lab'
const VALUES = 'helm/demo-flask-app/values.yaml'
const REPOSITORY = `${infra.REGISTRY}/lab/demo-flask-app`
const OLD = 'v1.0.0-0000000-0'
const GOOD = 'v2.0.0-3f1c2d4-17'
// (another version: two tags of one version would be ordered by run, and the older not rolled back)
const GOOD2 = 'v2.1.0-5e6f7a8-19'
// the app, built so that it exits at start: its pods never become Ready
const BAD = 'v2.0.0-badc0de-18'

const argo = Object.fromEntries(
  (fs.existsSync(path.join(LAB, 'argocd/env')) ? fs.readFileSync(path.join(LAB, 'argocd/env'), 'utf8') : '')
    .split('\n')
    .filter(Boolean)
    .map(l => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])
)
const token = () => fs.readFileSync(argo.ARGOCD_TOKEN_FILE, 'utf8').trim()
const kubectl = (...args: string[]) =>
  execFileSync(infra.KUBECTL, ['--kubeconfig', path.join(LAB, 'kubeconfig'), ...args], { encoding: 'utf8' })

// helm for validation, wrapped so that the environment it gets is kept (the token must not be in it)
const wrapDir = tempDir('helm-env')
const envLog = path.join(wrapDir, 'env.log')
fs.writeFileSync(path.join(wrapDir, 'helm'), `#!/bin/sh\nenv >> '${envLog}'\nexec '${infra.HELM}' "$@"\n`, {
  mode: 0o755
})
const opts = { env: { PATH: `${wrapDir}:${process.env.PATH}` } }
const apps: string[] = []
const namespaces: string[] = []

beforeAll(() => {
  if (!argo.ARGOCD_SERVER)
    throw new Error(`Argo CD is not up (${LAB}/argocd): run scripts/lab/argocd.sh up (npm test does)`)
  const build = (tag: string, dockerfile: string) =>
    execFileSync('docker', ['build', '-q', '-t', `${REPOSITORY}:${tag}`, '-'], {
      input: dockerfile,
      stdio: ['pipe', 'ignore', 'pipe']
    })
  buildExampleApp(`${REPOSITORY}:${GOOD}`)
  for (const t of [OLD, GOOD2]) execFileSync('docker', ['tag', `${REPOSITORY}:${GOOD}`, `${REPOSITORY}:${t}`])
  build(
    BAD,
    `FROM ${REPOSITORY}:${GOOD}\nCMD ["python3", "-c", "import sys; sys.exit('DATABASE_URL is not set')"]\n`
  )
})

afterAll(() => {
  for (const a of apps)
    kubectl('delete', 'application', a, '-n', 'argocd', '--wait=false', '--ignore-not-found')
  for (const n of namespaces) kubectl('delete', 'namespace', n, '--wait=false', '--ignore-not-found')
  fs.rmSync(wrapDir, { recursive: true, force: true })
})

interface Lab {
  repo: HostedRepo
  app: string
  namespace: string
}

/**
 * A GitOps repository with the example's chart (the lab's image, one replica, a 10 s progress deadline so
 * that a release that never becomes Ready is Degraded soon), and its Argo CD application, Healthy at the seed.
 */
async function gitopsLab(opts: { autoSync?: boolean } = {}): Promise<Lab> {
  const seed = tempDir('argo-seed')
  fs.cpSync(path.join(ROOT, 'example/gitops/helm'), path.join(seed, 'helm'), { recursive: true })
  const values = path.join(seed, VALUES)
  fs.writeFileSync(
    values,
    fs
      .readFileSync(values, 'utf8')
      .replace('repository: ghcr.io/banicr/demo-flask-app', `repository: ${REPOSITORY}`)
      .replace('replicaCount: 2', 'replicaCount: 1')
  )
  const deployment = path.join(seed, 'helm/demo-flask-app/templates/deployment.yaml')
  fs.writeFileSync(
    deployment,
    fs
      .readFileSync(deployment, 'utf8')
      .replace('spec:\n  replicas:', 'spec:\n  progressDeadlineSeconds: 10\n  replicas:')
  )
  const repo = hostedRepo({ helm: path.join(seed, 'helm') })
  fs.rmSync(seed, { recursive: true, force: true })
  return { repo, ...(await application(repo, opts)) }
}

/** The seed's argocd-application.yaml for a repository (a name and namespace of its own). */
async function application(
  repo: HostedRepo,
  opts: { autoSync?: boolean } = {}
): Promise<{ app: string; namespace: string }> {
  const app = uniqueName('app')
  const namespace = uniqueName('argo')
  apps.push(app)
  namespaces.push(namespace)
  const manifest = YAML.parse(
    fs.readFileSync(path.join(ROOT, 'example/gitops/argocd-application.yaml'), 'utf8')
  )
  manifest.metadata.name = app
  manifest.spec.source.repoURL = repo.url
  manifest.spec.destination.namespace = namespace
  if (opts.autoSync === false) delete manifest.spec.syncPolicy.automated
  const file = path.join(os.tmpdir(), `${app}.yaml`)
  fs.writeFileSync(file, YAML.stringify(manifest))
  kubectl('apply', '-f', file)
  fs.rmSync(file)
  if (opts.autoSync !== false)
    await until(() => status(app).health?.status === 'Healthy', 60_000, `${app} Healthy at the seed`)
  return { app, namespace }
}

function status(app: string): {
  sync?: { status?: string; revision?: string }
  health?: { status?: string }
} {
  return JSON.parse(kubectl('get', 'application', app, '-n', 'argocd', '-o', 'json')).status ?? {}
}

async function until(ok: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms
  while (!ok()) {
    if (Date.now() > end) throw new Error(`not within ${ms / 1000} s: ${what}`)
    await new Promise(r => setTimeout(r, 500))
  }
}

const inputs = (lab: Lab, tag: string, extra: Record<string, string> = {}) => ({
  repository: lab.repo.url,
  tag,
  ...sshInputs(),
  'argocd-server': argo.ARGOCD_SERVER,
  'argocd-token': token(),
  'argocd-application': lab.app,
  'argocd-ca': fs.readFileSync(argo.ARGOCD_CA, 'utf8'),
  'argocd-timeout': '90s',
  ...extra
})
const errors = (r: { commands: { command: string; message: string }[] }) =>
  r.commands.filter(c => c.command === 'error').map(c => c.message)

test('a bump that ends Healthy: confirmed at the pushed commit, the token nowhere', async () => {
  const lab = await gitopsLab()
  fs.rmSync(envLog, { force: true })
  const main = await runMain('gitops-bump', inputs(lab, GOOD), opts)
  expect(errors(main)).toEqual([])
  expect(main.exitCode).toBe(0)
  const commit = lab.repo.head()
  expect(main.outputs).toMatchObject({
    changed: 'true',
    commit,
    deployed: 'true',
    'argocd-revision': commit,
    'argocd-health': 'Healthy'
  })
  expect(main.stdout).toMatch(/Synced at [0-9a-f]{12} and Healthy, [\d.]+ s after the push/)
  expect(main.summary).toContain('Push to Healthy')
  expect(main.summary).toMatch(
    new RegExp(`<td>${lab.app}</td><td>✅ Healthy</td><td>Synced</td><td>${commit.slice(0, 12)}</td>`)
  )
  // what runs in the lab is the new tag
  const image = kubectl(
    'get',
    'deployments',
    '-n',
    lab.namespace,
    '-o',
    'jsonpath={.items[0].spec.template.spec.containers[0].image}'
  )
  expect(image).toBe(`${REPOSITORY}:${GOOD}`)
  expectNowhere(token(), main)
  expect(fs.readFileSync(envLog, 'utf8')).not.toContain(token())
  expect(fs.readFileSync(envLog, 'utf8')).not.toMatch(/ARGOCD/)
})

test("a bump whose pods never become Ready: Degraded, the step fails with the resources' messages", async () => {
  const lab = await gitopsLab()
  const main = await runMain('gitops-bump', inputs(lab, BAD), opts)
  expect(main.exitCode).toBe(1)
  expect(main.outputs).toMatchObject({ changed: 'true', deployed: 'false', 'argocd-health': 'Degraded' })
  const error = errors(main).join('\n')
  expect(error).toContain(`Argo CD application ${lab.app}: Degraded at`)
  expect(error).toMatch(
    /Deployment\/\S+-demo-flask-app: Degraded \(Deployment "\S+-demo-flask-app" exceeded its progress deadline\)/
  )
  // fail (the default) leaves the bump in place
  expect(lab.repo.show(VALUES)).toContain(`tag: "${BAD}"`)
  expect(main.summary).toContain('❌')
})

test('on-degraded: revert puts the values back, and Argo CD returns to Healthy', async () => {
  const lab = await gitopsLab()
  const main = await runMain('gitops-bump', inputs(lab, BAD, { 'on-degraded': 'revert' }), opts)
  expect(main.exitCode).toBe(1)
  const error = errors(main).join('\n')
  const revert = lab.repo.head()
  expect(error).toContain(`on-degraded: revert: the bump was reverted in ${revert}`)
  expect(main.summary).toContain('reverted in')
  expect(lab.repo.show(VALUES)).toContain(`tag: "${OLD}"`)
  expect(git(['log', '-1', '--format=%s%n%b', 'main'], lab.repo.bare)).toMatch(
    /^Revert "chore: update demo-flask-app to v2\.0\.0-badc0de-18"\nThis reverts commit [0-9a-f]{40}: Argo CD: .* Degraded/
  )
  expect(lab.repo.count()).toBe(3)
  await until(
    () => {
      const st = status(lab.app)
      return st.sync?.revision === revert && st.sync?.status === 'Synced' && st.health?.status === 'Healthy'
    },
    90_000,
    'Argo CD Healthy at the revert'
  )
})

test('two racing bumps: both land, and each is confirmed by a revision that contains it', async () => {
  const lab = await gitopsLab()
  const set = (tag: string) => ({ set: `env.appVersion=${tag}` })
  const [a, b] = await Promise.all([
    runMain('gitops-bump', { ...inputs(lab, GOOD), ...set(GOOD), 'values-file': VALUES }, opts),
    runMain('gitops-bump', { ...inputs(lab, GOOD2), ...set(GOOD2), 'values-file': VALUES }, opts)
  ])
  expect([errors(a), errors(b)]).toEqual([[], []])
  expect([a.outputs.deployed, b.outputs.deployed]).toEqual(['true', 'true'])
  const commits = [a.outputs.commit, b.outputs.commit]
  expect(new Set(commits).size).toBe(2)
  expect(lab.repo.count()).toBe(3)
  // the later of the two is what Argo CD deployed for both
  const head = lab.repo.head()
  expect(commits).toContain(head)
  for (const r of [a, b])
    expect(
      git(['merge-base', '--is-ancestor', r.outputs.commit, r.outputs['argocd-revision']], lab.repo.bare)
    ).toBe('')
})

test('one bump deploying two applications: each confirmed, outputs and summary per application', async () => {
  const lab = await gitopsLab()
  const other = await application(lab.repo)
  const main = await runMain(
    'gitops-bump',
    inputs(lab, GOOD, { 'argocd-application': `${lab.app}\n${other.app}` }),
    opts
  )
  expect(errors(main)).toEqual([])
  const commit = lab.repo.head()
  expect(main.outputs.deployed).toBe('true')
  expect(main.outputs['argocd-revision']).toBe(`${lab.app}=${commit}\n${other.app}=${commit}`)
  expect(main.outputs['argocd-health']).toBe(`${lab.app}=Healthy\n${other.app}=Healthy`)
  for (const a of [lab.app, other.app]) expect(main.summary).toContain(`<td>${a}</td><td>✅ Healthy</td>`)
})

test('a wrong token and an unknown application fail before anything is pushed', async () => {
  const lab = await gitopsLab()
  const head = lab.repo.head()
  const wrong = await runMain('gitops-bump', inputs(lab, GOOD, { 'argocd-token': 'not-a-token' }), opts)
  expect(wrong.exitCode).toBe(1)
  expect(errors(wrong).join('\n')).toMatch(
    /argocd-token.*was refused by Argo CD .*HTTP 401.*nothing was pushed/
  )
  const unknown = await runMain(
    'gitops-bump',
    inputs(lab, GOOD, { 'argocd-application': 'no-such-app' }),
    opts
  )
  expect(unknown.exitCode).toBe(1)
  expect(errors(unknown).join('\n')).toMatch(
    /argocd-application.*names 'no-such-app'.*permission denied.*nothing was pushed/
  )
  expect(lab.repo.head()).toBe(head)
  const untrusted = await runMain('gitops-bump', inputs(lab, GOOD, { 'argocd-ca': '' }), opts)
  expect(errors(untrusted).join('\n')).toMatch(/argocd-ca.*does not verify/)
  expect(lab.repo.head()).toBe(head)
})

test('an application with auto-sync off never syncs: the step fails at argocd-timeout, saying what Argo CD said', async () => {
  const lab = await gitopsLab({ autoSync: false })
  const main = await runMain('gitops-bump', inputs(lab, GOOD, { 'argocd-timeout': '8s' }), opts)
  expect(main.exitCode).toBe(1)
  const commit = lab.repo.head()
  const error = errors(main).join('\n')
  expect(error).toContain(`not deployed within argocd-timeout (8 s) of commit ${commit}`)
  expect(error).toMatch(/Argo CD last said: sync OutOfSync/)
  expect(main.outputs.deployed).toBe('false')
})

test('argocd inputs are checked before anything else', async () => {
  const lab = { repo: { url: 'ssh://x@127.0.0.1:1/x.git' }, app: 'a' } as unknown as Lab
  const bad = async (extra: Record<string, string>, re: RegExp) => {
    const r = await runMain('gitops-bump', inputs(lab, GOOD, extra), opts)
    expect(r.exitCode).toBe(1)
    expect(errors(r).join('\n')).toMatch(re)
  }
  await bad({ 'argocd-server': 'http://127.0.0.1:18080' }, /argocd-server.*must be a plain https:\/\/ URL/)
  await bad({ 'argocd-token': '' }, /argocd-token.*is required/)
  await bad({ 'argocd-application': 'Bad_Name' }, /argocd-application.*lines must be application names/)
  await bad({ 'argocd-ca': '/etc/ssl/ca.pem' }, /argocd-ca.*must be PEM text/)
  await bad({ 'on-degraded': 'rollback' }, /on-degraded/)
  await bad({ mode: 'pull-request', token: 'x' }, /argocd-server.*applies to mode: push only/)
})
