// gitops-bump's promote-from on real clusters: Argo CD (v3.2.11, in the seed's cluster) manages staging in
// its own cluster and production in a second kind cluster (demo-actions-prod, registered as `argocd cluster
// add` registers one). Each test has a GitOps repository of its own on the SSH git host, with the example's
// chart, staging's values (values.yaml) and production's (values-production.yaml), and an application for
// each. A promotion lands only when Argo CD shows staging Synced and Healthy with every pod on the digest;
// every refusal pushes nothing.
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import YAML from 'yaml'
import { parseFileCommands, ROOT, runMain, tempDir, uniqueName } from '../../scripts/lib/runner.mjs'
import { buildCrashingApp, buildExampleApp, push } from './example-app.js'
import { HOLD_TIMEOUT, holdSeed, releaseSeed } from './seed.js'
import { git, hostedRepo, infra, sshInputs, type HostedRepo } from './git-host.js'

const SEED = process.env.DEMO_ACTIONS_SEED || '/tmp/demo-actions-seed'
const STAGING = 'helm/demo-flask-app/values.yaml'
const PRODUCTION = 'helm/demo-flask-app/values-production.yaml'
const REPOSITORY = `${infra.REGISTRY}/promote/demo-flask-app`
const OLD = 'v2.0.0-0000001-15'
const GOOD = 'v2.0.0-600d000-17'
const OTHER = 'v2.0.0-0000002-18'
const BAD = 'v2.0.0-0000bad-19'
const digests: Record<string, string> = {}

const seed = fs.existsSync(path.join(SEED, 'env'))
  ? parseFileCommands(fs.readFileSync(path.join(SEED, 'env'), 'utf8'))
  : {}
const token = () => fs.readFileSync(seed.ARGOCD_TOKEN_FILE, 'utf8').trim()
const kubectl = (...args: string[]) =>
  execFileSync(infra.KUBECTL, ['--kubeconfig', seed.KUBECONFIG, ...args], { encoding: 'utf8' })
const kprod = (...args: string[]) =>
  execFileSync(infra.KUBECTL, ['--kubeconfig', seed.PROD_KUBECONFIG, ...args], { encoding: 'utf8' })
const apps: string[] = []
const namespaces: [typeof kubectl, string][] = []
const errors = (r: { commands: { command: string; message: string }[] }) =>
  r.commands.filter(c => c.command === 'error').map(c => c.message)
const opts = { env: { PATH: `${path.dirname(infra.HELM)}:${process.env.PATH}` } }

// the seed's clusters awake from the first hook to the last (./seed.ts)
beforeAll(holdSeed, HOLD_TIMEOUT)
beforeAll(() => {
  if (!seed.PROD_SERVER)
    throw new Error(`The production cluster is not up (${SEED}): run scripts/seed/seed.sh up (npm test does)`)
  buildExampleApp(`${REPOSITORY}:${GOOD}`)
  // other images of the app (another digest each): what ran before, and another build
  for (const [tag, label] of [
    [OLD, 'old'],
    [OTHER, 'other']
  ])
    execFileSync('docker', ['build', '-q', '-t', `${REPOSITORY}:${tag}`, '--label', `build=${label}`, '-'], {
      input: `FROM ${REPOSITORY}:${GOOD}\n`,
      stdio: ['pipe', 'ignore', 'ignore']
    })
  buildCrashingApp(`${REPOSITORY}:${BAD}`, `${REPOSITORY}:${GOOD}`)
  push(...[OLD, GOOD, OTHER, BAD].map(t => `${REPOSITORY}:${t}`))
  for (const t of [OLD, GOOD, OTHER, BAD])
    digests[t] = execFileSync(
      'docker',
      ['image', 'inspect', '-f', '{{join .RepoDigests "\\n"}}', `${REPOSITORY}:${t}`],
      {
        encoding: 'utf8'
      }
    )
      .split('\n')
      .find(d => d.startsWith(`${REPOSITORY}@`))!
      .split('@')[1]
}, 180_000)

// each test's applications and namespaces go as it ends (gitops-argocd.itg.test.ts says why)
afterEach(() => {
  for (const a of apps.splice(0))
    kubectl('delete', 'application', a, '-n', 'argocd', '--wait=false', '--ignore-not-found')
  for (const [k, n] of namespaces.splice(0)) k('delete', 'namespace', n, '--wait=false', '--ignore-not-found')
})
afterAll(releaseSeed)

/** Staging's values: the example's, one replica, a 10 s progress deadline, the image given. */
const values = (tag: string, digest = digests[tag] ?? '') =>
  fs
    .readFileSync(path.join(ROOT, 'example/gitops/helm/demo-flask-app/values.yaml'), 'utf8')
    .replace('replicaCount: 2', 'replicaCount: 1\nprogressDeadlineSeconds: 10')
    .replace('repository: ghcr.io/banicr/demo-flask-app', `repository: ${REPOSITORY}`)
    .replace(/tag: "[^"]*"/, `tag: "${tag}"`)
    .replace(/digest: "[^"]*"/, `digest: "${digest}"`)
    .replace(/appVersion: "[^"]*"/, `appVersion: "${tag}"`)
/** Production's values: over staging's, the image only (as the example's values-production.yaml). */
const overrides = (tag: string, digest = digests[tag] ?? '') =>
  `image:\n  repository: ${REPOSITORY}\n  tag: "${tag}"\n  digest: "${digest}"\nenv:\n  appVersion: "${tag}"\n`

interface Lab {
  repo: HostedRepo
  staging: string
  production?: string
  /** production's namespace in the production cluster */
  prodNamespace?: string
}

/**
 * A GitOps repository (the example's chart; staging at `staging`, production at `production`), staging's
 * application Healthy in the seed's cluster and, unless `production: false`, production's in the other.
 */
async function lab(
  o: {
    staging?: string
    stagingDigest?: string
    production?: string | false
    chart?: (t: string) => string
  } = {}
): Promise<Lab> {
  const dir = tempDir('promote-seed')
  const chart = path.join(dir, 'helm/demo-flask-app')
  fs.cpSync(path.join(ROOT, 'example/gitops/helm/demo-flask-app'), chart, { recursive: true })
  const deployment = path.join(chart, 'templates/deployment.yaml')
  let template = fs
    .readFileSync(deployment, 'utf8')
    .replace(
      'spec:\n  replicas:',
      'spec:\n  progressDeadlineSeconds: {{ .Values.progressDeadlineSeconds }}\n  replicas:'
    )
  if (o.chart) template = o.chart(template)
  fs.writeFileSync(deployment, template)
  fs.writeFileSync(path.join(chart, 'values.yaml'), values(o.staging ?? GOOD, o.stagingDigest))
  fs.writeFileSync(path.join(chart, 'values-production.yaml'), overrides(o.production || OLD))
  const repo = hostedRepo({ helm: path.join(dir, 'helm') })
  const staging = await application(repo, 'in-cluster', ['values.yaml'])
  const production =
    o.production === false
      ? undefined
      : await application(repo, 'production', ['values.yaml', 'values-production.yaml'])
  return { repo, staging: staging.app, production: production?.app, prodNamespace: production?.namespace }
}

async function application(repo: HostedRepo, where: 'in-cluster' | 'production', valueFiles: string[]) {
  const app = uniqueName(where === 'production' ? 'prod' : 'stage')
  const namespace = uniqueName('promote')
  apps.push(app)
  namespaces.push([where === 'production' ? kprod : kubectl, namespace])
  const manifest = YAML.parse(
    fs.readFileSync(path.join(ROOT, 'example/gitops/argocd-application.yaml'), 'utf8')
  )
  manifest.metadata.name = app
  manifest.spec.source.repoURL = `ssh://root@${seed.GIT_IN_CLUSTER}${repo.bare}`
  manifest.spec.source.helm.valueFiles = valueFiles
  // one release name in every namespace, as the example's production application has it
  manifest.spec.source.helm.releaseName = 'demo-flask-app'
  manifest.spec.destination = {
    server: where === 'production' ? seed.PROD_SERVER : 'https://kubernetes.default.svc',
    namespace
  }
  const file = path.join(tempDir('promote-app'), `${app}.yaml`)
  fs.writeFileSync(file, YAML.stringify(manifest))
  kubectl('apply', '-f', file)
  await until(app, s => s.health?.status === 'Healthy' && s.sync?.status === 'Synced', 90_000)
  return { app, namespace }
}

type Status = { sync?: { status?: string; revision?: string }; health?: { status?: string } }
const status = (app: string): Status =>
  JSON.parse(kubectl('get', 'application', app, '-n', 'argocd', '-o', 'json')).status ?? {}

async function until(app: string, ok: (s: Status) => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms
  for (;;) {
    const s = status(app)
    if (ok(s)) return
    if (Date.now() > end) throw new Error(`${app}: not within ${ms / 1000} s; it is ${JSON.stringify(s)}`)
    await new Promise(r => setTimeout(r, 500))
  }
}

/** Commits a change of staging's values (as a staging bump would), and has Argo CD look at once. */
function commitStaging(l: Lab, text: string): void {
  const work = tempDir('promote-work')
  git(['clone', '-q', l.repo.bare, work])
  fs.writeFileSync(path.join(work, STAGING), text)
  git(['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qam', 'staging changes'], work)
  git(['push', '-q', 'origin', 'main'], work)
  kubectl(
    'annotate',
    'application',
    l.staging,
    '-n',
    'argocd',
    'argocd.argoproj.io/refresh=normal',
    '--overwrite'
  )
}

const promote = (l: Lab, extra: Record<string, string> = {}) =>
  runMain(
    'gitops-bump',
    {
      repository: l.repo.url,
      'values-file': PRODUCTION,
      'promote-from': STAGING,
      'promote-from-application': l.staging,
      ...sshInputs(),
      'argocd-server': seed.ARGOCD_SERVER,
      'argocd-token': token(),
      'argocd-application': l.production ?? l.staging,
      'argocd-ca': fs.readFileSync(seed.ARGOCD_CA, 'utf8'),
      'argocd-timeout': '120s',
      ...extra
    },
    opts
  )

test('a promotion lands: production runs exactly the digest staging ran, Synced and Healthy, no request lost; run again, nothing to do', async () => {
  const l = await lab()
  // the production app's pods, reached from this machine through a NodePort of the production node
  kprod(
    'expose',
    'deployment',
    'demo-flask-app',
    '-n',
    l.prodNamespace!,
    '--type',
    'NodePort',
    '--name',
    'probe',
    '--port',
    '80',
    '--target-port',
    'http'
  )
  const nodePort = kprod(
    'get',
    'service',
    'probe',
    '-n',
    l.prodNamespace!,
    '-o',
    'jsonpath={.spec.ports[0].nodePort}'
  )
  const node = execFileSync(
    'docker',
    [
      'inspect',
      '-f',
      '{{with index .NetworkSettings.Networks "kind"}}{{.IPAddress}}{{end}}',
      `${seed.PROD_CLUSTER}-control-plane`
    ],
    { encoding: 'utf8' }
  ).trim()
  const before = l.repo.head()
  // staging's pods have been Ready for at least the soak time asked for
  await new Promise(r => setTimeout(r, 3000))
  const main = await promote(l, { 'probe-url': `http://${node}:${nodePort}/healthz`, 'promote-after': '3s' })
  expect(errors(main)).toEqual([])
  expect(main.exitCode).toBe(0)
  expect(main.outputs).toMatchObject({
    'promoted-tag': GOOD,
    'promoted-digest': digests[GOOD],
    'source-revision': before,
    deployed: 'true',
    changed: 'true'
  })
  const prod = l.repo.show(PRODUCTION)
  expect(prod).toContain(`tag: "${GOOD}"`)
  expect(prod).toContain(`digest: "${digests[GOOD]}"`)
  // staging's file is as it was: only production's changed
  expect(git(['diff', '--name-only', before, 'main'], l.repo.bare)).toBe(PRODUCTION)
  // what production runs, read from its cluster
  const pods = JSON.parse(kprod('get', 'pods', '-n', l.prodNamespace!, '-o', 'json')).items.filter(
    (p: { metadata: { deletionTimestamp?: string } }) => !p.metadata.deletionTimestamp
  )
  expect(
    pods.map(
      (p: { status: { containerStatuses: { imageID: string }[] } }) =>
        p.status.containerStatuses[0].imageID.split('@')[1]
    )
  ).toEqual(pods.map(() => digests[GOOD]))
  const probe = JSON.parse(main.outputs.probe)
  expect(probe.sent).toBeGreaterThan(20)
  expect(probe.failed).toBe(0)
  expect(main.summary).toMatch(/Promoted.*Healthy, Synced, 1 pod\(s\) on the digest/s)
  const again = await promote(l)
  expect(again.exitCode).toBe(0)
  expect(again.outputs.changed).toBe('false')
  expect(l.repo.count()).toBe(2)
})

test('refused, nothing pushed: the soak time not over (how long is left), a signature that does not verify', async () => {
  const l = await lab({ production: false })
  const before = l.repo.head()
  const early = await promote(l, { 'promote-after': '10m' })
  expect(early.exitCode).toBe(1)
  expect(errors(early).at(-1)).toMatch(
    new RegExp(
      `^Promotion refused, nothing was pushed: ${l.staging} has run ${digests[GOOD]} for \\d+s, promote-after is 10m0s: 9m\\d+s left`
    )
  )
  const key = execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout'], {
    encoding: 'utf8'
  })
  const pub = execFileSync('openssl', ['ec', '-pubout'], {
    input: key,
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'ignore']
  })
  const unsigned = await promote(l, {
    'verify-image': REPOSITORY,
    'verify-key': pub,
    'registry-username': infra.REGISTRY_USER,
    'registry-password': infra.REGISTRY_PASSWORD
  })
  expect(unsigned.exitCode).toBe(1)
  expect(errors(unsigned).at(-1)).toMatch(/^Verification failed, nothing was pushed: /)
  expect(l.repo.head()).toBe(before)
})

test('refused, nothing pushed: a pod still on another digest than the source values name', async () => {
  // a chart that ignores image.digest (many do): the pods run the tag, whatever digest the values claim
  const l = await lab({
    production: false,
    stagingDigest: digests[OTHER],
    chart: t => t.replace('{{ with .Values.image.digest }}@{{ . }}{{ end }}', '')
  })
  const before = l.repo.head()
  const main = await promote(l)
  expect(main.exitCode).toBe(1)
  expect(errors(main).at(-1)).toMatch(
    new RegExp(
      `^Promotion refused, nothing was pushed: ${l.staging}: pod demo-flask-app-\\S+ runs ${digests[GOOD]}, not ${digests[OTHER]}`
    )
  )
  expect(l.repo.head()).toBe(before)
})

test('refused, nothing pushed: staging Degraded, then staging OutOfSync', async () => {
  const l = await lab({ production: false })
  commitStaging(l, values(BAD))
  await until(l.staging, s => s.health?.status === 'Degraded', 120_000)
  const before = l.repo.head()
  const degraded = await promote(l)
  expect(degraded.exitCode).toBe(1)
  expect(errors(degraded).at(-1)).toMatch(
    new RegExp(`^Promotion refused, nothing was pushed: ${l.staging} is Degraded .*not Healthy`)
  )
  // no automated sync any more: a new commit leaves staging OutOfSync
  kubectl(
    'patch',
    'application',
    l.staging,
    '-n',
    'argocd',
    '--type',
    'json',
    '-p',
    '[{"op":"remove","path":"/spec/syncPolicy/automated"}]'
  )
  commitStaging(l, values(GOOD))
  await until(l.staging, s => s.sync?.status === 'OutOfSync', 60_000)
  const stagingCommit = l.repo.head()
  const outOfSync = await promote(l)
  expect(outOfSync.exitCode).toBe(1)
  expect(errors(outOfSync).at(-1)).toMatch(
    new RegExp(`^Promotion refused, nothing was pushed: ${l.staging} is OutOfSync`)
  )
  // the only commit since the Degraded one is staging's own
  expect(l.repo.head()).toBe(stagingCommit)
  expect(git(['rev-list', '--count', `${before}..main`], l.repo.bare)).toBe('1')
})

test('no downgrade: production already at a newer run is left alone, with a warning', async () => {
  const l = await lab({ production: false })
  const work = tempDir('promote-work')
  git(['clone', '-q', l.repo.bare, work])
  fs.writeFileSync(path.join(work, PRODUCTION), overrides('v2.0.0-ffff000-99', digests[OTHER]))
  git(['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qam', 'production ahead'], work)
  git(['push', '-q', 'origin', 'main'], work)
  const before = l.repo.head()
  const main = await promote(l)
  expect(main.exitCode).toBe(0)
  expect(main.outputs.changed).toBe('false')
  expect(
    main.commands.some(c => c.command === 'warning' && /not rolled back|downgrade/i.test(c.message))
  ).toBe(true)
  expect(l.repo.head()).toBe(before)
})

test('a promotion racing a staging bump on the same branch: both land, neither lost', async () => {
  const l = await lab({ production: false })
  const [promoted, bumped] = await Promise.all([
    runMain(
      'gitops-bump',
      { repository: l.repo.url, 'values-file': PRODUCTION, 'promote-from': STAGING, ...sshInputs() },
      opts
    ),
    runMain(
      'gitops-bump',
      { repository: l.repo.url, 'values-file': STAGING, tag: OTHER, digest: digests[OTHER], ...sshInputs() },
      opts
    )
  ])
  expect([promoted.exitCode, bumped.exitCode]).toEqual([0, 0])
  // production got what staging held when the promotion read it; staging got its bump
  expect(l.repo.show(PRODUCTION)).toContain(`tag: "${promoted.outputs['promoted-tag']}"`)
  expect(l.repo.show(STAGING)).toContain(`tag: "${OTHER}"`)
  expect(l.repo.count()).toBe(3)
})
