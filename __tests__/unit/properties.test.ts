// Property-based tests (fast-check) of what the stages read and edit: generated inputs, not ones
// someone wrote. Seeded: FC_SEED=<n> replays a run, and every failure prints the seed and the shrunk
// counterexample (fast-check's own report). `npm test` runs a bounded number of cases (FC_RUNS, default
// 60 per property); `npm run fuzz` runs many more with a fresh seed.
import fc from 'fast-check'
import YAML from 'yaml'
import { tagsFromRules } from '../../src/build-push/tags.js'
import { splitArgs } from '../../src/common/argv.js'
import { parseDuration, splitLines } from '../../src/common/inputs.js'
import { unifiedDiff } from '../../src/common/diff.js'
import { loadYaml } from '../../src/common/yaml.js'
import { editKustomization } from '../../src/gitops-bump/kustomize.js'
import { applyValues, readValue } from '../../src/gitops-bump/values.js'
import { parseJunit, ReportError } from '../../src/unit-test/junit.js'

const RUNS = Number(process.env.FC_RUNS || 60)
const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : Date.now() % 2 ** 31
const params = { numRuns: RUNS, seed: SEED }
// printed once, so a run that fails in CI can be replayed with FC_SEED=<seed>
console.log(`properties: FC_SEED=${SEED} FC_RUNS=${RUNS}`)

beforeAll(loadYaml)

// ---------------------------------------------------------------------------------------------------
// JUnit

/** Text as any test tool may put in a name or message: markup, entities, quotes, non-ASCII, emoji. */
const text = fc.stringOf(
  fc.oneof(
    fc.constantFrom('<', '>', '&', '"', "'", '&amp;', '&#10;', ']]>', ' ', 'é', '日本', '😀', '\\', ':', ','),
    fc.char()
  ),
  { maxLength: 24 }
)
const xmlEscape = (s: string) =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
// XML 1.0 cannot carry most control characters at all: writers drop or replace them, and so do we here
const xmlSafe = (s: string) =>
  [...s]
    .map(ch => {
      const c = ch.codePointAt(0)!
      const allowed =
        c === 9 ||
        c === 10 ||
        c === 13 ||
        (c >= 0x20 && c < 0xd800) ||
        (c > 0xdfff && c < 0xfffe) ||
        c > 0xffff
      return allowed ? ch : '?'
    })
    .join('')

type GenCase = {
  name: string
  classname: string
  outcome: 'passed' | 'failed' | 'error' | 'skipped'
  message: string
  time: number
}
type GenSuite = { name: string; cases: GenCase[]; children: GenSuite[]; claimed: number }

const genCase: fc.Arbitrary<GenCase> = fc.record({
  name: text.map(xmlSafe),
  classname: text.map(xmlSafe),
  outcome: fc.constantFrom('passed', 'failed', 'error', 'skipped'),
  message: text.map(xmlSafe),
  time: fc.double({ min: 0, max: 1e4, noNaN: true })
})

const genSuite: fc.Arbitrary<GenSuite> = fc.letrec(tie => ({
  suite: fc.record({
    name: text.map(xmlSafe),
    cases: fc.array(genCase, { maxLength: 6 }),
    children: fc.oneof(
      { depthSize: 'small' },
      fc.constant([]),
      fc.array(tie('suite') as fc.Arbitrary<GenSuite>, { maxLength: 2 })
    ),
    // the counts a writer claims, which need not agree with the cases it wrote
    claimed: fc.nat(1000)
  })
})).suite

function caseXml(c: GenCase): string {
  const head = `<testcase classname="${xmlEscape(c.classname)}" name="${xmlEscape(c.name)}" time="${c.time}"`
  if (c.outcome === 'passed') return `${head}/>`
  const tag = c.outcome === 'skipped' ? 'skipped' : c.outcome === 'failed' ? 'failure' : 'error'
  return `${head}><${tag} message="${xmlEscape(c.message)}">${xmlEscape(c.message)}</${tag}></testcase>`
}

function suiteXml(s: GenSuite): string {
  return `<testsuite name="${xmlEscape(s.name)}" tests="${s.claimed}" failures="${s.claimed}">${s.cases.map(caseXml).join('\n')}${s.children.map(suiteXml).join('')}</testsuite>`
}

const allCases = (s: GenSuite): GenCase[] => [...s.cases, ...s.children.flatMap(allCases)]

describe('JUnit reader', () => {
  test('every generated case is read once, with its name, outcome and message, whatever the counts claim', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(genSuite, { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        async (suites, declaration, crlf, bom) => {
          let xml = `${declaration ? '<?xml version="1.0" encoding="UTF-8"?>\n' : ''}<testsuites>${suites.map(suiteXml).join('\n')}</testsuites>`
          if (crlf) xml = xml.replace(/\n/g, '\r\n')
          // a UTF-8 byte order mark, as Windows tools write one, read as text
          if (bom) xml = `\ufeff${xml}`
          const got = await parseJunit(xml, 'gen.xml')
          const want = suites.flatMap(allCases)
          expect(got).toHaveLength(want.length)
          got.forEach((c, i) => {
            expect(c.name).toBe(want[i].name)
            expect(c.status).toBe(want[i].outcome)
            if (want[i].outcome === 'failed' || want[i].outcome === 'error')
              expect(c.problems[0].message ?? '').toBe(want[i].message)
          })
        }
      ),
      params
    )
  })

  test('a report cut short anywhere is read or refused with a ReportError, never a crash', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(genSuite, { minLength: 1, maxLength: 2 }),
        fc.double({ min: 0, max: 1 }),
        async (suites, at) => {
          const xml = `<testsuites>${suites.map(suiteXml).join('')}</testsuites>`
          const cut = xml.slice(0, Math.floor(xml.length * at))
          try {
            await parseJunit(cut, 'cut.xml')
          } catch (err) {
            expect(err).toBeInstanceOf(ReportError)
            expect((err as Error).message).toContain('cut.xml')
          }
        }
      ),
      params
    )
  })

  test('arbitrary bytes are read or refused with a ReportError naming the report', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), async junk => {
        try {
          await parseJunit(junk, 'junk.xml')
        } catch (err) {
          expect(err).toBeInstanceOf(ReportError)
          expect((err as Error).message).toContain('junk.xml')
        }
      }),
      params
    )
  })
})

// ---------------------------------------------------------------------------------------------------
// values edit

/** A scalar as it may be written in a values file, in any of YAML's flow styles. */
const scalarStyles = (v: string) => [`"${v}"`, `'${v}'`, v]
const word = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/)
/** Entries that may stand beside the target: comments, anchors and aliases, block scalars, flow collections. */
const otherEntry = fc.oneof(
  word.map(k => `${k}: plain value  # a comment`),
  word.map(k => `${k}: &anc-${k} { x: 1, y: [1, "two", 'three'] }`),
  word.map(k => `${k}: |\n  first line\n  second: not a key\n`),
  word.map(k => `${k}: >-\n  folded\n  text`),
  word.map(k => `${k}: [a, "b", 'c', {d: e}]`),
  word.map(k => `${k}:\n  deep:\n    deeper: 3\n  list:\n    - one\n    - two: 2`),
  word.map(k => `# a comment line about ${k}`),
  word.map(k => `${k}: "quoted: with # hash"`),
  word.map(k => `${k}: 1.10`)
)
const oldTag = fc.constantFrom('v1.0.0', '1.10', '', 'latest', 'v1.0.0-0000000-0', '0123')
/** What a pipeline may set: versions, and hostile strings (YAML indicators, quotes, newlines, unicode). */
const newTag = fc.oneof(
  fc.stringMatching(/^v[0-9]\.[0-9]{1,2}\.[0-9]-[0-9a-f]{7}-[0-9]{1,4}$/),
  fc.string({ maxLength: 16 }),
  fc.constantFrom(
    '1.10',
    'true',
    'null',
    '~',
    '- x',
    ': y',
    '#z',
    '@a',
    '"',
    "'",
    'a\nb',
    '日本',
    '0x1F',
    '1e3'
  )
)

describe('values edit', () => {
  test('only the target scalar changes, and the file reads back as before apart from it', async () => {
    await fc.assert(
      fc.property(
        fc.uniqueArray(otherEntry, { maxLength: 6, selector: e => e.split(':')[0] }),
        fc.nat(6),
        oldTag,
        fc.nat(2),
        newTag,
        fc.boolean(),
        fc.boolean(),
        (others, at, old, style, tag, comment, crlf) => {
          const target = `image:\n  repository: ghcr.io/x/y\n  tag: ${old === '' ? '' : scalarStyles(old)[style]}${comment ? '  # the tag' : ''}\n  pullPolicy: IfNotPresent`
          const entries = [...others.filter(e => !/^image:/.test(e))]
          entries.splice(Math.min(at, entries.length), 0, target)
          let text = entries.join('\n') + '\n'
          if (crlf) text = text.replace(/\n/g, '\r\n')
          const before = YAML.parse(text)
          const { text: out } = applyValues(
            text,
            [{ path: 'image.tag', value: tag, type: 'str' }],
            'values.yaml'
          )
          expect(readValue(out, 'image.tag')).toBe(tag)
          const after = YAML.parse(out)
          after.image.tag = before.image.tag
          expect(after).toEqual(before)
          if (out === text) return // the tag was already so
          // bytes outside the edited scalar are the same: a common head and tail cover all but the middle
          let head = 0
          while (head < text.length && text[head] === out[head]) head++
          let tail = 0
          while (tail < text.length - head && text[text.length - 1 - tail] === out[out.length - 1 - tail])
            tail++
          const tagLine = text.indexOf('  tag:')
          expect(head).toBeGreaterThanOrEqual(tagLine)
          expect(text.length - tail).toBeLessThanOrEqual(text.indexOf(crlf ? '\r\n' : '\n', tagLine))
        }
      ),
      params
    )
  })

  test('kustomization images: only newTag changes, and the rest of the file reads back the same', async () => {
    await fc.assert(
      fc.property(
        fc.uniqueArray(word, { maxLength: 4 }),
        fc.nat(4),
        newTag.filter(t => t.length > 0),
        fc.boolean(),
        (names, at, tag, crlf) => {
          const images = names.map(n => `  - name: ghcr.io/o/${n}\n    newTag: old-${n}  # pinned`)
          images.splice(Math.min(at, images.length), 0, '  - name: ghcr.io/o/target\n    newTag: v1.0.0')
          let text = `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - deployment.yaml\nimages:\n${images.join('\n')}\n`
          if (crlf) text = text.replace(/\n/g, '\r\n')
          const out = editKustomization(text, { name: 'ghcr.io/o/target', tag }, 'kustomization.yaml').text
          const a = YAML.parse(text)
          const b = YAML.parse(out)
          const i = b.images.findIndex((e: { name: string }) => e.name === 'ghcr.io/o/target')
          expect(b.images[i].newTag).toBe(tag)
          b.images[i].newTag = 'v1.0.0'
          expect(b).toEqual(a)
        }
      ),
      params
    )
  })
})

// ---------------------------------------------------------------------------------------------------
// tag rules

describe('tag rules', () => {
  test('whatever the branch or git tag is called, every tag is a valid Docker tag, each once', () => {
    const RULES = [
      'type=version-sha-run',
      'type=ref,event=branch',
      'type=ref,event=tag',
      'type=semver,pattern={{version}}',
      'type=semver,pattern={{major}}.{{minor}}',
      'type=sha',
      'type=raw,value=latest,enable={{is_default_branch}}',
      'type=raw,value={{branch}}-{{sha}}'
    ]
    const refName = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.stringMatching(/^v?[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}(-[a-z0-9.]{1,8})?$/),
      fc.constantFrom('feature/x', '-leading', '.dot', 'UPPER', 'ü/日本', 'a'.repeat(200))
    )
    fc.assert(
      fc.property(
        refName,
        fc.constantFrom('heads', 'tags'),
        fc.hexaString({ minLength: 40, maxLength: 40 }),
        (name, kind, sha) => {
          const ctx = { ref: `refs/${kind}/${name}`, sha, runNumber: '17', defaultBranch: 'main' }
          let tags: string[]
          try {
            tags = tagsFromRules(RULES, ctx, () => `v2.0.0-${sha.slice(0, 7)}-17`)
          } catch (err) {
            // a name that leaves nothing to tag with is refused by name, never passed to the builder
            expect((err as Error).message).toMatch(/tags/)
            return
          }
          for (const t of tags) expect(t).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/)
          expect(new Set(tags).size).toBe(tags.length)
        }
      ),
      params
    )
  })
})

// ---------------------------------------------------------------------------------------------------
// durations

describe('durations', () => {
  test('a duration written in parts reads as their sum; anything else is undefined, never a throw', () => {
    const part = fc.tuple(fc.nat(100_000), fc.constantFrom('ms', 's', 'm', 'h'))
    const ms: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 4 }), parts => {
        expect(parseDuration(parts.map(([n, u]) => `${n}${u}`).join(''))).toBe(
          parts.reduce((t, [n, u]) => t + n * ms[u], 0)
        )
      }),
      params
    )
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), s => {
        const r = parseDuration(s)
        expect(r === undefined || (Number.isInteger(r) && r >= 0)).toBe(true)
      }),
      params
    )
  })
})

// ---------------------------------------------------------------------------------------------------
// lists and command lines

describe('lists and command lines', () => {
  test('words quoted as a shell would quote them split back into the same words', () => {
    const quote = (w: string) => `'${w.replace(/'/g, `'\\''`)}'`
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 12 }), { maxLength: 6 }),
        fc.constantFrom(' ', '  ', '\t', '\n'),
        (words, sep) => {
          expect(splitArgs('args', words.map(quote).join(sep))).toEqual(words)
        }
      ),
      params
    )
  })

  test('lines: trimmed, no blank lines, no comments, LF or CRLF alike', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ maxLength: 12 }).filter(l => !/[\r\n]/.test(l)),
          { maxLength: 8 }
        ),
        fc.boolean(),
        (ls, crlf) => {
          const got = splitLines(ls.join(crlf ? '\r\n' : '\n'))
          expect(got).toEqual(ls.map(l => l.trim()).filter(l => l && !l.startsWith('#')))
        }
      ),
      params
    )
  })
})

// ---------------------------------------------------------------------------------------------------
// summary diff

/** Applies a unified diff (as unifiedDiff writes it) to `before`. */
function patch(before: string[], diff: string): string[] {
  const out: string[] = []
  let at = 0
  const lines = diff.split('\n').slice(2)
  for (let i = 0; i < lines.length; i++) {
    const h = /^@@ -(\d+),(\d+) \+\d+,\d+ @@$/.exec(lines[i])
    if (!h) continue
    const start = Number(h[2]) === 0 ? Number(h[1]) : Number(h[1]) - 1
    while (at < start) out.push(before[at++])
    for (i++; i < lines.length && !lines[i].startsWith('@@'); i++) {
      const l = lines[i]
      if (l.startsWith(' ')) out.push(before[at++])
      else if (l.startsWith('-')) at++
      else if (l.startsWith('+')) out.push(l.slice(1))
    }
    i--
  }
  while (at < before.length) out.push(before[at++])
  return out
}

/** The fewest inserted plus deleted lines that turn a into b (a textbook LCS table). */
function editDistance(a: string[], b: string[]): number {
  const t = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0))
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--)
      t[i][j] = a[i] === b[j] ? t[i + 1][j + 1] + 1 : Math.max(t[i + 1][j], t[i][j + 1])
  return a.length + b.length - 2 * t[0][0]
}

describe('summary diff', () => {
  test('patching the before text with the diff gives the after text, with the fewest changed lines', () => {
    const lines = fc.array(fc.constantFrom('a', 'b', 'c', 'd', '', '  x: 1'), { maxLength: 30 })
    fc.assert(
      fc.property(lines, lines, (a, b) => {
        const before = a.join('\n')
        const after = b.join('\n')
        const d = unifiedDiff(before, after, 'a', 'b', 3)
        if (before === after) return expect(d).toBe('')
        expect(patch(before.split('\n'), d)).toEqual(after.split('\n'))
        const changed = d
          .split('\n')
          .slice(2)
          .filter(l => /^[-+]/.test(l)).length
        expect(changed).toBe(editDistance(before.split('\n'), after.split('\n')))
      }),
      params
    )
  })
})

describe('the run tag', () => {
  test('what build-push makes, gitops-bump reads back: version, the commit, the run', async () => {
    const { formatRunTag, isDowngrade, parseRunTag } = await import('../../src/common/tag.js')
    const version = fc.stringMatching(/^v?\d{1,3}\.\d{1,3}\.\d{1,3}(-rc\.\d)?$/)
    const sha = fc.stringMatching(/^[0-9a-f]{40}$/)
    const run = fc.integer({ min: 0, max: 10_000_000 })
    fc.assert(
      fc.property(version, sha, run, run, (v, s, a, b) => {
        const tag = formatRunTag({ version: v, sha7: s, run: a })
        expect(parseRunTag(tag)).toEqual({ version: v, sha7: s.slice(0, 7), run: a })
        // an earlier run of the same version is a downgrade, a later or equal one is not
        expect(isDowngrade(tag, formatRunTag({ version: v, sha7: s, run: b }))).toBe(b < a)
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 200) }
    )
  })
})
