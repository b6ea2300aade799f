// A report the size large monorepos write: 360,001 test cases (58 MB), read through the bundle with
// `reports`. The readers once spread whole arrays of cases into push(...), which ends in "Maximum call
// stack size exceeded" past about 100,000 cases. Time and memory are measured in bench/scale.mjs.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { runMain, tempDir } from '../../scripts/lib/runner.mjs'
import { writeLargeReport } from '../fixtures/junit/generate.mjs'

test('a JUnit report of 360,001 cases is read, totalled and annotated within the limits', async () => {
  const ws = tempDir('scale')
  const { failed, skipped } = writeLargeReport(path.join(ws, 'big.xml'), { cases: 360_001 }) as {
    failed: number
    skipped: number
  }
  const r = await runMain('unit-test', { 'working-directory': '.', reports: 'big.xml' }, { workspace: ws })
  const errors = r.commands.filter(c => c.command === 'error')
  expect(errors.at(-1)?.message).toBe(`${failed} of 360001 tests failed`)
  expect(r.exitCode).toBe(1)
  expect(r.outputs).toMatchObject({
    total: '360001',
    failed: String(failed),
    skipped: String(skipped),
    passed: String(360_001 - failed - skipped)
  })
  // GitHub shows 10 error annotations a step: 9 failures, then the step's own error (never 361)
  expect(errors).toHaveLength(10)
  expect(errors.filter(c => /AssertionError: assert \d+ == 0/.test(c.message)).length).toBeGreaterThan(0)
  expect(Buffer.byteLength(r.summary)).toBeLessThan(1 << 20)
  expect(Buffer.byteLength(r.outputs.results)).toBeLessThan(1_000_000)
  fs.rmSync(ws, { recursive: true, force: true })
})
