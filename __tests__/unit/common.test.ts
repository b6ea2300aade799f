import { jest } from '@jest/globals'
import { spawn, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { splitArgs } from '../../src/common/argv.js'
import { unifiedDiff } from '../../src/common/diff.js'
import { run } from '../../src/common/exec.js'
import * as inputs from '../../src/common/inputs.js'
import { backoffDelay, retry } from '../../src/common/retry.js'
import { maskSecret } from '../../src/common/secrets.js'
import { details, fence, paragraph, render } from '../../src/common/summary.js'
import { checkGitRef, checkRelativePath, checkTag, parseImage } from '../../src/common/validate.js'

const withInput = (name: string, value: string) => {
  process.env[`INPUT_${name.toUpperCase()}`] = value
}

afterEach(() => {
  for (const k of Object.keys(process.env)) if (k.startsWith('INPUT_')) delete process.env[k]
})

describe('inputs', () => {
  test('booleans accept the YAML 1.2 core forms and name the input otherwise', () => {
    withInput('push', 'True')
    expect(inputs.bool('push', false)).toBe(true)
    withInput('push', 'yes')
    expect(() => inputs.bool('push', false)).toThrow("Input 'push' must be true or false, got 'yes'")
    delete process.env.INPUT_PUSH
    expect(inputs.bool('push', true)).toBe(true)
  })

  test('whole numbers are bounded', () => {
    withInput('max-attempts', '7')
    expect(inputs.int('max-attempts', 5, 1, 50)).toBe(7)
    withInput('max-attempts', '0')
    expect(() => inputs.int('max-attempts', 5, 1, 50)).toThrow(
      "Input 'max-attempts' must be a whole number from 1 to 50, got '0'"
    )
    withInput('max-attempts', '2.5')
    expect(() => inputs.int('max-attempts', 5, 1, 50)).toThrow(/whole number/)
  })

  test('lists take lines and commas; comments and blanks are dropped', () => {
    withInput('extra-tags', 'latest, stable\n# a comment\n\n  edge  ')
    expect(inputs.list('extra-tags')).toEqual(['latest', 'stable', 'edge'])
  })

  test('key=value lines keep = in values and name the bad line', () => {
    withInput('build-args', 'A=1\nB=x=y\nC=')
    expect(inputs.keyValues('build-args')).toEqual([
      ['A', '1'],
      ['B', 'x=y'],
      ['C', '']
    ])
    withInput('build-args', 'A=1\n=nokey')
    expect(() => inputs.keyValues('build-args')).toThrow(
      "Input 'build-args' line 2 must look like KEY=VALUE, got '=nokey'"
    )
  })

  test('durations', () => {
    expect(inputs.parseDuration('180s')).toBe(180_000)
    expect(inputs.parseDuration('1m30s')).toBe(90_000)
    expect(inputs.parseDuration('500ms')).toBe(500)
    expect(inputs.parseDuration('2h')).toBe(7_200_000)
    expect(inputs.parseDuration('42')).toBe(42_000)
    expect(inputs.parseDuration('soon')).toBeUndefined()
    expect(inputs.parseDuration('3 m')).toBeUndefined()
  })

  test('a required input that is missing is named', () => {
    expect(() => inputs.required('image')).toThrow("Input 'image' is required and was not supplied")
  })

  test('secrets are masked, whole and line by line', () => {
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true)
    withInput('ssh-key', '-----BEGIN KEY-----\nabcdef\n-----END KEY-----\n')
    inputs.secret('ssh-key')
    const out = write.mock.calls.map(c => String(c[0])).join('')
    write.mockRestore()
    expect(out).toContain('::add-mask::-----BEGIN KEY-----%0Aabcdef')
    expect(out).toContain('::add-mask::abcdef\n')
  })
})

describe('validate', () => {
  test.each([
    ['ghcr.io/banicr/demo-flask-app', { registry: 'ghcr.io', repository: 'ghcr.io/banicr/demo-flask-app' }],
    [
      '127.0.0.1:5443/itg/app:v1',
      { registry: '127.0.0.1:5443', repository: '127.0.0.1:5443/itg/app', tag: 'v1' }
    ],
    ['localhost/app', { registry: 'localhost', repository: 'localhost/app' }],
    ['library/busybox:1.36', { registry: '', repository: 'library/busybox', tag: '1.36' }],
    [
      `ghcr.io/a/b@sha256:${'a'.repeat(64)}`,
      { registry: 'ghcr.io', repository: 'ghcr.io/a/b', digest: `sha256:${'a'.repeat(64)}` }
    ]
  ])('parses image %s', (ref, expected) => {
    expect(parseImage('image', ref)).toMatchObject(expected)
  })

  test.each([
    'ghcr.io/Owner/app',
    'ghcr.io/a/b;rm -rf /',
    'ghcr.io/a/b:',
    'ghcr.io/a/b:-x',
    'ghcr.io//b',
    ' ghcr.io/a/b',
    'a/b@sha256:zz'
  ])('refuses image %p', ref => expect(() => parseImage('image', ref)).toThrow(/^Input 'image'/))

  test('tags follow the OCI grammar', () => {
    expect(checkTag('tag', 'v2.0.0-3f1c2d4-17')).toBe('v2.0.0-3f1c2d4-17')
    for (const bad of ['', '-x', '.x', 'a b', 'a;b', 'x'.repeat(129), 'v1$(id)'])
      expect(() => checkTag('tag', bad)).toThrow(/^Input 'tag'/)
  })

  test('git refs follow check-ref-format', () => {
    for (const ok of ['main', 'release/v1', 'gitops/v2.0.0-abc-1']) expect(checkGitRef('branch', ok)).toBe(ok)
    for (const bad of [
      '',
      '-x',
      'a..b',
      'a b',
      'a~1',
      'a^',
      'a:b',
      'a?',
      'a*',
      'a[',
      'a\\b',
      'x.lock',
      'a/',
      '/a',
      'a//b',
      'a@{1}',
      '.hidden',
      'a/.b'
    ])
      expect(() => checkGitRef('branch', bad)).toThrow(/^Input 'branch'/)
  })

  test('relative paths stay inside', () => {
    expect(checkRelativePath('values-file', './helm/x/values.yaml')).toBe('helm/x/values.yaml')
    expect(checkRelativePath('chart', 'helm/x/')).toBe('helm/x')
    for (const bad of ['/etc/passwd', '../x', 'a/../../x', '', 'a\0b'])
      expect(() => checkRelativePath('values-file', bad)).toThrow(/^Input 'values-file'/)
  })
})

describe('splitArgs', () => {
  test('splits like a shell, without expanding anything', () => {
    expect(splitArgs('args', `-k "not slow" -m 'a b' x\\ y $(id) ;`)).toEqual([
      '-k',
      'not slow',
      '-m',
      'a b',
      'x y',
      '$(id)',
      ';'
    ])
    expect(splitArgs('args', '')).toEqual([])
    expect(splitArgs('args', `""`)).toEqual([''])
    expect(() => splitArgs('args', `"open`)).toThrow(`Input 'args' has an unclosed " quote`)
  })
})

describe('retry', () => {
  test('backoff grows, is capped, and jitter stays below the ceiling', () => {
    expect(backoffDelay(1, 100, 1000, () => 0.999)).toBe(99)
    expect(backoffDelay(3, 100, 1000, () => 0.999)).toBe(399)
    expect(backoffDelay(10, 100, 1000, () => 0.999)).toBe(999)
    expect(backoffDelay(3, 100, 1000, () => 0)).toBe(0)
  })

  test('retries retryable errors up to the attempts, then throws the last', async () => {
    const sleeps: number[] = []
    let calls = 0
    const fn = async () => {
      calls++
      throw new Error(`fail ${calls}`)
    }
    await expect(
      retry(fn, { attempts: 3, sleep: async ms => void sleeps.push(ms), random: () => 0.5 })
    ).rejects.toThrow('fail 3')
    expect(calls).toBe(3)
    expect(sleeps).toEqual([250, 500])
  })

  test('a non-retryable error is thrown at once; success returns', async () => {
    let calls = 0
    await expect(
      retry(
        async () => {
          calls++
          throw new Error('fatal')
        },
        { attempts: 5, retryable: () => false }
      )
    ).rejects.toThrow('fatal')
    expect(calls).toBe(1)
    let n = 0
    expect(
      await retry(
        async () => {
          if (++n < 3) throw new Error('again')
          return n
        },
        { attempts: 5, sleep: async () => {} }
      )
    ).toBe(3)
  })

  test('gives up when the deadline would pass', async () => {
    let calls = 0
    await expect(
      retry(
        async () => {
          calls++
          throw new Error('x')
        },
        { attempts: 100, baseDelayMs: 1000, deadlineMs: 10, random: () => 1, sleep: async () => {} }
      )
    ).rejects.toThrow('x')
    expect(calls).toBe(1)
  })
})

describe('unifiedDiff', () => {
  test('hunks with context and line numbers', () => {
    const a = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join('\n')
    const b = a.replace('line 5', 'line five').replace('line 18', 'line eighteen')
    expect(unifiedDiff(a, b, 'a', 'b')).toBe(
      [
        '--- a',
        '+++ b',
        '@@ -2,7 +2,7 @@',
        ' line 2',
        ' line 3',
        ' line 4',
        '-line 5',
        '+line five',
        ' line 6',
        ' line 7',
        ' line 8',
        '@@ -15,6 +15,6 @@',
        ' line 15',
        ' line 16',
        ' line 17',
        '-line 18',
        '+line eighteen',
        ' line 19',
        ' line 20',
        ''
      ].join('\n')
    )
    expect(unifiedDiff(a, a)).toBe('')
  })

  test('insertions and deletions', () => {
    expect(unifiedDiff('a\nb\nc', 'a\nc')).toBe('--- before\n+++ after\n@@ -1,3 +1,2 @@\n a\n-b\n c\n')
    expect(unifiedDiff('', 'x')).toBe('--- before\n+++ after\n@@ -1,1 +1,1 @@\n-\n+x\n')
  })
})

/** Applies a unified diff made with context to `before`; the result must be `after`. */
function applyUnified(before: string, diff: string): string {
  const a = before.split('\n')
  const out: string[] = []
  let at = 0
  const lines = diff.split('\n').slice(2, -1)
  for (let i = 0; i < lines.length; i++) {
    const h = /^@@ -(\d+),(\d+) \+\d+,\d+ @@$/.exec(lines[i])
    if (!h) throw new Error(`not a hunk header: ${lines[i]}`)
    const start = Number(h[2]) === 0 ? Number(h[1]) : Number(h[1]) - 1
    while (at < start) out.push(a[at++])
    while (i + 1 < lines.length && !lines[i + 1].startsWith('@@')) {
      const l = lines[++i]
      if (l[0] === ' ') {
        expect(a[at]).toBe(l.slice(1))
        out.push(a[at++])
      } else if (l[0] === '-') {
        expect(a[at]).toBe(l.slice(1))
        at++
      } else out.push(l.slice(1))
    }
  }
  while (at < a.length) out.push(a[at++])
  return out.join('\n')
}

describe('unifiedDiff on random edits', () => {
  test('the diff turns before into after, with as few changed lines as GNU diff', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diff-'))
    const [fa, fb] = [path.join(dir, 'a'), path.join(dir, 'b')]
    let seed = 7
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n)
    for (let round = 0; round < 200; round++) {
      const a = Array.from({ length: rand(40) }, () => `l${rand(8)}`)
      const b = a.flatMap(l => (rand(5) === 0 ? [] : rand(6) === 0 ? [l, `n${rand(8)}`] : [l]))
      const before = a.join('\n')
      const after = b.join('\n')
      const d = unifiedDiff(before, after, 'a', 'b', 3)
      if (before === after) expect(d).toBe('')
      else expect(applyUnified(before, d)).toBe(after)
      fs.writeFileSync(fa, before + '\n')
      fs.writeFileSync(fb, after + '\n')
      const gnu = spawnSync('diff', ['--minimal', '-U0', fa, fb], { encoding: 'utf8' }).stdout
      const count = (text: string) => text.split('\n').filter(l => /^[-+](?!-- |\+\+ )/.test(l)).length
      expect(count(d)).toBe(count(gnu))
    }
  })

  test('two 100,000-line texts differing in 2 lines: well under a second', () => {
    const a = Array.from({ length: 100_000 }, (_, i) => `  key${i}: value ${i % 977}`)
    const b = [...a]
    b[10] = '  key10: changed'
    b[99_990] = '  key99990: changed'
    const rss = process.memoryUsage().rss
    const started = performance.now()
    const d = unifiedDiff(a.join('\n'), b.join('\n'))
    const ms = performance.now() - started
    const grew = (process.memoryUsage().rss - rss) / 2 ** 20
    console.log(`diff of 2 x 100,000 lines: ${ms.toFixed(0)} ms, rss +${grew.toFixed(0)} MiB`)
    expect(ms).toBeLessThan(1000)
    expect(grew).toBeLessThan(200)
    expect(d.split('\n').filter(l => /^[-+] {2}key/.test(l))).toHaveLength(4)
  })

  test('texts too different to show say so instead of taking the memory', () => {
    const a = Array.from({ length: 20_000 }, (_, i) => `a${i}`).join('\n')
    const b = Array.from({ length: 20_000 }, (_, i) => `b${i}`).join('\n')
    const d = unifiedDiff(a, b, 'a', 'b', 3, { maxEdits: 1000 })
    expect(d).toContain('too many changes to show')
    expect(d.length).toBeLessThan(500)
  })
})

test('summary fences outlast the backticks inside', () => {
  expect(fence('a ``` b', 'diff')).toBe('````diff\na ``` b\n````\n')
})

test('exec: onOutput sees stdout and stderr as they arrive, before the tool ends', async () => {
  const seen: string[] = []
  const r = await run('sh', ['-c', 'echo out; echo err >&2'], {
    silent: true,
    onOutput: t => seen.push(t)
  })
  expect(r.exitCode).toBe(0)
  expect(seen.join('').split('\n').filter(Boolean).sort()).toEqual(['err', 'out'])
})

test('exec: an aborted signal ends the tool, whose result is that of a tool killed by SIGTERM', async () => {
  const abort = new AbortController()
  const start = Date.now()
  const running = run('sleep', ['30'], { silent: true, ignoreReturnCode: true, signal: abort.signal })
  setTimeout(() => abort.abort(), 100)
  const r = await running
  expect(r.exitCode).toBe(143)
  expect(r.stderr).toBe('killed by SIGTERM')
  expect(Date.now() - start).toBeLessThan(5000)
  // aborted before it starts: ended at once
  expect(
    (await run('sleep', ['30'], { silent: true, ignoreReturnCode: true, signal: abort.signal })).exitCode
  ).toBe(143)
})

test('a private folder that a tool main started still writes to is removed all the same (post after a killed main)', async () => {
  const { removePrivateDir } = await import('../../src/common/temp.js')
  for (let i = 0; i < 5; i++) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-bump-'))
    // a clone that outlives main: it writes until the folder is gone
    const writer = spawn(
      'sh',
      ['-c', 'i=0; while [ $i -lt 400 ]; do echo x > "$0/f$i" || exit 0; i=$((i+1)); done', dir],
      {
        stdio: 'ignore'
      }
    )
    const ended = new Promise(resolve => writer.on('close', resolve))
    await new Promise(resolve => setTimeout(resolve, 20))
    await removePrivateDir(dir)
    await ended
    expect(fs.existsSync(dir)).toBe(false)
  }
})

test('the summary keeps every secret of the step out, whatever a block quotes', () => {
  const secret = 'hunter2-summary-secret'
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true)
  try {
    maskSecret(secret)
  } finally {
    out.mockRestore()
  }
  details('traceback', `connect failed: password=${secret}`)
  paragraph(`token ${secret} refused`)
  const text = render()
  expect(text).not.toContain(secret)
  expect(text).toContain('password=***')
})

describe("keptCredentials: the job's logins carried into a step's docker config", () => {
  test("other registries' auths and helpers stay; the step's own registries are taken out and pinned to the file", async () => {
    const { keptCredentials } = await import('../../src/common/docker.js')
    const user = {
      auths: { 'ghcr.io': { auth: 'job' }, 'registry2:5444': { auth: 'other' } },
      credHelpers: { 'ghcr.io': 'gh', '123.dkr.ecr.us-east-1.amazonaws.com': 'ecr-login' },
      credsStore: 'pass'
    }
    expect(keptCredentials(user, ['ghcr.io'])).toEqual({
      auths: { 'registry2:5444': { auth: 'other' } },
      credHelpers: { '123.dkr.ecr.us-east-1.amazonaws.com': 'ecr-login', 'ghcr.io': '' },
      credsStore: 'pass'
    })
    // Docker Hub's login is kept under its historical key; the step's own login to it takes its place
    expect(
      keptCredentials({ auths: { 'https://index.docker.io/v1/': { auth: 'x' } } }, ['docker.io'])
    ).toEqual({})
    expect(keptCredentials({}, ['ghcr.io'])).toEqual({})
  })
})

describe('listBundles: what a hostile registry lists as referrers', () => {
  const digest = `sha256:${'1'.repeat(64)}`
  const other = `sha256:${'2'.repeat(64)}`
  const layer = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`
  /** A fake registry: referrer manifests by digest, blobs by digest. */
  const fake = (manifests: Record<string, Record<string, unknown>>, blobs: Record<string, string>) =>
    ({
      referrers: async () =>
        Object.keys(manifests).map(d => ({
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: d,
          size: 1,
          artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json'
        })),
      manifest: async (_: string, d: string) => ({ json: manifests[d] }),
      blobBytes: async (_: string, d: string) => Buffer.from(blobs[d])
    }) as unknown as import('../../src/common/registry.js').RegistryClient
  const artifact = (subject: string, l: string, predicateType = 'https://slsa.dev/provenance/v1') => ({
    subject: { digest: subject },
    layers: [{ mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json', digest: l }],
    annotations: { 'dev.sigstore.bundle.predicateType': predicateType }
  })

  test('only manifests about this digest, with a bundle layer that parses, are read', async () => {
    const { listBundles } = await import('../../src/common/attestations.js')
    const client = fake(
      {
        [layer(3)]: artifact(digest, layer(4)),
        [layer(5)]: artifact(other, layer(4)), // listed for this digest, but about another
        [layer(6)]: { subject: { digest }, layers: [] }, // no bundle layer
        [layer(7)]: artifact(digest, layer(8)) // a layer that is not JSON
      },
      { [layer(4)]: '{"mediaType":"x"}', [layer(8)]: 'not json' }
    )
    expect(await listBundles(client, 'o/app', digest)).toEqual([
      { digest: layer(3), predicateType: 'https://slsa.dev/provenance/v1', bundle: { mediaType: 'x' } }
    ])
  })
})
