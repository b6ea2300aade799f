import * as fs from 'node:fs'
import * as path from 'node:path'
import { applyValues, readValue, renderScalar } from '../../src/gitops-bump/values.js'
import { isDowngrade, parseRemote } from '../../src/gitops-bump/settings.js'
import { isRace } from '../../src/gitops-bump/git.js'
import { ROOT } from '../../scripts/lib/runner.mjs'

const tricky = fs.readFileSync(path.join(ROOT, '__tests__/fixtures/charts/tricky/values.yaml'), 'utf8')

describe('applyValues', () => {
  test('changes only the target scalars, byte for byte elsewhere', () => {
    const { text, changes } = applyValues(tricky, [
      ['image.tag', 'v2.0.0-abc1234-9'],
      ['env.appVersion', 'v2.0.0-abc1234-9']
    ])
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
      expect(readValue(applyValues(tricky, [['image.tag', v]]).text, 'image.tag')).toBe(v)
    expect(applyValues(tricky, [['image.tag', '1.10']]).text).toContain('tag: "1.10"   # a number')
  })

  test('keeps the quoting style: single, double, flow', () => {
    const { text } = applyValues(tricky, [
      ['defaults.registry', "it's"],
      ['sidecar.tag', '2.2']
    ])
    expect(text).toContain("registry: 'it''s'")
    expect(text).toContain('sidecar: {name: proxy, tag: "2.2"}')
  })

  test('an anchored value changes its aliases too; an alias itself is refused', () => {
    const src = 'base: &b "v1"\nother: *b\n'
    expect(applyValues(src, [['base', 'v2']]).text).toBe('base: &b "v2"\nother: *b\n')
    expect(() => applyValues(src, [['other', 'v2']])).toThrow(/'other' .* is an alias/)
  })

  test('missing paths and non-scalars are errors, never created', () => {
    expect(() => applyValues(tricky, [['image.nope', 'x']])).toThrow(
      "values file has no key 'image.nope' (missing keys are never created)"
    )
    expect(() => applyValues(tricky, [['image', 'x']])).toThrow(
      /'image' .* is not a single value \(found a mapping\)/
    )
    expect(() => applyValues(tricky, [['env.list', 'x']])).toThrow(/found a list/)
    expect(() => applyValues('- a\n- b\n', [['a', 'x']])).toThrow(/is not a YAML mapping/)
    expect(() => applyValues('a: 1\n---\nb: 2\n', [['a', 'x']])).toThrow(/holds 2 YAML documents/)
    expect(() => applyValues('a: [\n', [['a', 'x']])).toThrow(/is not valid YAML/)
  })

  test('the same value is no change', () => {
    expect(applyValues(tricky, [['env.appVersion', 'v1']]).changes).toEqual([])
  })

  test('list items by index', () => {
    expect(applyValues(tricky, [['env.list.1', 'B']]).text).toContain(`list: [a, "B", 'c']`)
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
    expect(isDowngrade('v2.0.0-aaaaaaa-20', 'v3.0.0-bbbbbbb-1')).toBe(false)
    expect(isDowngrade('latest', 'v2.0.0-bbbbbbb-1')).toBe(false)
    expect(isDowngrade(undefined, 'v2.0.0-bbbbbbb-1')).toBe(false)
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
