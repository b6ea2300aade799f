// Generated GitHub API answers for pull-request mode (fast-check; FC_SEED replays, FC_RUNS sets how
// many): a loopback HTTP server answers every call with a generated status and body (the wrong shape,
// cut short, an HTML error page, huge). openPullRequest either returns a pull request whose number and
// address have the right types, or fails with one error that says which call on which repository.
import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import fc from 'fast-check'
import type { Settings } from '../../src/gitops-bump/settings.js'

const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : Date.now() % 2 ** 31
let answers: { status: number; body: string }[] = []
let server: http.Server

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume()
    const a = answers.shift() ?? { status: 200, body: '{}' }
    res.writeHead(a.status, { 'content-type': 'application/json' })
    res.end(a.body)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  // @actions/github reads the API's address when it loads
  process.env.GITHUB_API_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => server.close())

const pr = fc.record({
  number: fc.oneof(fc.nat(), fc.string(), fc.constant(null)),
  html_url: fc.oneof(fc.webUrl(), fc.nat()),
  node_id: fc.string()
})
const body = fc.oneof(
  fc.json({ maxDepth: 2 }),
  fc.json().map(j => j.slice(0, Math.max(0, j.length - 2))),
  fc.array(pr, { maxLength: 2 }).map(v => JSON.stringify(v)),
  pr.map(v => JSON.stringify(v)),
  fc.constantFrom('', '<html>502</html>', 'null', '[]', '{"message":"Validation Failed"}')
)
const answer = fc.record({ status: fc.constantFrom(200, 201, 200, 201, 204, 401, 403, 404, 422, 500), body })

test('pull-request mode on generated answers: a well-typed pull request, or one clear error', async () => {
  const { openPullRequest } = await import('../../src/gitops-bump/pull-request.js')
  const settings = {
    token: 'a-token',
    apiRepo: 'banicr/demo_gitops',
    branch: 'main',
    draft: false,
    labels: ['deploy'],
    reviewers: [],
    teamReviewers: [],
    autoMerge: ''
  } as unknown as Settings
  // the well-formed answers first: a pull request is opened (the property alone would pass if none ever was)
  answers = [
    { status: 200, body: '[]' },
    {
      status: 201,
      body: JSON.stringify({
        number: 7,
        html_url: 'https://github.com/banicr/demo_gitops/pull/7',
        node_id: 'PR_x'
      })
    },
    { status: 200, body: '[]' }
  ]
  expect(await openPullRequest(settings, 'bump/x', 'chore: bump\n\nbody')).toEqual({
    number: 7,
    url: 'https://github.com/banicr/demo_gitops/pull/7',
    created: true
  })
  // an open one for the branch: updated, not created
  answers = [
    {
      status: 200,
      body: JSON.stringify([
        { number: 8, html_url: 'https://github.com/banicr/demo_gitops/pull/8', node_id: 'PR_y' }
      ])
    },
    { status: 200, body: '{}' },
    { status: 200, body: '[]' }
  ]
  expect(await openPullRequest(settings, 'bump/x', 'chore: bump')).toMatchObject({
    number: 8,
    created: false
  })
  await fc.assert(
    fc.asyncProperty(fc.array(answer, { minLength: 4, maxLength: 4 }), async list => {
      answers = [...list]
      try {
        const got = await openPullRequest(settings, 'bump/x', 'chore: bump\n\nbody')
        expect(Number.isSafeInteger(got.number)).toBe(true)
        expect(typeof got.url).toBe('string')
      } catch (err) {
        expect((err as Error).message).toMatch(/^Opening the pull request on banicr\/demo_gitops failed/)
        expect((err as Error).message).not.toContain('a-token')
      }
    }),
    { numRuns: Number(process.env.FC_RUNS || 60), seed }
  )
})
