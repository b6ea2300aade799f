// Stands in for `@actions/http-client` in the bundles (tsconfig "paths"), so that no stage loads Node's
// http, https, net and tls (and the tunnel package) before it makes a request: @actions/core imports
// http-client at its top for OIDC tokens, which no stage asks for, and loading those modules was about
// 20 ms of every bundle's start-up on Node 24. The real module is imported on the first request.
//
// Its users here construct an HttpClient synchronously and then call async methods (core's OIDC client,
// tool-cache's downloads), or call getAgent/getAgentDispatcher synchronously while @actions/github
// loads: for those, loadHttpClient() is awaited before @actions/github is imported (common/octokit.ts).
import type * as RealModule from '../../node_modules/@actions/http-client/lib/index.js'

type Real = typeof RealModule
type Client = InstanceType<Real['HttpClient']>

let real: Real | undefined

/** Imports the real @actions/http-client (once). */
export async function loadHttpClient(): Promise<Real> {
  real ??= await import('../../node_modules/@actions/http-client/lib/index.js')
  return real
}

/** Methods that answer at once: they need the real module to be loaded already. */
const SYNC = new Set(['getAgent', 'getAgentDispatcher', 'dispose'])

class LazyHttpClient {
  private inner?: Client
  private readonly args: ConstructorParameters<Real['HttpClient']>

  constructor(...args: ConstructorParameters<Real['HttpClient']>) {
    this.args = args
    return new Proxy(this, {
      get: (target, prop, receiver) => {
        if (typeof prop !== 'string' || prop in target) return Reflect.get(target, prop, receiver)
        // not a thenable: `await client` must not call a method of the real client named then
        if (prop === 'then') return undefined
        if (SYNC.has(prop)) return (...a: unknown[]) => call(target.sync(), prop, a)
        return async (...a: unknown[]) => call(await target.async(), prop, a)
      }
    })
  }

  private sync(): Client {
    if (!real) throw new Error('@actions/http-client is used before loadHttpClient() (demo-actions bundle)')
    this.inner ??= new real.HttpClient(...this.args)
    return this.inner
  }

  private async async(): Promise<Client> {
    await loadHttpClient()
    return this.sync()
  }
}

function call(client: Client, name: string, args: unknown[]): unknown {
  const fn = (client as unknown as Record<string, (...a: unknown[]) => unknown>)[name]
  if (typeof fn !== 'function') throw new Error(`HttpClient has no method ${name}`)
  return fn.apply(client, args)
}

export const HttpClient = LazyHttpClient as unknown as Real['HttpClient']
