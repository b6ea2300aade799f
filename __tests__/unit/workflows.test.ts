// Every workflow and action.yml, parsed by GitHub's own parser (@actions/workflow-parser), and every
// `with:` given to one of this repository's actions checked against the inputs that action declares.
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser'
import { parseAction } from '@actions/workflow-parser/actions/index'
import YAML from 'yaml'
import { actionMetadata, ROOT } from '../../scripts/lib/runner.mjs'

const STAGES = ['unit-test', 'build-push', 'kind-e2e', 'gitops-bump']
const workflows = fs.readdirSync(path.join(ROOT, '.github/workflows')).filter(f => /\.ya?ml$/.test(f))
const actionFiles = ['action.yml', ...STAGES.map(s => `${s}/action.yml`)]
const read = (f: string) => fs.readFileSync(path.join(ROOT, f), 'utf8')

type Step = { uses?: string; with?: Record<string, unknown> }
const EXAMPLES = ['docs/examples/service-pipeline.yml', '__tests__/fixtures/act/caller.yml']
function steps(file: string): Step[] {
  const doc = YAML.parse(read(file))
  if (doc.jobs)
    return Object.values(doc.jobs as Record<string, { steps?: Step[] }>).flatMap(j => j.steps ?? [])
  return doc.runs?.steps ?? []
}

/** The stage a `uses:` names, when it is one of ours (`./.demo-actions/<stage>` is the reusable workflow's checkout). */
function ourStage(uses: string): string | undefined {
  const m = /^(?:\.\/(?:\.demo-actions\/)?|banicr\/demo-actions\/)([\w-]+)(?:@.+)?$/.exec(uses)
  return m && STAGES.includes(m[1]) ? m[1] : undefined
}

describe.each(workflows)('.github/workflows/%s', file => {
  test('parses without errors', () => {
    const result = parseWorkflow(
      { name: file, content: read(`.github/workflows/${file}`) },
      new NoOperationTraceWriter()
    )
    expect(result.context.errors.getErrors().map(e => e.message)).toEqual([])
    expect(result.value).toBeDefined()
  })
})

describe.each(EXAMPLES)('%s (a caller of the reusable workflow)', file => {
  test('parses, and gives the callable only the inputs and secrets it declares, with the types it declares', () => {
    const result = parseWorkflow({ name: file, content: read(file) }, new NoOperationTraceWriter())
    expect(result.context.errors.getErrors().map(e => e.message)).toEqual([])
    const callable = YAML.parse(read('.github/workflows/pipeline.yml')).on.workflow_call
    const caller = YAML.parse(read(file)).jobs.pipeline
    expect(caller.uses).toBe('banicr/demo-actions/.github/workflows/pipeline.yml@v1')
    for (const [k, v] of Object.entries(caller.with ?? {})) {
      expect({ input: k, declared: k in callable.inputs }).toEqual({ input: k, declared: true })
      const type = callable.inputs[k].type
      expect({ input: k, type: typeof v }).toEqual({
        input: k,
        type: type === 'boolean' ? 'boolean' : type === 'number' ? 'number' : 'string'
      })
    }
    for (const k of Object.keys(caller.secrets ?? {}))
      expect({ secret: k, declared: k in callable.secrets }).toEqual({ secret: k, declared: true })
    const required = Object.entries(callable.inputs as Record<string, { required?: boolean }>).filter(
      ([, i]) => i.required
    )
    for (const [k] of required) expect(Object.keys(caller.with ?? {})).toContain(k)
    // the caller grants what the called jobs ask for (a called job cannot have more than its caller)
    // a called workflow gets at most its caller's permissions: the build job's id-token for keyless signing
    expect(caller.permissions).toEqual({
      contents: 'read',
      packages: 'write',
      'id-token': 'write',
      attestations: 'write'
    })
  })

  test('is at most about five lines of job', () => {
    expect(
      YAML.stringify(YAML.parse(read(file)).jobs)
        .trim()
        .split('\n').length
    ).toBeLessThanOrEqual(13)
  })
})

test('the reusable workflow declares its interface and runs the stages of the ref it was called at', () => {
  const doc = YAML.parse(read('.github/workflows/pipeline.yml'))
  const call = doc.on.workflow_call
  expect(Object.keys(call.inputs).sort()).toEqual(
    [
      'actions-ref',
      'app-directory',
      'argocd-application',
      'argocd-ca',
      'argocd-server',
      'argocd-timeout',
      'on-degraded',
      'pin-digest',
      'sign',
      'signer-identity-regexp',
      'chart',
      'gitops-repository',
      'image',
      'skip-e2e',
      'values-file',
      'production-values-file',
      'production-application',
      'rehearse',
      'promote',
      'promote-after',
      'version'
    ].sort()
  )
  expect(Object.keys(call.secrets).sort()).toEqual(['argocd-token', 'gitops-deploy-key', 'gitops-token'])
  expect(Object.keys(call.outputs).sort()).toEqual([
    'deployed',
    'digest',
    'gitops-commit',
    'production-commit',
    'production-deployed',
    'tag'
  ])
  expect(doc.on.push).toEqual({ branches: ['main'] })
  const uses = steps('.github/workflows/pipeline.yml')
    .map(s => s.uses)
    .filter(u => u && ourStage(u))
  // the four stages, then gitops-bump again: the promotion to production
  expect(uses).toEqual([...STAGES.map(s => `./.demo-actions/${s}`), './.demo-actions/gitops-bump'])
  expect(doc.jobs.promote.environment).toBe('production')
})

describe.each(actionFiles)('%s', file => {
  test('parses without errors', () => {
    const result = parseAction({ name: file, content: read(file) }, new NoOperationTraceWriter())
    expect(result.context.errors.getErrors().map(e => e.message)).toEqual([])
  })
})

describe.each([
  ...workflows.map(w => `.github/workflows/${w}`),
  'action.yml',
  '__tests__/fixtures/act/kind-e2e.yml'
])('steps of %s', file => {
  test('give our actions only inputs they declare, and every required one', () => {
    for (const step of steps(file)) {
      const stage = step.uses && ourStage(step.uses)
      if (!stage) continue
      const inputs = actionMetadata(stage).inputs as Record<string, { required?: boolean; default?: unknown }>
      const given = Object.keys(step.with ?? {})
      expect({ stage, unknown: given.filter(k => !(k in inputs)) }).toEqual({ stage, unknown: [] })
      const missing = Object.entries(inputs).filter(
        ([k, s]) => s.required && s.default === undefined && !given.includes(k)
      )
      expect({ stage, missing: missing.map(([k]) => k) }).toEqual({ stage, missing: [] })
    }
  })

  test('pin third-party actions by commit sha', () => {
    for (const step of steps(file))
      if (step.uses && !ourStage(step.uses))
        expect(step.uses).toMatch(/^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40}$/)
  })
})

test('the pipeline is least-privilege: read-only at the top, packages: write only where the image is pushed', () => {
  const doc = YAML.parse(read('.github/workflows/pipeline.yml'))
  expect(doc.permissions).toEqual({ contents: 'read' })
  const writers = Object.entries(doc.jobs as Record<string, { permissions?: Record<string, string> }>)
    .filter(([, j]) => Object.values(j.permissions ?? {}).includes('write'))
    .map(([name, j]) => [name, j.permissions])
  expect(writers).toEqual([
    ['build', { contents: 'read', packages: 'write', 'id-token': 'write', attestations: 'write' }]
  ])
  expect(doc.jobs.gitops.concurrency['cancel-in-progress']).toBe(false)
})

test('the root action runs the four stages in order, each with the inputs it declares', () => {
  expect(
    steps('action.yml')
      .map(s => s.uses)
      .filter(Boolean)
  ).toEqual([...STAGES.map(s => `banicr/demo-actions/${s}@v1`), 'banicr/demo-actions/gitops-bump@v1'])
})

test('the parser does catch mistakes (so the checks above mean something)', () => {
  const broken = parseWorkflow(
    {
      name: 'broken.yml',
      content:
        'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: x/y@v1\n        run: echo both\n'
    },
    new NoOperationTraceWriter()
  )
  expect(broken.context.errors.getErrors().length).toBeGreaterThan(0)
  const badAction = parseAction(
    { name: 'action.yml', content: 'name: x\nruns:\n  using: node99\n' },
    new NoOperationTraceWriter()
  )
  expect(badAction.context.errors.getErrors().length).toBeGreaterThan(0)
})

describe('repository hygiene', () => {
  const files = [
    'LICENSE',
    'SECURITY.md',
    'CONTRIBUTING.md',
    'CHANGELOG.md',
    'docs/migration.md',
    'docs/releasing.md'
  ]
  test.each(files)('%s exists and the README links it', file => {
    expect(fs.existsSync(path.join(ROOT, file))).toBe(true)
    expect(read('README.md')).toContain(`](${file})`)
  })

  test('the licence is the one package.json names', () => {
    expect(JSON.parse(read('package.json')).license).toBe('MIT')
    expect(read('LICENSE')).toMatch(/^MIT License/)
  })

  test('Dependabot keeps npm and the sha-pinned actions fresh', () => {
    const doc = YAML.parse(read('.github/dependabot.yml'))
    expect(doc.version).toBe(2)
    expect(doc.updates.map((u: { 'package-ecosystem': string }) => u['package-ecosystem']).sort()).toEqual([
      'github-actions',
      'npm'
    ])
  })

  test("release.yml's notes come from the CHANGELOG section of the tag", () => {
    const release = YAML.parse(read('.github/workflows/release.yml'))
    const script = release.jobs.release.steps.find(
      (s: { name?: string }) => s.name === 'Release notes from CHANGELOG.md'
    ).run
    const top = /^## (v\d+\.\d+\.\d+)$/m.exec(read('CHANGELOG.md'))![1]
    const notes = execFileSync('bash', ['-c', script.replace(/> notes\.md[\s\S]*/, '')], {
      cwd: ROOT,
      env: { ...process.env, TAG: top },
      encoding: 'utf8'
    })
    expect(notes.trim().length).toBeGreaterThan(50)
    expect(notes).not.toMatch(/^## v/m)
  })

  test("a release's action.yml calls its stages at the tagged commit's full SHA, no @v1 inside", () => {
    // the release step run as release.yml has it, in a clone whose origin is a local bare repository
    const release = YAML.parse(read('.github/workflows/release.yml'))
    const step = release.jobs.release.steps.find((s: { name?: string }) =>
      /^Release commit/.test(s.name ?? '')
    )
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'release-'))
    try {
      const git = (...a: string[]) =>
        execFileSync('git', a, { cwd: path.join(dir, 'work'), encoding: 'utf8' }).trim()
      execFileSync('git', ['init', '-q', '--bare', path.join(dir, 'origin.git')])
      fs.mkdirSync(path.join(dir, 'work/scripts/release'), { recursive: true })
      fs.copyFileSync(path.join(ROOT, 'action.yml'), path.join(dir, 'work/action.yml'))
      fs.copyFileSync(
        path.join(ROOT, 'scripts/release/pin-stages.mjs'),
        path.join(dir, 'work/scripts/release/pin-stages.mjs')
      )
      git('init', '-q', '-b', 'main')
      git('add', '-A')
      git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'v9.9.9')
      git('remote', 'add', 'origin', path.join(dir, 'origin.git'))
      git('tag', 'v9.9.9')
      git('push', '-q', 'origin', 'main', 'v9.9.9')
      const tagged = git('rev-parse', 'HEAD')
      const envFile = path.join(dir, 'github_env')
      fs.writeFileSync(envFile, '')
      execFileSync('bash', ['-e', '-c', step.run], {
        cwd: path.join(dir, 'work'),
        env: { ...process.env, TAG: 'v9.9.9', GITHUB_SHA: tagged, GITHUB_ENV: envFile },
        encoding: 'utf8'
      })
      const released = execFileSync('git', ['show', 'v9.9.9:action.yml'], {
        cwd: path.join(dir, 'origin.git'),
        encoding: 'utf8'
      })
      expect(released).not.toMatch(/@v\d/)
      const refs = [...released.matchAll(/uses: (banicr\/demo-actions\/[a-z-]+)@(\S+) # v9\.9\.9/g)]
      expect(refs.map(m => m[1]).sort()).toEqual(
        [...read('action.yml').matchAll(/uses: (banicr\/demo-actions\/[a-z-]+)@/g)].map(m => m[1]).sort()
      )
      expect(new Set(refs.map(m => m[2]))).toEqual(new Set([tagged]))
      // the tag moved to the release commit, whose parent is the tagged one; the env names it for vX
      const commit = execFileSync('git', ['rev-parse', 'v9.9.9^{commit}'], {
        cwd: path.join(dir, 'origin.git'),
        encoding: 'utf8'
      }).trim()
      expect(git('rev-parse', `${commit}^`)).toBe(tagged)
      expect(fs.readFileSync(envFile, 'utf8')).toBe(`RELEASE_SHA=${commit}\n`)
      // and the check refuses a file with a @v1 inside
      expect(() =>
        execFileSync(
          'node',
          [path.join(ROOT, 'scripts/release/pin-stages.mjs'), '--check', path.join(ROOT, 'action.yml')],
          {
            stdio: 'pipe'
          }
        )
      ).toThrow(/not full SHAs: banicr\/demo-actions\/unit-test@v1/)
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})

/** The first major of each action we name that runs on Node 24 (each action's release notes). */
const NODE24_MAJOR: Record<string, number> = {
  'actions/checkout': 5,
  'actions/setup-python': 6,
  'actions/setup-node': 5,
  'actions/upload-artifact': 5,
  'actions/download-artifact': 6,
  'actions/cache': 5,
  'docker/setup-buildx-action': 4
}

describe('Marketplace and the policies organisations apply before they allow an action', () => {
  const actions = ['action.yml', ...STAGES.map(s => `${s}/action.yml`)]
  test.each(actions)('%s: a description the Marketplace takes (under 125 characters), Node 24', file => {
    const doc = YAML.parse(read(file))
    expect(doc.description.length).toBeLessThan(125)
    if (doc.runs.using !== 'composite') expect(doc.runs.using).toBe('node24')
  })

  test('no generic input defaults to the demo’s own paths or names', () => {
    const demo = /demo-app|demo-flask-app|demo_gitops|banicr/
    const found = actions.flatMap(file =>
      Object.entries(YAML.parse(read(file)).inputs ?? {})
        .filter(([, spec]) => demo.test(String((spec as { default?: unknown }).default ?? '')))
        .map(([name]) => `${file}: ${name}`)
    )
    expect(found).toEqual([])
  })

  /** Every `uses:` of a workflow, example or document users copy from. */
  const copied = [
    ...workflows.map(w => `.github/workflows/${w}`),
    'README.md',
    ...STAGES.map(s => `${s}/README.md`),
    ...fs
      .readdirSync(path.join(ROOT, 'docs'))
      .filter(f => f.endsWith('.md'))
      .map(f => `docs/${f}`)
  ]
  test.each(copied)('%s: other actions pinned by full SHA, with the Node 24 major in a comment', file => {
    const uses = [...read(file).matchAll(/uses: ([\w.-]+\/[\w./-]+)@(\S+)(.*)$/gm)].filter(
      m => !m[1].startsWith('banicr/demo-actions') && !m[1].startsWith('./')
    )
    for (const [line, , ref, rest] of uses) {
      expect({ line, pinned: /^[0-9a-f]{40}$/.test(ref) }).toEqual({ line, pinned: true })
      // the majors that run on Node 24 (GitHub's runners removed Node 20 in September 2026)
      const major = Number(/# v(\d+)/.exec(rest)?.[1])
      const name = /uses: ([\w.-]+\/[\w.-]+)/.exec(line)![1]
      expect({ line, node24: major >= (NODE24_MAJOR[name] ?? Infinity) }).toEqual({ line, node24: true })
    }
  })
})
