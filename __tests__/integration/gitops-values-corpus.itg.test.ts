// The committed gitops-bump bundle on every values file of ../shared/corpus/values (public
// charts; CRLF, BOM and Windows-1252 re-encodings), each wrapped in a minimal chart that renders the bumped
// key, pushed over the real SSH git host and validated by real helm. Exactly the line of the bumped scalar
// changes, the data reads back equal apart from it, and helm renders the new value as the same string.
// Skipped where ../shared is absent.
import * as fs from 'node:fs'
import * as path from 'node:path'
import YAML from 'yaml'
import { ROOT, runMain, tempDir } from '../../scripts/lib/runner.mjs'
import { helmPath, hostedRepo, sshInputs, withValuesFile } from './git-host.js'

const CORPUS = path.resolve(ROOT, '../shared/corpus/values')
const present = fs.existsSync(path.join(CORPUS, 'sources.json'))
const sources = present
  ? JSON.parse(fs.readFileSync(path.join(CORPUS, 'sources.json'), 'utf8'))
  : { cases: [] }
const cases: { file: string; key: string; value: string }[] = sources.cases

/** A chart holding the corpus file as its values and one template that renders the key as Helm reads it. */
function chartFor(file: string, key: string): string {
  const dir = tempDir('corpus-chart')
  fs.writeFileSync(path.join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: corpus\nversion: 0.1.0\n')
  fs.copyFileSync(path.join(CORPUS, file), path.join(dir, 'values.yaml'))
  fs.mkdirSync(path.join(dir, 'templates'))
  const index = key
    .split('.')
    .map(k => JSON.stringify(k))
    .join(' ')
  fs.writeFileSync(
    path.join(dir, 'templates', 'bumped.yaml'),
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bumped\ndata:\n  value: {{ index .Values ${index} | toString | quote }}\n`
  )
  return dir
}

function dataOf(text: string): unknown {
  return YAML.parse(text.replace(/^\uFEFF/, ''))
}

function setIn(data: Record<string, unknown>, key: string, value: unknown): void {
  const keys = key.split('.')
  let node = data
  for (const k of keys.slice(0, -1)) node = node[k] as Record<string, unknown>
  node[keys[keys.length - 1]] = value
}

const d = present ? describe : describe.skip
const opts = () => ({ env: { PATH: helmPath() } })

d('gitops-bump on the values corpus (real charts, SSH host, helm)', () => {
  test.each(cases.map(c => [c.file, c] as const))('%s', async (file, c) => {
    const repo = hostedRepo({ chart: chartFor(file, c.key) })
    const before = fs.readFileSync(path.join(CORPUS, file))
    const head = repo.head()
    const r = await runMain(
      'gitops-bump',
      withValuesFile({
        repository: repo.url,
        'values-file': 'chart/values.yaml',
        set: `${c.key}=${c.value}`,
        ...sshInputs()
      }),
      opts()
    )
    if (file.includes('cp1252')) {
      // a file that is not UTF-8 is refused: its bytes would not survive
      expect(r.exitCode).toBe(1)
      expect(r.commands.find(x => x.command === 'error')?.message).toMatch(
        /chart\/values\.yaml is not valid UTF-8 \(byte 0x85 at offset \d+/
      )
      expect(repo.head()).toBe(head)
      return
    }
    expect(r.commands.filter(x => x.command === 'error')).toEqual([])
    expect(r.exitCode).toBe(0)
    const after = repo.showBytes('chart/values.yaml')
    // only the bumped line changed, byte for byte elsewhere (CRLF, BOM, no final newline included)
    const a = before.toString('latin1').split('\n')
    const b = after.toString('latin1').split('\n')
    expect(b.length).toBe(a.length)
    expect(a.map((l, i) => (l === b[i] ? -1 : i)).filter(i => i >= 0)).toHaveLength(1)
    // the data is the same apart from the key
    const expected = dataOf(before.toString('utf8')) as Record<string, unknown>
    setIn(expected, c.key, c.value)
    expect(dataOf(after.toString('utf8'))).toEqual(expected)
    // helm renders the new value as the same string
    expect(r.summary).toContain(`+  value: ${JSON.stringify(c.value)}`)
  })

  test('only the tag input, on a real chart: image.tag is bumped, env.appVersion is not needed', async () => {
    const { file, tag } = sources.default_inputs
    const repo = hostedRepo({ chart: chartFor(file, 'image.tag') })
    const r = await runMain(
      'gitops-bump',
      withValuesFile({ repository: repo.url, 'values-file': 'chart/values.yaml', tag, ...sshInputs() }),
      opts()
    )
    expect(r.exitCode).toBe(0)
    expect(YAML.parse(repo.show('chart/values.yaml')).image.tag).toBe(tag)
  })

  test('a key the user names that exists only as a comment is an error, and nothing is pushed', async () => {
    const { file, key, value } = sources.missing_key
    const repo = hostedRepo({ chart: chartFor(file, 'image.repository') })
    const head = repo.head()
    const r = await runMain(
      'gitops-bump',
      withValuesFile({
        repository: repo.url,
        'values-file': 'chart/values.yaml',
        set: `${key}=${value}`,
        ...sshInputs()
      }),
      opts()
    )
    expect(r.exitCode).toBe(1)
    expect(r.commands.find(x => x.command === 'error')?.message).toMatch(
      /chart\/values\.yaml has no key 'image\.tag' \(missing keys are never created\)/
    )
    expect(repo.head()).toBe(head)
  })
})
