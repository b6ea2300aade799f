// promote-from: what another environment runs, promoted. The source environment's values file (in the same
// GitOps repository) names the tag and digest; with promote-from-application its Argo CD application must
// prove them first — Synced at a commit whose source values hold them, Healthy, every pod of its workloads
// running exactly that digest (read from the live objects through Argo CD, not from Git), for at least
// promote-after. Anything else refuses with the reason, and nothing is pushed.
import * as inputs from '../common/inputs.js'
import { InputError } from '../common/inputs.js'
import { DIGEST_RE } from '../common/tag.js'
import { checkRelativePath, parseImage } from '../common/validate.js'
import { loadYaml } from '../common/yaml.js'
import { appLabel, parseApp, type ArgoApp } from './argocd-settings.js'
import { unhealthy, type ArgoClient, type TreeNode } from './argocd.js'
import { Inputs } from './constants.js'

export interface PromoteSettings {
  /** The source environment's values file, relative to the repository. */
  from: string
  /** The source environment's Argo CD application: its state gates the promotion. */
  application?: ArgoApp
  /** How long the source must have run the digest (promote-after). */
  afterMs: number
}

/** What the source environment's values hold, and the commit they were read at. */
export interface Source {
  file: string
  tag: string
  digest: string
  /** The image's repository as the values name it (registry included). */
  repository: string
  revision: string
}

/** What the source application showed when the promotion was allowed. */
export interface SourceState {
  app: ArgoApp
  health: string
  sync: string
  revision: string
  pods: number
  /** Seconds since the last of its pods became Ready on the digest. */
  soakSeconds: number
}

/** A promotion the gate refused: the step fails, nothing pushed. */
export class PromotionRefused extends Error {
  constructor(reason: string) {
    super(`Promotion refused, nothing was pushed: ${reason}`)
  }
}

export function parsePromoteSettings(): PromoteSettings | undefined {
  const from = inputs.str(Inputs.PromoteFrom)
  const app = inputs.str(Inputs.PromoteFromApplication)
  const after = inputs.str(Inputs.PromoteAfter)
  const afterMs = inputs.duration(Inputs.PromoteAfter, '0s')
  if (!from) {
    const stray = app ? Inputs.PromoteFromApplication : afterMs ? Inputs.PromoteAfter : undefined
    if (stray)
      throw new InputError(stray, "applies only with promote-from (the source environment's values file)")
    return undefined
  }
  for (const given of [Inputs.Tag, Inputs.Digest])
    if (inputs.str(given))
      throw new InputError(given, 'comes from promote-from (the source values) and cannot be given with it')
  if (app && !inputs.str(Inputs.ArgocdServer))
    throw new InputError(
      Inputs.PromoteFromApplication,
      'needs argocd-server and argocd-token (the Argo CD that runs it)'
    )
  if (afterMs > 30 * 24 * 3_600_000)
    throw new InputError(Inputs.PromoteAfter, `must be at most 30 days, got '${after}'`)
  if (afterMs > 0 && !app)
    throw new InputError(
      Inputs.PromoteAfter,
      'needs promote-from-application (its pods tell how long the digest ran)'
    )
  return {
    from: checkRelativePath(Inputs.PromoteFrom, from),
    application: app ? parseApp(Inputs.PromoteFromApplication, app) : undefined,
    afterMs
  }
}

const at = (v: unknown, key: string): unknown =>
  key
    .split('.')
    .reduce<unknown>(
      (o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined),
      v
    )
const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v).trim() : '')

/** The tag and digest a bump writes (image.tag, image.digest; a tag pinned as tag@digest) in a values text (pure after the YAML). */
export async function sourceOf(text: string, file: string, revision: string): Promise<Source> {
  let values: unknown
  try {
    values = (await loadYaml()).parse(text)
  } catch (err) {
    throw new InputError(Inputs.PromoteFrom, `${file} is not YAML: ${(err as Error).message.split('\n')[0]}`)
  }
  const [tag, pinned = ''] = str(at(values, 'image.tag')).split('@')
  const digest = str(at(values, 'image.digest')) || pinned
  if (!tag)
    throw new InputError(
      Inputs.PromoteFrom,
      `${file} has no image.tag at ${revision.slice(0, 12)}: nothing to promote`
    )
  if (digest && !DIGEST_RE.test(digest))
    throw new InputError(
      Inputs.PromoteFrom,
      `${file} has an image.digest that is not sha256:<64 hex>: '${digest}'`
    )
  const registry = str(at(values, 'image.registry'))
  const repository = str(at(values, 'image.repository'))
  return {
    file,
    tag,
    digest,
    repository: registry && repository ? `${registry}/${repository}` : repository,
    revision
  }
}

/** The image's repository of a reference (registry/path, no tag or digest); '' when it is not one. */
function repositoryOf(image: string): string {
  try {
    return parseImage('image', image).repository
  } catch {
    return ''
  }
}

/** The pods below the application's Deployments, StatefulSets and DaemonSets (through ReplicaSets and the like). */
export function workloadPods(nodes: TreeNode[]): TreeNode[] {
  const byUid = new Map(nodes.filter(n => n.uid).map(n => [n.uid!, n]))
  const rooted = (n: TreeNode, depth = 0): boolean =>
    depth < 5 &&
    (n.parentRefs ?? []).some(p => {
      if (['Deployment', 'StatefulSet', 'DaemonSet'].includes(p.kind ?? '')) return true
      const parent = p.uid ? byUid.get(p.uid) : undefined
      return !!parent && rooted(parent, depth + 1)
    })
  return nodes.filter(n => n.kind === 'Pod' && rooted(n))
}

interface LivePod {
  metadata?: { name?: string; deletionTimestamp?: string }
  spec?: { containers?: { name?: string; image?: string }[] }
  status?: {
    containerStatuses?: { name?: string; imageID?: string; ready?: boolean }[]
    conditions?: { type?: string; status?: string; lastTransitionTime?: string }[]
  }
}

/**
 * One pod against the promoted image (pure): '' when each of its containers of the image's repository runs
 * the digest, else what it runs; undefined when it runs nothing of that repository. `readySince` is when
 * it became Ready.
 */
export function podVerdict(
  pod: LivePod,
  repository: string,
  digest: string
): { problem: string; readySince: number } | undefined {
  const name = pod.metadata?.name ?? '?'
  const ours = (pod.spec?.containers ?? []).filter(
    c => repositoryOf(c.image ?? '') === repositoryOf(`${repository}:x`)
  )
  if (!ours.length) return undefined
  const ready = (pod.status?.conditions ?? []).find(c => c.type === 'Ready')
  const readySince = ready?.status === 'True' ? Date.parse(ready.lastTransitionTime ?? '') : NaN
  if (pod.metadata?.deletionTimestamp) return { problem: `pod ${name} is terminating`, readySince }
  for (const c of ours) {
    const status = pod.status?.containerStatuses?.find(s => s.name === c.name)
    const id = status?.imageID ?? ''
    if (!id.endsWith(`@${digest}`))
      return {
        problem: `pod ${name} runs ${id.split('@')[1] ?? (id || 'no image yet')}, not ${digest}`,
        readySince
      }
    if (!status?.ready) return { problem: `pod ${name} is not ready`, readySince }
  }
  return { problem: Number.isNaN(readySince) ? `pod ${name} is not Ready` : '', readySince }
}

/** Reads a file of the repository at a revision (fetched when it is not here yet). */
export type ReadAt = (revision: string, file: string) => Promise<string | undefined>

/**
 * The gate: the source application Synced at a commit whose values hold the source's tag and digest,
 * Healthy, every pod of its workloads on the digest, for at least `afterMs`. Refuses with the reason.
 */
export async function checkSource(
  client: ArgoClient,
  app: ArgoApp,
  source: Source,
  readAt: ReadAt,
  afterMs: number,
  now = Date.now()
): Promise<SourceState> {
  const r = await client.application(app)
  if (r.status !== 200)
    throw new InputError(
      Inputs.PromoteFromApplication,
      `names ${appLabel(app)}, which Argo CD does not let this token read (HTTP ${r.status})`
    )
  const st = r.body
  const sync = st.sync?.status ?? 'Unknown'
  const health = st.health?.status ?? 'Unknown'
  const revision = st.sync?.revision ?? st.sync?.revisions?.[0] ?? ''
  const label = appLabel(app)
  if (sync !== 'Synced')
    throw new PromotionRefused(
      `${label} is ${sync} (at ${revision.slice(0, 12) || 'no revision'}), not Synced`
    )
  if (health !== 'Healthy') {
    const why = [st.health?.message, ...unhealthy(st)].filter(Boolean).join('; ')
    throw new PromotionRefused(`${label} is ${health}${why ? ` (${why})` : ''}, not Healthy`)
  }
  if (revision !== source.revision) {
    const text = await readAt(revision, source.file)
    const there =
      text === undefined ? undefined : await sourceOf(text, source.file, revision).catch(() => undefined)
    if (!there || there.tag !== source.tag || there.digest !== source.digest)
      throw new PromotionRefused(
        `${label} is Synced at ${revision.slice(0, 12)}, whose ${source.file} holds ${there ? `${there.tag}${there.digest ? `@${there.digest}` : ''}` : 'no image'}, not ${source.tag}${source.digest ? `@${source.digest}` : ''} (read at ${source.revision.slice(0, 12)}): it has not deployed what would be promoted yet`
      )
  }
  const { pods, readySince } = await podsOnDigest(client, app, source)
  const soakMs = now - readySince
  if (soakMs < afterMs)
    throw new PromotionRefused(
      `${label} has run ${source.digest} for ${fmt(soakMs, Math.floor)}, promote-after is ${fmt(afterMs)}: ${fmt(afterMs - soakMs, Math.ceil)} left`
    )
  return { app, health, sync, revision, pods, soakSeconds: soakMs / 1000 }
}

/** Every pod of the workloads on the digest, read live; when the last of them became Ready. */
async function podsOnDigest(
  client: ArgoClient,
  app: ArgoApp,
  source: Source
): Promise<{ pods: number; readySince: number }> {
  const label = appLabel(app)
  if (!source.digest)
    throw new PromotionRefused(
      `${source.file} names no digest, so what ${label}'s pods run cannot be compared with it`
    )
  const pods = workloadPods(await client.resourceTree(app))
  let matched = 0
  let readySince = 0
  const problems: string[] = []
  for (const node of pods) {
    const v = podVerdict((await client.liveObject(app, node)) as LivePod, source.repository, source.digest)
    if (!v) continue
    matched++
    if (v.problem) problems.push(v.problem)
    else readySince = Math.max(readySince, v.readySince)
  }
  if (problems.length) throw new PromotionRefused(`${label}: ${problems.join('; ')}`)
  if (!matched) throw new PromotionRefused(`no pod of ${label}'s workloads runs ${source.repository}`)
  return { pods: matched, readySince }
}

function fmt(ms: number, round: (x: number) => number = Math.round): string {
  const s = Math.max(0, round(ms / 1000))
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`
    : s >= 60
      ? `${Math.floor(s / 60)}m${s % 60}s`
      : `${s}s`
}
