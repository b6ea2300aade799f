// Each action.yml and its constants say the same: every input and output named once in the code, and
// the defaults the code falls back to are the ones the runner applies.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { actionMetadata, ROOT } from '../../scripts/lib/runner.mjs'
import * as unitTest from '../../src/unit-test/constants.js'
import * as buildPush from '../../src/build-push/constants.js'
import * as kindE2e from '../../src/kind-e2e/constants.js'
import * as gitopsBump from '../../src/gitops-bump/constants.js'

const stages = {
  'unit-test': unitTest,
  'build-push': buildPush,
  'kind-e2e': kindE2e,
  'gitops-bump': gitopsBump
}

describe.each(Object.entries(stages))('%s/action.yml', (stage, constants) => {
  const meta = actionMetadata(stage)

  test('runs node24 from its committed bundle', () => {
    expect(meta.runs.using).toBe('node24')
    expect(meta.runs.main).toBe(`../dist/${stage}/index.js`)
    if (stage !== 'unit-test') expect(meta.runs.post).toBe(`../dist/${stage}/index.js`)
  })

  test('declares exactly the inputs and outputs the code names', () => {
    expect(Object.keys(meta.inputs).sort()).toEqual(Object.values(constants.Inputs).sort())
    expect(Object.keys(meta.outputs).sort()).toEqual(Object.values(constants.Outputs).sort())
  })

  test('every input has a description; defaults agree with the code', () => {
    for (const [name, spec] of Object.entries(
      meta.inputs as Record<string, { description?: string; default?: string }>
    )) {
      expect(spec.description).toBeTruthy()
      const code = (constants.Defaults as Record<string, string>)[name]
      if (code !== undefined) expect(`${name}=${String(spec.default).trim()}`).toBe(`${name}=${code.trim()}`)
    }
  })
})

describe.each([...Object.keys(stages), '.'])('the reference of %s', stage => {
  test('its inputs/outputs tables are the ones action.yml gives (npm run docs)', async () => {
    const { referenceOf, withTables } = await import('../../scripts/docs.mjs')
    const fs = await import('node:fs')
    const text = fs.readFileSync(referenceOf(stage), 'utf8')
    expect(text).toBe(withTables(text, stage))
  })
})

test('the example image pins gunicorn below 25.1 (its control socket under $HOME fails on a read-only root filesystem)', () => {
  const req = fs.readFileSync(path.join(ROOT, 'example/demo-app/requirements.txt'), 'utf8')
  expect(req).toMatch(/^gunicorn>=20\.1,<25\.1\b/m)
})
