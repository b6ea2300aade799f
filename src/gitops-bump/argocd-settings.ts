// The inputs of the Argo CD wait (argocd-*, on-degraded), checked before anything is fetched or pushed.
import * as inputs from '../common/inputs.js'
import { InputError } from '../common/inputs.js'
import { Defaults, Inputs, ON_DEGRADED, REFRESH } from './constants.js'

export interface ArgoApp {
  name: string
  /** Argo CD's "applications in any namespace": `<namespace>/<name>`. */
  namespace?: string
}

export interface ArgoSettings {
  server: URL
  token: string
  applications: ArgoApp[]
  timeoutMs: number
  /** PEM of a private CA, trusted beside Node's roots. */
  ca: string
  refresh: (typeof REFRESH)[number]
  /** Sync an application that has no automated sync (the token needs 'applications, sync'). */
  sync: boolean
  onDegraded: (typeof ON_DEGRADED)[number]
  /** Requests to the app during the rollout (probe-url), at `rate` a second. */
  probe?: { url: URL; rate: number }
}

export const appLabel = (a: ArgoApp) => (a.namespace ? `${a.namespace}/${a.name}` : a.name)

// Argo CD application names are Kubernetes object names (DNS subdomains)
const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/

/** An application name, or `<namespace>/<name>`. */
export function parseApp(input: string, line: string): ArgoApp {
  const [a, b] = line.split('/')
  const app = b === undefined ? { name: a } : { namespace: a, name: b }
  if (
    !NAME.test(app.name) ||
    (app.namespace !== undefined && !NAMESPACE.test(app.namespace)) ||
    line.split('/').length > 2
  )
    throw new InputError(input, `lines must be application names (or <namespace>/<name>), got '${line}'`)
  return app
}

/** undefined when argocd-server is empty: no waiting, as before. */
export function parseArgoSettings(): ArgoSettings | undefined {
  const raw = inputs.str(Inputs.ArgocdServer)
  const token = inputs.secret(Inputs.ArgocdToken)
  const others = [Inputs.ArgocdApplication, Inputs.ArgocdCa, Inputs.ProbeUrl].filter(n => inputs.str(n))
  if (!raw) {
    if (token || others.length)
      throw new InputError(
        token ? Inputs.ArgocdToken : others[0],
        "is given but 'argocd-server' is empty: set argocd-server to wait for Argo CD"
      )
    return undefined
  }
  let server: URL
  try {
    server = new URL(raw)
  } catch {
    throw new InputError(
      Inputs.ArgocdServer,
      `must be the https:// URL of the Argo CD API server, got '${raw}'`
    )
  }
  if (server.protocol !== 'https:' || server.username || server.password || server.search || server.hash)
    throw new InputError(
      Inputs.ArgocdServer,
      `must be a plain https:// URL of the Argo CD API server (TLS is always verified; no credentials, query or fragment), got '${raw}'`
    )
  if (!token)
    throw new InputError(Inputs.ArgocdToken, 'is required with argocd-server (an Argo CD API token)')
  if (/\s/.test(token))
    throw new InputError(Inputs.ArgocdToken, 'must be one token, without spaces or line breaks')
  const applications = inputs
    .lines(Inputs.ArgocdApplication)
    .map(line => parseApp(Inputs.ArgocdApplication, line))
  if (applications.length === 0)
    throw new InputError(
      Inputs.ArgocdApplication,
      'is required with argocd-server (one application name a line)'
    )
  const timeoutMs = inputs.duration(Inputs.ArgocdTimeout, Defaults[Inputs.ArgocdTimeout])
  if (timeoutMs < 1000 || timeoutMs > 6 * 3600_000)
    throw new InputError(
      Inputs.ArgocdTimeout,
      `must be from 1s to 6h, got '${inputs.str(Inputs.ArgocdTimeout)}'`
    )
  const ca = inputs.str(Inputs.ArgocdCa)
  if (ca && !/-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/.test(ca))
    throw new InputError(
      Inputs.ArgocdCa,
      'must be PEM text (-----BEGIN CERTIFICATE----- ...), not a path or a fingerprint'
    )
  return {
    server,
    token,
    applications,
    timeoutMs,
    ca,
    refresh: inputs.oneOf(Inputs.ArgocdRefresh, REFRESH, Defaults[Inputs.ArgocdRefresh]),
    sync: inputs.bool(Inputs.ArgocdSync, false),
    onDegraded: inputs.oneOf(Inputs.OnDegraded, ON_DEGRADED, Defaults[Inputs.OnDegraded]),
    probe: parseProbe()
  }
}

function parseProbe(): { url: URL; rate: number } | undefined {
  const raw = inputs.str(Inputs.ProbeUrl)
  if (!raw) return undefined
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new InputError(Inputs.ProbeUrl, `must be an http:// or https:// URL of the app, got '${raw}'`)
  }
  if (!['http:', 'https:'].includes(url.protocol) || url.username || url.password)
    throw new InputError(
      Inputs.ProbeUrl,
      `must be an http:// or https:// URL without credentials, got '${raw}'`
    )
  return { url, rate: inputs.int(Inputs.ProbeRate, Number(Defaults[Inputs.ProbeRate]), 1, 100) }
}
