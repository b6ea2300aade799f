// A local HTTP stand-in of the GitHub REST API's pull-request endpoints, on loopback.
import * as http from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ApiRequest {
  method: string
  path: string
  authorization?: string
  body?: Record<string, unknown>
}

export interface GitHubApi {
  url: string
  requests: ApiRequest[]
  pulls: { number: number; head: string; base: string; title: string; body: string; html_url: string }[]
  close(): Promise<void>
}

export async function githubApi(owner: string, repo: string): Promise<GitHubApi> {
  const requests: ApiRequest[] = []
  const pulls: GitHubApi['pulls'] = []
  const server = http.createServer((req, res) => {
    let raw = ''
    req.on('data', d => (raw += d))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x')
      const body = raw ? JSON.parse(raw) : undefined
      requests.push({
        method: req.method ?? '',
        path: url.pathname + url.search,
        authorization: req.headers.authorization,
        body
      })
      const send = (status: number, data: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' })
        res.end(JSON.stringify(data))
      }
      if (req.headers.authorization !== 'token ghs_test_token')
        return send(401, { message: 'Bad credentials' })
      const base = `/repos/${owner}/${repo}/pulls`
      if (req.method === 'GET' && url.pathname === base) {
        const head = url.searchParams.get('head')?.split(':')[1]
        return send(
          200,
          pulls.filter(p => p.head === head)
        )
      }
      if (req.method === 'POST' && url.pathname === base) {
        const pr = {
          number: pulls.length + 1,
          head: body.head,
          base: body.base,
          title: body.title,
          body: body.body,
          html_url: `https://github.example/${owner}/${repo}/pull/${pulls.length + 1}`
        }
        pulls.push(pr)
        return send(201, pr)
      }
      const m = new RegExp(`^${base}/(\\d+)$`).exec(url.pathname)
      if (req.method === 'PATCH' && m) {
        const pr = pulls.find(p => p.number === Number(m[1]))!
        Object.assign(pr, { title: body.title, body: body.body })
        return send(200, pr)
      }
      send(404, { message: 'Not Found' })
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    pulls,
    close: () => new Promise(resolve => server.close(() => resolve()))
  }
}
