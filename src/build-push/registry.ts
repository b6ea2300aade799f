// The few calls of the OCI distribution API that the matrix merge needs: read a manifest or a blob, and put
// a manifest under a tag. Authentication as registries ask for it in their 401: Basic with the step's
// credentials, or Bearer (GHCR, Docker Hub) with a token fetched from the realm the challenge names,
// scoped to the repository. The password is never in a URL, a log line or an error.
export interface Manifest {
  mediaType: string
  digest: string
  size: number
  json: Record<string, unknown>
  raw: Buffer
}

export const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json'
]

export class RegistryClient {
  private token?: string

  constructor(
    /** host[:port]; docker.io means registry-1.docker.io. */
    readonly registry: string,
    private readonly username: string,
    private readonly password: string
  ) {}

  private get base(): string {
    const host = this.registry === 'docker.io' ? 'registry-1.docker.io' : this.registry
    return `https://${host}`
  }

  private basic(): string {
    return `Basic ${Buffer.from(`${this.username}:${this.password}`).toString('base64')}`
  }

  /** Answers a 401 challenge; returns the Authorization header to retry with. */
  private async authorize(challenge: string, repository: string): Promise<string | undefined> {
    if (/^Basic/i.test(challenge)) return this.password ? this.basic() : undefined
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map(m => [m[1], m[2]]))
    if (!params.realm) return undefined
    const url = new URL(params.realm)
    if (params.service) url.searchParams.set('service', params.service)
    url.searchParams.set('scope', `repository:${repository}:pull,push`)
    const r = await fetch(url, { headers: this.password ? { authorization: this.basic() } : {} })
    if (!r.ok) throw new Error(`The registry's token service (${url.host}) refused: HTTP ${r.status}`)
    const body = (await r.json()) as { token?: string; access_token?: string }
    this.token = body.token ?? body.access_token
    return this.token ? `Bearer ${this.token}` : undefined
  }

  private async request(
    method: string,
    repository: string,
    path: string,
    headers: Record<string, string> = {},
    body?: Buffer
  ): Promise<Response> {
    const url = `${this.base}/v2/${repository}/${path}`
    const send = (auth?: string) =>
      fetch(url, {
        method,
        headers: { ...headers, ...(auth ? { authorization: auth } : {}) },
        body: body ? new Uint8Array(body) : undefined
      })
    let r = await send(this.token ? `Bearer ${this.token}` : undefined)
    if (r.status === 401) {
      const auth = await this.authorize(r.headers.get('www-authenticate') ?? '', repository)
      if (auth) r = await send(auth)
    }
    return r
  }

  private async fail(what: string, r: Response): Promise<never> {
    const text = (await r.text().catch(() => '')).slice(0, 300)
    throw new Error(`${what} failed: HTTP ${r.status}${text ? ` ${text}` : ''}`)
  }

  async manifest(repository: string, reference: string): Promise<Manifest> {
    const r = await this.request('GET', repository, `manifests/${reference}`, {
      accept: MANIFEST_TYPES.join(', ')
    })
    if (!r.ok) return this.fail(`Reading ${repository}@${reference} from ${this.registry}`, r)
    const raw = Buffer.from(await r.arrayBuffer())
    const { createHash } = await import('node:crypto')
    const json = JSON.parse(raw.toString('utf8')) as Record<string, unknown>
    return {
      mediaType: String(json.mediaType ?? r.headers.get('content-type') ?? ''),
      digest: `sha256:${createHash('sha256').update(raw).digest('hex')}`,
      size: raw.length,
      json,
      raw
    }
  }

  async blob(repository: string, digest: string): Promise<Record<string, unknown>> {
    const r = await this.request('GET', repository, `blobs/${digest}`)
    if (!r.ok) return this.fail(`Reading blob ${digest} of ${repository}`, r)
    return (await r.json()) as Record<string, unknown>
  }

  async putManifest(repository: string, tag: string, body: Buffer, mediaType: string): Promise<void> {
    const r = await this.request('PUT', repository, `manifests/${tag}`, { 'content-type': mediaType }, body)
    if (!r.ok) return this.fail(`Pushing ${repository}:${tag} to ${this.registry}`, r)
  }
}
