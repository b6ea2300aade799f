// Confirming the deploy with Argo CD: its API server (GET /api/v1/applications/{name}, TLS always
// verified, the token in the Authorization header only), read before the push so that a wrong token or
// application fails with nothing pushed; after the push a refresh, then a wait until every application is
// Synced at a revision that is the pushed commit or contains it, its last sync Succeeded and its health
// is Healthy; or until it is Degraded, its sync failed, or the deadline passed. At most 2 requests a
// second in all.
import * as https from 'node:https'
import * as tls from 'node:tls'
import * as core from '@actions/core'
import { withDeadline } from '../common/deadline.js'
import { InputError } from '../common/inputs.js'
import { appLabel, type ArgoApp, type ArgoSettings } from './argocd-settings.js'
import { Inputs } from './constants.js'

/** Between two requests to Argo CD (2 a second at most). */
export const REQUEST_GAP_MS = 500
/** How often a refresh is asked for again while an application is not at the commit. */
export const REFRESH_AGAIN_MS = 10_000
const REQUEST_MS = 30_000

/** What an Application says (the fields the wait reads). */
export interface AppStatus {
  sync?: { status?: string; revision?: string; revisions?: string[] }
  health?: { status?: string; message?: string }
  operationState?: {
    phase?: string
    message?: string
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

export class ArgoClient {
  private readonly agent: https.Agent
  private last = 0
  requests = 0

  constructor(private readonly s: ArgoSettings) {
    this.agent = new https.Agent({
      keepAlive: true,
      ...(s.ca ? { ca: [...tls.rootCertificates, s.ca] } : {})
    })
  }

  /** GET an application (with `refresh`, Argo CD looks at the repository now instead of at its next poll). */
  async application(
    app: ArgoApp,
    refresh?: string
  ): Promise<{ status: number; body: AppStatus; text: string }> {
    const wait = this.last + REQUEST_GAP_MS - Date.now()
    if (wait > 0) await new Promise(r => setTimeout(r, wait))
    this.last = Date.now()
    this.requests++
    const url = new URL(`api/v1/applications/${encodeURIComponent(app.name)}`, this.base())
    if (refresh) url.searchParams.set('refresh', refresh)
    if (app.namespace) url.searchParams.set('appNamespace', app.namespace)
    const what = `Argo CD (${this.s.server.host}) about ${appLabel(app)}`
    const r = await withDeadline(what, REQUEST_MS, signal => this.get(url, signal)).catch((err: Error) => {
      throw this.networkError(err)
    })
    let body: AppStatus = {}
    try {
      body = r.status === 200 ? ((JSON.parse(r.text) as { status?: AppStatus }).status ?? {}) : {}
    } catch {
      throw new Error(`${what}: the answer is not JSON (HTTP ${r.status}): ${r.text.slice(0, 200)}`)
    }
    return { status: r.status, body, text: r.text }
  }

  close(): void {
    this.agent.destroy()
  }

  private base(): string {
    const u = this.s.server.href
    return u.endsWith('/') ? u : `${u}/`
  }

  private get(url: URL, signal: AbortSignal): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const req = https.request(
        url,
        {
          method: 'GET',
          agent: this.agent,
          signal,
          headers: { authorization: `Bearer ${this.s.token}`, accept: 'application/json' }
        },
        res => {
          let text = ''
          res.setEncoding('utf8')
          res.on('data', (d: string) => {
            // an application with thousands of resources is large, but not unbounded
            if (text.length < 64 << 20) text += d
          })
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
          res.on('error', reject)
        }
      )
      req.on('error', reject)
      req.end()
    })
  }

  private networkError(err: Error): Error {
    const code = (err as { code?: string }).code ?? ''
    if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code))
      return new InputError(
        Inputs.ArgocdCa,
        `does not verify ${this.s.server.host}'s certificate (${code}): give the PEM of the CA that signed it (TLS is always verified)`
      )
    return new Error(`Argo CD at ${this.s.server.host} cannot be reached: ${err.message}`)
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
  const deadline = Date.now() + s.timeoutMs
  // A refresh asked for while Argo CD is busy with another sync (a rival's push a moment earlier) can be
  // used up by that sync's comparison: while an application is not at the commit, it is asked again
  // every REFRESH_AGAIN_MS, instead of waiting for Argo CD's next poll.
  const refreshed = new Map<ArgoApp, number>()
  const refresh = async (app: ArgoApp) => {
    const r = await client.application(app, s.refresh)
    if (r.status !== 200) throw new Error(`Argo CD refused the refresh of ${appLabel(app)}: HTTP ${r.status}`)
    refreshed.set(app, Date.now())
    return r
  }
  if (s.refresh !== 'none') for (const app of s.applications) await refresh(app)
  const results = new Map<ArgoApp, AppResult>()
  const last = new Map<ArgoApp, AppStatus>()
  const atCommit = new Map<ArgoApp, boolean>()
  for (;;) {
    for (const app of s.applications) {
      if (results.has(app)) continue
      const again = s.refresh !== 'none' && Date.now() - (refreshed.get(app) ?? 0) > REFRESH_AGAIN_MS
      const r = again && !atCommit.get(app) ? await refresh(app) : await client.application(app)
      if (r.status !== 200) throw new Error(`Argo CD answered HTTP ${r.status} about ${appLabel(app)}`)
      const st = r.body
      atCommit.set(app, await revisionContains(st, commit, contains))
      last.set(app, st)
      const verdict = await judge(st, commit, contains)
      const base = {
        app,
        health: st.health?.status ?? 'Unknown',
        sync: st.sync?.status ?? 'Unknown',
        revision: revisionOf(st)
      }
      if (verdict === 'healthy') {
        const seconds = (Date.now() - pushedAt) / 1000
        results.set(app, { ...base, seconds })
        core.info(
          `${appLabel(app)}: Synced at ${base.revision.slice(0, 12)} and Healthy, ${seconds.toFixed(1)} s after the push`
        )
      } else if (verdict === 'degraded' || verdict === 'failed') {
        const why = verdict === 'degraded' ? unhealthy(st) : []
        const problem =
          verdict === 'degraded'
            ? `Degraded at ${base.revision.slice(0, 12)}: ${why.join('; ') || st.health?.message || 'no message'}`
            : `its sync of ${commit.slice(0, 12)} ${st.operationState?.phase}: ${st.operationState?.message ?? ''}`
        results.set(app, { ...base, problem, degraded: true })
        core.info(`${appLabel(app)}: ${problem}`)
      }
    }
    if (results.size === s.applications.length) return s.applications.map(a => results.get(a)!)
    if (Date.now() + REQUEST_GAP_MS > deadline) {
      return s.applications.map(
        app =>
          results.get(app) ?? {
            app,
            health: last.get(app)?.health?.status ?? 'Unknown',
            sync: last.get(app)?.sync?.status ?? 'Unknown',
            revision: revisionOf(last.get(app) ?? {}),
            problem: `not deployed within argocd-timeout (${s.timeoutMs / 1000} s) of commit ${commit}; Argo CD last said: ${describeStatus(last.get(app) ?? {})}`
          }
      )
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

async function judge(
  st: AppStatus,
  commit: string,
  contains: (revision: string) => Promise<boolean>
): Promise<'healthy' | 'degraded' | 'failed' | 'waiting'> {
  const revision = revisionOf(st)
  const atCommit = !!revision && (revision === commit || (await contains(revision)))
  const op = st.operationState
  const opRevision =
    op?.syncResult?.revision ?? op?.syncResult?.revisions?.[0] ?? op?.operation?.sync?.revision
  const opForCommit = !!opRevision && (opRevision === commit || (await contains(opRevision)))
  if (opForCommit && (op?.phase === 'Failed' || op?.phase === 'Error')) return 'failed'
  if (!atCommit) return 'waiting'
  if (op?.phase === 'Running' || op?.phase === 'Terminating') return 'waiting'
  // Degraded once the sync of the commit is over (or without one: a health from before it is not ours)
  if (st.health?.status === 'Degraded' && (!op || !opForCommit || op.phase === 'Succeeded'))
    return opForCommit || !op ? 'degraded' : 'waiting'
  if (
    st.sync?.status === 'Synced' &&
    st.health?.status === 'Healthy' &&
    (!opForCommit || op?.phase === 'Succeeded')
  )
    return 'healthy'
  return 'waiting'
}
