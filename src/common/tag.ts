// The grammar of what names an image's version: a content digest (`sha256:<64 hex>`, the only digest pattern
// of the stages), and the run tag, `<version>-<first 7 hex of the commit>-<run number>`
// (v2.0.0-3f1c2d4-17): build-push makes it, gitops-bump reads it for its no-downgrade guard. One format of
// each, built and read here only.

/** A sha256 content digest, as a pattern to embed in others. */
export const DIGEST = 'sha256:[0-9a-f]{64}'
/** A whole string that is a sha256 content digest. */
export const DIGEST_RE = new RegExp(`^${DIGEST}$`)

export const isDigest = (s: string): boolean => DIGEST_RE.test(s)

export interface RunTag {
  version: string
  /** The commit's first 7 hex digits (lower case). */
  sha7: string
  run: number
}

const RUN_TAG = /^(.+)-([0-9a-f]{7,40})-(\d+)$/

export function formatRunTag(t: RunTag): string {
  return `${t.version}-${t.sha7.slice(0, 7).toLowerCase()}-${t.run}`
}

/** The parts of a run tag, or undefined when the tag is not one. */
export function parseRunTag(tag: string): RunTag | undefined {
  // a tag pinned to its digest (gitops-bump pin-digest: tag) is still that tag
  const m = RUN_TAG.exec(tag.replace(new RegExp(`@${DIGEST}$`), ''))
  return m ? { version: m[1], sha7: m[2], run: Number(m[3]) } : undefined
}

/**
 * Whether `next` would roll `previous` back: two run tags of one version compare by run number; tags of
 * other versions, or that are not run tags, are not compared (false).
 */
export function isDowngrade(previous: unknown, next: string): boolean {
  const a = typeof previous === 'string' ? parseRunTag(previous) : undefined
  const b = parseRunTag(next)
  return !!a && !!b && a.version === b.version && a.run > b.run
}
