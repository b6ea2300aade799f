// The registry client against two loopback HTTPS servers: a registry that asks for Basic auth and
// redirects blob reads to a storage host (as GHCR and Docker Hub do), and that storage host. The CA is
// found the way the docker engine finds it: <certs.d>/<host:port>/ca.crt. In the integration project
// because it needs openssl, which scripts/infra.sh installs (`test.sh unit` installs nothing).
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as https from 'node:https'
import type { AddressInfo } from 'node:net'
import * as path from 'node:path'
import fc from 'fast-check'
import { mergeDigests } from '../../src/build-push/merge.js'
import { RegistryClient } from '../../src/common/registry.js'
import { tempDir } from '../../scripts/lib/runner.mjs'

const dir = tempDir('registry-unit')
const key = path.join(dir, 'key.pem')
const cert = path.join(dir, 'cert.pem')
const seen: { server: string; method: string; url: string; authorization?: string }[] = []
let registry: https.Server
let storage: https.Server

function listen(
  name: string,
  handler: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void
): Promise<https.Server> {
  const server = https.createServer(
    { key: fs.readFileSync(key), cert: fs.readFileSync(cert) },
    (req, res) => {
      seen.push({
        server: name,
        method: req.method ?? '',
        url: req.url ?? '',
        authorization: req.headers.authorization
      })
      handler(req, res)
    }
  )
  return new Promise(resolve => server.listen(0, '127.0.0.1', () => resolve(server)))
}

const port = (s: https.Server) => (s.address() as AddressInfo).port

beforeAll(async () => {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1'
    ],
    { stdio: 'ignore' }
  )
  storage = await listen('storage', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ architecture: 'arm64', os: 'linux' }))
  })
  registry = await listen('registry', (req, res) => {
    if (req.headers.authorization !== `Basic ${Buffer.from('ci:pw').toString('base64')}`) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="registry"' })
      res.end()
    } else {
      res.writeHead(307, { location: `https://127.0.0.1:${port(storage)}/blobs/abc?signature=1` })
      res.end()
    }
  })
  fs.mkdirSync(path.join(dir, 'certs.d', `127.0.0.1:${port(registry)}`), { recursive: true })
  fs.copyFileSync(cert, path.join(dir, 'certs.d', `127.0.0.1:${port(registry)}`, 'ca.crt'))
})

afterAll(() => {
  registry?.close()
  storage?.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

test('a blob read follows the redirect to storage, sending the credentials to the registry only, and Basic auth is reused', async () => {
  const client = new RegistryClient(`127.0.0.1:${port(registry)}`, 'ci', 'pw', path.join(dir, 'certs.d'))
  const digest = `sha256:${'a'.repeat(64)}`
  expect(await client.blob('owner/app', digest)).toEqual({ architecture: 'arm64', os: 'linux' })
  expect(await client.blob('owner/app', digest)).toEqual({ architecture: 'arm64', os: 'linux' })
  const basic = `Basic ${Buffer.from('ci:pw').toString('base64')}`
  expect(seen.map(s => [s.server, s.authorization ?? 'none'])).toEqual([
    ['registry', 'none'], // the challenge
    ['registry', basic],
    ['storage', 'none'],
    ['registry', basic], // known from then on: no second challenge
    ['storage', 'none']
  ])
})

test('refused credentials name the user and the inputs to check, never the password', async () => {
  const client = new RegistryClient(
    `127.0.0.1:${port(registry)}`,
    'ci',
    'wrong-pw',
    path.join(dir, 'certs.d')
  )
  const err = await client.blob('owner/app', `sha256:${'b'.repeat(64)}`).catch(e => e as Error)
  expect(String(err)).toMatch(
    /refused the credentials of 'ci' \(HTTP 401\); check username\/password or logins/
  )
  expect(String(err)).not.toContain('wrong-pw')
})

describe('generated registry answers (fast-check; FC_SEED replays, FC_RUNS sets how many)', () => {
  // What a registry, a proxy in front of one, or a broken one may answer: JSON of the wrong shape,
  // JSON cut short, HTML error pages, huge strings, and token services that answer the same way.
  const body = fc.oneof(
    fc.json({ maxDepth: 3 }),
    fc.json().map(j => j.slice(0, Math.max(0, j.length - 3))),
    fc.constantFrom('', '<html><body>502 Bad Gateway</body></html>', 'null', '[]', '"x"', '{"config":null}'),
    fc
      .record({ config: fc.oneof(fc.anything(), fc.record({ digest: fc.string() })) })
      .map(v => JSON.stringify(v)),
    fc.record({ manifests: fc.array(fc.anything(), { maxLength: 3 }) }).map(v => JSON.stringify(v)),
    fc.nat(2_000_000).map(n => JSON.stringify({ mediaType: 'x'.repeat(n) }))
  )
  const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : Date.now() % 2 ** 31
  let answer = ''
  let token = ''
  let server: https.Server

  beforeAll(async () => {
    server = await listen('generated', (req, res) => {
      if (req.url?.startsWith('/token')) {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(token)
        return
      }
      if (!req.headers.authorization) {
        res.writeHead(401, {
          'www-authenticate': `Bearer realm="https://127.0.0.1:${port(server)}/token",service="gen"`
        })
        res.end()
        return
      }
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' })
      res.end(answer)
    })
    fs.mkdirSync(path.join(dir, 'certs.d', `127.0.0.1:${port(server)}`), { recursive: true })
    fs.copyFileSync(cert, path.join(dir, 'certs.d', `127.0.0.1:${port(server)}`, 'ca.crt'))
  })
  afterAll(() => server?.close())

  test('a manifest, blob or merge either reads as the right types or fails naming the registry', async () => {
    const registry = `127.0.0.1:${port(server)}`
    await fc.assert(
      fc.asyncProperty(body, body, async (manifest, tokenBody) => {
        answer = manifest
        token = tokenBody
        const client = new RegistryClient(registry, 'ci', 'pw', path.join(dir, 'certs.d'))
        for (const read of [
          () => client.manifest('o/app', 'v1').then(m => (expect(typeof m.mediaType).toBe('string'), m.json)),
          () => client.blob('o/app', `sha256:${'c'.repeat(64)}`),
          () => mergeDigests(client, 'o/app', [`sha256:${'d'.repeat(64)}`], [])
        ]) {
          try {
            const got = await read()
            expect(typeof got).toBe('object')
          } catch (err) {
            // never a TypeError from our own code or a bare SyntaxError: a message that says where
            expect(err).not.toBeInstanceOf(TypeError)
            expect((err as Error).message).toMatch(
              new RegExp(`${registry.replace(/\./g, '\\.')}|token service|refused`)
            )
          }
        }
      }),
      { numRuns: Number(process.env.FC_RUNS || 40), seed }
    )
  })
})
