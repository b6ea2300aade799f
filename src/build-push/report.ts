// The job summary, written at the end whatever happened (a failed build says what failed, and for which
// image).
import * as summary from '../common/summary.js'
import type { Outcome } from './outcome.js'
import type { Settings } from './settings.js'
import type { Signed } from './sign.js'

/** The summary of a build or a merge: what was built and pushed, or what failed. */
export function summarize(settings: Settings, o: Outcome, error: unknown): void {
  if (error !== undefined) {
    const what = settings.mode === 'push-by-digest' ? settings.image : settings.refs[0]
    summary.heading(
      `❌ ${settings.mode === 'merge' ? 'Merge' : settings.push ? 'Build and push' : 'Build'} of ${what} failed`
    )
    summary.paragraph(summary.escapeHtml(error instanceof Error ? error.message : String(error)))
    return
  }
  if (o.merged) return summarizeMerge(settings, o.merged, o.signed)
  if (!o.built || !o.engine) return
  const { built, engine } = o
  const leg = settings.mode === 'push-by-digest'
  summary.heading(
    leg
      ? `📦 Built and pushed ${settings.image}@${built.digest} by digest (a matrix leg: no tag)`
      : `📦 ${settings.push ? 'Built and pushed' : 'Built'} ${settings.refs[0]}`
  )
  const tags = leg
    ? '(none: by digest)'
    : settings.refs
        .filter(r => r.startsWith(`${settings.image}:`))
        .map(r => r.slice(settings.image.length + 1))
        .join(', ')
  summary.table(
    [
      'Image',
      'Tags',
      'Digest',
      'Size',
      'Builder',
      engine.builder === 'buildx' ? 'Build + push' : 'Build',
      'Push'
    ],
    [
      [
        [settings.image, ...settings.images].join(', '),
        tags,
        built.digest || '(not pushed)',
        o.size ?? '',
        engine.builder,
        `${built.buildSeconds.toFixed(1)}s`,
        built.pushSeconds ? `${built.pushSeconds.toFixed(1)}s` : '—'
      ]
    ]
  )
  signedTable(o.signed)
}

/** What was signed and attested, per digest: the artifacts in the registry by predicate type. */
function signedTable(signed: Signed[]): void {
  if (!signed.length) return
  summary.heading('🔏 Signed and attested', 4)
  summary.table(
    ['Image', 'Digest', 'Attached (predicate type: artifact digest)'],
    signed.map(s => [
      s.image,
      s.digest,
      s.attached.map(a => `${a.predicateType}: ${a.artifact.slice(0, 19)}…`).join('; ')
    ])
  )
}

/** The summary of a merge of matrix legs. */
function summarizeMerge(
  settings: Settings,
  merged: { digest: string; platforms: string[] },
  signed: Signed[]
): void {
  const tags = settings.refs.map(r => r.slice(settings.image.length + 1))
  summary.heading(`📦 Merged ${settings.digests.length} images into ${settings.refs[0]}`)
  summary.table(
    ['Image', 'Tags', 'Index digest', 'Platforms'],
    [[settings.image, tags.join(', '), merged.digest, merged.platforms.join(', ')]]
  )
  signedTable(signed)
}
