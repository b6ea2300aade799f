// The one HTTPS client of the stages (the registry API for build-push, Argo CD's API for gitops-bump): TLS
// always verified, against Node's roots plus the CAs the caller trusts (a private CA); keep-alive; each
// request ends within its deadline, as an error naming who did not answer; bodies are streamed. Headers
// (where the credentials are) never appear in an error.
import * as https from 'node:https'
import type { IncomingHttpHeaders } from 'node:http'
import * as tls from 'node:tls'

/** A request body: bytes, or a file the request streams. */
export type Body = Buffer | { size: number; open(): NodeJS.ReadableStream }

export interface Reply {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
}

export interface HttpsOptions {
  /** PEM certificates trusted beside Node's roots. */
  ca?: string[]
  /** How long one request may take, whole; or, with `idle`, how long it may go without a byte either way. */
  timeoutMs: number
  /** An inactivity limit rather than a deadline (large uploads take as long as they take). */
  idle?: boolean
  /** A reply larger than this is cut (an answer is large, but not unbounded). */
  maxBody?: number
}

export class HttpsClient {
  private readonly agent: https.Agent

  constructor(private readonly opts: HttpsOptions) {
    this.agent = new https.Agent({
      keepAlive: true,
      ...(opts.ca?.length ? { ca: [...tls.rootCertificates, ...opts.ca] } : {})
    })
  }

  request(method: string, url: URL, headers: Record<string, string> = {}, body?: Body): Promise<Reply> {
    const max = this.opts.maxBody ?? 64 << 20
    return new Promise((resolve, reject) => {
      const size = body === undefined ? 0 : Buffer.isBuffer(body) ? body.length : body.size
      const req = https.request(
        url,
        {
          method,
          agent: this.agent,
          headers: { ...headers, ...(body !== undefined ? { 'content-length': String(size) } : {}) }
        },
        res => {
          const chunks: Buffer[] = []
          let got = 0
          res.on('data', (d: Buffer) => {
            got += d.length
            if (got <= max) chunks.push(d)
          })
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) })
          )
          res.on('error', reject)
        }
      )
      const late = () => new Error(`${url.host} did not answer within ${this.opts.timeoutMs / 1000} s`)
      if (this.opts.idle) req.setTimeout(this.opts.timeoutMs, () => req.destroy(late()))
      else {
        // a deadline for the whole request that holds the process open (an unref'd timer would let Node
        // end the step with exit code 13 while it waits)
        const timer = setTimeout(() => req.destroy(late()), this.opts.timeoutMs)
        req.on('close', () => clearTimeout(timer))
      }
      req.on('error', reject)
      if (body === undefined) req.end()
      else if (Buffer.isBuffer(body)) req.end(body)
      else {
        const stream = body.open()
        stream.on('error', err => req.destroy(err))
        stream.pipe(req)
      }
    })
  }

  close(): void {
    this.agent.destroy()
  }
}
