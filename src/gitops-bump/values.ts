// Surgical edits of a YAML file (Helm values, kustomization.yaml). The `yaml` document API finds each
// target scalar and its exact source range; only those characters are replaced, so comments, blank lines,
// quoting, anchors, aliases, block scalars, key order, line endings (CRLF) and a byte-order mark elsewhere
// stay byte for byte. The result is parsed again and checked: the targets read back as intended and
// nothing else moved.
//
// What is written: the type of the value being replaced is kept (a number stays a number when the new
// value is one and reads back as the same text, a boolean a boolean, anything else a string), unless the
// assignment states a type (`key:int=3`); values of the `tag` input are always strings. A string is
// written plain only when YAML 1.1 (how Helm reads values) and YAML 1.2 both read it back as that string,
// else quoted in the node's own style: `20240101_1200`, `1:20`, `2024-01-01`, `yes`, `0777` get quotes.
import type * as YAML from 'yaml'
import { yaml } from '../common/yaml.js'

import { ValuesError } from './errors.js'

export { ValuesError }

export type ValueType = 'auto' | 'str' | 'int' | 'float' | 'bool'

export interface Assignment {
  /** Dotted path: `image.tag`, `list.0.name`. */
  path: string
  value: string
  type: ValueType
  /** Set only where the file has the key (the defaults that come with `tag`); others must exist. */
  optional?: boolean
}

export interface Change {
  path: string
  before: unknown
  after: string | number | boolean
}

export function splitPath(dotted: string): (string | number)[] {
  return dotted.split('.').map(k => (/^\d+$/.test(k) ? Number(k) : k))
}

/** The text of a file that must be UTF-8: any other encoding is refused (its bytes would not survive). */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    // ignoreBOM: a byte-order mark is kept as text, so that it is written back as it was
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes)
  } catch {
    let at = 0
    // find the first byte that is not part of valid UTF-8, for the message
    for (let lo = 0, hi = bytes.length; lo < hi;) {
      const mid = (lo + hi) >> 1
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, mid))
        lo = mid + 1
        at = mid
      } catch {
        hi = mid
      }
    }
    throw new ValuesError(
      `${file} is not valid UTF-8 (byte 0x${bytes[at]?.toString(16).padStart(2, '0')} at offset ${at}; Windows-1252 or Latin-1?): save it as UTF-8; nothing was changed`
    )
  }
}

function parse(text: string, file: string): YAML.Document.Parsed {
  // yaml's own unique-keys check compares every key of a mapping with every other: 15 s on a 5 MB
  // values file of 20,000 top-level keys. The same rule, kept in linear time, is duplicateKey() below.
  const docs = yaml().parseAllDocuments(text, { uniqueKeys: false })
  if (Array.isArray(docs) && docs.length > 1)
    throw new ValuesError(`${file} holds ${docs.length} YAML documents; expected one`)
  const doc = Array.isArray(docs) ? docs[0] : undefined
  if (!doc) throw new ValuesError(`${file} is empty; expected a mapping`)
  if (doc.errors.length) throw new ValuesError(`${file} is not valid YAML: ${doc.errors[0].message}`)
  if (!yaml().isMap(doc.contents)) throw new ValuesError(`${file} is not a YAML mapping`)
  const dup = duplicateKey(doc.contents)
  if (dup)
    throw new ValuesError(
      `${file} is not valid YAML: Map keys must be unique ('${dup.key}' at line ${lineOf(text, dup.offset)})`
    )
  return doc
}

/** The first key that a mapping of the document holds twice, with where it is written; one pass. */
function duplicateKey(root: YAML.Node): { key: string; offset: number } | undefined {
  const stack: unknown[] = [root]
  while (stack.length) {
    const node = stack.pop()
    if (yaml().isMap(node)) {
      const seen = new Set<string>()
      for (const pair of node.items) {
        const k = pair.key
        // scalar keys, told apart by type as YAML does (1 and "1" are two keys); `<<` merges may repeat
        if (yaml().isScalar(k) && k.value !== '<<') {
          const id = `${typeof k.value}:${String(k.value)}`
          if (seen.has(id)) return { key: String(k.value), offset: k.range?.[0] ?? 0 }
          seen.add(id)
        }
        stack.push(pair.value)
      }
    } else if (yaml().isSeq(node)) for (const item of node.items) stack.push(item)
  }
  return undefined
}

function lineOf(text: string, offset: number): number {
  let n = 1
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) n++
  return n
}

/**
 * The node at a dotted path. A key reached through an alias is refused with the anchor to set instead;
 * a missing key is refused (never created), naming how far the path got.
 */
function nodeAt(
  doc: YAML.Document.Parsed,
  text: string,
  dotted: string,
  file: string
): YAML.Node | undefined {
  const keys = splitPath(dotted)
  let node: unknown = doc.contents
  for (let i = 0; i < keys.length; i++) {
    if (yaml().isAlias(node)) {
      const anchor = node.resolve(doc)
      const at = anchor?.range ? text.lastIndexOf(`&${node.source}`, anchor.range[0]) : -1
      const where = at >= 0 ? ` (line ${lineOf(text, at)})` : ''
      throw new ValuesError(
        `'${dotted}' in ${file} is reached through the alias *${node.source} at '${keys.slice(0, i).join('.')}'; set it where the anchor &${node.source}${where} is defined instead`
      )
    }
    if (!yaml().isMap(node) && !yaml().isSeq(node)) return undefined
    node = (node as YAML.YAMLMap | YAML.YAMLSeq).get(keys[i], true)
    if (node === undefined) return undefined
  }
  return node as YAML.Node
}

function safeParse(text: string, version: '1.1' | '1.2'): unknown {
  try {
    return yaml().parse(text, { version })
  } catch {
    return undefined
  }
}

/** Whether `value` written plain reads back as the same string under YAML 1.1 and 1.2. */
export function plainIsSafe(value: string): boolean {
  if (!value || /^\s|\s$|[\n\r\t]/.test(value)) return false
  return safeParse(value, '1.2') === value && safeParse(value, '1.1') === value
}

/**
 * How a string is written so that YAML (1.1 and 1.2) reads it back as the same string: in the node's own
 * quoting style, plain only when plain text is safe.
 */
export function renderScalar(value: string, style: YAML.Scalar['type']): string {
  if (style === 'QUOTE_SINGLE' && !/[\n\r]/.test(value)) return `'${value.replace(/'/g, "''")}'`
  if ((style === 'PLAIN' || style === undefined) && plainIsSafe(value)) return value
  return JSON.stringify(value)
}

const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?$/

/** The typed value an assignment writes, given what the node holds now. */
function typedValue(a: Assignment, before: unknown): string | number | boolean {
  const v = a.value
  switch (a.type) {
    case 'str':
      return v
    case 'int':
      if (!/^-?(0|[1-9]\d*)$/.test(v))
        throw new ValuesError(`'${a.path}' is typed int but '${v}' is not an integer`)
      return Number(v)
    case 'float':
      if (!NUMBER.test(v)) throw new ValuesError(`'${a.path}' is typed float but '${v}' is not a number`)
      return Number(v)
    case 'bool':
      if (v !== 'true' && v !== 'false')
        throw new ValuesError(`'${a.path}' is typed bool but '${v}' is not true or false`)
      return v === 'true'
    default:
      // keep the type of what is there: a number stays a number only when the text survives as one
      if (typeof before === 'number' && NUMBER.test(v) && String(Number(v)) === v) return Number(v)
      if (typeof before === 'boolean' && (v === 'true' || v === 'false')) return v === 'true'
      return v
  }
}

function render(value: string | number | boolean, style: YAML.Scalar['type']): string {
  return typeof value === 'string' ? renderScalar(value, style) : String(value)
}

/**
 * Applies assignments to the text of a YAML file. Every path must exist and name a scalar (an optional
 * one is skipped where missing); nothing is created. Returns the new text and what changed (assignments
 * that were already so are left out).
 */
export function applyValues(
  text: string,
  assignments: Assignment[],
  file = 'values file'
): { text: string; changes: Change[] } {
  const doc = parse(text, file)
  const edits: { start: number; end: number; replacement: string; node: YAML.Scalar }[] = []
  const changes: Change[] = []
  for (const a of assignments) {
    const node = nodeAt(doc, text, a.path, file)
    if (node === undefined && a.optional) continue
    if (node === undefined)
      throw new ValuesError(`${file} has no key '${a.path}' (missing keys are never created)`)
    if (yaml().isAlias(node))
      throw new ValuesError(
        `'${a.path}' in ${file} is an alias (*${node.source}); set the anchored value &${node.source} instead`
      )
    if (!yaml().isScalar(node) || !node.range)
      throw new ValuesError(
        `'${a.path}' in ${file} is not a single value (found a ${yaml().isMap(node) ? 'mapping' : 'list'})`
      )
    if (node.value !== null && typeof node.value === 'object')
      throw new ValuesError(`'${a.path}' in ${file} is not a single value`)
    const after = typedValue(a, node.value)
    if (node.value === after) continue
    if (edits.some(e => e.start === node.range![0])) throw new ValuesError(`'${a.path}' is set twice`)
    const style = node.type === 'BLOCK_FOLDED' || node.type === 'BLOCK_LITERAL' ? 'QUOTE_DOUBLE' : node.type
    const [start, end] = node.range
    let replacement = render(after, style)
    if (start === end) {
      // an empty value (`tag:` or `tag:  # comment`): a space after the colon, and one before a comment
      if (text[start - 1] === ':') replacement = ' ' + replacement
      if (text[end] !== undefined && !/[\s,\]}]/.test(text[end])) replacement += ' '
    }
    edits.push({ start, end, replacement, node })
    changes.push({ path: a.path, before: node.value, after })
  }
  let out = text
  for (const e of [...edits].sort((x, y) => y.start - x.start))
    out = out.slice(0, e.start) + e.replacement + out.slice(e.end)

  // What was written must read back as intended, and nothing else may have moved.
  if (changes.length) {
    const check = parse(out, file)
    for (const c of changes)
      if (check.getIn(splitPath(c.path)) !== c.after)
        throw new ValuesError(`Internal error: '${c.path}' did not read back as ${JSON.stringify(c.after)}`)
    // The original document with the target nodes set (aliases of them follow) must equal the new one.
    edits.forEach((e, i) => (e.node.value = changes[i].after))
    if (JSON.stringify(check.toJS()) !== JSON.stringify(doc.toJS()))
      throw new ValuesError('Internal error: the edit changed other values')
  }
  return { text: out, changes }
}

export function readValue(text: string, dotted: string, file = 'values file'): unknown {
  const doc = parse(text, file)
  const node = nodeAt(doc, text, dotted, file)
  return yaml().isScalar(node) ? node.value : node === undefined ? undefined : doc.getIn(splitPath(dotted))
}

/** The `name` of a Chart.yaml, if it has one. */
export function chartNameOf(text: string): string | undefined {
  const name = (yaml().parse(text) as { name?: unknown } | null)?.name
  return typeof name === 'string' && name ? name : undefined
}
