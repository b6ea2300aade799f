// unit-test on the reports real tools write today, generated live (issue #24): each writer at a pinned
// version runs a small project (__tests__/fixtures/live/<tool>) with a passing, a failing (multi-line
// message), a skipped, a flaky (fails once, passes on the retry) and an erroring (setup) test, through
// the bundle. So far: pytest 9.2.0 with pytest-xdist 3.8.0 and pytest-rerunfailures 16.7 (from PyPI,
// pinned by hash in scripts/lab/tools/pytest, installed by scripts/lab/pytools.sh).
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { ROOT, runMain } from '../../scripts/lib/runner.mjs'

const PYTEST = execFileSync('bash', [path.join(ROOT, 'scripts/lab/pytools.sh'), 'pytest'], {
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit']
}).trim()

test('pytest 9.2 with two xdist workers and one rerun: totals as pytest counts them, the flaky test flaky', async () => {
  const state = fs.mkdtempSync(path.join(os.tmpdir(), 'live-pytest-'))
  const main = await runMain(
    'unit-test',
    {
      'working-directory': '__tests__/fixtures/live/pytest',
      python: path.join(PYTEST, 'python'),
      install: 'false',
      args: '-n 2 --reruns 1 -p no:cacheprovider'
    },
    { env: { LIVE_STATE: state } }
  )
  // pytest: "1 failed, 2 passed, 1 skipped, 1 error, 3 rerun"; its report lists 8 cases for 5 tests, the
  // failed attempts as empty <testcase> elements, and declares tests="5"
  expect(main.outputs).toMatchObject({
    total: '5',
    failed: '1',
    errors: '1',
    skipped: '1',
    flaky: '1',
    passed: '1'
  })
  // the tool failed and its report says so: the step fails
  expect(main.exitCode).toBe(1)
  const annotations = main.commands.filter(c => ['error', 'warning'].includes(c.command))
  const file = '__tests__/fixtures/live/pytest/tests/test_live.py'
  expect(annotations).toEqual(
    expect.arrayContaining([
      expect.objectContaining({
        command: 'error',
        properties: expect.objectContaining({
          title: 'tests.test_live.test_fails_with_a_multiline_message failed',
          file,
          line: '20'
        }),
        message: expect.stringContaining('the rendered text differs:\n  line one\n  line 2\n  line three')
      }),
      expect.objectContaining({
        command: 'error',
        properties: expect.objectContaining({
          title: 'tests.test_live.test_setup_error errored',
          file,
          line: '10'
        }),
        message: expect.stringContaining('failed on setup with "ConnectionError: database at 127.0.0.1:5432')
      }),
      expect.objectContaining({
        command: 'warning',
        properties: expect.objectContaining({ title: 'tests.test_live.test_flaky is flaky', file })
      })
    ])
  )
  expect(JSON.parse(main.outputs.results).flaky).toEqual(['tests.test_live.test_flaky'])
  expect(main.summary).toContain('test_fails_with_a_multiline_message')
  fs.rmSync(state, { recursive: true, force: true })
})
