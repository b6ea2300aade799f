// JUnit XML as written by pytest, jest-junit, Maven Surefire and most other runners: <testsuites> or a
// bare <testsuite>, suites nested in suites, and per case <failure>, <error> or <skipped>.
import type { X2jOptions } from 'fast-xml-parser'

export type Status = 'passed' | 'failed' | 'error' | 'skipped'

export interface TestCase {
  suite: string
  classname: string
  name: string
  file?: string
  /** 1-based line of the test itself, when the report gives one. */
  line?: number
  time: number
  status: Status
  message?: string
  details?: string
}

export interface Totals {
  total: number
  passed: number
  failed: number
  skipped: number
  errors: number
  time: number
}

type Node = Record<string, unknown>

const ARRAYS = new Set(['testsuite', 'testcase', 'failure', 'error', 'skipped'])

const OPTIONS: X2jOptions = {
  ignoreAttributes: false,
  attributeNamePrefix: '',
  textNodeName: '#text',
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  isArray: name => ARRAYS.has(name)
}

function text(node: unknown): string {
  if (node === undefined || node === null) return ''
  if (typeof node === 'string') return node
  const n = node as Node
  return typeof n['#text'] === 'string' ? (n['#text'] as string) : ''
}

function attr(node: unknown, name: string): string | undefined {
  if (!node || typeof node !== 'object') return undefined
  const v = (node as Node)[name]
  return typeof v === 'string' ? v : undefined
}

/** Parses a JUnit report; the XML parser is loaded on first use, so start-up does not pay for it. */
export async function parseJunit(xml: string): Promise<TestCase[]> {
  const { XMLParser } = await import('fast-xml-parser')
  const doc = new XMLParser(OPTIONS).parse(xml) as Node
  const cases: TestCase[] = []
  const roots = doc.testsuites ? [doc.testsuites as Node] : [{ testsuite: doc.testsuite } as Node]
  for (const root of roots) walk(root, '', cases)
  return cases
}

function walk(node: Node, suiteName: string, out: TestCase[]): void {
  for (const suite of (node.testsuite as Node[] | undefined) ?? []) {
    const name = attr(suite, 'name') ?? suiteName
    const isPytest = name === 'pytest'
    for (const tc of (suite.testcase as Node[] | undefined) ?? [])
      out.push(toCase(tc, name, attr(suite, 'file'), isPytest))
    walk(suite, name, out)
  }
}

function toCase(tc: Node, suite: string, suiteFile: string | undefined, isPytest: boolean): TestCase {
  const failure = (tc.failure as unknown[] | undefined)?.[0]
  const error = (tc.error as unknown[] | undefined)?.[0]
  const skipped = (tc.skipped as unknown[] | undefined)?.[0]
  const problem = failure ?? error ?? skipped
  const status: Status =
    failure !== undefined
      ? 'failed'
      : error !== undefined
        ? 'error'
        : skipped !== undefined
          ? 'skipped'
          : 'passed'
  const rawLine = attr(tc, 'line')
  // pytest (junit_family=xunit1) writes the 0-based line of the test function.
  const line =
    rawLine !== undefined && /^\d+$/.test(rawLine) ? Number(rawLine) + (isPytest ? 1 : 0) : undefined
  const message = attr(problem, 'message')
  return {
    suite,
    classname: attr(tc, 'classname') ?? '',
    name: attr(tc, 'name') ?? '',
    file: attr(tc, 'file') ?? suiteFile,
    line,
    time: Number(attr(tc, 'time') ?? 0) || 0,
    status,
    message: message ?? (problem !== undefined ? firstLine(text(problem)) : undefined),
    details: problem !== undefined ? text(problem) || undefined : undefined
  }
}

function firstLine(s: string): string | undefined {
  return s.trim().split('\n')[0] || undefined
}

export function totals(cases: TestCase[]): Totals {
  const t: Totals = { total: cases.length, passed: 0, failed: 0, skipped: 0, errors: 0, time: 0 }
  for (const c of cases) {
    t.time += c.time
    if (c.status === 'passed') t.passed++
    else if (c.status === 'failed') t.failed++
    else if (c.status === 'skipped') t.skipped++
    else t.errors++
  }
  return t
}

/**
 * Where a failure happened. Python tracebacks list the innermost frame last; JS and Java stacks list it
 * first, with framework frames (node_modules, org.junit) to skip. A frame in the test's own file wins;
 * without any frame, the test's own line.
 */
export function failureLocation(tc: TestCase): { file?: string; line?: number } {
  const details = tc.details ?? ''
  const frames: { file: string; line: number }[] = []
  const python = [
    ...details.matchAll(/^([^\s:"'()]+\.py):(\d+):/gm),
    ...details.matchAll(/File "([^"]+)", line (\d+)/g)
  ]
  if (python.length) {
    for (const m of python.sort((a, b) => a.index! - b.index!).reverse())
      frames.push({ file: m[1], line: Number(m[2]) })
  } else {
    for (const m of details.matchAll(/\(?((?:[A-Za-z]:)?[^\s():]+\.[cm]?[jt]sx?):(\d+):\d+\)?/g))
      if (!/node_modules|^node:|internal\//.test(m[1])) frames.push({ file: m[1], line: Number(m[2]) })
    const simpleClass = tc.classname.split('.').pop() ?? ''
    const java = [...details.matchAll(/\(([A-Za-z0-9_$]+\.(?:java|kt)):(\d+)\)/g)].map(m => ({
      file: m[1],
      line: Number(m[2])
    }))
    frames.push(...java.filter(f => f.file.startsWith(simpleClass + '.')), ...java)
  }
  const own = tc.file ? frames.find(f => sameFile(f.file, tc.file!)) : undefined
  const pick = own ?? (tc.file ? undefined : frames[0])
  if (pick) return { file: tc.file ?? pick.file, line: pick.line }
  return { file: tc.file, line: tc.line }
}

function sameFile(a: string, b: string): boolean {
  const na = a.replace(/\\/g, '/')
  const nb = b.replace(/\\/g, '/')
  return na === nb || na.endsWith('/' + nb) || nb.endsWith('/' + na)
}
