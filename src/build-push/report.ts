// What the step tells: its outputs, and one job summary written at the end whatever happened (a failed
// build says what failed, and for which image).
import * as core from '@actions/core'
import * as summary from '../common/summary.js'
import { imageSize, type Built } from './build.js'
import { Outputs } from './constants.js'
import type { Engine } from './engine.js'
import { imageLabels, type RunContext, type Settings } from './settings.js'
import type { Signed } from './sign.js'

/** The step's outputs, and the metadata JSON with what the mode adds (image id, or the merged manifests). */
export function setOutputs(
  settings: Settings,
  ctx: RunContext,
  digest: string,
  extra: Record<string, unknown>,
  signed: Signed[] = []
): void {
  // a matrix leg pushed no tag: its reference is the digest one
  const leg = settings.mode === 'push-by-digest'
  const refs = leg ? [] : settings.refs
  core.setOutput(Outputs.Tag, leg ? '' : settings.tag)
  core.setOutput(Outputs.Tags, refs.join('\n'))
  core.setOutput(Outputs.Image, leg ? `${settings.image}@${digest}` : settings.refs[0])
  core.setOutput(Outputs.Digest, digest)
  core.setOutput(Outputs.Signatures, signed.length ? JSON.stringify(signed) : '')
  core.setOutput(
    Outputs.Metadata,
    JSON.stringify({
      image: settings.image,
      tags: refs,
      labels: Object.fromEntries(imageLabels(settings, ctx)),
      annotations: settings.annotations,
      digest,
      ...extra
    })
  )
}

/** The summary of a build: what was built and pushed, or what failed. */
export async function summarize(
  settings: Settings,
  engine: Engine | undefined,
  built: Built | undefined,
  error: unknown,
  signed: Signed[] = []
): Promise<void> {
  if (!settings.summary) return
  if (error !== undefined || !built || !engine) {
    const what = settings.mode === 'push-by-digest' ? settings.image : settings.refs[0]
    summary.heading(`❌ ${settings.push ? 'Build and push' : 'Build'} of ${what} failed`)
    summary.paragraph(summary.escapeHtml(error instanceof Error ? error.message : String(error)))
    return summary.writeSummary()
  }
  const size = await (built.size ?? imageSize(engine, engine.viaEngine ? built.imageId : settings.refs[0]))
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
        size,
        engine.builder,
        `${built.buildSeconds.toFixed(1)}s`,
        built.pushSeconds ? `${built.pushSeconds.toFixed(1)}s` : '—'
      ]
    ]
  )
  signedTable(signed)
  await summary.writeSummary()
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
export async function summarizeMerge(
  settings: Settings,
  merged: { digest: string; platforms: string[] },
  signed: Signed[] = []
): Promise<void> {
  if (!settings.summary) return
  const tags = settings.refs.map(r => r.slice(settings.image.length + 1))
  summary.heading(`📦 Merged ${settings.digests.length} images into ${settings.refs[0]}`)
  summary.table(
    ['Image', 'Tags', 'Index digest', 'Platforms'],
    [[settings.image, tags.join(', '), merged.digest, merged.platforms.join(', ')]]
  )
  signedTable(signed)
  await summary.writeSummary()
}
