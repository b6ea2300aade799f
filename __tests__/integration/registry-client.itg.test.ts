// The registry client against two loopback HTTPS servers: a registry that asks for Basic auth and
// redirects blob reads to a storage host (as GHCR and Docker Hub do), and that storage host. The CA is
// found the way the docker engine finds it: <certs.d>/<host:port>/ca.crt. In the integration project
// because it needs openssl, which scripts/infra.sh installs (`test.sh unit` installs nothing).
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as https from 'node:https'
import type { AddressInfo } from 'node:net'
import * as os from 'node:os'
import * as path from 'node:path'
import { RegistryClient } from '../../src/build-push/registry.js'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-unit-'))
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
