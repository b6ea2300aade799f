// Waiting, within one deadline, for what was deployed: Deployments, StatefulSets and DaemonSets rolled
// out, then Jobs complete; a wait that runs out says why the pods are not ready.
import type { Tool } from '../common/exec.js'
import { jobWaitArgs, rolloutStatusArgs, secondsLeft } from './args.js'

async function names(kubectl: Tool, namespace: string, kinds: string): Promise<string[]> {
  const r = await kubectl(['get', kinds, '--namespace', namespace, '-o', 'name'], { silent: true })
  return r.stdout
    .split('\n')
    .map(l => l.trim())
    .filter(Boolean)
}

export async function waitForRollout(kubectl: Tool, namespace: string, deadline: number): Promise<string[]> {
  const workloads = await names(kubectl, namespace, 'deployments,statefulsets,daemonsets')
  for (const w of workloads) {
    const r = await kubectl(rolloutStatusArgs(w, namespace, secondsLeft(deadline)), {
      ignoreReturnCode: true
    })
    if (r.exitCode !== 0)
      throw new Error(
        `${w} is not ready within the wait-timeout: ${(await whyNotReady(kubectl, namespace)) || r.stderr.trim()}`
      )
  }
  const jobs = await names(kubectl, namespace, 'jobs')
  for (const j of jobs) {
    const r = await kubectl(jobWaitArgs(j, namespace, secondsLeft(deadline)), { ignoreReturnCode: true })
    if (r.exitCode !== 0)
      throw new Error(
        `${j} did not complete within the wait-timeout: ${(await whyNotReady(kubectl, namespace)) || r.stderr.trim()}`
      )
  }
  return [...workloads, ...jobs]
}

interface PodList {
  items: {
    metadata: { name: string }
    status?: {
      containerStatuses?: {
        name: string
        ready: boolean
        restartCount?: number
        state?: Record<string, { reason?: string; message?: string; exitCode?: number }>
        lastState?: { terminated?: { reason?: string; exitCode?: number } }
      }[]
    }
  }[]
}

/** The not-ready containers' states in words, from the pods' JSON (pure). */
export function notReadyReasons(pods: PodList): string[] {
  const reasons: string[] = []
  for (const pod of pods.items)
    for (const c of pod.status?.containerStatuses ?? []) {
      if (c.ready) continue
      // a crash-looping container is running between its back-offs: its last end says why
      const last = c.lastState?.terminated
      const before = last
        ? `; last terminated (${last.reason ?? 'unknown'}, exit code ${last.exitCode ?? '?'}), ${c.restartCount ?? 0} restart(s)`
        : ''
      for (const [state, detail] of Object.entries(c.state ?? {})) {
        // a container that has just ended (its first crash, before the kubelet starts it again) says how
        const code = detail.exitCode === undefined ? '' : `, exit code ${detail.exitCode}`
        const why = detail.reason
          ? ` (${detail.reason}${code}${detail.message ? `: ${detail.message}` : ''})`
          : ''
        reasons.push(`pod ${pod.metadata.name} container ${c.name} ${state}${why}${before}`)
      }
    }
  return reasons
}

/** Waiting and terminated reasons of the containers of pods that are not ready ('' when none can be read). */
export async function whyNotReady(kubectl: Tool, namespace: string): Promise<string> {
  const r = await kubectl(['get', 'pods', '--namespace', namespace, '-o', 'json'], {
    silent: true,
    ignoreReturnCode: true
  })
  if (r.exitCode !== 0) return ''
  try {
    return notReadyReasons(JSON.parse(r.stdout) as PodList).join('; ')
  } catch {
    return ''
  }
}

/** How often the pods are listed while old ones terminate. */
const TERMINATING_POLL_MS = 500

/** The pods still terminating (with a deletion time), from the pods' JSON (pure). */
export function terminatingPods(pods: {
  items: { metadata: { name: string; deletionTimestamp?: string } }[]
}): string[] {
  return pods.items.filter(p => p.metadata.deletionTimestamp).map(p => p.metadata.name)
}

/**
 * Until no pod of the namespace is terminating: a rollout is complete once the old pods are told to stop,
 * but they serve (or refuse) until they have stopped, and requests meeting them then count too.
 */
export async function waitForTerminated(kubectl: Tool, namespace: string, deadline: number): Promise<void> {
  let left: string[] = []
  do {
    const r = await kubectl(['get', 'pods', '--namespace', namespace, '-o', 'json'], { silent: true })
    left = terminatingPods(JSON.parse(r.stdout) as Parameters<typeof terminatingPods>[0])
    if (left.length === 0) return
    await new Promise(resolve => setTimeout(resolve, TERMINATING_POLL_MS))
  } while (Date.now() < deadline)
  throw new Error(`The old pods did not stop within the wait-timeout: ${left.join(', ')} still terminating`)
}
