import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import YAML from 'yaml'
import {
  applyValues,
  decodeUtf8,
  readValue,
  renderScalar,
  type Assignment
} from '../../src/gitops-bump/values.js'
import { parseRemote } from '../../src/gitops-bump/settings.js'
import { isDowngrade } from '../../src/common/tag.js'
import { isRace, processesTitled } from '../../src/gitops-bump/git.js'
import { loadYaml } from '../../src/common/yaml.js'
import { readCurrent } from '../../src/kind-e2e/rehearsal.js'
import { ROOT } from '../../scripts/lib/runner.mjs'

beforeAll(loadYaml)

/** Assignments that write strings (what the `tag` input does). */
const str = (...pairs: [string, string][]): Assignment[] =>
  pairs.map(([path, value]) => ({ path, value, type: 'str' }))
const auto = (...pairs: [string, string][]): Assignment[] =>
  pairs.map(([path, value]) => ({ path, value, type: 'auto' }))

const tricky = fs.readFileSync(path.join(ROOT, '__tests__/fixtures/charts/tricky/values.yaml'), 'utf8')

describe('applyValues', () => {
  test('changes only the target scalars, byte for byte elsewhere', () => {
    const { text, changes } = applyValues(
      tricky,
      str(['image.tag', 'v2.0.0-abc1234-9'], ['env.appVersion', 'v2.0.0-abc1234-9'])
    )
    expect(text).toBe(
      tricky
        .replace('tag: 1.0   #', 'tag: v2.0.0-abc1234-9   #')
        .replace("appVersion: 'v1'", "appVersion: 'v2.0.0-abc1234-9'")
    )
    expect(changes).toEqual([
      { path: 'image.tag', before: 1, after: 'v2.0.0-abc1234-9' },
      { path: 'env.appVersion', before: 'v1', after: 'v2.0.0-abc1234-9' }
    ])
  })

  test('number- and boolean-like values are written as strings', () => {
    for (const v of ['1.10', 'true', 'null', '0x1F', '1e3', '~', 'yes'])
      expect(readValue(applyValues(tricky, str(['image.tag', v])).text, 'image.tag')).toBe(v)
    expect(applyValues(tricky, str(['image.tag', '1.10'])).text).toContain('tag: "1.10"   # a number')
  })

  test('keeps the quoting style: single, double, flow', () => {
    const { text } = applyValues(tricky, str(['defaults.registry', "it's"], ['sidecar.tag', '2.2']))
    expect(text).toContain("registry: 'it''s'")
    expect(text).toContain('sidecar: {name: proxy, tag: "2.2"}')
  })

  test('an anchored value changes its aliases too; an alias itself is refused', () => {
    const src = 'base: &b "v1"\nother: *b\n'
    expect(applyValues(src, str(['base', 'v2'])).text).toBe('base: &b "v2"\nother: *b\n')
    expect(() => applyValues(src, str(['other', 'v2']))).toThrow(/'other' .* is an alias/)
  })

  test('missing paths and non-scalars are errors, never created', () => {
    expect(() => applyValues(tricky, str(['image.nope', 'x']))).toThrow(
      "values file has no key 'image.nope' (missing keys are never created)"
    )
    expect(() => applyValues(tricky, str(['image', 'x']))).toThrow(
      /'image' .* is not a single value \(found a mapping\)/
    )
    expect(() => applyValues(tricky, str(['env.list', 'x']))).toThrow(/found a list/)
    expect(() => applyValues('- a\n- b\n', str(['a', 'x']))).toThrow(/is not a YAML mapping/)
    expect(() => applyValues('a: 1\n---\nb: 2\n', str(['a', 'x']))).toThrow(/holds 2 YAML documents/)
    expect(() => applyValues('a: [\n', str(['a', 'x']))).toThrow(/is not valid YAML/)
  })

  test('the same value is no change', () => {
    expect(applyValues(tricky, str(['env.appVersion', 'v1'])).changes).toEqual([])
  })

  test('list items by index', () => {
    expect(applyValues(tricky, str(['env.list.1', 'B'])).text).toContain(`list: [a, "B", 'c']`)
  })

  test('an empty value and a null followed by a comment get a value, with the comment kept', () => {
    expect(applyValues('image:\n  tag:\n  pull: x\n', str(['image.tag', 'v1'])).text).toBe(
      'image:\n  tag: v1\n  pull: x\n'
    )
    expect(
      applyValues('image:\n  tag:  # @schema type:[string, null]\n', str(['image.tag', 'v3.5.3'])).text
    ).toBe('image:\n  tag:  v3.5.3 # @schema type:[string, null]\n')
    expect(applyValues('image:\r\n  tag:\r\n  x: 1\r\n', str(['image.tag', 'v1'])).text).toBe(
      'image:\r\n  tag: v1\r\n  x: 1\r\n'
    )
    expect(applyValues('image:\n  tag: ~\n', str(['image.tag', 'v1'])).text).toBe('image:\n  tag: v1\n')
  })

  test('anything YAML 1.1 (Helm) or 1.2 would not read as that string is quoted', () => {
    for (const v of [
      '20240101_1200',
      '1:20',
      '2024-01-01',
      'yes',
      'NO',
      'on',
      '0777',
      '.inf',
      '~',
      '0b101',
      '1_000',
      '012'
    ])
      expect(applyValues('tag: x\n', str(['tag', v])).text).toBe(`tag: ${JSON.stringify(v)}\n`)
    expect(applyValues('tag: x\n', str(['tag', 'v1.2.3-rc_1'])).text).toBe('tag: v1.2.3-rc_1\n')
  })

  test('set keeps the type of what it replaces, or the type the key states', () => {
    expect(applyValues('replicaCount: 2\n', auto(['replicaCount', '3'])).text).toBe('replicaCount: 3\n')
    expect(applyValues('on: true\n', auto(['on', 'false'])).text).toBe('on: false\n')
    // a number whose text would not survive as one (1.10 reads as 1.1) stays a string
    expect(applyValues('tag: 1.0\n', auto(['tag', '1.10'])).text).toBe('tag: "1.10"\n')
    expect(applyValues('name: "2"\n', auto(['name', '3'])).text).toBe('name: "3"\n')
    expect(applyValues('count:\n', [{ path: 'count', value: '4', type: 'int' }]).text).toBe('count: 4\n')
    expect(() => applyValues('count:\n', [{ path: 'count', value: 'x', type: 'int' }])).toThrow(/typed int/)
  })

  test('a key reached through an alias names the anchor to set instead', () => {
    const src = 'base: &img\n  tag: v1\nother:\n  image: *img\n'
    expect(() => applyValues(src, str(['other.image.tag', 'v2']))).toThrow(
      "'other.image.tag' in values file is reached through the alias *img at 'other.image'; set it where the anchor &img (line 1) is defined instead"
    )
  })

  test('a file that is not UTF-8 is refused, not rewritten', () => {
    expect(() => decodeUtf8(Buffer.from([0x61, 0x3a, 0x20, 0x85, 0x0a]), 'v.yaml')).toThrow(
      /v\.yaml is not valid UTF-8 \(byte 0x85 at offset 3/
    )
    expect(decodeUtf8(Buffer.from('\uFEFFa: 1\n'), 'v.yaml')).toBe('\uFEFFa: 1\n')
  })

  test('renderScalar', () => {
    expect(renderScalar('v1', 'PLAIN')).toBe('v1')
    expect(renderScalar('a: b', 'PLAIN')).toBe('"a: b"')
    expect(renderScalar(' x', 'PLAIN')).toBe('" x"')
    expect(renderScalar('x"y', 'QUOTE_DOUBLE')).toBe('"x\\"y"')
  })
})

describe('gitops-bump settings', () => {
  test.each([
    [
      'banicr/demo_gitops',
      false,
      { url: 'git@github.com:banicr/demo_gitops.git', transport: 'ssh', githubRepo: 'banicr/demo_gitops' }
    ],
    [
      'banicr/demo_gitops',
      true,
      {
        url: 'https://github.com/banicr/demo_gitops.git',
        transport: 'https',
        githubRepo: 'banicr/demo_gitops'
      }
    ],
    ['ssh://git@127.0.0.1:2222/srv/x.git', false, { transport: 'ssh', host: '127.0.0.1' }],
    ['git@gitlab.example.com:team/x.git', false, { transport: 'ssh', host: 'gitlab.example.com' }],
    ['https://github.com/o/r.git', true, { transport: 'https', githubRepo: 'o/r' }],
    ['file:///srv/git/x.git', false, { transport: 'file' }]
  ])('parseRemote(%s)', (value, token, expected) => {
    expect(parseRemote(value, token)).toMatchObject(expected)
  })

  test.each(['-uhelp', 'o/r;id', 'http://insecure/x', 'o r/x', 'ext::sh -c id', 'o/r$(id)'])(
    'parseRemote refuses %p',
    v => {
      expect(() => parseRemote(v, false)).toThrow(/^Input 'repository'/)
    }
  )

  test('downgrades: same version, lower run', () => {
    expect(isDowngrade('v2.0.0-aaaaaaa-20', 'v2.0.0-bbbbbbb-19')).toBe(true)
    expect(isDowngrade('v2.0.0-aaaaaaa-20', 'v2.0.0-bbbbbbb-21')).toBe(false)
    // the boundary: a re-run of the same run number (another commit, or the same one) is not a downgrade
    expect(isDowngrade('v2.0.0-aaaaaaa-20', 'v2.0.0-bbbbbbb-20')).toBe(false)
    expect(isDowngrade('v2.0.0-aaaaaaa-20', 'v2.0.0-aaaaaaa-20')).toBe(false)
    expect(isDowngrade('v2.0.0-aaaaaaa-20', 'v3.0.0-bbbbbbb-1')).toBe(false)
    expect(isDowngrade('latest', 'v2.0.0-bbbbbbb-1')).toBe(false)
    expect(isDowngrade(undefined, 'v2.0.0-bbbbbbb-1')).toBe(false)
  })

  test("post finds the step's ssh masters by their title, and no other process", () => {
    const ps = [
      '    1 /sbin/init',
      ' 4242 ssh: /tmp/r/gitops-bump-ab/cm [mux]',
      ' 4243 ssh: /tmp/r/gitops-bump-abc/cm [mux]',
      ' 4244 git clone ssh: /tmp/r/gitops-bump-ab/cm [mux]',
      '14245 ssh: /tmp/r/gitops-bump-ab/cm [mux]'
    ].join('\n')
    expect(processesTitled(ps, 'ssh: /tmp/r/gitops-bump-ab/cm [mux]')).toEqual([4242, 14245])
    expect(processesTitled('', 'ssh: x [mux]')).toEqual([])
  })

  test('push rejections that mean "the branch moved"', () => {
    const r = (stderr: string, stdout = '') => isRace({ stdout, stderr })
    expect(r('', '!\tHEAD:refs/heads/main\t[rejected] (fetch first)')).toBe(true)
    expect(r('', '!\tHEAD:refs/heads/main\t[rejected] (non-fast-forward)')).toBe(true)
    expect(
      r(
        "remote: error: cannot lock ref 'refs/heads/main': is at 1 but expected 2\n ! [remote rejected] pre-receive hook declined"
      )
    ).toBe(true)
    expect(r('! [remote rejected] HEAD -> main (protected branch hook declined)')).toBe(false)
    expect(r('ERROR: Permission to o/r.git denied to deploy key')).toBe(false)
  })
})

// The values files of public charts (../shared/corpus/values): the bump changes
// exactly the line of the bumped scalar and the data reads back equal apart from it. Skipped where
// ../shared is absent. (The bundle runs the same corpus through helm in the integration tests.)
const VALUES_CORPUS = path.resolve(ROOT, '../shared/corpus/values')
const corpusCases: { file: string; key: string; value: string; derived_from?: string }[] = fs.existsSync(
  VALUES_CORPUS
)
  ? JSON.parse(fs.readFileSync(path.join(VALUES_CORPUS, 'sources.json'), 'utf8')).cases
  : []
;(corpusCases.length ? describe : describe.skip)('values corpus', () => {
  test.each(corpusCases.map(c => [c.file, c] as const))('%s', (file, c) => {
    const bytes = fs.readFileSync(path.join(VALUES_CORPUS, file))
    if (file.includes('cp1252')) {
      expect(() => decodeUtf8(bytes, file)).toThrow(/is not valid UTF-8/)
      return
    }
    const before = decodeUtf8(bytes, file)
    const { text, changes } = applyValues(before, auto([c.key, c.value]), file)
    expect(changes.map(x => x.path)).toEqual([c.key])
    expect(readValue(text, c.key)).toBe(c.value)
    const a = before.split('\n')
    const b = text.split('\n')
    expect(b.length).toBe(a.length)
    const changed = a.map((l, i) => (l === b[i] ? -1 : i)).filter(i => i >= 0)
    expect(changed).toHaveLength(1)
    expect(
      Buffer.from(text)
        .subarray(0, 3)
        .equals(Buffer.from([0xef, 0xbb, 0xbf]))
    ).toBe(bytes.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])))
  })
})

// What gitops-bump writes, kind-e2e's upgrade-from reads back: each corpus file whose bumped key is a tag,
// bumped, then read as the values file of what runs now. The expected image is the repository beside the
// tag (and the registry, Bitnami-style) as the yaml package reads the original, with the new tag; where no
// repository is written beside it (the chart's templates default it), upgrade-from says it names no image.
;(corpusCases.length ? describe : describe.skip)('values corpus, read back by upgrade-from', () => {
  const tagCases = corpusCases.filter(c => !c.file.includes('cp1252') && c.key.endsWith('.tag'))
  test.each(tagCases.map(c => [c.file, c] as const))('%s', async (file, c) => {
    const before = decodeUtf8(fs.readFileSync(path.join(VALUES_CORPUS, file)), file)
    const parent = c.key.slice(0, -'.tag'.length)
    const image = parent
      .split('.')
      .reduce<Record<string, unknown> | undefined>(
        (v, k) => v?.[k] as Record<string, unknown> | undefined,
        YAML.parse(before.replace(/^\uFEFF/, ''))
      )
    const { text } = applyValues(before, str([c.key, c.value]), file)
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upgrade-from-'))
    const valuesFile = path.join(dir, 'values.yaml')
    fs.writeFileSync(valuesFile, text)
    const registry = typeof image?.registry === 'string' && image.registry ? `${parent}.registry` : undefined
    const keys = { repository: `${parent}.repository`, tag: c.key, pullPolicy: '', digest: '', registry }
    const read = await readCurrent(
      { upgradeFrom: { valuesFile, given: file }, imageKeys: keys } as never,
      false
    ).then(
      r => r.image,
      (err: Error) => err.message
    )
    fs.rmSync(dir, { recursive: true })
    if (typeof image?.repository === 'string')
      expect(read).toBe(`${registry ? `${image.registry}/` : ''}${image.repository}:${c.value}`)
    // no repository beside the tag (the chart's templates default it): upgrade-from says what it needs
    else expect(read).toMatch(/^Input 'upgrade-from' names no image at the image keys/)
  })
})

describe('duplicate keys', () => {
  test('a mapping that holds a key twice is refused, naming the key and its line', () => {
    const text = 'image:\n  repository: a\n  tag: v1\nother:\n  x: 1\n  x: 2\n'
    expect(() => applyValues(text, str(['image.tag', 'v2']), 'values.yaml')).toThrow(
      "values.yaml is not valid YAML: Map keys must be unique ('x' at line 6)"
    )
  })

  test('1 and "1" are two keys, and merge keys may repeat', () => {
    const text =
      'base: &b { a: 1 }\nmore: &m { c: 3 }\nmap:\n  1: one\n  "1": string one\n  <<: *b\n  <<: *m\nimage:\n  tag: v1\n'
    expect(applyValues(text, str(['image.tag', 'v2']), 'values.yaml').text).toContain('tag: v2')
  })
})
