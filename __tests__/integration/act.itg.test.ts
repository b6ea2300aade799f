// The published workflow, .github/workflows/pipeline.yml, under act itself (built from its Go module,
// pinned in scripts/lab/tools/act), through the README's command `npm run act` (scripts/act/act.sh): a
// push to main with a secrets file and a vars file, the workflow file as it is. Container mode (act's
// default): each job in the runner image built here, the Docker socket shared; host mode too. What the
// workflow takes from GitHub (actions/checkout, actions/setup-python) comes from local stand-ins
// (__tests__/fixtures/act), and every banicr/demo-actions@v1 from this working tree, through act's
// --local-repository. act is what many users test workflows with before they push.
import { execFileSync, spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { parseFileCommands, ROOT, tempDir } from '../../scripts/lib/runner.mjs'
import { buildExampleApp } from './example-app.js'
import { git, infra } from './git-host.js'
import { clusters, kind } from './kind.js'
import { manifestDigest } from './registry.js'

function act(...args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '-s', 'act', ...(args.length ? ['--', ...args] : [])], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let out = ''
    child.stdout.on('data', d => (out += d))
    child.stderr.on('data', d => (out += d))
    child.on('error', reject)
    child.on('close', code => resolve({ code, out }))
  })
}

/** act's lines of one job ('[pipeline/build] ...'), any nesting of called workflows. */
const job = (out: string, name: string) =>
  out
    .split('\n')
    // act pads job names to one width: '[pipeline/e2e   ]'
    .filter(l => new RegExp(`^\\[[^\\]]*/${name} *\\]`).test(l))
    .join('\n')

/** act's exit code, with the end of its log when it is not 0 (so that a failure says why). */
const exited = (r: { code: number | null; out: string }) =>
  r.code === 0 ? { code: 0 } : { code: r.code, end: r.out.slice(-4000) }

const runnerNode = () => {
  const image = execFileSync('bash', [path.join(ROOT, 'scripts/act/runner-image.sh')], {
    encoding: 'utf8'
  }).trim()
  // act runs what `node -e 'console.log(process.execPath)'` says: the real path, links resolved
  return execFileSync(
    'docker',
    ['run', '--rm', image, 'sh', '-c', 'readlink -f "$(command -v node)"; node --version'],
    {
      encoding: 'utf8'
    }
  )
    .trim()
    .split('\n')
}

function secretsNowhere(out: string): void {
  expect(out).not.toContain(infra.REGISTRY_PASSWORD)
  for (const line of fs.readFileSync(infra.SSH_KEY, 'utf8').trim().split('\n').slice(1, -1))
    expect(out).not.toContain(line)
}

// the clusters of act's runs (run id 1 under act): other test files make and delete clusters meanwhile
const actClusters = () => clusters().filter(c => c.startsWith('e2e-1-1-'))

describe('the published pipeline.yml under act', () => {
  afterEach(() => expect(actClusters()).toEqual([]))

  test('container mode: test -> build -> e2e on real kind -> gitops, outputs across jobs, post as post, secrets masked, node24 actions on Node 24', async () => {
    // -v: act logs each node action's command line, with the node it found in the runner image
    const r = await act('-v')
    const { out } = r
    expect(out).toMatch(
      /^act 0\.2\.\d+ \(container mode, -P ubuntu-latest=demo-actions\/act-runner:[0-9a-f]{12}\), GitOps repository /m
    )
    expect(exited(r)).toEqual({ code: 0 })
    for (const j of ['test', 'build', 'e2e', 'gitops']) expect(job(out, j)).toContain('🏁  Job succeeded')

    // the build job's outputs reach e2e (the image it loads) and gitops (the tag it commits)
    const repo = /GitOps repository (\S+)/.exec(out)![1]
    const [, tag, digest] = /tag: "(v2\.0\.0-[0-9a-f]{7}-\d+)"[\s\S]*?digest: "(sha256:[0-9a-f]{64})"/.exec(
      git(['show', 'main:helm/demo-flask-app/values.yaml'], repo)
    )!
    expect(await manifestDigest('act/demo-flask-app', tag)).toBe(digest)
    // the chain under act: signed in build (keyless, the local Sigstore), tested and verified by digest
    expect(job(out, 'build')).toContain(`Signed ${infra.REGISTRY}/act/demo-flask-app@${digest}`)
    expect(job(out, 'gitops')).toContain(
      `Verified ${infra.REGISTRY}/act/demo-flask-app@${digest}, signed by https://github.com/banicr/demo-actions/.github/workflows/pipeline.yml@refs/heads/main`
    )
    expect(job(out, 'e2e')).toContain(
      `Load ${infra.REGISTRY}/act/demo-flask-app:${tag}@${digest} into the cluster`
    )
    // the node image scripts/kind/kind.sh made ready: built here (pulled only on GitHub-hosted runners)
    expect(job(out, 'e2e')).toMatch(/kind create cluster --name e2e-\S+ .*--image /)
    expect(job(out, 'e2e')).toContain(`--image ${kind.KIND_NODE_IMAGE}`)
    expect(job(out, 'e2e')).toMatch(/ok {3}GET \/healthz -> 200/)

    // post ran as post: main saved isPost in state, so post cleaned up and did not run main again
    for (const [j, step] of [
      ['build', './.demo-actions/build-push'],
      ['e2e', './.demo-actions/kind-e2e'],
      ['gitops', './.demo-actions/gitops-bump']
    ]) {
      expect(job(out, j)).toContain(`Success - Post ${step}`)
      expect(job(out, j)).not.toMatch(
        new RegExp(`Post ${step.replace(/\./g, '\\.')}[\\s\\S]*(Fetch main|Create kind cluster)`)
      )
    }

    // every node24 action ran on the runner image's node, which is Node 24
    const [nodePath, version] = runnerNode()
    expect(version).toMatch(/^v24\./)
    const execs = [
      ...out.matchAll(
        /executing remote job container: \[(\S+) (\S+\/(?:dist\/[\w-]+\/index\.js|index\.mjs))/g
      )
    ]
    const ours = execs.filter(m => /dist\/(unit-test|build-push|kind-e2e|gitops-bump)\/index\.js$/.test(m[2]))
    expect(ours.length).toBeGreaterThanOrEqual(7) // 4 mains, 3 posts
    expect(new Set(ours.map(m => m[1]))).toEqual(new Set([nodePath]))
    secretsNowhere(out)
    fs.rmSync(repo, { recursive: true, force: true })
  }, 900_000)

  test('through a caller (the reusable workflow): a failing e2e fails its job, the gitops job never starts, and no cluster is made', async () => {
    const { code, out } = await act('-W', '__tests__/fixtures/act/caller.yml')
    expect(code).not.toBe(0)
    expect(job(out, 'test')).toContain('🏁  Job succeeded')
    expect(job(out, 'e2e')).toMatch(/❌ {2}Failure - Main \.\/\.demo-actions\/kind-e2e/)
    expect(job(out, 'e2e')).toContain('databaseHost is required')
    // the chart is rendered before a cluster is made: none was
    expect(job(out, 'e2e')).toMatch(/Render chart \S+ for Kubernetes v/)
    expect(job(out, 'e2e')).not.toMatch(/Create kind cluster|kind create cluster/)
    expect(job(out, 'gitops')).toBe('')
    const repo = /GitOps repository (\S+)/.exec(out)![1]
    expect(git(['rev-list', '--count', 'main'], repo)).toBe('1')
    secretsNowhere(out)
    fs.rmSync(repo, { recursive: true, force: true })
  }, 900_000)

  test('host mode: the same workflow, steps on this machine', async () => {
    const r = await act('--host')
    const { out } = r
    expect(out).toMatch(/\(host mode, -P ubuntu-latest=-self-hosted\)/)
    expect(exited(r)).toEqual({ code: 0 })
    for (const j of ['test', 'build', 'e2e', 'gitops']) expect(job(out, j)).toContain('🏁  Job succeeded')
    secretsNowhere(out)
    fs.rmSync(/GitOps repository (\S+)/.exec(out)![1], { recursive: true, force: true })
  }, 900_000)
})

test("kind-e2e in a container on another network than kind's: it reaches the cluster through kind's network", async () => {
  // a workflow of one kind-e2e step (uses: banicr/demo-actions/kind-e2e@v1), its job container on a
  // bridge network of its own, where the host's 127.0.0.1 (kind's published API) is not this container's
  const network = `da-act-${process.pid}`
  execFileSync('docker', ['network', 'create', network], { stdio: 'ignore' })
  const image = `${infra.REGISTRY}/act/demo-flask-app:v2.0.0-3f1c2d4-17`
  buildExampleApp(image)
  try {
    const kind = parseFileCommands(
      fs.readFileSync(path.join(process.env.DEMO_ACTIONS_KIND || '/tmp/demo-actions-kind', 'env'), 'utf8')
    )
    const vars = path.join(tempDir('act-vars'), 'vars')
    fs.writeFileSync(vars, `IMAGE=${image}\nKIND_NODE_IMAGE=${kind.KIND_NODE_IMAGE}\n`)
    const r = await act('-W', '__tests__/fixtures/act/kind-e2e.yml', '--network', network, '--var-file', vars)
    const { out } = r
    expect(exited(r)).toEqual({ code: 0 })
    expect(out).toMatch(
      /Running in container [0-9a-f]{12}, which cannot reach 127\.0\.0\.1 of the host: using kind's internal kubeconfig, on kind's network 'kind'/
    )
    expect(out).toMatch(/ok {3}GET \/healthz -> 200/)
    expect(actClusters()).toEqual([])
  } finally {
    execFileSync('docker', ['network', 'rm', network], { stdio: 'ignore' })
  }
}, 900_000)

describe('unit-test’s baseline in the Actions cache, under act with its own cache server', () => {
  const suite = `s${process.pid}${Date.now()}`
  const run = async (event: 'push' | 'pull_request', failing: string) => {
    const dir = tempDir('act-regressions')
    const vars = path.join(dir, 'vars')
    fs.writeFileSync(vars, `FAILING=${failing}\nSUITE=${suite}\n`)
    const payload = path.join(dir, 'event.json')
    fs.writeFileSync(
      payload,
      JSON.stringify(
        event === 'push'
          ? {
              ref: 'refs/heads/main',
              repository: { full_name: 'banicr/demo-actions', default_branch: 'main' }
            }
          : {
              pull_request: {
                number: 7,
                base: { ref: 'main', repo: { full_name: 'banicr/demo-actions' } },
                head: { ref: 'feature', repo: { full_name: 'banicr/demo-actions' } }
              },
              repository: { full_name: 'banicr/demo-actions', default_branch: 'main' }
            }
      )
    )
    const r = await act(
      '--event',
      event,
      payload,
      '-W',
      '__tests__/fixtures/act/regressions.yml',
      '--var-file',
      vars
    )
    const counts = /new=(\d*) still=(\d*) fixed=(\d*) flipped=(\d*)/.exec(r.out)
    return { ...r, counts: counts?.slice(1).join(' ') }
  }

  test('main saves a record; a pull request restores it: a known failure passes, a new one fails naming only it; flips are remembered', async () => {
    // main, with test_a failing and no record yet: fails as fail-on: failures would, and saves its record
    const first = await run('push', 'a')
    expect(first.code).not.toBe(0)
    expect(first.out).toMatch(
      /no baseline found in the Actions cache under demo-actions-unit-test-baseline-v1-test-[0-9a-f]{12}-main-/
    )
    expect(first.out).toMatch(/Cache saved successfully|Cache Size/)
    // a pull request into main with the same failure: restored from main's record, let through
    const known = await run('pull_request', 'a')
    expect(exited(known)).toEqual({ code: 0 })
    expect(known.out).toMatch(/Restore the baseline from the Actions cache[\s\S]*Cache restored successfully/)
    expect(known.out).toMatch(/fail-on: regressions: 1 known failure let through, failing in the baseline of/)
    expect(known.counts).toBe('0 1 0 0')
    // a new failure in the pull request: fails, naming it alone
    const fresh = await run('pull_request', 'a,b')
    expect(fresh.code).not.toBe(0)
    expect(fresh.out).toMatch(
      /1 new of 2 failing tests \(1 known, failing in the baseline of [0-9a-f]{12} too\)/
    )
    // the new failure is the error; the known one a warning
    expect(fresh.out).toMatch(/::error title=tests\.test_regress\.test_b failed/)
    expect(fresh.out).not.toMatch(/::error title=tests\.test_regress\.test_a failed/)
    expect(fresh.out).toMatch(/::warning title=tests\.test_regress\.test_a failed \(known\)/)
    // test_b passed in main's record and fails now: a flip within the kept history too
    expect(fresh.counts).toBe('1 1 0 1')
    // main again, test_a fixed: its record remembers it failed before (flipped)
    const fixed = await run('push', '')
    expect(exited(fixed)).toEqual({ code: 0 })
    expect(fixed.counts).toBe('0 0 1 1')
  }, 900_000)
})
