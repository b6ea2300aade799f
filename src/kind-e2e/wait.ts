// Waiting, within one deadline, for what was deployed: Deployments, StatefulSets and DaemonSets rolled
// out, then Jobs complete; a wait that runs out says why the pods are not ready. While it waits, the pods
// are read for an image that cannot be pulled whatever the kubelet retries (a name it cannot parse, a
// pull policy of Never with the image absent, a registry that answers not found or refuses the
// credentials, again after a retry): the wait then ends at once with the kubelet's words, where kubectl
// rollout status, helm --wait and chart-testing would run out the whole wait-timeout.
import type { RunResult, Tool } from '../common/exec.js'
import { jobWaitArgs, rolloutStatusArgs, secondsLeft } from './args.js'

async function names(kubectl: Tool, namespace: string, kinds: string): Promise<string[]> {
  const r = await kubectl(['get', kinds, '--namespace', namespace, '-o', 'name'], { silent: true })
  return r.stdout
    .split('\n')
    .map(l => l.trim())
    .filter(Boolean)
}

export async function waitForRollout(kubectl: Tool, namespace: string, deadline: number): Promise<string[]> {
  const started = Date.now()
  const workloads = await names(kubectl, namespace, 'deployments,statefulsets,daemonsets')
  for (const w of workloads) {
    const r = await watching(kubectl, namespace, rolloutStatusArgs(w, namespace, secondsLeft(deadline)))
    if (typeof r === 'string')
      throw new Error(`${w} cannot become ready: ${r}${stoppedAfter(started, deadline)}`)
    if (r.exitCode !== 0)
      throw new Error(
        `${w} is not ready within the wait-timeout: ${(await whyNotReady(kubectl, namespace)) || r.stderr.trim()}`
      )
  }
  const jobs = await names(kubectl, namespace, 'jobs')
  for (const j of jobs) {
    const r = await watching(kubectl, namespace, jobWaitArgs(j, namespace, secondsLeft(deadline)))
    if (typeof r === 'string') throw new Error(`${j} cannot complete: ${r}${stoppedAfter(started, deadline)}`)
    if (r.exitCode !== 0)
      throw new Error(
        `${j} did not complete within the wait-timeout: ${(await whyNotReady(kubectl, namespace)) || r.stderr.trim()}`
      )
  }
  return [...workloads, ...jobs]
}

const stoppedAfter = (started: number, deadline: number): string =>
  `. Retrying will not change that, so the wait stopped after ${Math.round((Date.now() - started) / 1000)} s ` +
  `of the ${Math.round((deadline - started) / 1000)} s wait-timeout`

/** How often the pods are read for an image that cannot be pulled, while kubectl waits. */
const PULL_CHECK_MS = 3000

/**
 * kubectl's wait (`args`), with the pods read every PULL_CHECK_MS meanwhile: kubectl's result, or why an
 * image cannot be pulled (kubectl is then ended).
 */
async function watching(kubectl: Tool, namespace: string, args: string[]): Promise<RunResult | string> {
  const pulls = new PullWatch()
  // ends kubectl's wait once an image is known never to come
  const stopWaiting = new AbortController()
  // ends the watch (a look at the pods under way too) once kubectl's wait is over
  const stopWatching = new AbortController()
  const waited = kubectl(args, { ignoreReturnCode: true, signal: stopWaiting.signal })
  const watched = (async (): Promise<string | undefined> => {
    while (!stopWatching.signal.aborted) {
      await new Promise<void>(resolve => {
        const timer = setTimeout(resolve, PULL_CHECK_MS)
        stopWatching.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true })
      })
      if (stopWatching.signal.aborted) return undefined
      const pods = await readPods(kubectl, namespace, PULL_CHECK_MS / 1000, stopWatching.signal)
      const why = pods && pulls.check(pods, Date.now())
      if (why) {
        stopWaiting.abort()
        return why
      }
    }
    return undefined
  })()
  const result = await waited
  stopWatching.abort()
  const why = await watched
  return stopWaiting.signal.aborted && why ? why : result
}

export interface PodList {
  items: {
    metadata: { name: string; deletionTimestamp?: string }
    status?: {
      initContainerStatuses?: ContainerStatus[]
      containerStatuses?: ContainerStatus[]
    }
  }[]
}

interface ContainerStatus {
  name: string
  ready: boolean
  restartCount?: number
  state?: Record<string, { reason?: string; message?: string; exitCode?: number }>
  lastState?: { terminated?: { reason?: string; exitCode?: number } }
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

/** The namespace's pods, or undefined when they cannot be read (within `seconds`, when given). */
async function readPods(
  kubectl: Tool,
  namespace: string,
  seconds?: number,
  signal?: AbortSignal
): Promise<PodList | undefined> {
  const timeout = seconds ? [`--request-timeout=${seconds}s`] : []
  const r = await kubectl(['get', 'pods', '--namespace', namespace, '-o', 'json', ...timeout], {
    silent: true,
    ignoreReturnCode: true,
    signal
  })
  if (r.exitCode !== 0) return undefined
  try {
    return JSON.parse(r.stdout) as PodList
  } catch {
    return undefined
  }
}

/** Waiting and terminated reasons of the containers of pods that are not ready ('' when none can be read). */
export async function whyNotReady(kubectl: Tool, namespace: string): Promise<string> {
  const pods = await readPods(kubectl, namespace)
  return pods ? notReadyReasons(pods).join('; ') : ''
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

/** Waiting reasons that no retry changes: the image name does not parse; pull policy Never, image absent. */
const NEVER_PULLED = new Set(['InvalidImageName', 'ErrImageNeverPull'])
/** Waiting reasons of a pull that failed; final only if the registry refused it, and again after a retry. */
const PULL_FAILED = new Set(['ErrImagePull', 'ImagePullBackOff'])
/** The registry's answers that a retry does not change (not its network or TLS failing: those can pass). */
const REFUSED =
  /\bnot found\b|manifest unknown|\b40[134]\b|unauthori[sz]ed|authorization failed|access denied|\bdenied:/i
/** The kubelet retries a failed pull after 10 s (its first back-off): a refusal this old has been retried. */
const PULL_RETRIED_MS = 10_000

/**
 * Which containers wait for an image they will never get (pure, given the pods and the time): a reason in
 * NEVER_PULLED at once; a pull the registry refused once the pull has kept failing for PULL_RETRIED_MS
 * (the back-off's own message may not repeat the registry's words, so the refusal's are kept).
 */
export class PullWatch {
  private readonly refused = new Map<string, { since: number; words: string }>()

  /** Why the wait cannot end well, in the kubelet's words, or undefined. */
  check(pods: PodList, now: number): string | undefined {
    const final: string[] = []
    const failing = new Set<string>()
    for (const pod of pods.items) {
      if (pod.metadata.deletionTimestamp) continue
      const statuses = [
        ...(pod.status?.initContainerStatuses ?? []),
        ...(pod.status?.containerStatuses ?? [])
      ]
      for (const c of statuses) {
        const waiting = c.state?.waiting
        if (!waiting?.reason) continue
        const words = `pod ${pod.metadata.name} container ${c.name} waiting (${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''})`
        if (NEVER_PULLED.has(waiting.reason)) final.push(words)
        if (!PULL_FAILED.has(waiting.reason)) continue
        const key = `${pod.metadata.name}/${c.name}`
        failing.add(key)
        const before = this.refused.get(key)
        if (REFUSED.test(waiting.message ?? '')) this.refused.set(key, { since: before?.since ?? now, words })
        const refusal = this.refused.get(key)
        if (refusal && now - refusal.since >= PULL_RETRIED_MS) final.push(refusal.words)
      }
    }
    // a container whose pull no longer fails (pulled after all, or gone) starts again from nothing
    for (const key of [...this.refused.keys()]) if (!failing.has(key)) this.refused.delete(key)
    return final.length ? final.join('; ') : undefined
  }
}
