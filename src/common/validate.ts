// Validation of the strings that end up as arguments of docker, git and helm. Each check throws an
// InputError naming the input, so a bad value stops the stage before it changes anything.
import { isDigest } from './tag.js'
import * as path from 'node:path'
import { InputError } from './inputs.js'

// OCI distribution reference grammar (docker/distribution reference package).
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*'
const DOMAIN_PART = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])'
const DOMAIN = `(?:${DOMAIN_PART}(?:\\.${DOMAIN_PART})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?`
const TAG = '[\\w][\\w.-]{0,127}'
const REPOSITORY_RE = new RegExp(`^(?:(${DOMAIN})/)?(${COMPONENT}(?:/${COMPONENT})*)$`)
const TAG_RE = new RegExp(`^${TAG}$`)

export interface ImageRef {
  /** Registry host (with port), or '' for Docker Hub. */
  registry: string
  /** Repository with the registry: `ghcr.io/owner/app`. */
  repository: string
  tag?: string
  digest?: string
}

/**
 * Parses `[registry/]path[:tag][@digest]`. The registry is only recognised as such when it contains a dot
 * or a colon or is `localhost`, as docker does.
 */
export function parseImage(input: string, value: string, opts: { requireTag?: boolean } = {}): ImageRef {
  let rest = value
  let digest: string | undefined
  const at = rest.indexOf('@')
  if (at >= 0) {
    digest = rest.slice(at + 1)
    rest = rest.slice(0, at)
    if (!isDigest(digest))
      throw new InputError(input, `has an invalid digest '${digest}' (expected sha256:<64 hex>)`)
  }
  let tag: string | undefined
  const colon = rest.lastIndexOf(':')
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1)
    rest = rest.slice(0, colon)
    checkTag(input, tag)
  }
  const m = REPOSITORY_RE.exec(rest)
  if (!m)
    throw new InputError(
      input,
      `must be an image reference such as ghcr.io/owner/app[:tag] (lower-case path), got '${value}'`
    )
  const first = rest.split('/')[0]
  const hasRegistry =
    rest.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')
  if (m[1] && !hasRegistry && /[A-Z]/.test(first))
    throw new InputError(input, `must be lower-case, got '${value}'`)
  if (opts.requireTag && !tag && !digest)
    throw new InputError(input, `must include a tag (image:tag), got '${value}'`)
  return { registry: hasRegistry ? first : '', repository: rest, tag, digest }
}

export function checkTag(input: string, tag: string): string {
  if (!TAG_RE.test(tag))
    throw new InputError(
      input,
      `must be a valid image tag (letters, digits, '_', '.', '-'; not starting with '.' or '-'; at most 128), got '${tag}'`
    )
  return tag
}

/** The rules of `git check-ref-format` for a branch name. */
export function checkGitRef(input: string, ref: string): string {
  const bad =
    !ref ||
    ref.startsWith('-') ||
    ref.startsWith('/') ||
    ref.endsWith('/') ||
    ref.endsWith('.') ||
    ref.endsWith('.lock') ||
    ref.includes('..') ||
    ref.includes('//') ||
    ref.includes('@{') ||
    ref === '@' ||
    ref.split('/').some(c => c.startsWith('.') || c.endsWith('.lock')) ||
    // eslint-disable-next-line no-control-regex
    /[\x00-\x20\x7f~^:?*[\\]/.test(ref)
  if (bad) throw new InputError(input, `must be a valid git branch name, got '${ref}'`)
  return ref
}

/** A relative path that stays inside its root after normalisation; returns it normalised with '/'. */
export function checkRelativePath(input: string, p: string): string {
  const norm = path.posix.normalize(p.replace(/\\/g, '/'))
  // eslint-disable-next-line no-control-regex
  if (!p || path.posix.isAbsolute(norm) || norm === '..' || norm.startsWith('../') || /[\x00-\x1f]/.test(p))
    throw new InputError(input, `must be a path inside the repository, got '${p}'`)
  if (norm.startsWith('-'))
    throw new InputError(input, `must not start with '-' (a tool would read it as an option), got '${p}'`)
  return norm.replace(/\/$/, '')
}
