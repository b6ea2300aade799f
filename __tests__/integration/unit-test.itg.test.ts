// The committed unit-test bundle, run as the runner runs it, with Debian's real pytest.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { execFileSync } from 'node:child_process'
import { infraEnv, ROOT, runMain, tempDir } from '../../scripts/lib/runner.mjs'

const infra = infraEnv()
const base = { python: infra.PYTHON, install: 'false', args: '-p no:cacheprovider' }

describe('unit-test bundle', () => {
  test('runs the example app tests with real pytest and reports them', async () => {
    const r = await runMain('unit-test', { ...base, 'working-directory': 'example/demo-app' })
    expect(r.stderr).toBe('')
    expect(r.exitCode).toBe(0)
    expect(r.outputs).toMatchObject({ total: '5', passed: '5', failed: '0', skipped: '0', errors: '0' })
    expect(Number(r.outputs.duration)).toBeGreaterThan(0)
    expect(fs.readFileSync(r.outputs['junit-file'], 'utf8')).toContain('<testsuite')
    expect(r.summary).toContain('Unit tests: 5 passed, 0 failed')
    expect(r.summary).toContain('Slowest tests')
  })

  test('a failing test fails the step, annotated at the assertion, after the report is written', async () => {
    const r = await runMain('unit-test', { ...base, 'working-directory': '__tests__/fixtures/pytest-mixed' })
    expect(r.exitCode).toBe(1)
    expect(r.outputs).toMatchObject({ total: '4', passed: '2', failed: '1', skipped: '1', errors: '0' })
    const errors = r.commands.filter(c => c.command === 'error')
    const annotation = errors.find(c => c.properties.file)
    expect(annotation?.properties).toMatchObject({
      file: '__tests__/fixtures/pytest-mixed/tests/test_mixed.py',
      line: '14'
    })
    expect(annotation?.message).toContain('two and two make four')
    expect(errors.at(-1)?.message).toBe('1 of 4 tests failed')
    expect(r.summary).toContain('test_fails')
    expect(r.summary).toContain('<details><summary>tests.test_mixed.test_fails: traceback</summary>')
  })

  test("a test's output cannot issue workflow commands", async () => {
    const r = await runMain('unit-test', {
      ...base,
      'working-directory': '__tests__/fixtures/pytest-mixed',
      args: '-p no:cacheprovider -s'
    })
    expect(r.stdout).toContain('::error::injected by a test')
    expect(r.commands.some(c => c.message.includes('injected'))).toBe(false)
    expect(r.commands.some(c => c.command === 'add-mask')).toBe(false)
    expect(r.outputs.total).toBe('4')
  })

  test('no tests collected fails with a message, unless allow-empty', async () => {
    const wd = '__tests__/fixtures/pytest-empty'
    const r = await runMain('unit-test', { ...base, 'working-directory': wd })
    expect(r.exitCode).toBe(1)
    expect(r.commands.find(c => c.command === 'error')?.message).toMatch(/pytest collected no tests/)
    const ok = await runMain('unit-test', { ...base, 'working-directory': wd, 'allow-empty': 'true' })
    expect(ok.exitCode).toBe(0)
    expect(ok.outputs.total).toBe('0')
  })

  test.each([
    [
      'jest-junit.xml',
      { total: '3', passed: '1', failed: '1', skipped: '1', errors: '0' },
      'src/math.test.ts',
      '14'
    ],
    [
      'surefire.xml',
      { total: '4', passed: '2', failed: '1', skipped: '0', errors: '1' },
      'AppTest.java',
      '21'
    ]
  ])('reads JUnit XML from other runners: %s', async (file, totals, annotatedFile, line) => {
    // annotations name files of the repository: the report's paths (another checkout's, or a bare name)
    // are resolved to the workspace's own test file
    const ws = tempDir('junit-ws')
    const source = path.join(ws, 'src/test', annotatedFile)
    fs.mkdirSync(path.dirname(source), { recursive: true })
    fs.writeFileSync(source, '')
    const junit = path.join(ws, 'report.xml')
    const r = await runMain(
      'unit-test',
      {
        install: 'false',
        command: `cp ${path.join(ROOT, '__tests__/fixtures/junit', file)} ${junit}`,
        'junit-file': junit
      },
      { workspace: ws }
    )
    expect(r.exitCode).toBe(1)
    expect(r.outputs).toMatchObject(totals)
    const annotation = r.commands.find(c => c.command === 'error' && c.properties.file)
    expect(annotation?.properties.file).toBe(`src/test/${annotatedFile}`)
    expect(annotation?.properties.line).toBe(line)
    expect(r.commands.some(c => c.message.includes('from surefire output'))).toBe(false)
  })

  test.each([
    [{ 'working-directory': 'no/such/dir' }, /Input 'working-directory' must be an existing directory/],
    [
      { 'working-directory': 'example/demo-app', python: '/nonexistent/python3' },
      /Input 'python' must name a program that can be run/
    ],
    [
      { 'working-directory': 'example/demo-app', 'max-annotations': 'lots' },
      /Input 'max-annotations' must be a whole number/
    ],
    [
      { 'working-directory': 'example/demo-app', command: 'true', 'junit-file': '/tmp/never-written.xml' },
      /did not write the JUnit report/
    ]
  ])('bad input %o gets a clear error', async (inputs, message) => {
    const r = await runMain('unit-test', { ...base, ...inputs })
    expect(r.exitCode).toBe(1)
    expect(r.commands.find(c => c.command === 'error')?.message).toMatch(message)
  })

  describe('install: pip install -r of the requirement files, from a local wheel folder', () => {
    const dir = tempDir('pip')
    const wheels = path.join(dir, 'wheels')
    const venv = path.join(dir, 'venv')
    beforeAll(() => {
      fs.mkdirSync(wheels)
      // A wheel made by hand (zipfile), and a venv that sees Debian's pytest: no index is reached.
      execFileSync(infra.PYTHON, ['__tests__/fixtures/make_wheel.py', wheels])
      execFileSync(infra.PYTHON, ['-m', 'venv', '--system-site-packages', venv])
    })
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

    test('installs, then runs the tests that need the package', async () => {
      const r = await runMain('unit-test', {
        'working-directory': '__tests__/fixtures/pip-project',
        python: path.join(venv, 'bin/python'),
        'pip-args': `--no-index --find-links ${wheels}`,
        args: '-p no:cacheprovider'
      })
      expect(r.exitCode).toBe(0)
      expect(r.stdout).toContain('Successfully installed demo-helper-1.0.0')
      expect(r.outputs).toMatchObject({ total: '1', passed: '1' })
    })

    test('a requirement that cannot be installed is a clear error, and no test runs', async () => {
      const r = await runMain('unit-test', {
        'working-directory': '__tests__/fixtures/pip-project',
        python: path.join(venv, 'bin/python'),
        requirements: 'requirements-missing.txt',
        'pip-args': `--no-index --find-links ${wheels}`
      })
      expect(r.exitCode).toBe(1)
      expect(r.commands.find(c => c.command === 'error')?.message).toMatch(
        /pip install of requirements-missing.txt failed with exit code 1:[\s\S]*No matching distribution found for no-such-package==9.9.9/
      )
      expect(r.outputs.total).toBeUndefined()
    })
  })

  test('annotations are capped at max-annotations, with a notice for the rest', async () => {
    const r = await runMain('unit-test', {
      ...base,
      'working-directory': '__tests__/fixtures/pytest-mixed',
      'max-annotations': '0'
    })
    expect(r.commands.filter(c => c.command === 'error' && c.properties.file)).toEqual([])
    expect(r.commands.find(c => c.command === 'notice')?.message).toBe(
      "1 more failure is not annotated (max-annotations: 0, the step's own error included; GitHub shows 10 per step): the job summary lists every failure with its file and line"
    )
  })
})
