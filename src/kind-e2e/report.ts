// What the step tells: its outputs (the report JSON among them) and the job summary.
import type { OutputValue } from '../common/stage.js'
import { describeKinds, type ProbeResult } from '../common/probe.js'
import * as summary from '../common/summary.js'
import { Outputs } from './constants.js'
import type { SmokeResult } from './smoke.js'

/** upgrade-from: what the rehearsed rollouts lost. */
export interface Rehearsal {
  /** The image of what ran before the candidate. */
  from: string
  upgrade?: ProbeResult
  rollback?: ProbeResult
  rollbackSeconds?: number
}

export interface Outcome {
  result: 'passed' | 'failed'
  cluster: string
  image: string
  /** The reference the workloads run: the loaded local tag, or the image itself when pulled. */
  loaded: string
  namespace: string
  service: string
  /** The candidate's rollout: from its deploy (or upgrade) until ready (and, rehearsed, the old pods gone). */
  rolloutSeconds?: number
  smoke: SmokeResult[]
  portForwardRestarts: string[]
  rehearsal?: Rehearsal
  /** On failure with export-logs: where kind exported the nodes' logs. */
  logsDir?: string
  /** keep-cluster: the kept kind cluster's kubeconfig. */
  kubeconfig?: string
}

export function reportJson(o: Outcome): string {
  return JSON.stringify({
    result: o.result,
    cluster: o.cluster,
    image: o.image,
    loaded: o.loaded,
    namespace: o.namespace,
    service: o.service,
    rolloutSeconds: o.rolloutSeconds ?? null,
    smoke: o.smoke.map(t => ({
      path: t.path,
      expected: t.status,
      got: t.got,
      ok: t.ok,
      attempts: t.attempts
    })),
    portForwardRestarts: o.portForwardRestarts.length,
    rehearsal: o.rehearsal ?? null
  })
}

export function outputs(o: Outcome): Record<string, OutputValue> {
  const r = o.rehearsal
  return {
    [Outputs.ClusterName]: o.cluster,
    [Outputs.Result]: o.result,
    [Outputs.Report]: reportJson(o),
    [Outputs.LogsDir]: o.logsDir,
    [Outputs.Kubeconfig]: o.kubeconfig,
    [Outputs.RolloutSeconds]: o.rolloutSeconds?.toFixed(1),
    [Outputs.Requests]: r?.upgrade?.sent,
    [Outputs.FailedRequests]: r?.upgrade?.failed,
    [Outputs.RollbackRequests]: r?.rollback?.sent,
    [Outputs.RollbackFailedRequests]: r?.rollback?.failed
  }
}

const seconds = (s: number | undefined) => (s === undefined ? '—' : `${s.toFixed(1)}s`)

export function addSummary(o: Outcome): void {
  summary.heading(`${o.result === 'passed' ? '✅' : '❌'} kind e2e ${o.result}: ${o.image}`)
  summary.table(
    ['Cluster', 'Image', 'Namespace', 'Service', 'Rollout'],
    [[o.cluster, o.image, o.namespace, o.service, seconds(o.rolloutSeconds)]]
  )
  if (o.rehearsal) rehearsalTable(o.rehearsal, o.rolloutSeconds)
  if (o.smoke.length)
    summary.table(
      ['Check', 'Expected', 'Got', 'Attempts', 'Result'],
      o.smoke.map(t => [
        `GET ${t.path}`,
        `${t.status}${t.contains ? ` + '${t.contains}'` : ''}`,
        t.got,
        t.attempts,
        t.ok ? '✅' : '❌'
      ])
    )
}

function rehearsalTable(r: Rehearsal, upgradeSeconds?: number): void {
  const row = (what: string, p: ProbeResult | undefined, s: number | undefined) => [
    what,
    seconds(s),
    p ? `${p.sent} (${p.rate}/s)` : '—',
    p ? `${p.failed}${p.failed ? `: ${describeKinds(p)}` : ''}` : '—',
    p ? (p.failed ? p.first.slice(0, 3).join('; ') : '') : ''
  ]
  const rows = [row(`upgrade from ${r.from}`, r.upgrade, upgradeSeconds)]
  if (r.rollback || r.rollbackSeconds !== undefined) rows.push(row('rollback', r.rollback, r.rollbackSeconds))
  summary.table(['Rehearsed', 'Rollout', 'Requests', 'Failed', 'First failures'], rows)
}
