// Confirming the deploy with Argo CD: its API server (GET /api/v1/applications/{name}, TLS always
// verified, the token in the Authorization header only), read before the push so that a wrong token or
// application fails with nothing pushed; after the push a refresh (a 403 falls back to Argo CD's own
// poll), a sync where asked (argocd-sync, for an application without automated sync), then a wait until
// every application is Synced at a revision that is the pushed commit or contains it, its last sync
// Succeeded and its health is Healthy; or until it is Degraded, its sync failed, or the deadline passed.
// Health counts only from a reconcile after the sync finished (reconciledAt not before the operation's
// finishedAt): read earlier, it is the health of what ran before. At most 2 requests a second in all.
import * as core from '@actions/core'
import { HttpsClient } from '../common/https.js'
import { InputError } from '../common/inputs.js'
import { appLabel, type ArgoApp, type ArgoSettings } from './argocd-settings.js'
import { Inputs } from './constants.js'

/**
 * Requests to Argo CD: 2 a second at most over time (the polls while a sync goes on), with a burst of a
 * few at once (the distinct reads before a push: both applications, the resource tree, each pod).
 */
export const REQUEST_GAP_MS = 500
export const REQUEST_BURST = 4
/** How often a refresh is asked for again while an application is not at the commit. */
export const REFRESH_AGAIN_MS = 10_000
/** How soon a refresh is asked for when the last comparison is not after the sync. */
export const STALE_REFRESH_MS = 2_000
/**
 * How long after its sync finished a Degraded health is not yet believed. Argo CD compares from its watch
 * cache, which a busy cluster updates late: a Deployment that had exceeded its progress deadline under the
 * previous release is still read so for a few seconds after the sync applied the next one (seen on 2 cores
 * under load), until the Deployment controller has created the new ReplicaSet and said Progressing again.
 * A real failure is still Degraded after it; a failed sync is judged at once.
 */
export const DEGRADED_SETTLE_MS = 10_000
const REQUEST_MS = 30_000

/** What an Application says (the fields the wait reads). */
export interface AppStatus {
  sync?: { status?: string; revision?: string; revisions?: string[] }
  /** lastTransitionTime: when a comparison (a full one or one a resource's change brought) changed it. */
  health?: { status?: string; message?: string; lastTransitionTime?: string }
  /** When the controller last compared the application with the cluster in full. */
  reconciledAt?: string
  operationState?: {
    phase?: string
    message?: string
    finishedAt?: string
    syncResult?: { revision?: string; revisions?: string[] }
    operation?: { sync?: { revision?: string } }
  }
  resources?: {
    kind?: string
    name?: string
    namespace?: string
    health?: { status?: string; message?: string }
  }[]
  conditions?: { type?: string; message?: string }[]
}

/** An object in an application's resource tree (Argo CD's ResourceNode: the fields read here). */
export interface TreeNode {
  kind: string
  name: string
  namespace?: string
  group?: string
  version?: string
  uid?: string
  parentRefs?: { kind?: string; name?: string; uid?: string }[]
  health?: { status?: string; message?: string }
  /** Pods: the images of their containers. */
  images?: string[]
}

export interface AppResult {
  app: ArgoApp
  health: string
  sync: string
  revision: string
  /** Seconds from the push to Healthy. */
  seconds?: number
  /** Why it is not deployed (Degraded, a failed sync, the deadline). */
  problem?: string
  degraded?: boolean
}

/** A token bucket: `burst` requests at once, then one per `gapMs`; credit comes back with time. */
export class Pacer {
  private credit: number
  private last = 0

  constructor(
    private readonly burst: number,
    private readonly gapMs: number
  ) {
    this.credit = burst
  }

  /** How long to wait before a request wanted at `now` (ms); the request is counted as sent then. */
  take(now: number): number {
    this.credit = Math.min(this.burst, this.credit + (this.last ? (now - this.last) / this.gapMs : 0))
    this.last = now
    if (this.credit >= 1) {
      this.credit--
      return 0
    }
    const wait = (1 - this.credit) * this.gapMs
    this.credit = 0
    this.last = now + wait
    return wait
  }
}

export class ArgoClient {
  private readonly http: HttpsClient
  private readonly pacer = new Pacer(REQUEST_BURST, REQUEST_GAP_MS)
  requests = 0

  constructor(private readonly settings: ArgoSettings) {
    this.http = new HttpsClient({ ca: settings.ca ? [settings.ca] : [], timeoutMs: REQUEST_MS })
  }

  /** GET an application (with `refresh`, Argo CD looks at the repository now instead of at its next poll). */
  async application(
    app: ArgoApp,
    refresh?: string
  ): Promise<{ status: number; body: AppStatus; autoSync: boolean; text: string }> {
    const url = this.url(`api/v1/applications/${encodeURIComponent(app.name)}`, app)
    if (refresh) url.searchParams.set('refresh', refresh)
    const r = await this.request('GET', url, app)
    let body: AppStatus = {}
    let autoSync = false
    try {
      if (r.status === 200) {
        const a = JSON.parse(r.text) as {
          status?: AppStatus
          spec?: { syncPolicy?: { automated?: unknown } }
        }
        body = a.status ?? {}
        autoSync = !!a.spec?.syncPolicy?.automated
      }
    } catch {
      throw new Error(
        `Argo CD (${this.settings.server.host}) about ${appLabel(app)}: the answer is not JSON (HTTP ${r.status}): ${r.text.slice(0, 200)}`
      )
    }
    return { status: r.status, body, autoSync, text: r.text }
  }

  /**
   * The resources below the application's own (ReplicaSets, Pods) that are not healthy, in Argo CD's
   * words: a Deployment says only that it exceeded its progress deadline, its pods say why
   * ("Back-off pulling image ..."). Empty when Argo CD does not answer.
   */
  async unhealthyTree(app: ArgoApp): Promise<string[]> {
    const r = await this.request(
      'GET',
      this.url(`api/v1/applications/${encodeURIComponent(app.name)}/resource-tree`, app),
      app
    )
    if (r.status !== 200) return []
    try {
      const tree = JSON.parse(r.text) as {
        nodes?: {
          kind?: string
          name?: string
          parentRefs?: unknown[]
          health?: { status?: string; message?: string }
        }[]
      }
      return (tree.nodes ?? [])
        .filter(
          n =>
            n.parentRefs?.length &&
            n.health?.status &&
            !['Healthy', 'Suspended', 'Progressing'].includes(n.health.status)
        )
        .map(
          n => `${n.kind}/${n.name}: ${n.health!.status}${n.health!.message ? ` (${n.health!.message})` : ''}`
        )
    } catch {
      return []
    }
  }

  /** The application's resource tree (every object Argo CD knows below it); [] when it does not answer. */
  async resourceTree(app: ArgoApp): Promise<TreeNode[]> {
    const url = this.url(`api/v1/applications/${encodeURIComponent(app.name)}/resource-tree`, app)
    const r = await this.request('GET', url, app)
    if (r.status !== 200)
      throw new Error(`Argo CD answered HTTP ${r.status} for the resources of ${appLabel(app)}`)
    return ((JSON.parse(r.text) as { nodes?: TreeNode[] }).nodes ?? []).filter(
      n => n && typeof n === 'object'
    )
  }

  /** One live object of the application, as the cluster has it (Argo CD reads it from the cluster). */
  async liveObject(app: ArgoApp, node: TreeNode): Promise<Record<string, unknown>> {
    const url = this.url(`api/v1/applications/${encodeURIComponent(app.name)}/resource`, app)
    url.searchParams.set('resourceName', node.name)
    url.searchParams.set('namespace', node.namespace ?? '')
    url.searchParams.set('kind', node.kind)
    url.searchParams.set('version', node.version ?? 'v1')
    url.searchParams.set('group', node.group ?? '')
    const r = await this.request('GET', url, app)
    if (r.status !== 200)
      throw new Error(`Argo CD answered HTTP ${r.status} for ${node.kind}/${node.name} of ${appLabel(app)}`)
    return JSON.parse((JSON.parse(r.text) as { manifest?: string }).manifest ?? '{}') as Record<
      string,
      unknown
    >
  }

  /** POST a sync of the application to `revision` (the token needs 'applications, sync'). */
  async sync(app: ArgoApp, revision: string): Promise<{ status: number; text: string }> {
    const url = this.url(`api/v1/applications/${encodeURIComponent(app.name)}/sync`, app)
    return this.request('POST', url, app, JSON.stringify({ revision, prune: false }))
  }

  private url(pathname: string, app: ArgoApp): URL {
    const url = new URL(pathname, this.base())
    if (app.namespace) url.searchParams.set('appNamespace', app.namespace)
    return url
  }

  private async request(
    method: string,
    url: URL,
    app: ArgoApp,
    body?: string
  ): Promise<{ status: number; text: string }> {
    const wait = this.pacer.take(Date.now())
    if (wait > 0) await new Promise(r => setTimeout(r, wait))
    this.requests++
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.settings.token}`,
      accept: 'application/json',
      ...(body ? { 'content-type': 'application/json' } : {})
    }
    const r = await this.http
      .request(method, url, headers, body ? Buffer.from(body) : undefined)
      .catch((err: Error) => {
        throw this.networkError(err, app)
      })
    return { status: r.status, text: r.body.toString('utf8') }
  }

  close(): void {
    this.http.close()
  }

  private base(): string {
    const u = this.settings.server.href
    return u.endsWith('/') ? u : `${u}/`
  }

  private networkError(err: Error, app: ArgoApp): Error {
    const code = (err as { code?: string }).code ?? ''
    if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code))
      return new InputError(
        Inputs.ArgocdCa,
        `does not verify ${this.settings.server.host}'s certificate (${code}): give the PEM of the CA that signed it (TLS is always verified)`
      )
    return new Error(
      `Argo CD at ${this.settings.server.host} cannot be reached: ${err.message} (asking about ${appLabel(app)})`
    )
  }
}

/** Before the push: every application can be read with the token; else the input that is wrong. */
export async function checkApplications(client: ArgoClient, s: ArgoSettings): Promise<void> {
  for (const app of s.applications) {
    const r = await client.application(app)
    if (r.status === 200) {
      core.info(`Argo CD application ${appLabel(app)}: ${describeStatus(r.body)}`)
      continue
    }
    if (r.status === 401)
      throw new InputError(
        Inputs.ArgocdToken,
        `was refused by Argo CD at ${s.server.host} (HTTP 401: not a valid token, or it expired); nothing was pushed`
      )
    if (r.status === 403 || r.status === 404)
      throw new InputError(
        Inputs.ArgocdApplication,
        `names '${appLabel(app)}', which Argo CD at ${s.server.host} does not let this token read (HTTP ${r.status}, permission denied: Argo CD's answer when the application does not exist, too; the token needs 'applications, get' on it); nothing was pushed`
      )
    throw new Error(
      `Argo CD at ${s.server.host} answered HTTP ${r.status} about ${appLabel(app)}: ${r.text.slice(0, 300)}; nothing was pushed`
    )
  }
}

/** One line of what Argo CD says of an application: sync, revision, operation, health, conditions. */
export function describeStatus(st: AppStatus): string {
  const parts = [
    `sync ${st.sync?.status ?? 'Unknown'}${revisionOf(st) ? ` at ${revisionOf(st).slice(0, 12)}` : ''}`,
    `health ${st.health?.status ?? 'Unknown'}${st.health?.message ? ` (${st.health.message})` : ''}`
  ]
  const op = st.operationState
  if (op?.phase) parts.push(`last operation ${op.phase}${op.message ? `: ${op.message}` : ''}`)
  for (const c of st.conditions ?? []) parts.push(`${c.type}: ${c.message}`)
  return parts.join('; ')
}

const revisionOf = (st: AppStatus) => st.sync?.revision ?? st.sync?.revisions?.[0] ?? ''

/** The messages of the resources that are not healthy ("Deployment ... exceeded its progress deadline"). */
export function unhealthy(st: AppStatus): string[] {
  return (st.resources ?? [])
    .filter(r => r.health?.status && !['Healthy', 'Suspended'].includes(r.health.status))
    .map(r => `${r.kind}/${r.name}: ${r.health!.status}${r.health!.message ? ` (${r.health!.message})` : ''}`)
}

/**
 * Waits until every application has the pushed commit Healthy. `contains(revision)`: whether a revision
 * Argo CD names is the pushed commit or descends from it (another pipeline may land on top first).
 */
export async function waitForDeploy(
  client: ArgoClient,
  s: ArgoSettings,
  commit: string,
  pushedAt: number,
  contains: (revision: string) => Promise<boolean>
): Promise<AppResult[]> {
  const w = new DeployWait(client, s, commit, pushedAt, contains)
  if (s.refresh !== 'none') for (const app of s.applications) await w.refresh(app)
  for (;;) {
    for (const app of s.applications) if (!w.results.has(app)) await w.look(app)
    if (w.results.size === s.applications.length) return s.applications.map(a => w.results.get(a)!)
    if (Date.now() + REQUEST_GAP_MS > w.deadline)
      return s.applications.map(a => w.results.get(a) ?? w.timedOut(a))
  }
}

/** What the wait knows of each application so far, and the requests it makes about one. */
class DeployWait {
  readonly deadline: number
  readonly results = new Map<ArgoApp, AppResult>()
  private readonly last = new Map<ArgoApp, AppStatus>()
  private readonly atCommit = new Map<ArgoApp, boolean>()
  private readonly refreshed = new Map<ArgoApp, number>()
  private readonly autoSync = new Map<ArgoApp, boolean>()
  private readonly synced = new Set<ArgoApp>()
  /** false once Argo CD refused a refresh (403): its own poll then. */
  private refreshing: boolean

  constructor(
    private readonly client: ArgoClient,
    private readonly settings: ArgoSettings,
    private readonly commit: string,
    private readonly pushedAt: number,
    private readonly contains: (revision: string) => Promise<boolean>
  ) {
    this.deadline = Date.now() + settings.timeoutMs
    this.refreshing = settings.refresh !== 'none'
  }

  /** Asks Argo CD to look at the repository now; a 403 (a token that may read but not refresh) ends the asking. */
  async refresh(app: ArgoApp): Promise<{ status: number; body: AppStatus; autoSync: boolean }> {
    if (!this.refreshing) return this.client.application(app)
    const r = await this.client.application(app, this.settings.refresh)
    if (r.status === 403) {
      this.refreshing = false
      core.warning(
        `Argo CD refused to refresh ${appLabel(app)} (HTTP 403: this token may read the application but not refresh it); waiting for Argo CD's own poll of the repository instead (every 3 minutes unless its timeout.reconciliation says otherwise)`
      )
      return this.client.application(app)
    }
    if (r.status !== 200) throw new Error(`Argo CD refused the refresh of ${appLabel(app)}: HTTP ${r.status}`)
    this.refreshed.set(app, Date.now())
    return r
  }

  /** One look at an application: asks for a refresh or a sync when due, and judges what Argo CD says. */
  async look(app: ArgoApp): Promise<void> {
    // A refresh asked for while Argo CD is busy with another sync (a rival's push a moment earlier) can be
    // used up by that sync's comparison: while an application is not at the commit, it is asked again
    // every REFRESH_AGAIN_MS, instead of waiting for Argo CD's next poll.
    const again =
      this.refreshing &&
      !this.atCommit.get(app) &&
      Date.now() - (this.refreshed.get(app) ?? 0) > REFRESH_AGAIN_MS
    const r = again ? await this.refresh(app) : await this.client.application(app)
    if (r.status !== 200) throw new Error(`Argo CD answered HTTP ${r.status} about ${appLabel(app)}`)
    this.autoSync.set(app, r.autoSync)
    const st = r.body
    this.atCommit.set(app, await revisionContains(st, this.commit, this.contains))
    this.last.set(app, st)
    if (this.settings.sync && !r.autoSync && !this.synced.has(app)) await this.sync(app)
    const verdict = await judge(st, this.commit, this.contains)
    // synced, but no comparison since: Argo CD is asked for one (a rollout's own events bring one soon;
    // a sync that changed nothing Argo CD watches would otherwise wait for its poll)
    if (verdict === 'stale' && Date.now() - (this.refreshed.get(app) ?? 0) > STALE_REFRESH_MS)
      await this.refresh(app)
    const base = {
      app,
      health: st.health?.status ?? 'Unknown',
      sync: st.sync?.status ?? 'Unknown',
      revision: revisionOf(st)
    }
    if (verdict === 'healthy') {
      const seconds = (Date.now() - this.pushedAt) / 1000
      this.results.set(app, { ...base, seconds })
      core.info(
        `${appLabel(app)}: Synced at ${base.revision.slice(0, 12)} and Healthy, ${seconds.toFixed(1)} s after the push`
      )
    } else if (verdict === 'degraded' || verdict === 'failed') {
      const why = verdict === 'degraded' ? [...unhealthy(st), ...(await this.client.unhealthyTree(app))] : []
      const problem =
        verdict === 'degraded'
          ? `Degraded at ${base.revision.slice(0, 12)}: ${why.join('; ') || st.health?.message || 'no message'}`
          : `its sync of ${this.commit.slice(0, 12)} ${st.operationState?.phase}: ${st.operationState?.message ?? ''}`
      this.results.set(app, { ...base, problem, degraded: true })
      core.info(`${appLabel(app)}: ${problem}`)
    }
  }

  /** argocd-sync: an application without automated sync is synced to the commit, once Argo CD takes it. */
  private async sync(app: ArgoApp): Promise<void> {
    const r = await this.client.sync(app, this.commit)
    if (r.status === 200) {
      this.synced.add(app)
      core.info(`${appLabel(app)}: asked Argo CD to sync ${this.commit.slice(0, 12)} (auto-sync is off)`)
    } else if (r.status === 401 || r.status === 403)
      throw new InputError(
        Inputs.ArgocdToken,
        `may not sync ${appLabel(app)} (HTTP ${r.status}): argocd-sync needs 'applications, sync' on it in Argo CD's RBAC`
      )
    // anything else (another operation is running) is asked again at the next look
    else
      core.info(
        `${appLabel(app)}: Argo CD did not take the sync yet (HTTP ${r.status}: ${r.text.slice(0, 200)})`
      )
  }

  timedOut(app: ArgoApp): AppResult {
    const last = this.last.get(app) ?? {}
    const hint =
      this.autoSync.get(app) === false && !this.settings.sync
        ? `; its automated sync is off, so nothing syncs it: set argocd-sync: true to sync it from the step (its token needs 'applications, sync')`
        : ''
    return {
      app,
      health: last.health?.status ?? 'Unknown',
      sync: last.sync?.status ?? 'Unknown',
      revision: revisionOf(last),
      problem: `not deployed within argocd-timeout (${this.settings.timeoutMs / 1000} s) of commit ${this.commit}; Argo CD last said: ${describeStatus(last)}${hint}`
    }
  }
}

async function revisionContains(
  st: AppStatus,
  commit: string,
  contains: (revision: string) => Promise<boolean>
): Promise<boolean> {
  const revision = revisionOf(st)
  return !!revision && (revision === commit || (await contains(revision)))
}

export async function judge(
  st: AppStatus,
  commit: string,
  contains: (revision: string) => Promise<boolean>
): Promise<'healthy' | 'degraded' | 'failed' | 'waiting' | 'stale'> {
  const revision = revisionOf(st)
  const atCommit = !!revision && (revision === commit || (await contains(revision)))
  const op = st.operationState
  const opRevision =
    op?.syncResult?.revision ?? op?.syncResult?.revisions?.[0] ?? op?.operation?.sync?.revision
  const opForCommit = !!opRevision && (opRevision === commit || (await contains(opRevision)))
  if (opForCommit && (op?.phase === 'Failed' || op?.phase === 'Error')) return 'failed'
  if (!atCommit) return 'waiting'
  if (op?.phase === 'Running' || op?.phase === 'Terminating') return 'waiting'
  // the health of a reconcile from before the sync finished is the health of what ran before it; a health
  // that turned Healthy after it was read after it
  if (opForCommit && !reconciledAfter(st) && !turnedHealthyAfter(st)) return 'stale'
  // Degraded once the sync of the commit is over (or without one: a health from before it is not ours),
  // and believed once Argo CD's cache had time to see what the sync applied
  // and only while the live objects are the commit's (Synced): OutOfSync, what is Degraded ran before it
  if (
    st.health?.status === 'Degraded' &&
    st.sync?.status === 'Synced' &&
    (!op || !opForCommit || op.phase === 'Succeeded')
  ) {
    if (opForCommit && !settledAfter(st)) return 'stale'
    return opForCommit || !op ? 'degraded' : 'waiting'
  }
  if (
    st.sync?.status === 'Synced' &&
    st.health?.status === 'Healthy' &&
    (!opForCommit || op?.phase === 'Succeeded')
  )
    return 'healthy'
  return 'waiting'
}

/**
 * Whether Argo CD compared the application with the cluster after its last operation finished. Strictly
 * after: both times are whole seconds, and a comparison in the same second as the end of the sync can
 * still read the live objects as they were before the sync applied them (seen here: a Deployment that
 * had exceeded its progress deadline under the previous release, judged Degraded again).
 */
export function reconciledAfter(st: AppStatus): boolean {
  return reconciledSince(st, 1_000)
}

/**
 * Whether the application's health turned Healthy strictly after its last operation finished. Argo CD
 * sets health's lastTransitionTime whenever a comparison changes it, including the partial comparisons a
 * change of a managed resource brings (a rollout's), which do not move reconciledAt: without a refresh
 * (argocd-refresh: none, or a token that may not refresh) reconciledAt moves only at Argo CD's next full
 * poll, minutes after a rollout that already turned Healthy. A health that did not change (Healthy before
 * and after) still waits for a comparison after the sync.
 */
export function turnedHealthyAfter(st: AppStatus): boolean {
  const finished = Date.parse(st.operationState?.finishedAt ?? '')
  const turned = Date.parse(st.health?.lastTransitionTime ?? '')
  return st.health?.status === 'Healthy' && !Number.isNaN(finished) && turned >= finished + 1_000
}

/** Whether Argo CD compared the application DEGRADED_SETTLE_MS or more after its last operation finished. */
export function settledAfter(st: AppStatus): boolean {
  return reconciledSince(st, DEGRADED_SETTLE_MS)
}

function reconciledSince(st: AppStatus, ms: number): boolean {
  const finished = Date.parse(st.operationState?.finishedAt ?? '')
  const reconciled = Date.parse(st.reconciledAt ?? '')
  return Number.isNaN(finished) || (!Number.isNaN(reconciled) && reconciled >= finished + ms)
}
