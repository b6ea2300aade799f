// A loopback stand-in of the GitHub REST API (and the one GraphQL mutation we use), backed by a real bare
// git repository: the Git Data calls create real blobs, trees and commits with git's plumbing, and a ref
// update is a real compare-and-swap that refuses what is not a fast-forward. Each call checks what GitHub's
// REST documentation says it requires, and answers with the documented status codes:
//   POST /repos/{o}/{r}/git/blobs      content (required), encoding utf-8|base64            -> 201 {sha}
//   POST /repos/{o}/{r}/git/trees      tree[] (required: path, mode 100644|100755|040000|160000|120000,
//                                      type blob|tree|commit, sha), base_tree              -> 201 {sha}
//   GET  /repos/{o}/{r}/git/commits/{sha}                                                  -> 200 {sha, tree}
//   POST /repos/{o}/{r}/git/commits    message, tree (required), parents[]; a commit made
//                                      without author/committer/signature is signed by GitHub -> 201
//                                      {sha, verification: {verified: true, reason: 'valid'}}
//   PATCH /repos/{o}/{r}/git/refs/heads/{branch}  sha (required), force -> 200, or 422 "Update is not a
//                                      fast forward" (GitHub's message) when force is false and it is not
//   POST /repos/{o}/{r}/git/refs       ref (refs/…, two slashes), sha -> 201, or 422 "Reference already exists"
//   GET/POST /repos/{o}/{r}/pulls, PATCH /pulls/{n}: head, base (required), title, body, draft -> 201
//   POST /repos/{o}/{r}/issues/{n}/labels          labels[] (required)                 -> 200
//   POST /repos/{o}/{r}/pulls/{n}/requested_reviewers  reviewers[] and/or team_reviewers[] -> 201
//   POST /graphql enablePullRequestAutoMerge(pullRequestId: the PR's node_id, mergeMethod MERGE|SQUASH|REBASE)
// (variables: id, mergeMethod)
//   GET  /repos/{o}/{r}/issues/{n}/comments   per_page, page                            -> 200 [{id, body}]
//   POST /repos/{o}/{r}/issues/{n}/comments   body (required)                           -> 201 {id, body}
//   PATCH /repos/{o}/{r}/issues/comments/{id} body (required)                           -> 200 {id, body}
//   POST /repos/{o}/{r}/attestations          bundle (required: a Sigstore bundle, mediaType
//                                             application/vnd.dev.sigstore.bundle.v0.3+json) -> 201 {id}
// A token the test names read-only (`readOnly`) gets 403 "Resource not accessible by integration" on
// every write, as a fork's pull request or a job without the permission does.
// Anything else, or a request missing what the docs require, gets 404 or 422 and is recorded as such.
import { execFileSync } from 'node:child_process'
import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import * as path from 'node:path'
import { tempDir } from '../../scripts/lib/runner.mjs'

export interface ApiRequest {
  method: string
  path: string
  authorization?: string
  body?: Record<string, unknown>
  status?: number
}

export interface Pull {
  number: number
  node_id: string
  head: string
  base: string
  title: string
  body: string
  draft: boolean
  html_url: string
  labels: string[]
  reviewers: string[]
  team_reviewers: string[]
  auto_merge?: string
}

export interface GitHubApi {
  url: string
  requests: ApiRequest[]
  pulls: Pull[]
  /** Commits created through the API, with the verification GitHub would give them. */
  commits: Map<string, { verified: boolean }>
  /** Issue and pull request comments, by number. */
  comments: Map<number, { id: number; body: string }[]>
  /** Attestations recorded (their bundles). */
  attestations: unknown[]
  close(): Promise<void>
}

const MODES = new Set(['100644', '100755', '040000', '160000', '120000'])

export async function githubApi(
  owner: string,
  repo: string,
  bare?: string,
  opts: {
    readOnly?: boolean
    /** Runs once, just before the first ref update is handled: another writer's push landing in between. */
    beforeRefUpdate?: () => void
  } = {}
): Promise<GitHubApi> {
  let beforeRefUpdate = opts.beforeRefUpdate
  const comments = new Map<number, { id: number; body: string }[]>()
  const attestations: unknown[] = []
  let nextComment = 1000
  const requests: ApiRequest[] = []
  const pulls: Pull[] = []
  const commits = new Map<string, { verified: boolean }>()
  const git = (args: string[], input?: Buffer | string, env: Record<string, string> = {}) =>
    execFileSync('git', args, { cwd: bare, input, env: { ...process.env, ...env } })
      .toString()
      .trim()

  const handle = (method: string, url: URL, body: Record<string, unknown> | undefined): [number, unknown] => {
    const unprocessable = (message: string): [number, unknown] => [422, { message }]
    if (url.pathname === '/graphql' && method === 'POST') {
      const query = String(body?.query ?? '')
      const vars = (body?.variables ?? {}) as Record<string, string>
      if (!/enablePullRequestAutoMerge/.test(query)) return unprocessable('unsupported query')
      const pr = pulls.find(p => p.node_id === vars.id)
      if (!pr)
        return [
          200,
          { errors: [{ message: `Could not resolve to a node with the global id of '${vars.id}'` }] }
        ]
      if (!['MERGE', 'SQUASH', 'REBASE'].includes(vars.mergeMethod)) return unprocessable('bad mergeMethod')
      pr.auto_merge = vars.mergeMethod
      return [200, { data: { enablePullRequestAutoMerge: { clientMutationId: null } } }]
    }
    const prefix = `/repos/${owner}/${repo}`
    if (!url.pathname.startsWith(prefix + '/')) return [404, { message: 'Not Found' }]
    // GitHub takes a ref's slashes plain or encoded (Octokit sends `heads%2Fmain`)
    const p = decodeURIComponent(url.pathname.slice(prefix.length))
    let m: RegExpExecArray | null
    if (bare && p === '/git/blobs' && method === 'POST') {
      if (typeof body?.content !== 'string') return unprocessable('content is required')
      const enc = body.encoding ?? 'utf-8'
      if (enc !== 'utf-8' && enc !== 'base64') return unprocessable('encoding must be utf-8 or base64')
      const bytes = Buffer.from(body.content, enc === 'base64' ? 'base64' : 'utf8')
      return [201, { sha: git(['hash-object', '-w', '--stdin'], bytes) }]
    }
    if (bare && p === '/git/trees' && method === 'POST') {
      const entries = body?.tree as
        { path?: string; mode?: string; type?: string; sha?: string }[] | undefined
      if (!Array.isArray(entries)) return unprocessable('tree is required')
      const index = path.join(tempDir('api-index'), 'index')
      const env = { GIT_INDEX_FILE: index }
      if (body?.base_tree) git(['read-tree', String(body.base_tree)], undefined, env)
      for (const e of entries) {
        if (
          !e.path ||
          !MODES.has(e.mode ?? '') ||
          !['blob', 'tree', 'commit'].includes(e.type ?? '') ||
          !e.sha
        )
          return unprocessable('tree entries need path, mode, type and sha')
        git(['update-index', '--add', '--cacheinfo', `${e.mode},${e.sha},${e.path}`], undefined, env)
      }
      return [201, { sha: git(['write-tree'], undefined, env) }]
    }
    if (bare && (m = /^\/git\/commits\/([0-9a-f]{40})$/.exec(p)) && method === 'GET') {
      const tree = git(['rev-parse', `${m[1]}^{tree}`])
      return [200, { sha: m[1], tree: { sha: tree } }]
    }
    if (bare && p === '/git/commits' && method === 'POST') {
      if (typeof body?.message !== 'string' || typeof body?.tree !== 'string')
        return unprocessable('message and tree are required')
      const parents = (body.parents as string[] | undefined) ?? []
      const sha = git(['commit-tree', body.tree, ...parents.flatMap(x => ['-p', x])], body.message, {
        GIT_AUTHOR_NAME: 'github-actions[bot]',
        GIT_AUTHOR_EMAIL: '41898282+github-actions[bot]@users.noreply.github.com',
        GIT_COMMITTER_NAME: 'GitHub',
        GIT_COMMITTER_EMAIL: 'noreply@github.com'
      })
      // GitHub signs a commit it makes itself: one with no author, committer or signature of the caller's
      const verified = !body.author && !body.committer && !body.signature
      commits.set(sha, { verified })
      return [201, { sha, verification: { verified, reason: verified ? 'valid' : 'unsigned' } }]
    }
    if (bare && (m = /^\/git\/refs\/heads\/(.+)$/.exec(p)) && method === 'PATCH') {
      if (typeof body?.sha !== 'string') return unprocessable('sha is required')
      beforeRefUpdate?.()
      beforeRefUpdate = undefined
      const ref = `refs/heads/${m[1]}`
      let old: string
      try {
        old = git(['rev-parse', '--verify', ref])
      } catch {
        return unprocessable('Reference does not exist')
      }
      try {
        git(['merge-base', '--is-ancestor', old, body.sha])
      } catch {
        if (!body.force) return unprocessable('Update is not a fast forward')
      }
      try {
        git(['update-ref', ref, body.sha, old])
      } catch {
        return unprocessable('Update is not a fast forward')
      }
      return [200, { ref, object: { sha: body.sha } }]
    }
    if (bare && p === '/git/refs' && method === 'POST') {
      const ref = String(body?.ref ?? '')
      if (!/^refs\/[^/]+\/.+/.test(ref) || typeof body?.sha !== 'string')
        return unprocessable('ref must start with refs/ and contain at least two slashes; sha is required')
      try {
        git(['update-ref', ref, body.sha, '0'.repeat(40)])
      } catch {
        return unprocessable('Reference already exists')
      }
      return [201, { ref, object: { sha: body.sha } }]
    }
    if (p === '/pulls' && method === 'GET') {
      const head = url.searchParams.get('head')?.split(':')[1]
      return [200, pulls.filter(x => x.head === head)]
    }
    if (p === '/pulls' && method === 'POST') {
      if (!body?.head || !body?.base) return unprocessable('head and base are required')
      const number = pulls.length + 1
      const pr: Pull = {
        number,
        node_id: `PR_kwDO${number.toString().padStart(6, '0')}`,
        head: String(body.head),
        base: String(body.base),
        title: String(body.title ?? ''),
        body: String(body.body ?? ''),
        draft: body.draft === true,
        html_url: `https://github.example/${owner}/${repo}/pull/${number}`,
        labels: [],
        reviewers: [],
        team_reviewers: []
      }
      pulls.push(pr)
      return [201, pr]
    }
    if ((m = /^\/pulls\/(\d+)$/.exec(p)) && method === 'PATCH') {
      const pr = pulls.find(x => x.number === Number(m![1]))
      if (!pr) return [404, { message: 'Not Found' }]
      Object.assign(pr, { title: body?.title ?? pr.title, body: body?.body ?? pr.body })
      return [200, pr]
    }
    if ((m = /^\/issues\/(\d+)\/labels$/.exec(p)) && method === 'POST') {
      const pr = pulls.find(x => x.number === Number(m![1]))
      if (!pr) return [404, { message: 'Not Found' }]
      if (!Array.isArray(body?.labels)) return unprocessable('labels is required')
      pr.labels = [...new Set([...pr.labels, ...(body.labels as string[])])]
      return [200, pr.labels.map(name => ({ name }))]
    }
    if ((m = /^\/pulls\/(\d+)\/requested_reviewers$/.exec(p)) && method === 'POST') {
      const pr = pulls.find(x => x.number === Number(m![1]))
      if (!pr) return [404, { message: 'Not Found' }]
      if (!Array.isArray(body?.reviewers) && !Array.isArray(body?.team_reviewers))
        return unprocessable('reviewers or team_reviewers is required')
      pr.reviewers.push(...((body.reviewers as string[]) ?? []))
      pr.team_reviewers.push(...((body.team_reviewers as string[]) ?? []))
      return [201, pr]
    }
    if (method !== 'GET' && opts.readOnly) return [403, { message: 'Resource not accessible by integration' }]
    if ((m = /^\/issues\/(\d+)\/comments$/.exec(p))) {
      const list = comments.get(Number(m[1])) ?? []
      comments.set(Number(m[1]), list)
      if (method === 'GET') {
        const per = Number(url.searchParams.get('per_page') ?? 30)
        const page = Number(url.searchParams.get('page') ?? 1)
        return [200, list.slice((page - 1) * per, page * per)]
      }
      if (method === 'POST') {
        if (typeof body?.body !== 'string') return unprocessable('body is required')
        const c = { id: nextComment++, body: body.body }
        list.push(c)
        return [201, c]
      }
    }
    if ((m = /^\/issues\/comments\/(\d+)$/.exec(p)) && method === 'PATCH') {
      if (typeof body?.body !== 'string') return unprocessable('body is required')
      const c = [...comments.values()].flat().find(x => x.id === Number(m![1]))
      if (!c) return [404, { message: 'Not Found' }]
      c.body = body.body
      return [200, c]
    }
    if (p === '/attestations' && method === 'POST') {
      const bundle = body?.bundle as { mediaType?: string } | undefined
      if (!bundle || typeof bundle !== 'object') return unprocessable('bundle is required')
      if (!/^application\/vnd\.dev\.sigstore\.bundle/.test(bundle.mediaType ?? ''))
        return unprocessable('bundle must be a Sigstore bundle')
      attestations.push(bundle)
      return [201, { id: attestations.length }]
    }
    return [404, { message: 'Not Found' }]
  }

  const server = http.createServer((req, res) => {
    let raw = ''
    req.on('data', d => (raw += d))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x')
      const body = raw ? JSON.parse(raw) : undefined
      const record: ApiRequest = {
        method: req.method ?? '',
        path: url.pathname + url.search,
        authorization: req.headers.authorization,
        body
      }
      requests.push(record)
      const send = (status: number, data: unknown) => {
        record.status = status
        res.writeHead(status, { 'content-type': 'application/json' })
        res.end(JSON.stringify(data))
      }
      if (req.headers.authorization !== 'token ghs_test_token')
        return send(401, { message: 'Bad credentials' })
      const [status, data] = handle(req.method ?? '', url, body)
      send(status, data)
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    pulls,
    commits,
    comments,
    attestations,
    close: () => new Promise(resolve => server.close(() => resolve()))
  }
}
