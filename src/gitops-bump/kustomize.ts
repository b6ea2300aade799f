// A kustomization.yaml as a target: the `images:` entry whose `name` is the image (as `kustomize edit set
// image` would change it): `newTag`, and `newName` and `digest` when given. Existing fields are replaced
// surgically (values.ts); a field the entry lacks is added as a line of its own, indented like its
// siblings (block style only). Validated with `kubectl kustomize` of the folder.
import type * as YAML from 'yaml'
import { yaml } from '../common/yaml.js'
import { tool } from '../common/exec.js'
import { ValidationError } from './helm.js'
import type { Edit, Target } from './target.js'
import { applyValues, ValuesError, type Assignment } from './values.js'

export interface ImageUpdate {
  /** The `name` of the images entry (the image as the manifests name it). */
  name: string
  tag?: string
  newName?: string
  digest?: string
}

/** Lines to add to an images entry: fields it does not have yet. */
function addFields(text: string, entry: YAML.YAMLMap, fields: [string, string][]): string {
  if (entry.flow)
    throw new ValuesError('the images entry is a flow mapping ({...}); write it in block style to add fields')
  const first = entry.items[0]
  const last = entry.items[entry.items.length - 1]
  const keyStart = (first.key as YAML.Node).range![0]
  const lineStart = text.lastIndexOf('\n', keyStart - 1) + 1
  // the column of the entry's keys (after `- ` on the first line)
  const indent = ' '.repeat(keyStart - lineStart)
  const valueEnd = ((last.value as YAML.Node | null)?.range ?? (last.key as YAML.Node).range!)[1]
  let eol = text.indexOf('\n', valueEnd)
  if (eol === -1) eol = text.length
  const nl = text[eol - 1] === '\r' ? '\r\n' : '\n'
  const lineEnd = text[eol - 1] === '\r' ? eol - 1 : eol
  const added = fields.map(([k, v]) => `${nl}${indent}${k}: ${JSON.stringify(v)}`).join('')
  return text.slice(0, lineEnd) + added + text.slice(lineEnd)
}

/** The edit of a kustomization's text for one image. */
export function editKustomization(text: string, update: ImageUpdate, file: string): Edit {
  const doc = yaml().parseDocument(text)
  if (doc.errors.length) throw new ValuesError(`${file} is not valid YAML: ${doc.errors[0].message}`)
  const images = doc.get('images', true)
  if (!yaml().isSeq(images))
    throw new ValuesError(`${file} has no images: list (kustomize's images transformer)`)
  const index = images.items.findIndex(i => yaml().isMap(i) && i.get('name') === update.name)
  if (index < 0) {
    const names = images.items.map(i => (yaml().isMap(i) ? String(i.get('name')) : '?'))
    throw new ValuesError(`${file} has no images entry named '${update.name}' (it has: ${names.join(', ')})`)
  }
  const entry = images.items[index] as YAML.YAMLMap
  if (entry.has('digest') && update.tag && !update.digest)
    throw new ValuesError(
      `the images entry '${update.name}' in ${file} pins a digest, which kustomize uses over newTag: give the digest input too`
    )
  const wanted: [string, string | undefined][] = [
    ['newTag', update.tag],
    ['newName', update.newName],
    ['digest', update.digest]
  ]
  const present: Assignment[] = []
  const missing: [string, string][] = []
  for (const [key, value] of wanted) {
    if (value === undefined) continue
    if (entry.has(key)) present.push({ path: `images.${index}.${key}`, value, type: 'str' })
    else missing.push([key, value])
  }
  const previous = entry.get('newTag')
  const applied = applyValues(text, present, file)
  let out = applied.text
  const changes = [...applied.changes]
  if (missing.length) {
    const again = yaml().parseDocument(out)
    out = addFields(out, (again.get('images', true) as YAML.YAMLSeq).items[index] as YAML.YAMLMap, missing)
    for (const [key, value] of missing)
      changes.push({ path: `images[${update.name}].${key}`, before: undefined, after: value })
    const check = yaml().parse(out) as { images: Record<string, unknown>[] }
    for (const [key, value] of missing)
      if (check.images[index][key] !== value)
        throw new ValuesError(`Internal error: ${key} did not read back as '${value}' in ${file}`)
  }
  return {
    text: out,
    changes: changes.map(c => ({
      ...c,
      path: c.path.replace(`images.${index}.`, `images[${update.name}].`)
    })),
    previous,
    tag: update.tag
  }
}

export class KustomizeTarget implements Target {
  readonly kind = 'kustomize' as const

  constructor(
    readonly file: string,
    readonly dir: string,
    private readonly update: ImageUpdate,
    private readonly kubectl: string | undefined
  ) {}

  edit(text: string): Edit {
    return editKustomization(text, this.update, this.file)
  }

  private async build(repoDir: string): Promise<string> {
    if (!this.kubectl) return ''
    const r = await tool(this.kubectl)(['kustomize', '--', this.dir], {
      cwd: repoDir,
      silent: true,
      ignoreReturnCode: true
    })
    if (r.exitCode !== 0) throw new ValidationError('kubectl kustomize', (r.stderr || r.stdout).trim())
    return r.stdout
  }

  /** kustomize reads the folder, so the render before the edit happens before the new text is written. */
  async renderBefore(repoDir: string): Promise<string> {
    return this.build(repoDir).catch(() => '')
  }

  validate(repoDir: string): Promise<string> {
    return this.build(repoDir)
  }
}
