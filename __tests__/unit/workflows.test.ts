// Every workflow and action.yml, parsed by GitHub's own parser (@actions/workflow-parser), and every
// `with:` given to one of this repository's actions checked against the inputs that action declares.
import * as fs from 'node:fs'
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
function steps(file: string): Step[] {
  const doc = YAML.parse(read(file))
  if (doc.jobs)
    return Object.values(doc.jobs as Record<string, { steps?: Step[] }>).flatMap(j => j.steps ?? [])
  return doc.runs?.steps ?? []
}

/** The stage a `uses:` names, when it is one of ours. */
function ourStage(uses: string): string | undefined {
  const m = /^(?:\.\/|banicr\/demo-actions\/)([\w-]+)(?:@.+)?$/.exec(uses)
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

describe.each(actionFiles)('%s', file => {
  test('parses without errors', () => {
    const result = parseAction({ name: file, content: read(file) }, new NoOperationTraceWriter())
    expect(result.context.errors.getErrors().map(e => e.message)).toEqual([])
  })
})

describe.each([...workflows.map(w => `.github/workflows/${w}`), 'action.yml'])('steps of %s', file => {
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
  expect(writers).toEqual([['build', { contents: 'read', packages: 'write' }]])
  expect(doc.jobs.gitops.concurrency['cancel-in-progress']).toBe(false)
})

test('the root action runs the four stages in order, each with the inputs it declares', () => {
  expect(
    steps('action.yml')
      .map(s => s.uses)
      .filter(Boolean)
  ).toEqual(STAGES.map(s => `banicr/demo-actions/${s}@v1`))
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
