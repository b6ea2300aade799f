// The baseline: a compact, versioned per-test record of a run (test id, its outcomes over the last runs,
// duration, retries), written by every run and compared with the previous one to tell new failures from
// known ones. gzip'd JSON: a 100,000-test suite's record is a few MB. A file that is not one (corrupt,
// another tool's, an older version, far too large) is a BaselineError: the step warns and compares nothing.
import { gunzipSync, gzipSync } from 'node:zlib'
import * as fs from 'node:fs/promises'
import type { TestCase } from './junit.js'
import { fullName } from './results.js'

export const FORMAT = 'demo-actions/unit-test-baseline'
export const VERSION = 1
/** A record larger than this (compressed or not) is not read: no suite's record comes near it. */
export const MAX_RECORD_BYTES = 64 << 20

/** One outcome a letter: p passed, f failed, e error, s skipped, k flaky (passed on a retry). */
type Letter = 'p' | 'f' | 'e' | 's' | 'k'
const LETTER: Record<TestCase['status'], Letter> = {
  passed: 'p',
  failed: 'f',
  error: 'e',
  skipped: 's',
  flaky: 'k'
}

export interface BaselineRecord {
  format: typeof FORMAT
  version: number
  commit: string
  ref: string
  createdAt: string
  /** id, outcomes over the last runs (oldest first, this run last), duration in ms, retries */
  tests: [string, string, number, number][]
}

export class BaselineError extends Error {}

/** A test's id: its file, class and name (a test renamed or moved is a new test, the old one removed). */
export function testId(c: TestCase): string {
  return [c.file ?? '', c.classname.trim(), c.name.trim()].join('\u001f')
}

/** The id as a person reads it. */
export const idName = (id: string): string => {
  const [file, classname, name] = id.split('\u001f')
  return fullName({ classname, name } as TestCase) + (file && !classname ? ` (${file})` : '')
}

const failing = (l: string | undefined) => l === 'f' || l === 'e'
/** An outcome string holding a failure, or a pass. */
const FAILED = /[fe]/
const PASSED = /[pk]/
const passing = (l: string | undefined) => l === 'p' || l === 'k'

/** This run's record, its history continued from the previous record's (at most `history` runs). */
export function makeRecord(
  cases: TestCase[],
  previous: BaselineRecord | undefined,
  history: number,
  meta: { commit: string; ref: string; now?: Date }
): BaselineRecord {
  const before = new Map(previous?.tests.map(t => [t[0], t[1]]))
  const seen = new Set<string>()
  const tests: BaselineRecord['tests'] = []
  for (const c of cases) {
    const id = testId(c)
    // the same id twice (parametrised names that collide): the first outcome counts
    if (seen.has(id)) continue
    seen.add(id)
    const past = before.get(id) ?? ''
    tests.push([id, (past + LETTER[c.status]).slice(-history), Math.round(c.time * 1000), c.retries])
  }
  return {
    format: FORMAT,
    version: VERSION,
    commit: meta.commit,
    ref: meta.ref,
    createdAt: (meta.now ?? new Date()).toISOString(),
    tests
  }
}

export interface Comparison {
  /** The baseline's commit and ref. */
  baseline: { commit: string; ref: string; createdAt: string }
  /** Failing now; passing, skipped or absent in the baseline. */
  newFailures: string[]
  /** Failing now and in the baseline. */
  stillFailing: string[]
  /** Passing now, failing in the baseline. */
  fixed: string[]
  newTests: string[]
  removed: string[]
  /** Outcome flipped between passing and failing within the kept history (this run included). */
  flipped: string[]
}

/** This run (its record) against the previous record. */
export function compare(now: BaselineRecord, before: BaselineRecord): Comparison {
  const old = new Map(before.tests.map(t => [t[0], t[1].at(-1)]))
  const c: Comparison = {
    baseline: { commit: before.commit, ref: before.ref, createdAt: before.createdAt },
    newFailures: [],
    stillFailing: [],
    fixed: [],
    newTests: [],
    removed: [],
    flipped: []
  }
  const here = new Set<string>()
  for (const [id, outcomes] of now.tests) {
    here.add(id)
    const was = old.get(id)
    const is = outcomes.at(-1)
    if (!old.has(id)) c.newTests.push(id)
    if (failing(is)) (failing(was) ? c.stillFailing : c.newFailures).push(id)
    else if (passing(is) && failing(was)) c.fixed.push(id)
    if (FAILED.test(outcomes) && PASSED.test(outcomes)) c.flipped.push(id)
  }
  for (const id of old.keys()) if (!here.has(id)) c.removed.push(id)
  return c
}

export async function writeRecord(file: string, record: BaselineRecord): Promise<void> {
  await fs.writeFile(file, gzipSync(JSON.stringify(record)), { mode: 0o600 })
}

/** Reads a record; a BaselineError says what is wrong with a file that is not one this version can use. */
export async function readRecord(file: string): Promise<BaselineRecord> {
  const st = await fs.stat(file).catch(() => undefined)
  if (!st?.isFile()) throw new BaselineError(`${file} is not a file`)
  if (st.size > MAX_RECORD_BYTES)
    throw new BaselineError(
      `${file} is ${(st.size / 2 ** 20).toFixed(0)} MB, over the ${MAX_RECORD_BYTES / 2 ** 20} MB a baseline may be`
    )
  const raw = await fs.readFile(file)
  let text: string
  try {
    text = (
      raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw, { maxOutputLength: MAX_RECORD_BYTES * 4 }) : raw
    ).toString('utf8')
  } catch (err) {
    throw new BaselineError(`${file} is not a readable gzip file (${(err as Error).message})`)
  }
  let doc: Partial<BaselineRecord>
  try {
    doc = JSON.parse(text) as Partial<BaselineRecord>
  } catch {
    throw new BaselineError(
      `${file} is not JSON: not a baseline of this step (another tool's file, or cut short)`
    )
  }
  if (!doc || typeof doc !== 'object' || doc.format !== FORMAT)
    throw new BaselineError(`${file} is not a baseline of this step (its format is not ${FORMAT})`)
  if (doc.version !== VERSION)
    throw new BaselineError(
      `${file} is a baseline of version ${String(doc.version)}; this step reads version ${VERSION}`
    )
  if (
    !Array.isArray(doc.tests) ||
    !doc.tests.every(t => Array.isArray(t) && typeof t[0] === 'string' && typeof t[1] === 'string')
  )
    throw new BaselineError(`${file} has a malformed test list`)
  return doc as BaselineRecord
}

/** At most this many names of each list go into the comparison output (the counts are all there). */
const LIST_LIMIT = 1000

/** The comparison as the `comparison` output: counts, and the names cut to stay far below 1 MB. */
export function comparisonJson(c: Comparison): string {
  const list = (ids: string[]) => ids.slice(0, LIST_LIMIT).map(idName)
  return JSON.stringify({
    baseline: c.baseline,
    counts: {
      newFailures: c.newFailures.length,
      stillFailing: c.stillFailing.length,
      fixed: c.fixed.length,
      newTests: c.newTests.length,
      removed: c.removed.length,
      flipped: c.flipped.length
    },
    newFailures: list(c.newFailures),
    stillFailing: list(c.stillFailing),
    fixed: list(c.fixed),
    newTests: list(c.newTests),
    removed: list(c.removed),
    flipped: list(c.flipped),
    truncated: Object.values(c).some(v => Array.isArray(v) && v.length > LIST_LIMIT)
  })
}
