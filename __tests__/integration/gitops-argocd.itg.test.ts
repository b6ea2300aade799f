// gitops-bump confirming the deploy with real Argo CD: v3.2.11 installed in the seed's kind cluster from
// its own install.yaml (scripts/seed/seed.sh), its images built from its Go module. Each test has a
// GitOps repository of its own on the SSH git host, seeded with the example's chart, and the seed's
// argocd-application.yaml pointed at it (its own name and namespace). Argo CD reads the repository over
// SSH at git.demo-actions.test with the deploy key; the cluster's kubelet pulls the app from the registry
// by name and runs it, so Healthy and Degraded are what the real controllers and Argo CD's health checks
// conclude.
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as https from 'node:https'
import * as path from 'node:path'
import YAML from 'yaml'
import { parseFileCommands, ROOT, runMain, uniqueName, tempDir } from '../../scripts/lib/runner.mjs'
import { HOLD_TIMEOUT, holdSeed, releaseSeed } from './seed.js'
import { git, hostedRepo, infra, sshInputs, type HostedRepo, withValuesFile } from './git-host.js'
import { expectNowhere } from './secrets.js'
import { buildCrashingApp, buildExampleApp, push } from './example-app.js'

const SEED = process.env.DEMO_ACTIONS_SEED || '/tmp/demo-actions-seed'
const VALUES = 'helm/demo-flask-app/values.yaml'
const REPOSITORY = `${infra.REGISTRY}/argo/demo-flask-app`
const OLD = 'v1.0.0-0000000-0'
const GOOD = 'v2.0.0-3f1c2d4-17'
// (another version: two tags of one version would be ordered by run, and the older not rolled back)
const GOOD2 = 'v2.1.0-5e6f7a8-19'
// the app, built so that it exits at start: its pods never become Ready
const BAD = 'v2.0.0-badc0de-18'
// the app, built so that it starts serving only 12 s after it starts: a rollout that is long Progressing
const SLOW = 'v2.2.0-51o0aaa-20'

const argo = fs.existsSync(path.join(SEED, 'env'))
  ? parseFileCommands(fs.readFileSync(path.join(SEED, 'env'), 'utf8'))
  : {}
const token = () => fs.readFileSync(argo.ARGOCD_TOKEN_FILE, 'utf8').trim()
const kubectl = (...args: string[]) =>
  execFileSync(infra.KUBECTL, ['--kubeconfig', argo.KUBECONFIG, ...args], { encoding: 'utf8' })

// helm for validation, wrapped so that the environment it gets is kept (the token must not be in it)
const wrapDir = tempDir('helm-env')
const envLog = path.join(wrapDir, 'env.log')
fs.writeFileSync(path.join(wrapDir, 'helm'), `#!/bin/sh\nenv >> '${envLog}'\nexec '${infra.HELM}' "$@"\n`, {
  mode: 0o755
})
const opts = { env: { PATH: `${wrapDir}:${process.env.PATH}` } }
const apps: string[] = []
const namespaces: string[] = []

// the seed's clusters awake from the first hook to the last (./seed.ts)
beforeAll(holdSeed, HOLD_TIMEOUT)
beforeAll(() => {
  if (!argo.ARGOCD_SERVER)
    throw new Error(`Argo CD is not up (${SEED}): run scripts/seed/seed.sh up (npm test does)`)
  buildExampleApp(`${REPOSITORY}:${GOOD}`)
  for (const t of [OLD, GOOD2]) execFileSync('docker', ['tag', `${REPOSITORY}:${GOOD}`, `${REPOSITORY}:${t}`])
  buildCrashingApp(`${REPOSITORY}:${BAD}`, `${REPOSITORY}:${GOOD}`)
  execFileSync('docker', ['build', '-q', '-t', `${REPOSITORY}:${SLOW}`, '-'], {
    input: `FROM ${REPOSITORY}:${GOOD}\nCMD ["sh", "-c", "sleep 12; exec python3 -m gunicorn --bind 0.0.0.0:5000 app.main:app"]\n`,
    stdio: ['pipe', 'ignore', 'ignore']
  })
  push(...[OLD, GOOD, GOOD2, BAD, SLOW].map(t => `${REPOSITORY}:${t}`))
}, 120_000)

// Each test's applications and namespaces go as it ends, not with the file: a release left Degraded (a
// crash loop, a pull backing off) keeps Argo CD's controller and the API server busy while it lives.
// Measured, this file alone: 216 cpu-s of the machine's (141 in the seed's cluster) against 262 (173)
// with them kept to the end.
afterEach(() => {
  for (const a of apps.splice(0))
    kubectl('delete', 'application', a, '-n', 'argocd', '--wait=false', '--ignore-not-found')
  for (const n of namespaces.splice(0))
    kubectl('delete', 'namespace', n, '--wait=false', '--ignore-not-found')
})
afterAll(releaseSeed)

interface Lab {
  repo: HostedRepo
  app: string
  namespace: string
}

/**
 * A GitOps repository with the example's chart (the test's image, one replica, a 10 s progress deadline
 * so that a release that never becomes Ready is Degraded soon), and its Argo CD application, Healthy at
 * the seed.
 */
async function gitopsLab(opts: { autoSync?: boolean; deadline?: number } = {}): Promise<Lab> {
  const seed = tempDir('argo-seed')
  fs.cpSync(path.join(ROOT, 'example/gitops/helm'), path.join(seed, 'helm'), { recursive: true })
  const values = path.join(seed, VALUES)
  fs.writeFileSync(
    values,
    fs
      .readFileSync(values, 'utf8')
      .replace('repository: ghcr.io/banicr/demo-flask-app', `repository: ${REPOSITORY}`)
      .replace('replicaCount: 2', `replicaCount: 1\nprogressDeadlineSeconds: ${opts.deadline ?? 10}`)
  )
  const deployment = path.join(seed, 'helm/demo-flask-app/templates/deployment.yaml')
  fs.writeFileSync(
    deployment,
    fs
      .readFileSync(deployment, 'utf8')
      .replace(
        'spec:\n  replicas:',
        'spec:\n  progressDeadlineSeconds: {{ .Values.progressDeadlineSeconds }}\n  replicas:'
      )
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
  // the same repository, as the cluster reaches the git host: by name, on its network
  manifest.spec.source.repoURL = `ssh://root@${argo.GIT_IN_CLUSTER}${repo.bare}`
  manifest.spec.destination.namespace = namespace
  if (opts.autoSync === false) delete manifest.spec.syncPolicy.automated
  const file = path.join(tempDir('argo-app'), `${app}.yaml`)
  fs.writeFileSync(file, YAML.stringify(manifest))
  kubectl('apply', '-f', file)
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
  const main = await runMain('gitops-bump', withValuesFile(inputs(lab, GOOD)), opts)
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
  // what runs in the cluster is the new tag
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
  const main = await runMain('gitops-bump', withValuesFile(inputs(lab, BAD)), opts)
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
  const main = await runMain(
    'gitops-bump',
    withValuesFile(inputs(lab, BAD, { 'on-degraded': 'revert' })),
    opts
  )
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
    runMain(
      'gitops-bump',
      withValuesFile({ ...inputs(lab, GOOD), ...set(GOOD), 'values-file': VALUES }),
      opts
    ),
    runMain(
      'gitops-bump',
      withValuesFile({ ...inputs(lab, GOOD2), ...set(GOOD2), 'values-file': VALUES }),
      opts
    )
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
    withValuesFile(inputs(lab, GOOD, { 'argocd-application': `${lab.app}\n${other.app}` })),
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
  const wrong = await runMain(
    'gitops-bump',
    withValuesFile(inputs(lab, GOOD, { 'argocd-token': 'not-a-token' })),
    opts
  )
  expect(wrong.exitCode).toBe(1)
  expect(errors(wrong).join('\n')).toMatch(
    /argocd-token.*was refused by Argo CD .*HTTP 401.*nothing was pushed/
  )
  const unknown = await runMain(
    'gitops-bump',
    withValuesFile(inputs(lab, GOOD, { 'argocd-application': 'no-such-app' })),
    opts
  )
  expect(unknown.exitCode).toBe(1)
  expect(errors(unknown).join('\n')).toMatch(
    /argocd-application.*names 'no-such-app'.*permission denied.*nothing was pushed/
  )
  expect(lab.repo.head()).toBe(head)
  const untrusted = await runMain('gitops-bump', withValuesFile(inputs(lab, GOOD, { 'argocd-ca': '' })), opts)
  expect(errors(untrusted).join('\n')).toMatch(/argocd-ca.*does not verify/)
  expect(lab.repo.head()).toBe(head)
})

test('an application with auto-sync off never syncs: the step fails at argocd-timeout, saying what Argo CD said and what to do', async () => {
  const lab = await gitopsLab({ autoSync: false })
  const main = await runMain(
    'gitops-bump',
    withValuesFile(inputs(lab, GOOD, { 'argocd-timeout': '8s' })),
    opts
  )
  expect(main.exitCode).toBe(1)
  const commit = lab.repo.head()
  const error = errors(main).join('\n')
  expect(error).toContain(`not deployed within argocd-timeout (8 s) of commit ${commit}`)
  expect(error).toMatch(/Argo CD last said: sync OutOfSync/)
  expect(error).toMatch(
    /automated sync is off, so nothing syncs it: set argocd-sync: true .*'applications, sync'/
  )
  expect(main.outputs.deployed).toBe('false')
})

test('argocd-sync: the step syncs an application with auto-sync off, with a token that may sync; a token that may only read is named', async () => {
  const lab = await gitopsLab({ autoSync: false })
  const readOnly = await runMain(
    'gitops-bump',
    withValuesFile(inputs(lab, GOOD, { 'argocd-sync': 'true' })),
    opts
  )
  expect(readOnly.exitCode).toBe(1)
  expect(errors(readOnly).join('\n')).toMatch(
    new RegExp(`argocd-token.*may not sync ${lab.app} \\(HTTP 403\\): argocd-sync needs 'applications, sync'`)
  )
  const syncToken = fs.readFileSync(argo.ARGOCD_SYNC_TOKEN_FILE, 'utf8').trim()
  const main = await runMain(
    'gitops-bump',
    withValuesFile(inputs(lab, GOOD2, { 'argocd-sync': 'true', 'argocd-token': syncToken })),
    opts
  )
  expect(errors(main)).toEqual([])
  expect(main.outputs).toMatchObject({
    deployed: 'true',
    'argocd-health': 'Healthy',
    'argocd-revision': lab.repo.head()
  })
  expect(main.stdout).toMatch(/asked Argo CD to sync [0-9a-f]{12} \(auto-sync is off\)/)
  expectNowhere(syncToken, main)
})

test("recovering from a bad release: the next bump's health is read only from a reconcile after its sync, and a good release is never reverted", async () => {
  const lab = await gitopsLab()
  const bad = await runMain('gitops-bump', withValuesFile(inputs(lab, BAD)), opts)
  expect(bad.outputs['argocd-health']).toBe('Degraded')
  // Degraded before: right after the next sync, what Argo CD last compared is still the bad release
  // (a release newer than the bad one: an older one would not be rolled back to)
  // (a deadline of its own for this release: a busy machine can take more than 10 s to start a pod)
  const main = await runMain(
    'gitops-bump',
    withValuesFile(
      inputs(lab, GOOD2, {
        'on-degraded': 'revert',
        // set replaces the default assignment of image.tag: both are named
        set: `image.tag=${GOOD2}\nenv.appVersion=${GOOD2}\nprogressDeadlineSeconds=120`
      })
    ),
    opts
  )
  expect(errors(main)).toEqual([])
  expect(main.outputs).toMatchObject({ changed: 'true', deployed: 'true', 'argocd-health': 'Healthy' })
  expect(lab.repo.show(VALUES)).toContain(`tag: "${GOOD2}"`)
  expect(main.stdout).not.toContain('on-degraded: revert')
})

test('a rollout that is long Progressing is waited for, not reverted', async () => {
  const lab = await gitopsLab({ deadline: 90 })
  const main = await runMain(
    'gitops-bump',
    withValuesFile(inputs(lab, SLOW, { 'on-degraded': 'revert' })),
    opts
  )
  expect(errors(main)).toEqual([])
  expect(main.outputs).toMatchObject({ deployed: 'true', 'argocd-health': 'Healthy' })
  expect(Number(/Healthy, ([\d.]+) s after the push/.exec(main.stdout)![1])).toBeGreaterThan(12)
})

test("a 403 on the refresh (Argo CD #15385: a read-only role may not refresh): a warning, then Argo CD's own poll", async () => {
  // A stand-in in front of the real Argo CD: every request goes through, but a refresh is answered as
  // Argo CD answers a call its RBAC denies (HTTP 403, gRPC code 7). Argo CD 3.2 lets 'applications, get'
  // refresh; argoproj/argo-cd #15385 asks that read-only roles may not, which is what this imitates.
  const target = new URL(argo.ARGOCD_SERVER)
  const ca = fs.readFileSync(argo.ARGOCD_CA)
  const proxy = https.createServer(
    {
      cert: fs.readFileSync(path.join(SEED, 'pki/argocd-server.crt')),
      key: fs.readFileSync(path.join(SEED, 'pki/argocd-server.key'))
    },
    (req, res) => {
      if (/[?&]refresh=/.test(req.url ?? '')) {
        res.writeHead(403, { 'content-type': 'application/json' })
        res.end(
          JSON.stringify({
            error: 'permission denied: applications, update, default/app, sub: ci',
            code: 7,
            message: 'permission denied: applications, update, default/app, sub: ci'
          })
        )
        return
      }
      const up = https.request(
        {
          host: target.hostname,
          port: target.port,
          path: req.url,
          method: req.method,
          headers: req.headers,
          ca
        },
        r => {
          res.writeHead(r.statusCode ?? 502, r.headers)
          r.pipe(res)
        }
      )
      req.pipe(up)
    }
  )
  await new Promise<void>(r => proxy.listen(0, '127.0.0.1', r))
  const port = (proxy.address() as { port: number }).port
  try {
    // Argo CD's own poll (every 3 minutes), quickened for this application only: the test asks for a
    // refresh every 5 s by the annotation Argo CD's poll uses, until the step ends
    const lab = await gitopsLab()
    const bump = runMain(
      'gitops-bump',
      withValuesFile(inputs(lab, GOOD, { 'argocd-server': `https://127.0.0.1:${port}` })),
      opts
    )
    let done = false
    void bump.finally(() => (done = true))
    while (!done) {
      kubectl(
        '-n',
        'argocd',
        'annotate',
        'application',
        lab.app,
        'argocd.argoproj.io/refresh=normal',
        '--overwrite'
      )
      await new Promise(r => setTimeout(r, 5000))
    }
    const main = await bump
    expect(errors(main)).toEqual([])
    expect(main.outputs.deployed).toBe('true')
    expect(
      main.commands.some(
        c =>
          c.command === 'warning' &&
          /refused to refresh .*HTTP 403.*waiting for Argo CD's own poll/.test(c.message)
      )
    ).toBe(true)
  } finally {
    proxy.close()
  }
})

test("Argo CD's server not running: a clear error before anything is pushed", async () => {
  const lab = await gitopsLab()
  const head = lab.repo.head()
  const main = await runMain(
    'gitops-bump',
    withValuesFile(inputs(lab, GOOD, { 'argocd-server': 'https://127.0.0.1:9' })),
    opts
  )
  expect(main.exitCode).toBe(1)
  expect(errors(main).join('\n')).toMatch(/Argo CD at 127\.0\.0\.1:9 cannot be reached: .*ECONNREFUSED/)
  expect(lab.repo.head()).toBe(head)
})

test("the registry unreachable from the cluster: Degraded, with the pods' own words (the kubelet's pull error)", async () => {
  const lab = await gitopsLab()
  // the second registry is on this machine's loopback only: the cluster cannot reach it
  const main = await runMain(
    'gitops-bump',
    withValuesFile(inputs(lab, GOOD, { set: `image.repository=${infra.REGISTRY2}/argo/demo-flask-app` })),
    opts
  )
  expect(main.exitCode).toBe(1)
  // (Argo CD's health of the pod carries the kubelet's message)
  expect(errors(main).join('\n')).toMatch(
    /Pod\/\S+: Degraded \((failed to pull and unpack image "127\.0\.0\.1:5444\/argo\/demo-flask-app:[^"]+": .*connection refused|Back-off pulling image)/
  )
})

test('argocd inputs are checked before anything else', async () => {
  const lab = { repo: { url: 'ssh://x@127.0.0.1:1/x.git' }, app: 'a' } as unknown as Lab
  const bad = async (extra: Record<string, string>, re: RegExp) => {
    const r = await runMain('gitops-bump', withValuesFile(inputs(lab, GOOD, extra)), opts)
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
