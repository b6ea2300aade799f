// unit-test on the reports real tools write today, generated live: each writer at a pinned
// version runs a small project (__tests__/fixtures/live/<tool>) with a passing, a failing (multi-line
// message), a skipped, a flaky (fails once, passes on the retry) and an erroring (setup or teardown)
// test, through the bundle on Node 24. The tools, each cached by its pins: pytest 9.2.0 with pytest-xdist
// 3.8.0 and pytest-rerunfailures 16.7 (scripts/lab/pytools.sh), gotestsum 1.13.0 (scripts/lab/build.sh),
// cargo-nextest 0.9.151 (scripts/lab/cargotools.sh), jest 30.5.2 + jest-junit 17.0.0, vitest 5.1.2 and
// mocha 11.8.0 + mocha-junit-reporter 2.2.1 (scripts/lab/jstools.sh), Maven Surefire 3.6.1 with JUnit
// Jupiter 6.1.3 (Maven's own repository caches them). Totals are as the report counts them; where the
// tool's own console counts otherwise, the test says so.
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { infraEnv, nodeBinary, ROOT, runMain, tempDir } from '../../scripts/lib/runner.mjs'

const tool = (script: string, name: string) =>
  execFileSync('bash', [path.join(ROOT, 'scripts/lab', script), name], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit']
  }).trim()

const PYTEST = tool('pytools.sh', 'pytest')
const GOTESTSUM = path.join(tool('build.sh', 'gotestsum'), 'gotestsum')
const NEXTEST = path.join(tool('cargotools.sh', 'nextest'), 'cargo-nextest')
const JS = tool('jstools.sh', 'js-reporters')
// the JavaScript tools run on the pinned Node 24 (vitest 5 needs 22 or later), whichever Node the bundle
// is tested on (DEMO_ACTIONS_NODE24 may point the bundles at Node 20)
const NODE24 = infraEnv().NODE24 || nodeBinary('24')

type Step = Awaited<ReturnType<typeof runMain>>

const fixture = (name: string) => `__tests__/fixtures/live/${name}`

/**
 * Runs the bundle on a test project. `setup` is given a fresh folder (LIVE_STATE: where the flaky tests
 * mark their first run) and a report path in it, and returns the step's inputs and environment.
 */
async function live(
  project: string,
  setup: (state: string, report: string) => { inputs: Record<string, string>; env?: Record<string, string> }
): Promise<Step> {
  const state = tempDir('live-state')
  try {
    const { inputs, env } = setup(state, path.join(state, 'junit.xml'))
    return await runMain(
      'unit-test',
      { 'working-directory': fixture(project), ...inputs },
      { env: { LIVE_STATE: state, ...env } }
    )
  } finally {
    fs.rmSync(state, { recursive: true, force: true })
  }
}

/** The error and warning annotations the step wrote. */
const annotations = (step: Step) => step.commands.filter(c => ['error', 'warning'].includes(c.command))

function annotation(command: 'error' | 'warning', title: string, file: string, line?: number, text?: string) {
  return expect.objectContaining({
    command,
    properties: expect.objectContaining({
      title,
      file,
      ...(line ? { line: String(line) } : {})
    }),
    ...(text ? { message: expect.stringContaining(text) } : {})
  })
}

/**
 * The step failed with these totals, and the summary's heading says what the outputs say and lists the
 * failing tests.
 */
function failsWith(step: Step, totals: Record<string, string>) {
  expect(step.outputs).toMatchObject(totals)
  expect(step.exitCode).toBe(1)
  const o = step.outputs
  expect(step.summary).toContain(
    `Unit tests: ${o.passed} passed, ${o.failed} failed, ${o.errors} errors, ${o.skipped} skipped${o.flaky !== '0' ? `, ${o.flaky} flaky` : ''}`
  )
  // (as the summary writes it: HTML-escaped)
  const html = (t: string) =>
    t.replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
  for (const f of JSON.parse(o.results).failures as { test: string }[])
    expect(step.summary).toContain(html(f.test))
}

const MULTILINE = 'the rendered text differs:\nline one\nline 2\nline three'

afterAll(() => {
  // build output and caches the tools leave in their projects (git ignores them)
  for (const dir of ['rust/target', 'maven/target', 'vitest/node_modules'])
    fs.rmSync(path.join(ROOT, fixture(dir)), { recursive: true, force: true })
})

test('pytest 9.2 with two xdist workers and one rerun: totals as pytest counts them, the flaky test flaky', async () => {
  const main = await live('pytest', () => {
    return {
      inputs: {
        python: path.join(PYTEST, 'python'),
        install: 'false',
        args: '-n 2 --reruns 1 -p no:cacheprovider'
      }
    }
  })
  // pytest: "1 failed, 2 passed, 1 skipped, 1 error, 3 rerun"; its report lists 8 cases for 5 tests, the
  // failed attempts as empty <testcase> elements, and declares tests="5"
  // the tool failed and its report says so: the step fails
  failsWith(main, {
    total: '5',
    failed: '1',
    errors: '1',
    skipped: '1',
    flaky: '1',
    passed: '1'
  })
  const file = `${fixture('pytest')}/tests/test_live.py`
  expect(annotations(main)).toEqual(
    expect.arrayContaining([
      annotation(
        'error',
        'tests.test_live.test_fails_with_a_multiline_message failed',
        file,
        20,
        MULTILINE.replace(/\n/g, '\n  ')
      ),
      annotation(
        'error',
        'tests.test_live.test_setup_error errored',
        file,
        10,
        'failed on setup with "ConnectionError: database at 127.0.0.1:5432'
      ),
      annotation('warning', 'tests.test_live.test_flaky is flaky', file)
    ])
  )
  expect(JSON.parse(main.outputs.results).flaky).toEqual(['tests.test_live.test_flaky'])
  expect(main.summary).toContain('test_fails_with_a_multiline_message')
})

test('go test through gotestsum 1.13 with --rerun-fails: reruns folded, a failed TestMain found at its func', async () => {
  const main = await live('go', (_state, report) => {
    return {
      inputs: {
        command: `${GOTESTSUM} --format testname --junitfile ${report} --rerun-fails=1 --packages ./...`,
        'junit-file': report
      },
      env: { GOFLAGS: '-count=1' }
    }
  })
  // gotestsum: "2 runs, 8 tests, 1 skipped, 6 failures": it counts attempts; its report lists the reruns
  // as more <testcase> elements of the same name. Per test: TestPasses passed; TestSkipped skipped;
  // TestFlaky failed, then passed: flaky; the multi-line failure and the failing t.Cleanup (go test has
  // no error outcome: a teardown error fails its test) failed twice; the setup package's TestMain failed
  // before any test ran (gotestsum writes it as a test case "TestMain").
  failsWith(main, {
    total: '6',
    passed: '1',
    failed: '3',
    errors: '0',
    skipped: '1',
    flaky: '1'
  })
  const file = `${fixture('go')}/live_test.go`
  expect(annotations(main)).toEqual(
    expect.arrayContaining([
      annotation('error', 'example.com/live.TestFailsWithAMultilineMessage failed', file, 20, MULTILINE),
      annotation(
        'error',
        'example.com/live.TestTeardownError failed',
        file,
        40,
        'teardown: closing the database'
      ),
      // no line in go test's output: the test's declaration
      annotation(
        'error',
        'TestMain failed',
        `${fixture('go')}/setup/setup_test.go`,
        10,
        'setup: database at 127.0.0.1:5432 refused the connection'
      ),
      annotation('warning', 'example.com/live.TestFlaky is flaky', file, 33, 'first attempt fails')
    ])
  )
  // one annotation per failing test, not per attempt
  expect(
    annotations(main).filter(a => a.properties.title?.includes('TestFailsWithAMultilineMessage'))
  ).toHaveLength(1)
  expect(JSON.parse(main.outputs.results).flaky).toEqual(['example.com/live.TestFlaky'])
  expect(main.summary).toContain('1 flaky')
})

test('cargo-nextest 0.9.151 JUnit profile with retries: flaky from <flakyFailure>, failures at the panic', async () => {
  const main = await live('rust', state => {
    return {
      inputs: {
        command: `${NEXTEST} nextest run --profile ci`,
        'junit-file': 'target/nextest/ci/junit.xml'
      },
      // (the compiled tests in a folder of their own; nextest's report stays under the project's target/)
      env: { CARGO_TARGET_DIR: path.join(state, 'target'), RUST_BACKTRACE: '0' }
    }
  })
  // nextest: "4 tests run: 2 passed (1 flaky), 2 failed, 1 skipped". Rust tests have no setup outcome:
  // the fixture's panic fails its test. The ignored test is in the report because the profile sets
  // junit.report-skipped = "ignored" (nextest's default, "none", leaves skipped tests out of it).
  failsWith(main, {
    total: '5',
    passed: '1',
    failed: '2',
    errors: '0',
    skipped: '1',
    flaky: '1'
  })
  const file = `${fixture('rust')}/tests/live.rs`
  expect(annotations(main)).toEqual(
    expect.arrayContaining([
      annotation(
        'error',
        'live::live.fails_with_a_multiline_message failed',
        file,
        18,
        'the rendered text differs'
      ),
      // the panic is in the fixture the test calls
      annotation('error', 'live::live.setup_error failed', file, 7, 'database at 127.0.0.1:5432'),
      annotation('warning', 'live::live.flaky is flaky', file, 31)
    ])
  )
  expect(main.summary).toContain('line 2')
})

test('Maven Surefire 3.6.1 (JUnit Jupiter 6.1.3) with rerunFailingTestsCount: as Surefire counts them', async () => {
  const main = await live('maven', () => {
    return {
      inputs: {
        command: 'mvn -B -q -Dsurefire.rerunFailingTestsCount=1 test',
        reports: 'target/surefire-reports/TEST-*.xml'
      }
    }
  })
  // Surefire: "Tests run: 5, Failures: 1, Errors: 1, Skipped: 1, Flakes: 1": a failing @BeforeAll is an
  // error of the class (its test case "initializationError"), the rerun passing test a flake
  failsWith(main, {
    total: '5',
    passed: '1',
    failed: '1',
    errors: '1',
    skipped: '1',
    flaky: '1'
  })
  const dir = `${fixture('maven')}/src/test/java/example/live`
  expect(annotations(main)).toEqual(
    expect.arrayContaining([
      annotation(
        'error',
        'example.live.LiveTest.failsWithAMultilineMessage failed',
        `${dir}/LiveTest.java`,
        21,
        MULTILINE
      ),
      annotation(
        'error',
        'example.live.SetupErrorTest.initializationError errored',
        `${dir}/SetupErrorTest.java`,
        10,
        'database at 127.0.0.1:5432'
      ),
      annotation('warning', 'example.live.LiveTest.flaky is flaky', `${dir}/LiveTest.java`, 34)
    ])
  )
})

test('jest 30.5 with jest-junit 17 and jest.retryTimes: a failing afterAll, and flaky seen through invocations', async () => {
  const main = await live('jest', (_state, report) => {
    return {
      inputs: {
        command: `${NODE24} ${JS}/jest/bin/jest.js --ci --reporters=default --reporters=${JS}/jest-junit`,
        'junit-file': report
      },
      env: { JEST_JUNIT_OUTPUT_FILE: report }
    }
  })
  // jest: "Tests: 2 failed, 1 skipped, 3 passed, 6 total", and the teardown file failed: jest-junit adds
  // that as a test case "Test execution failure: could be caused by test hooks like 'afterAll'." (7 in
  // the report). A failing beforeAll fails the tests of its block. jest-junit keeps only a retried test's
  // last attempt; the project's junitTestCaseProperties.js adds the invocations, read as flaky.
  failsWith(main, {
    total: '7',
    passed: '2',
    failed: '3',
    errors: '0',
    skipped: '1',
    flaky: '1'
  })
  const dir = fixture('jest')
  expect(annotations(main)).toEqual(
    expect.arrayContaining([
      annotation('error', 'fails with a multi-line message failed', `${dir}/live.test.js`, 13, MULTILINE),
      annotation(
        'error',
        'with a database setup error failed',
        `${dir}/live.test.js`,
        29,
        'database at 127.0.0.1:5432'
      ),
      // jest-junit's JSON of the error is unwrapped to its stack
      annotation(
        'error',
        "Test execution failure: could be caused by test hooks like 'afterAll'. failed",
        `${dir}/teardown.test.js`,
        3,
        'Error: teardown: closing the database at 127.0.0.1:5432 failed'
      ),
      expect.objectContaining({
        command: 'warning',
        properties: expect.objectContaining({ title: 'flaky is flaky' }),
        message: expect.stringContaining('passed on attempt 2')
      })
    ])
  )
})

test('jest-junit leaves out a file that failed to run: jest exits 1 on a clean report, and the exit code wins', async () => {
  const main = await live('jest', (state, report) => {
    fs.writeFileSync(
      path.join(state, 'broken.test.js'),
      "require('./not-there')\ntest('never runs', () => {})\n"
    )
    return {
      inputs: {
        command: `${NODE24} ${JS}/jest/bin/jest.js --ci --rootDir ${state} --testMatch **/broken.test.js --reporters=default --reporters=${JS}/jest-junit`,
        'junit-file': report,
        'allow-empty': 'true'
      },
      env: { JEST_JUNIT_OUTPUT_FILE: report }
    }
  })
  // the report holds no test (reportTestSuiteErrors is off by default); jest said "Test Suites: 1 failed"
  failsWith(main, { total: '0', failed: '0' })
  const error = main.commands.find(c => c.command === 'error')
  expect(error?.message).toMatch(/^The test command exited with code 1:/)
  expect(error?.message).toContain("Cannot find module './not-there'")
})

test('vitest 5.1 junit reporter with retry: the suite-level beforeAll failure, one annotation per test', async () => {
  const main = await live('vitest', (_state, report) => {
    return {
      inputs: {
        command: `${NODE24} ${JS}/vitest/vitest.mjs run --reporter=default --reporter=junit --outputFile.junit=${report}`,
        'junit-file': report
      }
    }
  })
  // vitest: "Tests 1 failed | 3 passed | 2 skipped (6)", and both files failed. Its junit report (tests=8
  // failures=3) adds a case for the describe block whose beforeAll failed (its test skipped) and one for
  // the file whose afterAll failed. It keeps a retried test's last attempt only; the project's retries.js
  // annotates attempts after the first as the property "invocations", read as flaky.
  failsWith(main, {
    total: '8',
    passed: '2',
    failed: '3',
    errors: '0',
    skipped: '2',
    flaky: '1'
  })
  const dir = `${fixture('vitest')}/test`
  expect(annotations(main)).toEqual(
    expect.arrayContaining([
      annotation(
        'error',
        'test/live.test.js.fails with a multi-line message failed',
        `${dir}/live.test.js`,
        11,
        MULTILINE
      ),
      annotation(
        'error',
        'test/live.test.js.with a database failed',
        `${dir}/live.test.js`,
        27,
        'database at 127.0.0.1:5432'
      ),
      annotation(
        'error',
        'test/teardown.test.js failed',
        `${dir}/teardown.test.js`,
        3,
        'teardown: closing the database'
      ),
      annotation('warning', 'test/live.test.js.flaky is flaky', `${dir}/live.test.js`)
    ])
  )
  // vitest writes one <failure> per attempt: one annotation
  expect(annotations(main).filter(a => a.properties.title?.includes('multi-line'))).toHaveLength(1)
})

test('mocha 11.8 with mocha-junit-reporter 2.2.1 and retries: a failing before hook, flaky not in the report', async () => {
  const main = await live('mocha', (_state, report) => {
    return {
      inputs: {
        command: `${NODE24} ${JS}/mocha/bin/mocha.js --reporter ${JS}/mocha-junit-reporter`,
        'junit-file': report
      },
      env: { MOCHA_FILE: report }
    }
  })
  // mocha: "2 passing, 1 pending, 2 failing": a failing before() hook is a failure of its own
  // ('"before all" hook for "setup error"') and the test it guards never runs. The pending test is in
  // the report because .mocharc.json sets includePending (the reporter's default leaves it out).
  // mocha-junit-reporter writes a retried test once, as its last attempt, and has no way to add the
  // retries: the flaky test reads as passed (so it does with every reader).
  failsWith(main, {
    total: '5',
    passed: '2',
    failed: '2',
    errors: '0',
    skipped: '1',
    flaky: '0'
  })
  const file = `${fixture('mocha')}/test/live.test.js`
  expect(annotations(main)).toEqual(
    expect.arrayContaining([
      annotation(
        'error',
        'fails with a multi-line message.live fails with a multi-line message failed',
        file,
        13,
        MULTILINE
      ),
      annotation(
        'error',
        '"before all" hook for "setup error".live with a database "before all" hook for "setup error" failed',
        file,
        29,
        'database at 127.0.0.1:5432'
      )
    ])
  )
})
