// A second opinion on a Degraded Deployment, from the live object itself. Argo CD computes health from
// its cluster cache; on a busy cluster the cache can still hold the Deployment as the previous release
// left it ("exceeded its progress deadline") well after the sync of the next one. Argo CD's resource API
// (GET /api/v1/applications/{name}/resource, 'applications, get') reads the object from the cluster, so
// the Deployment controller's own words decide: a progress deadline exceeded before the sync finished,
// or a spec the controller has not seen yet, is not the new release's verdict.

/** The fields of a live Deployment that say whose progress deadline was exceeded. */
export interface LiveDeployment {
  metadata?: { generation?: number }
  status?: {
    observedGeneration?: number
    conditions?: { type?: string; reason?: string; lastUpdateTime?: string }[]
  }
}

/**
 * Whether a Deployment that Argo CD calls Degraded is, by its live object, still the previous release's
 * verdict: the controller has not observed the synced spec yet, its Progressing condition is no longer
 * past the deadline, or the deadline was exceeded before the sync finished (kubernetes keeps that
 * condition until the rollout makes progress). Without a live object: false, Argo CD is believed.
 */
export function previousReleasesVerdict(live: LiveDeployment | undefined, syncFinishedAt?: string): boolean {
  if (!live?.status) return false
  if ((live.metadata?.generation ?? 0) > (live.status.observedGeneration ?? 0)) return true
  const progressing = live.status.conditions?.find(c => c.type === 'Progressing')
  if (progressing?.reason !== 'ProgressDeadlineExceeded') return true
  const exceeded = Date.parse(progressing.lastUpdateTime ?? '')
  const finished = Date.parse(syncFinishedAt ?? '')
  return !Number.isNaN(exceeded) && !Number.isNaN(finished) && exceeded < finished
}
