// A stand-in for the two GitHub services keyless signing meets, which cannot run here: the runner's ID
// token endpoint and the OIDC issuer behind it (token.actions.githubusercontent.com). It copies their
// documented behaviour (docs.github.com, "About security hardening with OpenID Connect" and "Configuring
// OpenID Connect in cloud providers"):
//   - a job with `id-token: write` gets ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN;
//     GET <url>&audience=<aud> with `Authorization: Bearer <request token>` answers {"value": "<JWT>"}, and a
//     request without that bearer is refused (401), as a job without the permission is;
//   - the JWT is RS256, signed by a key published at the issuer's jwks_uri (found through
//     /.well-known/openid-configuration), and carries GitHub's claims: sub, repository, repository_id,
//     repository_owner(_id), repository_visibility, ref, sha, workflow, workflow_ref, workflow_sha,
//     job_workflow_ref, job_workflow_sha, event_name, run_id, run_attempt, runner_environment, aud, iss,
//     iat, nbf, exp (5 minutes) — what Fulcio's github-workflow issuer type requires of a token.
// Tests choose the workflow a token is for through the URL: /token/<base64url JSON of claims to change>.
//   node oidc.mjs <port> <request-token-file>   serves http://127.0.0.1:<port>; prints "ready" when listening
import * as crypto from 'node:crypto'
import * as fs from 'node:fs'
import * as http from 'node:http'

const port = Number(process.argv[2])
const requestToken = fs.readFileSync(process.argv[3], 'utf8').trim()
const issuer = `http://127.0.0.1:${port}`
const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
const kid = crypto
  .createHash('sha256')
  .update(publicKey.export({ type: 'spki', format: 'der' }))
  .digest('hex')
  .slice(0, 16)
const b64url = b => Buffer.from(b).toString('base64url')

/** The claims of a push to main of owner/repo running .github/workflows/pipeline.yml, changed by `over`. */
function claims(audience, over) {
  const now = Math.floor(Date.now() / 1000)
  const repository = over.repository ?? 'banicr/demo-flask-app'
  const ref = over.ref ?? 'refs/heads/main'
  const sha = over.sha ?? 'a'.repeat(40)
  const workflow = `${repository}/.github/workflows/pipeline.yml@${ref}`
  return {
    jti: crypto.randomUUID(),
    sub: `repo:${repository}:ref:${ref}`,
    aud: audience,
    ref,
    sha,
    repository,
    repository_owner: repository.split('/')[0],
    repository_owner_id: '1001',
    repository_id: '2002',
    repository_visibility: 'public',
    run_id: '42',
    run_number: '7',
    run_attempt: '1',
    runner_environment: 'github-hosted',
    actor: 'octocat',
    actor_id: '3003',
    workflow: 'pipeline',
    workflow_ref: workflow,
    workflow_sha: sha,
    job_workflow_ref: workflow,
    job_workflow_sha: sha,
    event_name: 'push',
    ref_type: 'branch',
    ...over,
    iss: issuer,
    iat: now,
    nbf: now - 5,
    exp: now + 300
  }
}

function jwt(payload) {
  const head = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }))
  const body = b64url(JSON.stringify(payload))
  const sig = crypto.sign('sha256', Buffer.from(`${head}.${body}`), privateKey)
  return `${head}.${body}.${b64url(sig)}`
}

const json = (res, status, value) => {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(value))
}

http
  .createServer((req, res) => {
    const url = new URL(req.url, issuer)
    if (url.pathname === '/.well-known/openid-configuration')
      return json(res, 200, {
        issuer,
        jwks_uri: `${issuer}/.well-known/jwks`,
        subject_types_supported: ['public', 'pairwise'],
        response_types_supported: ['id_token'],
        claims_supported: ['sub', 'aud', 'exp', 'iat', 'iss', 'jti', 'nbf', 'ref', 'repository', 'sha'],
        id_token_signing_alg_values_supported: ['RS256'],
        scopes_supported: ['openid']
      })
    if (url.pathname === '/.well-known/jwks')
      return json(res, 200, {
        keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }]
      })
    const m = /^\/token(?:\/([A-Za-z0-9_-]*))?$/.exec(url.pathname)
    if (m && req.method === 'GET') {
      if (req.headers.authorization !== `Bearer ${requestToken}`)
        return json(res, 401, { message: 'Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable' })
      let over = {}
      try {
        over = m[1] ? JSON.parse(Buffer.from(m[1], 'base64url').toString('utf8')) : {}
      } catch {
        return json(res, 400, { message: 'bad claims' })
      }
      return json(res, 200, {
        count: 1,
        value: jwt(claims(url.searchParams.get('audience') || 'https://github.com/banicr', over))
      })
    }
    json(res, 404, { message: 'Not Found' })
  })
  .listen(port, '127.0.0.1', () => console.log('ready'))
