// The committed unit-test bundle on every JUnit report of ../shared/corpus/junit (the fixtures of
// mikepenz/action-junit-report and dorny/test-reporter), in report-only mode, with the peers' source files
// placed (empty) in the workspace where their annotations name one. The expectations are what those
// projects' own tests assert where they state them (noted beside each row: mikepenz's
// __tests__/testParser.test.ts, dorny's __tests__/__outputs__/*.md and snapshots); elsewhere the report's
// own counts and the issue's rules. Skipped where ../shared is absent.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { ROOT, runMain, tempDir } from '../../scripts/lib/runner.mjs'

const CORPUS = path.resolve(ROOT, '../shared/corpus/junit')
const present = fs.existsSync(CORPUS)

/** Source files the peers' annotations name, placed in the workspace (by peer folder). */
const SOURCES = [
  'mikepenz/test_results/tests/utils/src/test/java/action/surefire/report/calc/CalcUtilsTest.kt',
  'mikepenz/test_results/tests/email/src/test/java/action/surefire/report/email/EmailAddressTest.java',
  'mikepenz/test_results/python/test_sample.py',
  'mikepenz/packages/test-runner-junit-reporter/test/fixtures/multiple/simple-test.js',
  'mikepenz/main.c',
  'mikepenz/test/unit/detail/utility/is_constant_evaluated.cpp',
  'mikepenz/tests/parry3d.rs',
  'dorny/__tests__/main.test.js',
  'dorny/__tests__/second.test.js',
  'dorny/lib/main.js',
  'dorny/pulsar-common/src/test/java/org/apache/pulsar/AddMissingPatchVersionTest.java',
  'dorny/e2e/__tests__/jestChangedFiles.test.ts',
  'dorny/e2e/__tests__/onlyChanged.test.ts'
]

/**
 * report, 'total passed failed+errors skipped flaky', annotations in order: 'file:line' of the workspace,
 * '-' for a failure that names no file of the workspace, '~' before a flaky test's warning.
 */
const CASES: [string, string, string[]][] = [
  // dorny: an empty report
  ['dorny/__tests__/fixtures/empty/java-junit.xml', '0 0 0 0 0', []],
  ['dorny/__tests__/fixtures/empty/jest-junit-empty-testsuite.xml', '0 0 0 0 0', []],
  ['dorny/__tests__/fixtures/empty/jest-junit.xml', '0 0 0 0 0', []],
  ['dorny/__tests__/fixtures/empty/phpunit-empty.xml', '0 0 0 0 0', []],
  // dorny java-junit snapshot: failed at pulsar-common/.../AddMissingPatchVersionTest.java:29; 1 skipped
  [
    'dorny/__tests__/fixtures/external/java/TEST-org.apache.pulsar.AddMissingPatchVersionTest.xml',
    '2 0 1 1 0',
    ['pulsar-common/src/test/java/org/apache/pulsar/AddMissingPatchVersionTest.java:29']
  ],
  ['dorny/__tests__/fixtures/external/java/empty_failures.xml', '3 2 1 0 0', ['-']],
  ['dorny/__tests__/fixtures/external/java/junit4-basic.xml', '6 5 1 0 0', ['-']],
  ['dorny/__tests__/fixtures/external/java/junit4-complete.xml', '8 5 2 1 0', ['-', '-']],
  // dorny pulsar-test-results.md: 793 passed, 1 failed, 14 skipped (808)
  [
    'dorny/__tests__/fixtures/external/java/pulsar-test-report.xml',
    '808 793 1 14 0',
    ['pulsar-common/src/test/java/org/apache/pulsar/AddMissingPatchVersionTest.java:29']
  ],
  ['dorny/__tests__/fixtures/external/jest/jest-react-component-test-results.xml', '1 1 0 0 0', []],
  // dorny jest-test-results.md: 4207 passed, 2 failed, 30 skipped; the frame in the test file, not build/hg.js
  [
    'dorny/__tests__/fixtures/external/jest/jest-test-results.xml',
    '4239 4207 2 30 0',
    ['e2e/__tests__/jestChangedFiles.test.ts:418', 'e2e/__tests__/onlyChanged.test.ts:360']
  ],
  ['dorny/__tests__/fixtures/external/phpunit/junit-basic.xml', '9 8 1 0 0', ['-']],
  ['dorny/__tests__/fixtures/external/phpunit/phpcheckstyle-phpunit.xml', '30 28 2 0 0', ['-', '-']],
  ['dorny/__tests__/fixtures/jest-junit-eslint.xml', '1 1 0 0 0', []],
  // dorny jest-junit.md: 1 passed, 4 failed, 1 skipped. Its snapshot puts 'Exception in target unit' at lib/main.js:2, where the error was thrown; we annotate the test's own frame, main.test.js:14 (the line a reviewer of the test reads)
  [
    'dorny/__tests__/fixtures/jest-junit.xml',
    '6 1 4 1 0',
    [
      '__tests__/main.test.js:10',
      '__tests__/main.test.js:14',
      '__tests__/main.test.js:21',
      '__tests__/second.test.js:1'
    ]
  ],
  ['dorny/__tests__/fixtures/junit-with-message.xml', '1 0 1 0 0', ['-']],
  ['dorny/__tests__/fixtures/nette-tester/BootstrapFormRenderer-report.xml', '4 4 0 0 0', []],
  ['dorny/__tests__/fixtures/nette-tester/tester-v1.7-report.xml', '65 61 1 3 0', ['-']],
  ['dorny/__tests__/fixtures/phpunit/phpunit-paths.xml', '6 0 6 0 0', ['-', '-', '-', '-', '-', '-']],
  ['dorny/__tests__/fixtures/phpunit/phpunit.xml', '12 10 2 0 0', ['-', '-']],
  // dorny python-xunit-pytest.md: 6 passed, 2 failed, 2 skipped
  ['dorny/__tests__/fixtures/python-xunit-pytest.xml', '10 6 2 2 0', ['-', '-']],
  ['dorny/__tests__/fixtures/python-xunit-unittest.xml', '8 4 2 2 0', ['-', '-']],
  // dorny swift-xunit.md: 2 passed, 1 failed
  ['dorny/__tests__/fixtures/swift-xunit.xml', '3 2 1 0 0', ['-']],
  // dorny jest-test-results.md: 4207 passed, 2 failed, 30 skipped; the frame in the test file, not build/hg.js
  ['dorny/__tests__/fixtures/test-errors/jest/jest-test-results.xml', '2 0 2 0 0', ['-', '-']],
  // the failure element's file/line attributes
  [
    'mikepenz/test_results/catch2/report.xml',
    '1 0 1 0 0',
    ['test/unit/detail/utility/is_constant_evaluated.cpp:19']
  ],
  // mikepenz: 3 tests, passed
  ['mikepenz/test_results/container-structure/test.xml', '3 3 0 0 0', []],
  // mikepenz: 0 tests
  ['mikepenz/test_results/cunit/testEmpty.xml', '0 0 0 0 0', []],
  // mikepenz: 4 tests, 1 failure, no file of the repository
  ['mikepenz/test_results/cunit/testFailure.xml', '4 3 1 0 0', ['-']],
  // every attempt failed: one failed test
  ['mikepenz/test_results/flaky_retries/flaky_all_failures.xml', '1 0 1 0 0', ['-']],
  ['mikepenz/test_results/flaky_retries/flaky_success_first.xml', '1 0 0 0 1', ['~-', '~-']],
  ['mikepenz/test_results/flaky_retries/flaky_with_classname_file.xml', '3 2 0 0 1', ['~-', '~-']],
  // mikepenz: 22 tests, 10 skipped, 6 failures, none with a file
  ['mikepenz/test_results/issues/testDisabled.xml', '22 6 6 10 0', ['-', '-', '-', '-', '-', '-']],
  // a disabled test holding a failure is skipped and fails nothing
  ['mikepenz/test_results/issues/testFailedDisabled.xml', '1 0 0 1 0', []],
  // gotestsum --rerun-fails: failed, then passed: flaky
  ['mikepenz/test_results/junit-server-test/report.xml', '3 1 0 1 1', ['~-']],
  // mikepenz: 6 tests, 1 skipped, 1 failure at simple-test.js:15
  [
    'mikepenz/test_results/junit-web-test/expected.xml',
    '6 4 1 1 0',
    ['packages/test-runner-junit-reporter/test/fixtures/multiple/simple-test.js:15']
  ],
  // mikepenz with retries handled: 7 tests, 1 skipped, 1 failure at simple-test.js:15; the retried test is flaky (a warning), not a failure
  [
    'mikepenz/test_results/junit-web-test/expectedRetries.xml',
    '7 4 1 1 1',
    [
      'packages/test-runner-junit-reporter/test/fixtures/multiple/simple-test.js:15',
      '~packages/test-runner-junit-reporter/test/fixtures/multiple/simple-test.js:15'
    ]
  ],
  ['mikepenz/test_results/junit_flaky_failure/marathon_junit_report.xml', '1 0 0 0 1', ['~-']],
  ['mikepenz/test_results/junit_flaky_failure/mixed_flaky_and_passed.xml', '3 2 0 0 1', ['~-']],
  // mikepenz: 1 test, no failure
  ['mikepenz/test_results/marathon_tests/com.mikepenz.DummyTest#test_02_dummy.xml', '1 1 0 0 0', []],
  // mikepenz: 1 failure, no file (path is the class name)
  ['mikepenz/test_results/marathon_tests/com.mikepenz.DummyTest3#test_01.xml', '1 0 1 0 0', ['-']],
  // mikepenz: 1 failure, no file: never Android's ContentResolver.java frame
  ['mikepenz/test_results/marathon_tests/com.mikepenz.DummyUtilTest#test_01_dummy.xml', '1 0 1 0 0', ['-']],
  // mikepenz: 1 test, passed
  ['mikepenz/test_results/mocha/mocha.xml', '1 1 0 0 0', []],
  // one annotation per <failure>/<error> element
  ['mikepenz/test_results/multiple_failures/test_multiple_errors.xml', '3 1 2 0 0', ['-', '-', '-', '-']],
  // one annotation per <failure>/<error> element
  ['mikepenz/test_results/multiple_failures/test_multiple_failures.xml', '4 1 2 1 0', ['-', '-', '-', '-']],
  // mikepenz: 5 tests, 3 failures (A, B, A in three suites)
  ['mikepenz/test_results/nested/junit.xml', '5 2 3 0 0', ['-', '-', '-']],
  ['mikepenz/test_results/nested/multi-level.xml', '3 3 0 0 0', []],
  // Rust: panicked at tests/parry3d.rs:154
  ['mikepenz/test_results/nextest/basic.xml', '3 2 1 0 0', ['tests/parry3d.rs:154']],
  // mikepenz: 1 test, passed
  ['mikepenz/test_results/perl/result.xml', '1 1 0 0 0', []],
  // mikepenz: 3 tests, failures at test_results/python/test_sample.py:10 and :14
  [
    'mikepenz/test_results/python/report.xml',
    '3 1 2 0 0',
    ['test_results/python/test_sample.py:10', 'test_results/python/test_sample.py:14']
  ],
  // mikepenz resolvePath: EmailAddressTest -> .../src/test/java/.../EmailAddressTest.java, line 39 for the first (the test method's frame)
  [
    'mikepenz/test_results/tests/email/target/surefire-reports/TEST-action.surefire.report.email.EmailAddressTest.xml',
    '9 2 7 0 0',
    [
      'test_results/tests/email/src/test/java/action/surefire/report/email/EmailAddressTest.java:39',
      'test_results/tests/email/src/test/java/action/surefire/report/email/EmailAddressTest.java:49',
      'test_results/tests/email/src/test/java/action/surefire/report/email/EmailAddressTest.java:57',
      'test_results/tests/email/src/test/java/action/surefire/report/email/EmailAddressTest.java:18',
      'test_results/tests/email/src/test/java/action/surefire/report/email/EmailAddressTest.java:32',
      'test_results/tests/email/src/test/java/action/surefire/report/email/EmailAddressTest.java:25',
      'test_results/tests/email/src/test/java/action/surefire/report/email/EmailAddressTest.java:66'
    ]
  ],
  // mikepenz: 2 tests, failures at .../calc/CalcUtilsTest.kt:27 and :15
  [
    'mikepenz/test_results/tests/utils/target/surefire-reports/TEST-action.surefire.report.calc.CalcUtilsTest.xml',
    '2 0 2 0 0',
    [
      'test_results/tests/utils/src/test/java/action/surefire/report/calc/CalcUtilsTest.kt:27',
      'test_results/tests/utils/src/test/java/action/surefire/report/calc/CalcUtilsTest.kt:15'
    ]
  ],
  // mikepenz: 4 tests, 1 failure at main.c:38
  ['mikepenz/test_results/xunit/report.xml', '4 3 1 0 0', ['main.c:38']],
  ['mikepenz/test_results/xunit/report_fl_on_f.xml', '4 3 1 0 0', ['main.c:38']]
]

const d = present ? describe : describe.skip

d('unit-test on the JUnit corpus', () => {
  let ws = ''
  beforeAll(() => {
    ws = tempDir('junit-corpus')
    fs.cpSync(CORPUS, ws, { recursive: true })
    for (const f of SOURCES) {
      fs.mkdirSync(path.dirname(path.join(ws, f)), { recursive: true })
      fs.writeFileSync(path.join(ws, f), '')
    }
  })

  test('every report of the corpus is in the table', () => {
    const all: string[] = []
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true }))
        if (e.isDirectory()) walk(path.join(dir, e.name))
        else if (e.name.endsWith('.xml')) all.push(path.relative(CORPUS, path.join(dir, e.name)))
    }
    walk(CORPUS)
    expect(all.sort()).toEqual(
      [
        ...CASES.map(c => c[0]),
        'mikepenz/test_results/corrupt-junit/e2e-tests/corrupt/target/sf-reports/TEST-test.CorruptTest.xml'
      ].sort()
    )
  })

  test.each(CASES)('%s', async (report, counts, annotations) => {
    const peer = report.split('/')[0]
    const r = await runMain(
      'unit-test',
      {
        reports: path.join(ws, report),
        'allow-empty': 'true',
        'fail-on-failure': 'false',
        'max-annotations': '50'
      },
      { workspace: path.join(ws, peer) }
    )
    expect(r.exitCode).toBe(0)
    const o = r.outputs
    expect(`${o.total} ${o.passed} ${Number(o.failed) + Number(o.errors)} ${o.skipped} ${o.flaky}`).toBe(
      counts
    )
    const got = r.commands
      .filter(
        c =>
          (c.command === 'error' && c.properties.title) ||
          (c.command === 'warning' && /flaky/.test(c.properties.title ?? ''))
      )
      .map(
        c =>
          `${c.command === 'warning' ? '~' : ''}${c.properties.file ? `${c.properties.file}:${c.properties.line}` : '-'}`
      )
    expect(got).toEqual(annotations)
    // character references are decoded once: nothing shows `&#10;` or `&amp;` where the report meant a character
    for (const c of r.commands) expect(c.message).not.toMatch(/&#\d+;|&#x[0-9a-f]+;|&amp;|&lt;|&gt;/i)
    expect(r.summary).not.toMatch(/&amp;(#\d+|#x[0-9a-f]+|amp|lt|gt|quot|apos);/i)
    expect(Buffer.byteLength(r.summary)).toBeLessThanOrEqual(1024 * 1024)
    const results = JSON.parse(o.results)
    expect(results.totals.total).toBe(Number(o.total))
  })

  test('a truncated report is an error naming the file and what is missing', async () => {
    const report =
      'mikepenz/test_results/corrupt-junit/e2e-tests/corrupt/target/sf-reports/TEST-test.CorruptTest.xml'
    const r = await runMain(
      'unit-test',
      { reports: path.join(ws, report) },
      { workspace: path.join(ws, 'mikepenz') }
    )
    expect(r.exitCode).toBe(1)
    expect(r.commands.find(c => c.command === 'error')?.message).toMatch(
      /TEST-test\.CorruptTest\.xml is not well-formed XML: it ends with <testsuite>, <testcase>, <system-out> still open/
    )
  })
})
