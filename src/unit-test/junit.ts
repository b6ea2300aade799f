// The JUnit XML reader: pytest, jest-junit, Maven Surefire, Gradle, PHPUnit, Catch2, CUnit, nextest,
// gotestsum, xunit-style C runners, Marathon, mocha and others write variants of one format. <testsuites>
// or a bare <testsuite>, suites nested in suites, and per case any number of <failure> and <error>
// elements (each one a problem of its own), <skipped>, a `status` attribute (disabled, skipped), and
// Surefire's rerun elements (<flakyFailure>, <rerunFailure>), and a test case property `invocations` (how
// many times the test ran: jest-junit's testCasePropertiesFile and vitest's annotations can write it,
// since neither reporter keeps a retried test's failed attempts). Character references are decoded once,
// here; whatever shows the text escapes it for its own medium. A file that is not JUnit, or not
// well-formed, is an error naming the file and what was found.
import type { X2jOptions } from 'fast-xml-parser'

export type Status = 'passed' | 'failed' | 'error' | 'skipped' | 'flaky'

/** One <failure> or <error> element. */
export interface Problem {
  kind: 'failure' | 'error'
  message?: string
  type?: string
  details?: string
  /** `file`/`line` attributes on the element (xunit, Catch2). */
  file?: string
  line?: number
}

export interface TestCase {
  suite: string
  classname: string
  name: string
  /** The suite's or the case's `file` attribute (as written; resolved to the workspace later). */
  file?: string
  /** 1-based line of the test itself, when the report gives one. */
  line?: number
  time: number
  status: Status
  problems: Problem[]
  /** Failed attempts before the outcome (reruns), for flaky tests. */
  retries: number
  /** The report the case was read from. */
  report: string
  /**
   * Its suite declares fewer tests than it lists (pytest-rerunfailures): repeated names in it are
   * reruns of one test, not distinct tests.
   */
  rerunSuite?: boolean
}

export class ReportError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ReportError'
  }
}

type Node = Record<string, unknown>

const ARRAYS = new Set([
  'testsuite',
  'testcase',
  'failure',
  'error',
  'skipped',
  'flakyFailure',
  'flakyError',
  'rerunFailure',
  'rerunError',
  'property'
])

const OPTIONS: X2jOptions = {
  ignoreAttributes: false,
  attributeNamePrefix: '',
  textNodeName: '#text',
  cdataPropName: '#cdata',
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  // Entities are decoded by decode() below, once: the parser's own decoding plus ours would turn
  // `&amp;#10;` (a literal "&#10;" in a message) into a newline.
  processEntities: false,
  isArray: name => ARRAYS.has(name)
}

const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }

/** Decodes XML's five named entities and numeric character references, in one pass. */
export function decode(text: string): string {
  if (!text.includes('&')) return text
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|lt|gt|amp|quot|apos);/g, (whole, ref: string) => {
    if (ref[0] !== '#') return NAMED[ref]
    const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10)
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole
  })
}

function text(node: unknown): string {
  if (node === undefined || node === null) return ''
  if (typeof node === 'string') return decode(node)
  const n = node as Node
  const t = typeof n['#text'] === 'string' ? decode(n['#text'] as string) : ''
  const c = n['#cdata']
  const cdata = Array.isArray(c) ? c.join('') : typeof c === 'string' ? c : ''
  return t.trim() ? (cdata ? `${t}${cdata}` : t) : cdata || t
}

function attr(node: unknown, name: string): string | undefined {
  if (!node || typeof node !== 'object') return undefined
  const v = (node as Node)[name]
  return typeof v === 'string' ? decode(v) : undefined
}

/** What a report that is not JUnit XML looks like, by its first element or character. */
function otherFormat(head: string): string | undefined {
  const t = head.replace(/^\uFEFF/, '').trimStart()
  if (t.startsWith('{') || t.startsWith('[')) return 'JSON, not JUnit XML'
  const root = /<([A-Za-z][\w.-]*)[\s>/]/.exec(
    t.replace(/<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!DOCTYPE[^>]*>/g, '')
  )
  if (!root) return 'not XML'
  const known: Record<string, string> = {
    'test-run': 'NUnit 3 XML',
    'test-results': 'NUnit 2 XML',
    TestRun: 'Visual Studio TRX',
    assemblies: 'xUnit.net v2 XML',
    assembly: 'xUnit.net v2 XML',
    checkstyle: 'Checkstyle XML',
    coverage: 'a coverage report'
  }
  if (root[1] === 'testsuites' || root[1] === 'testsuite') return undefined
  return `${known[root[1]] ?? `XML with root element <${root[1]}>`}, not JUnit XML (<testsuites> or <testsuite>)`
}

let parser: Promise<typeof import('fast-xml-parser')> | undefined

/**
 * The XML parser, loaded once, on first use (start-up and post steps do not pay for it). The runner
 * calls it before the tests start, so the load overlaps the tests instead of following them.
 */
export function loadParser(): Promise<typeof import('fast-xml-parser')> {
  parser ??= import('fast-xml-parser')
  return parser
}

/** Parses one JUnit report. `report` names the file in errors and in each case. */
export async function parseJunit(xml: string, report = 'the JUnit report'): Promise<TestCase[]> {
  if (!xml.trim()) throw new ReportError(`${report} is empty`)
  const other = otherFormat(xml.slice(0, 4096))
  if (other) throw new ReportError(`${report} is ${other}`)
  const { XMLParser, XMLValidator } = await loadParser()
  const valid = XMLValidator.validate(xml, { allowBooleanAttributes: true })
  if (valid !== true) {
    // fast-xml-parser reports elements left open at the end as a JSON list in its message
    const open = /^Invalid '(\[[\s\S]*\])' found\.$/.exec(valid.err.msg)
    const names = open ? (JSON.parse(open[1]) as string[]) : undefined
    throw new ReportError(
      names
        ? `${report} is not well-formed XML: it ends with <${names.join('>, <')}> still open (was it cut short?)`
        : `${report} is not well-formed XML (line ${valid.err.line}, column ${valid.err.col}): ${valid.err.msg}`
    )
  }
  const doc = new XMLParser(OPTIONS).parse(xml) as Node
  const cases: TestCase[] = []
  const roots = doc.testsuites
    ? ([doc.testsuites].flat() as Node[]).map(r => (typeof r === 'object' && r ? r : {}))
    : [{ testsuite: doc.testsuite } as Node]
  for (const root of roots) {
    walk(root, '', undefined, report, cases)
    // a <testcase> straight under <testsuites> (some writers skip the suite)
    for (const tc of (root.testcase as Node[] | undefined) ?? [])
      cases.push(toCase(tc, attr(root, 'name') ?? '', undefined, false, report))
  }
  return cases
}

function walk(node: Node, suiteName: string, suiteFile: string | undefined, report: string, out: TestCase[]) {
  for (const suite of (node.testsuite as Node[] | undefined) ?? []) {
    if (typeof suite !== 'object' || !suite) continue
    const name = attr(suite, 'name') ?? suiteName
    // jest-junit and others name a suite by its test file: that is the test's file when nothing else says
    const file = attr(suite, 'file') ?? (SOURCE_FILE.test(name) ? name : suiteFile)
    const isPytest = name === 'pytest'
    const listed = (suite.testcase as Node[] | undefined) ?? []
    const declared = Number(attr(suite, 'tests') ?? NaN)
    const rerunSuite = Number.isInteger(declared) && declared > 0 && declared < listed.length
    for (const tc of listed) {
      const c = toCase(tc, name, file, isPytest, report)
      if (rerunSuite) c.rerunSuite = true
      out.push(c)
    }
    walk(suite, name, file, report, out)
  }
}

/**
 * jest-junit writes an error thrown outside any test (an afterAll hook) as JSON.stringify(error):
 * `{"message":"","stack":"Error: …\n    at …"}`. The stack is the text a person reads.
 */
function unwrapJsonError(details: string): string {
  if (!/^\{"(message|stack)":/.test(details) || !details.endsWith('}')) return details
  try {
    const e = JSON.parse(details) as { message?: unknown; stack?: unknown }
    const stack = typeof e.stack === 'string' ? e.stack : ''
    const message = typeof e.message === 'string' ? e.message : ''
    return (stack || message || details).trim()
  } catch {
    return details
  }
}

function problems(
  tc: Node,
  tag: 'failure' | 'error' | 'flakyFailure' | 'flakyError',
  kind: Problem['kind']
): Problem[] {
  return ((tc[tag] as unknown[] | undefined) ?? []).map(p => {
    const line = attr(p, 'line')
    // Surefire nests a rerun's trace in <stackTrace>; nextest writes it as the element's text
    const own = text(p).trim() || text((p as Node | undefined)?.stackTrace).trim()
    return {
      kind,
      message: attr(p, 'message') || undefined,
      type: attr(p, 'type') || undefined,
      details: unwrapJsonError(own) || undefined,
      file: attr(p, 'file') || undefined,
      line: line && /^\d+$/.test(line) && Number(line) > 0 ? Number(line) : undefined
    }
  })
}

const SOURCE_FILE = /^[^\s<>|"]+\.(?:[cm]?[jt]sx?|py|rb|php|go|rs|java|kt|scala|cs|swift|c|cc|cpp|cxx)$/i

const SKIPPED_STATUS = /^(disabled|skipped|notrun|not ?run|ignored|pending)$/i

/** The `invocations` property of a test case (how many times it ran), when the report has one. */
function invocations(tc: Node): number {
  const props = (tc.properties as Node | Node[] | undefined) ?? []
  for (const group of [props].flat())
    for (const p of ((group && typeof group === 'object' ? group.property : undefined) as Node[]) ?? [])
      if (attr(p, 'name') === 'invocations') {
        const n = Number(attr(p, 'value'))
        return Number.isInteger(n) && n > 1 ? n : 1
      }
  return 1
}

function toCase(
  tc: Node,
  suite: string,
  suiteFile: string | undefined,
  isPytest: boolean,
  report: string
): TestCase {
  if (typeof tc !== 'object' || !tc) tc = {}
  const found = [...problems(tc, 'failure', 'failure'), ...problems(tc, 'error', 'error')]
  const skipped = tc.skipped !== undefined || SKIPPED_STATUS.test(attr(tc, 'status') ?? '')
  const flakyRuns = ['flakyFailure', 'flakyError'].reduce(
    (n, k) => n + ((tc[k] as unknown[])?.length ?? 0),
    0
  )
  const reruns = ['rerunFailure', 'rerunError'].reduce((n, k) => n + ((tc[k] as unknown[])?.length ?? 0), 0)
  // ran more than once by its own tool's retries, the report holding only the last attempt
  const ran = invocations(tc)
  // A disabled or skipped test never fails the step, even when the report holds a failure for it.
  const status: Status = skipped
    ? 'skipped'
    : found.some(p => p.kind === 'failure')
      ? 'failed'
      : found.length
        ? 'error'
        : flakyRuns || ran > 1
          ? 'flaky'
          : 'passed'
  const rawLine = attr(tc, 'line')
  // pytest (junit_family=xunit1) writes the 0-based line of the test function.
  const line =
    rawLine !== undefined && /^\d+$/.test(rawLine) ? Number(rawLine) + (isPytest ? 1 : 0) : undefined
  return {
    suite,
    classname: attr(tc, 'classname') ?? '',
    name: attr(tc, 'name') ?? '',
    file: attr(tc, 'file') ?? suiteFile,
    line: line && line > 0 ? line : undefined,
    time: Number(attr(tc, 'time') ?? 0) || 0,
    status,
    // a flaky test's failed attempts (Surefire's and nextest's <flakyFailure>) say where it failed
    problems: skipped
      ? []
      : status === 'flaky'
        ? [...problems(tc, 'flakyFailure', 'failure'), ...problems(tc, 'flakyError', 'error')]
        : found,
    retries: Math.max(flakyRuns + reruns, ran - 1),
    report
  }
}
