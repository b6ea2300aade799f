// The step summary of a bump: what changed in each target, the commit or pull request, and the diffs of
// the files and of the rendered manifests.
import { describeProbe } from '../common/probe.js'
import type { OutputValue } from '../common/stage.js'
import * as summary from '../common/summary.js'
import type { AppResult } from './argocd.js'
import { appLabel } from './argocd-settings.js'
import { Outputs } from './constants.js'
import type { Outcome } from './outcome.js'
import type { Settings } from './settings.js'

export type { Outcome }

const text = (v: unknown) => (v === undefined || v === null ? '' : String(v))

/** One value, or `<application>=<value>` lines when there are several applications. */
function perApp(results: AppResult[], value: (r: AppResult) => string): string {
  return results.length === 1
    ? value(results[0])
    : results.map(r => `${appLabel(r.app)}=${value(r)}`).join('\n')
}

export function outputs(o: Outcome): Record<string, OutputValue> {
  const source = o.promotion?.source
  return {
    [Outputs.Changed]: String(o.changed),
    [Outputs.Commit]: o.commit,
    [Outputs.PreviousTag]: o.results[0]?.previous ?? '',
    [Outputs.PullRequest]: o.pullRequest?.url ?? '',
    [Outputs.PullRequestNumber]: o.pullRequest ? String(o.pullRequest.number) : '',
    [Outputs.Result]: JSON.stringify({
      changed: o.changed,
      commit: o.commit,
      attempts: o.attempts,
      pullRequest: o.pullRequest ?? null,
      targets: o.results.map(r => ({
        file: r.target.file,
        kind: r.target.kind,
        previous: r.previous,
        changes: r.changes,
        skipped: r.skipped ?? null
      })),
      promotion: o.promotion ?? null
    }),
    [Outputs.VerifiedDigest]: o.verified?.digest,
    [Outputs.Deployed]: o.deploy ? String(o.deploy.deployed) : undefined,
    [Outputs.ArgocdRevision]: o.deploy ? perApp(o.deploy.results, r => r.revision) : undefined,
    [Outputs.ArgocdHealth]: o.deploy ? perApp(o.deploy.results, r => r.health) : undefined,
    [Outputs.Probe]: o.deploy?.probe ? JSON.stringify(o.deploy.probe) : undefined,
    [Outputs.PromotedTag]: source?.tag,
    [Outputs.PromotedDigest]: source?.digest,
    [Outputs.SourceRevision]: o.promotion ? (o.promotion.state?.revision ?? source!.revision) : undefined
  }
}

export function report(settings: Settings, o: Outcome): void {
  const names = o.names ?? []
  const newTag = settings.tag ?? text(o.results.find(r => r.changes.length)?.changes[0]?.after)
  const name = [...new Set(names)].join(', ') || settings.targets.map(t => t.file).join(', ')
  const previous = o.results[0]?.previous ?? ''
  const allSkipped = o.results.length > 0 && o.results.every(r => r.skipped)
  const title = allSkipped
    ? `⏭️ ${name}: not rolled back to ${newTag} (stays at ${previous})`
    : !o.changed
      ? `✅ ${name} already at ${newTag || previous}; nothing to push`
      : settings.dryRun
        ? `🧪 ${name}: ${previous} → ${newTag} (dry run, not pushed)`
        : `🚀 ${name}: ${previous} → ${newTag}`
  const failed = o.deploy && !o.deploy.deployed
  summary.heading(
    failed
      ? `❌ ${name}: ${previous} → ${newTag} pushed, not deployed${o.deploy!.reverted ? '; reverted' : ''}`
      : title
  )
  if (o.promotion) promotionTable(o)
  summary.table(
    ['Repository', 'Branch', 'Commit', 'Attempts'],
    [[settings.remote.url, settings.branch, o.commit.slice(0, 12), o.attempts]]
  )
  summary.table(
    ['File', 'Kind', 'Before', 'After', 'Changed'],
    o.results.map(r => [
      r.target.file,
      r.target.kind,
      r.previous,
      r.changes.length ? newTag || text(r.changes[0].after) : r.previous,
      r.skipped ? 'not rolled back' : r.changes.map(c => c.path).join(', ') || 'no'
    ])
  )
  if (o.verified)
    summary.paragraph(
      summary.escapeHtml(
        `🔏 Verified ${o.verified.image}@${o.verified.digest}, signed by ${o.verified.signer} (${o.verified.predicates.join(', ')})${settings.verify?.pin !== 'false' ? '; the digest is pinned in the values' : ''}`
      )
    )
  if (o.pullRequest)
    summary.paragraph(
      `Pull request #${o.pullRequest.number} (${o.pullRequest.created ? 'opened' : 'updated'}): <a href="${summary.escapeHtml(o.pullRequest.url)}">${summary.escapeHtml(o.pullRequest.url)}</a>, from branch ${summary.code(settings.prBranch)}`
    )
  if (o.deploy) {
    summary.table(
      ['Argo CD application', 'Health', 'Sync', 'Revision', 'Push to Healthy'],
      o.deploy.results.map(r => [
        appLabel(r.app),
        `${r.problem ? '❌' : '✅'} ${r.health}`,
        r.sync,
        r.revision.slice(0, 12),
        r.seconds === undefined ? '—' : `${r.seconds.toFixed(1)} s`
      ])
    )
    if (o.deploy.probe)
      summary.paragraph(
        `${o.deploy.probe.failed ? '⚠️' : '✅'} ${summary.escapeHtml(describeProbe(o.deploy.probe))}${o.deploy.probe.first.length ? `; first: ${summary.escapeHtml(o.deploy.probe.first.join('; '))}` : ''}`
      )
    for (const r of o.deploy.results.filter(x => x.problem))
      summary.paragraph(`${summary.escapeHtml(appLabel(r.app))}: ${summary.escapeHtml(r.problem!)}`)
    if (o.deploy.reverted)
      summary.paragraph(
        `on-degraded: revert: the bump was reverted in ${summary.code(o.deploy.reverted.slice(0, 12))}`
      )
    if (o.deploy.revertError)
      summary.paragraph(`on-degraded: revert failed: ${summary.escapeHtml(o.deploy.revertError)}`)
  }
  const several = o.results.length > 1
  for (const r of o.results) {
    if (r.valuesDiff)
      summary.details(several ? `${r.target.file}: diff` : 'Values diff', r.valuesDiff, 'diff')
    if (r.manifestDiff)
      summary.details(
        `${several ? `${r.target.file}: ` : ''}Rendered manifests diff (${r.target.kind === 'helm' ? 'helm template' : 'kubectl kustomize'})`,
        r.manifestDiff,
        'diff'
      )
  }
}

/** Source → target: both environments' health, what was promoted and how long the source ran it. */
function promotionTable(o: Outcome): void {
  const { source, state } = o.promotion!
  const target = o.deploy?.results
  summary.table(
    ['Promoted', 'From', 'Source health', 'Soak seen', 'To', 'Target health'],
    [
      [
        `${source.tag}${source.digest ? `@${source.digest.slice(0, 19)}…` : ''}`,
        `${source.file} at ${(state?.revision ?? source.revision).slice(0, 12)}${state ? ` (${appLabel(state.app)})` : ''}`,
        state
          ? `${state.health}, ${state.sync}, ${state.pods} pod(s) on the digest`
          : 'not checked (no promote-from-application)',
        state ? `${state.soakSeconds.toFixed(0)} s` : '—',
        o.results.map(r => r.target.file).join(', '),
        target ? target.map(r => `${appLabel(r.app)}: ${r.health}`).join(', ') : '—'
      ]
    ]
  )
}
