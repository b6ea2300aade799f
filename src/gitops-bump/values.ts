// Surgical edits of a YAML values file. The `yaml` document API finds each target scalar and its exact
// source range; only those characters are replaced, so comments, blank lines, quoting, anchors, aliases,
// block scalars and key order elsewhere stay byte for byte. The result is parsed again and checked.
import * as YAML from 'yaml'

import { ValuesError } from './errors.js'

export { ValuesError }

export interface Change {
  path: string
  before: unknown
  after: string
}

export function splitPath(dotted: string): (string | number)[] {
  return dotted.split('.').map(k => (/^\d+$/.test(k) ? Number(k) : k))
}

function parse(text: string, file: string): YAML.Document.Parsed {
  const docs = YAML.parseAllDocuments(text)
  if (Array.isArray(docs) && docs.length > 1)
    throw new ValuesError(`${file} holds ${docs.length} YAML documents; expected one`)
  const doc = Array.isArray(docs) ? docs[0] : undefined
  if (!doc) throw new ValuesError(`${file} is empty; expected a mapping`)
  if (doc.errors.length) throw new ValuesError(`${file} is not valid YAML: ${doc.errors[0].message}`)
  if (!YAML.isMap(doc.contents)) throw new ValuesError(`${file} is not a YAML mapping`)
  return doc
}

/**
 * How a string is written so that YAML reads it back as the same string: in the node's own quoting
 * style, plain only when plain text reads back as that string (so `1.10` or `true` get quotes).
 */
export function renderScalar(value: string, style: YAML.Scalar['type']): string {
  if (style === 'QUOTE_SINGLE' && !/[\n\r]/.test(value)) return `'${value.replace(/'/g, "''")}'`
  if (style === 'PLAIN' && safeParse(value) === value && !/^\s|\s$|[\n\r]/.test(value)) return value
  return JSON.stringify(value)
}

function safeParse(text: string): unknown {
  try {
    return YAML.parse(text)
  } catch {
    return undefined
  }
}

/**
 * Applies `dotted.path=value` settings to the text of a values file. Every path must exist and name a
 * scalar; nothing is created. Returns the new text and what changed (settings that were already so are
 * left out).
 */
export function applyValues(
  text: string,
  settings: [string, string][],
  file = 'values file',
  optional: readonly string[] = []
): { text: string; changes: Change[] } {
  const doc = parse(text, file)
  const edits: { start: number; end: number; replacement: string; node: YAML.Scalar }[] = []
  const changes: Change[] = []
  for (const [dotted, value] of settings) {
    const path = splitPath(dotted)
    const node = doc.getIn(path, true)
    if (node === undefined && optional.includes(dotted)) continue
    if (node === undefined)
      throw new ValuesError(`${file} has no key '${dotted}' (missing keys are never created)`)
    if (YAML.isAlias(node))
      throw new ValuesError(
        `'${dotted}' in ${file} is an alias (*${node.source}); set the anchored value instead`
      )
    if (!YAML.isScalar(node) || !node.range)
      throw new ValuesError(
        `'${dotted}' in ${file} is not a single value (found a ${YAML.isMap(node) ? 'mapping' : 'list'})`
      )
    if (node.value !== null && typeof node.value === 'object')
      throw new ValuesError(`'${dotted}' in ${file} is not a single value`)
    if (node.value === value) continue
    if (edits.some(e => e.start === node.range![0])) throw new ValuesError(`'${dotted}' is set twice`)
    const style = node.type === 'BLOCK_FOLDED' || node.type === 'BLOCK_LITERAL' ? 'QUOTE_DOUBLE' : node.type
    edits.push({
      start: node.range[0],
      end: node.range[1],
      replacement: renderScalar(value, style),
      node
    })
    changes.push({ path: dotted, before: node.value, after: value })
  }
  let out = text
  for (const e of [...edits].sort((x, y) => y.start - x.start))
    out = out.slice(0, e.start) + e.replacement + out.slice(e.end)

  // What was written must read back as intended, and nothing else may have moved.
  if (changes.length) {
    const check = parse(out, file)
    for (const c of changes)
      if (check.getIn(splitPath(c.path)) !== c.after)
        throw new ValuesError(`Internal error: '${c.path}' did not read back as '${c.after}'`)
    // The original document with the target nodes set (aliases of them follow) must equal the new one.
    edits.forEach((e, i) => (e.node.value = check.getIn(splitPath(changes[i].path))))
    if (JSON.stringify(check.toJS()) !== JSON.stringify(doc.toJS()))
      throw new ValuesError('Internal error: the edit changed other values')
  }
  return { text: out, changes }
}

export function readValue(text: string, dotted: string, file = 'values file'): unknown {
  const v = parse(text, file).getIn(splitPath(dotted))
  return v
}

/** The `name` of a Chart.yaml, if it has one. */
export function chartNameOf(text: string): string | undefined {
  const name = (YAML.parse(text) as { name?: unknown } | null)?.name
  return typeof name === 'string' && name ? name : undefined
}
