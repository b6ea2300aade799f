// What the step tells: the report output (JSON) and the job summary.
import * as core from '@actions/core'
import * as summary from '../common/summary.js'
import { Outputs } from './constants.js'
import type { SmokeResult } from './smoke.js'

export interface Outcome {
  result: 'passed' | 'failed'
  cluster: string
  image: string
  /** The reference the workloads run: the loaded local tag, or the image itself when pulled. */
  loaded: string
  namespace: string
  service: string
  rolloutSeconds?: number
  smoke: SmokeResult[]
  portForwardRestarts: string[]
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
    portForwardRestarts: o.portForwardRestarts.length
  })
}

export function setOutputs(o: Outcome): void {
  core.setOutput(Outputs.Result, o.result)
  core.setOutput(Outputs.Report, reportJson(o))
}

export function addSummary(o: Outcome): void {
  summary.heading(`${o.result === 'passed' ? '✅' : '❌'} kind e2e ${o.result}: ${o.image}`)
  summary.table(
    ['Cluster', 'Image', 'Namespace', 'Service', 'Rollout'],
    [
      [
        o.cluster,
        o.image,
        o.namespace,
        o.service,
        o.rolloutSeconds === undefined ? '—' : `${o.rolloutSeconds.toFixed(1)}s`
      ]
    ]
  )
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
