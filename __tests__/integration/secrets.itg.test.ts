// No secret leaves a step, whatever the GitOps repository, the tests or the tools hold.
// Each stage runs as a bundle with distinct secret values in every secret input, the runner's own tokens
// in its environment, and tools wrapped (from a folder whose name has a space) so that each records the
// environment it was given. Then every place a person or a later step could read is searched for every
// form of every secret (plain, base64, URL-encoded, split across lines).
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {
  ROOT,
  runMain,
  runMainAndPost,
  tempDir,
  uniqueName,
  type StepResult
} from '../../scripts/lib/runner.mjs'
import { git, hostedRepo, infra, sshInputs, withValuesFile } from './git-host.js'
import { expectNowhere, filesLeaking, leaksIn } from './secrets.js'
import { buildExampleApp, push } from './example-app.js'
import { kind, KIND_PATH, NODE, REGISTRY_MODE } from './kind.js'

const TAG = 'v2.0.0-3f1c2d4-17'
const random = (prefix: string) => `${prefix}-${randomBytes(18).toString('hex')}`
/** The runner's own secrets, present in every step's environment. */
const RUNNER_SECRETS = {
  ACTIONS_RUNTIME_TOKEN: random('runtime'),
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: random('oidc')
}

const tmp = (prefix: string): string => tempDir(prefix.replace(/-$/, ''))

/**
 * Wrappers for real tools in a folder whose name has a space: each appends the environment it was given
 * to $ENV_DUMP, then runs the real tool. The folder goes first on PATH.
 */
function wrappers(tools: Record<string, string>): { bin: string; dump: string; envs: () => string } {
  const root = tmp('wrapped-')
  const bin = path.join(root, 'bin with space')
  fs.mkdirSync(bin)
  const dump = path.join(root, 'env-dump.txt')
  for (const [name, real] of Object.entries(tools))
    fs.writeFileSync(
      path.join(bin, name),
      `#!/bin/sh\n{ echo "== ${name} $*"; env; } >> "$ENV_DUMP"\nexec '${real}' "$@"\n`,
      { mode: 0o755 }
    )
  return { bin, dump, envs: () => (fs.existsSync(dump) ? fs.readFileSync(dump, 'utf8') : '') }
}

const errors = (r: StepResult) => r.commands.filter(c => c.command === 'error').map(c => c.message)
const which = (name: string) => execFileSync('which', [name], { encoding: 'utf8' }).trim()

/** No form of any secret in the step's log, outputs, state, summary, under RUNNER_TEMP, or in `more`. */
function expectNoLeak(secrets: string[], steps: StepResult[], more: Record<string, string> = {}): void {
  for (const s of secrets) {
    expectNowhere(s, ...steps)
    for (const step of steps) expect(filesLeaking(step.runnerTemp, s)).toEqual([])
    for (const [where, text] of Object.entries(more))
      expect({ where, leaked: leaksIn(text, s) }).toEqual({ where, leaked: [] })
  }
}

/** What a tool's environment must never hold: inputs, state, the runner's tokens and file-command paths. */
function expectCleanEnvs(envs: string): void {
  expect(envs).toMatch(/^== /) // the tools did run
  expect(envs).not.toMatch(/^(INPUT_|STATE_)/m)
  expect(envs).not.toMatch(/^(GITHUB_OUTPUT|GITHUB_STATE|GITHUB_ENV|GITHUB_PATH|GITHUB_STEP_SUMMARY)=/m)
  expect(envs).not.toMatch(/^ACTIONS_(RUNTIME|ID_TOKEN_REQUEST)_TOKEN=/m)
}

/** A chart whose rendered ConfigMap has 20,000 lines between the two places the tag appears. */
function bigChart(): string {
  const dir = tmp('big-chart-')
  fs.writeFileSync(path.join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: big\nversion: 0.1.0\n')
  fs.writeFileSync(
    path.join(dir, 'values.yaml'),
    'image:\n  repository: ghcr.io/x/app\n  tag: "v1.0.0-0000000-1"\n'
  )
  fs.mkdirSync(path.join(dir, 'templates'))
  fs.writeFileSync(
    path.join(dir, 'templates', 'dashboard.yaml'),
    [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: dashboard',
      'data:',
      '  first: {{ .Values.image.tag | quote }}',
      '{{- range $i := until 20000 }}',
      '  panel{{ $i }}: "graph {{ $i }}"',
      '{{- end }}',
      '  last: {{ .Values.image.tag | quote }}',
      ''
    ].join('\n')
  )
  return dir
}

describe('gitops-bump: a hostile GitOps repository', () => {
  const key = () => sshInputs()['ssh-key']
  const token = random('ghp')
  const secrets = () => [key(), token, ...Object.values(RUNNER_SECRETS)]

  test('every tool gets an environment built for it; a huge rendered diff neither fails nor stalls the bump', async () => {
    const hooksRan = path.join(tmp('hooks-'), 'ran')
    const repo = hostedRepo({ 'charts/big': bigChart() })
    // a hook and a filter driver in the repository: git must run neither
    const work = tmp('hostile-')
    git(['clone', '-q', repo.bare, work])
    fs.mkdirSync(path.join(work, 'hooks'))
    fs.writeFileSync(path.join(work, 'hooks', 'pre-commit'), `#!/bin/sh\ntouch '${hooksRan}'\n`, {
      mode: 0o755
    })
    fs.writeFileSync(path.join(work, '.gitattributes'), '* filter=leak\n')
    git(['add', '-A'], work)
    git(['commit', '-q', '-m', 'hooks'], work)
    git(['push', '-q', 'origin', 'main'], work)

    const w = wrappers({ helm: infra.HELM, git: which('git'), ssh: which('ssh') })
    const workspace = tmp('workspace-')
    const { main, post } = await runMainAndPost(
      'gitops-bump',
      withValuesFile({
        repository: repo.url,
        'values-file': 'charts/big/values.yaml',
        tag: TAG,
        ...sshInputs(),
        token
      }),
      {
        workspace,
        env: {
          PATH: `${w.bin}:${process.env.PATH}`,
          ENV_DUMP: w.dump,
          // a workflow that also put the key in the job's environment: no tool may inherit it from there
          GITOPS_KEY: key(),
          ...RUNNER_SECRETS
        }
      }
    )
    expect(main.commands.filter(c => c.command === 'error')).toEqual([])
    expect(main.exitCode).toBe(0)
    expect(post.exitCode).toBe(0)
    expect(repo.show('charts/big/values.yaml')).toContain(`tag: "${TAG}"`)
    // the summary's diff of 20,000-line renders shows the two changed lines, and took no long time
    expect(main.summary).toContain('Rendered manifests diff')
    expect(main.summary).toContain(`+  first: "${TAG}"`)
    expect(main.summary).toContain(`+  last: "${TAG}"`)
    expect(main.ms).toBeLessThan(60_000)

    const envs = w.envs()
    expect(envs).toMatch(/^== helm /m) // helm ran from a folder with a space in its name
    expect(envs).toMatch(/^== ssh /m)
    expectCleanEnvs(envs)
    expect(fs.existsSync(hooksRan)).toBe(false)
    const pushed = git(['log', '-p', '--all', '--format=%H %an %ae%n%B'], repo.bare)
    expectNoLeak(secrets(), [main, post], {
      'tool environments': envs,
      'pushed commits': pushed
    })
    // the workspace: no file holds any of the secrets (each one searched for, not only the key)
    secrets().forEach((s, i) =>
      expect({ secret: i, files: filesLeaking(workspace, s) }).toEqual({ secret: i, files: [] })
    )
    expect(fs.readdirSync(main.runnerTemp)).toEqual(
      fs.readdirSync(main.runnerTemp).filter(f => !f.startsWith('gitops-bump'))
    )
  })

  /** A repository whose chart is `charts/app`, with `extra` committed on top (links included). */
  function hostileRepo(extra: (work: string) => void) {
    const chart = tmp('chart-')
    fs.cpSync(path.join(ROOT, 'example/gitops/helm/demo-flask-app'), chart, { recursive: true })
    const repo = hostedRepo({ 'charts/app': chart })
    const work = tmp('hostile-')
    git(['clone', '-q', repo.bare, work])
    extra(work)
    git(['add', '-A'], work)
    git(['commit', '-q', '--allow-empty', '-m', 'hostile'], work)
    git(['push', '-q', 'origin', 'main'], work)
    return repo
  }

  async function refused(repo: ReturnType<typeof hostedRepo>, inputs: Record<string, string>, why: RegExp) {
    const head = repo.head()
    const r = await runMain(
      'gitops-bump',
      withValuesFile({ repository: repo.url, tag: TAG, ...sshInputs(), token, ...inputs }),
      {
        env: { PATH: `${path.dirname(infra.HELM)}:${process.env.PATH}`, GITOPS_KEY: key(), ...RUNNER_SECRETS }
      }
    )
    expect(r.exitCode).toBe(1)
    const error = r.commands.filter(c => c.command === 'error').at(-1)?.message ?? ''
    expect(error).toMatch(why)
    expect(repo.head()).toBe(head)
    expectNoLeak(secrets(), [r])
    return { r, error }
  }

  test('a values file that links outside the clone is neither read, committed nor quoted', async () => {
    const outside = path.join(tmp('outside-'), 'secret-values.yaml')
    fs.writeFileSync(outside, 'image:\n  tag: "OUTSIDE-SENTINEL-0001"\n')
    const repo = hostileRepo(work => {
      fs.mkdirSync(path.join(work, 'envs'))
      fs.symlinkSync(outside, path.join(work, 'envs', 'prod.yaml'))
    })
    const { r, error } = await refused(
      repo,
      { 'values-file': 'envs/prod.yaml', chart: 'charts/app', set: 'image.tag=x1' },
      /values-file 'envs\/prod.yaml'.*symbolic link.*outside the repository/
    )
    expect(error).not.toContain('OUTSIDE-SENTINEL')
    expect(r.stdout).not.toContain('OUTSIDE-SENTINEL')
    expect(fs.readFileSync(outside, 'utf8')).toContain('OUTSIDE-SENTINEL-0001')
  })

  test('a chart folder that links outside the clone is never written through', async () => {
    const outside = tmp('outside-chart-')
    fs.cpSync(path.join(ROOT, 'example/gitops/helm/demo-flask-app'), outside, { recursive: true })
    const before = fs.readFileSync(path.join(outside, 'values.yaml'), 'utf8')
    const repo = hostileRepo(work => fs.symlinkSync(outside, path.join(work, 'charts', 'evil')))
    await refused(repo, { 'values-file': 'charts/evil/values.yaml' }, /symbolic link.*outside the repository/)
    expect(fs.readFileSync(path.join(outside, 'values.yaml'), 'utf8')).toBe(before)
  })

  test('a chart file linked to /proc/self/environ never reaches helm', async () => {
    const repo = hostileRepo(work => {
      fs.symlinkSync('/proc/self/environ', path.join(work, 'charts', 'app', 'env'))
      fs.writeFileSync(
        path.join(work, 'charts', 'app', 'templates', 'leak.yaml'),
        '{{ fail (.Files.Get "env" | b64enc) }}\n'
      )
    })
    await refused(
      repo,
      { 'values-file': 'charts/app/values.yaml' },
      /chart 'charts\/app': charts\/app\/env is a symbolic link to \/proc\/self\/environ, outside the repository/
    )
  })

  test('a chart that reads like an option is refused before any tool sees it', async () => {
    const repo = hostileRepo(() => {})
    await refused(
      repo,
      { 'values-file': 'charts/app/values.yaml', chart: '--post-renderer=/bin/sh' },
      /Input 'chart' must not start with '-'/
    )
  })
})

describe('unit-test: hostile tests', () => {
  /** A workspace holding one pytest file. */
  function workspace(test: string): string {
    const dir = tmp('ws-')
    fs.mkdirSync(path.join(dir, 'tests'))
    fs.writeFileSync(path.join(dir, 'tests', 'test_hostile.py'), test)
    return dir
  }
  const base = { install: 'false', args: '-p no:cacheprovider -s' }

  test("a test sees no inputs, state, runner tokens or file commands, and can't forge outputs", async () => {
    const ws = workspace(
      [
        'import os',
        'def test_snoop():',
        '    for k, v in sorted(os.environ.items()):',
        '        print(f"ENV {k}={v}")',
        '    for f in ("GITHUB_OUTPUT", "GITHUB_STATE", "GITHUB_STEP_SUMMARY"):',
        '        if os.environ.get(f):',
        '            open(os.environ[f], "a").write("passed=999\\n")',
        ''
      ].join('\n')
    )
    // the python path has a space in it: it runs as one program, not as a command line
    const w = wrappers({ python3: infra.PYTHON })
    const r = await runMain(
      'unit-test',
      { ...base, python: path.join(w.bin, 'python3') },
      { workspace: ws, env: { ENV_DUMP: w.dump, ...RUNNER_SECRETS } }
    )
    expect(r.exitCode).toBe(0)
    expect(r.outputs.passed).toBe('1')
    expect(r.stdout).toMatch(/^ENV PATH=/m)
    expect(r.stdout).not.toMatch(/^ENV (INPUT_|STATE_|GITHUB_OUTPUT|GITHUB_STATE|GITHUB_STEP_SUMMARY)/m)
    expectCleanEnvs(w.envs())
    expectNoLeak(Object.values(RUNNER_SECRETS), [r])
  })

  test('a forgotten breakpoint() ends at once instead of hanging the job (stdin is closed)', async () => {
    const ws = workspace('def test_debug():\n    breakpoint()\n    assert False, "after the breakpoint"\n')
    const r = await runMain(
      'unit-test',
      { ...base, args: '-p no:cacheprovider', python: infra.PYTHON },
      { workspace: ws, timeoutMs: 60_000 }
    )
    expect(r.signal).toBeNull()
    expect(r.exitCode).toBe(1)
    expect(r.ms).toBeLessThan(30_000)
  })

  test('30 huge failures: the summary stays under the 1 MiB GitHub shows, and says what it cut', async () => {
    const ws = workspace(
      [
        'import pytest',
        '@pytest.mark.parametrize("i", range(30))',
        'def test_huge(i):',
        '    assert False, "x" * 200_000 + "\\n" + "line\\n" * 2000',
        ''
      ].join('\n')
    )
    const r = await runMain(
      'unit-test',
      { ...base, args: '-p no:cacheprovider', python: infra.PYTHON },
      { workspace: ws }
    )
    expect(r.exitCode).toBe(1)
    expect(r.outputs.failed).toBe('30')
    expect(Buffer.byteLength(r.summary)).toBeLessThanOrEqual(1024 * 1024)
    expect(r.summary).toMatch(/cut|left out/)
  })
})

describe('build-push: bad input and secrets', () => {
  const password = infra.REGISTRY_PASSWORD

  test.each([
    ['context', { context: '--help', push: 'false' }, /Input 'context' must be a path, not '--help'/],
    ['context', { context: '-', push: 'false' }, /Input 'context' must be a path, not '-'/],
    [
      'registry',
      {
        registry: '127.0.0.1\n::warning::injected',
        push: 'false',
        context: '__tests__/fixtures/docker/tiny'
      },
      /Input 'registry' must be a registry host/
    ]
  ])('%s %j is refused, nothing built or pushed', async (_input, inputs, why) => {
    const r = await runMain(
      'build-push',
      { image: `${infra.REGISTRY}/itg/${uniqueName('bad')}`, ...inputs },
      { timeoutMs: 60_000 }
    )
    expect(r.exitCode).toBe(1)
    expect(r.commands.find(c => c.command === 'error')?.message).toMatch(why)
    expect(r.commands.some(c => c.command === 'warning' && c.message.includes('injected'))).toBe(false)
  })

  test('docker and buildx get no password in their environment', async () => {
    const w = wrappers({ docker: which('docker') })
    // build-push runs the buildx plugin directly when it finds its file: a user plugin folder wraps it too
    const userConfig = tmp('docker-config-')
    fs.mkdirSync(path.join(userConfig, 'cli-plugins'))
    fs.writeFileSync(
      path.join(userConfig, 'cli-plugins', 'docker-buildx'),
      fs
        .readFileSync(path.join(w.bin, 'docker'), 'utf8')
        .replace('== docker', '== docker-buildx')
        .replace(which('docker'), '/usr/libexec/docker/cli-plugins/docker-buildx'),
      { mode: 0o755 }
    )
    const { main, post } = await runMainAndPost(
      'build-push',
      {
        image: `${infra.REGISTRY}/itg/${uniqueName('secret')}`,
        context: '__tests__/fixtures/docker/tiny',
        username: infra.REGISTRY_USER,
        password
      },
      {
        env: {
          PATH: `${w.bin}:${process.env.PATH}`,
          ENV_DUMP: w.dump,
          DOCKER_CONFIG: userConfig,
          REGISTRY_PASSWORD: password,
          ...RUNNER_SECRETS
        }
      }
    )
    expect(main.exitCode).toBe(0)
    expect(post.exitCode).toBe(0)
    expect(w.envs()).toMatch(/^== docker-buildx build /m)
    expectCleanEnvs(w.envs())
    expectNoLeak([password, ...Object.values(RUNNER_SECRETS)], [main, post], {
      'tool environments': w.envs()
    })
  })
})

describe('kind-e2e: secrets', () => {
  test('kind, kubectl, helm and docker get no input, state, token or password; the password goes only to the nodes, which pull the image by name over TLS (nothing is loaded)', async () => {
    // the real tools, wrapped to record the environment each was given; image-source registry hands the
    // registry's password to the nodes' containerd (by file, in the kind config)
    const w = wrappers({ kind: kind.KIND, kubectl: infra.KUBECTL, helm: infra.HELM, docker: which('docker') })
    const image = `${infra.REGISTRY}/kind/demo-flask-app:v2.0.0-3f1c2d4-17`
    buildExampleApp(image)
    push(image)
    const { main, post } = await runMainAndPost(
      'kind-e2e',
      {
        image,
        chart: 'example/gitops/helm/demo-flask-app',
        ...NODE,
        ...REGISTRY_MODE,
        set: 'replicaCount=1',
        'test-command': `${infra.KUBECTL} get events -n e2e -o custom-columns=R:.reason,M:.message`
      },
      {
        env: {
          PATH: `${w.bin}:${KIND_PATH}`,
          ENV_DUMP: w.dump,
          KIND_PASSWORD: infra.REGISTRY_PASSWORD,
          ...RUNNER_SECRETS
        }
      }
    )
    expect(errors(main)).toEqual([])
    expect(main.exitCode).toBe(0)
    expect(post.exitCode).toBe(0)
    // image-source: registry: the nodes were given a kind config, and the kubelet's own words say they
    // pulled the image from the registry; nothing was loaded, no pull policy forced
    expect(main.stdout).not.toContain('kind load')
    expect(main.stdout).toContain('--config ')
    expect(main.stdout).toMatch(
      new RegExp(`Pulled\\s+Successfully pulled image "${image.replace(/[.]/g, '\\.')}"`)
    )
    expect(main.stdout).not.toContain('--set image.pullPolicy')
    const envs = w.envs()
    expect(envs).toMatch(/^== kind create cluster /m)
    expect(envs).toMatch(/^== helm upgrade /m)
    expectCleanEnvs(envs)
    expectNoLeak([infra.REGISTRY_PASSWORD, ...Object.values(RUNNER_SECRETS)], [main, post], {
      'tool environments': envs
    })
    // the kind config that carried it to the nodes went with the private folder
    expect(fs.existsSync(main.state.privateDir)).toBe(false)
  })
})
