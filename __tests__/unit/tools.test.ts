// ensureTool against a release server on loopback: a pinned download is used only when its sha256 matches.
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import * as os from 'node:os'
import * as path from 'node:path'
import { jest } from '@jest/globals'

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tools-'))
process.env.RUNNER_TOOL_CACHE = path.join(root, 'cache')
process.env.RUNNER_TEMP = path.join(root, 'temp')
const { ensureTool } = await import('../../src/common/tools.js')

const binary = Buffer.from('#!/bin/sh\necho pinned-tool 1.0\n')
const sha = createHash('sha256').update(binary).digest('hex')
let hits = 0
const server = http.createServer((_req, res) => {
  hits++
  res.writeHead(200, { 'content-type': 'application/octet-stream' })
  res.end(binary)
})
let base = ''

beforeAll(async () => {
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true)
})
afterAll(() => {
  server.close()
  fs.rmSync(root, { recursive: true, force: true })
})

const pinned = (name: string, digest: string) => ({
  name,
  version: '1.0.0',
  url: (p: string, a: string) => `${base}/${name}-${p}-${a}`,
  digests: { 'linux-x64': `sha256:${digest}` }
})

test('downloads, verifies, caches, and then uses the cache', async () => {
  const first = await ensureTool(pinned('demo-pinned-tool', sha), 'linux', 'x64')
  expect(fs.readFileSync(first)).toEqual(binary)
  expect(fs.statSync(first).mode & 0o111).toBeTruthy()
  expect(first.startsWith(process.env.RUNNER_TOOL_CACHE!)).toBe(true)
  const before = hits
  expect(await ensureTool(pinned('demo-pinned-tool', sha), 'linux', 'x64')).toBe(first)
  expect(hits).toBe(before)
})

test('a download whose sha256 differs is refused and not cached', async () => {
  await expect(ensureTool(pinned('demo-tampered-tool', 'a'.repeat(64)), 'linux', 'x64')).rejects.toThrow(
    `demo-tampered-tool 1.0.0 from ${base}/demo-tampered-tool-linux-x64 has sha256 ${sha}, expected ${'a'.repeat(64)}; not used`
  )
  expect(fs.existsSync(path.join(process.env.RUNNER_TOOL_CACHE!, 'demo-tampered-tool'))).toBe(false)
})

test('no pin for this platform: a clear error', async () => {
  await expect(ensureTool(pinned('demo-other-tool', sha), 'darwin', 'arm64')).rejects.toThrow(
    'demo-other-tool is not on PATH and no pinned build exists for darwin-arm64'
  )
})

test('a tool on PATH is used as it is', async () => {
  expect(await ensureTool(pinned('sh', sha), 'linux', 'x64')).toMatch(/\/sh$/)
})

test('a tarball pinned by sha512: the binary is taken from inside it', async () => {
  const { execFileSync } = await import('node:child_process')
  const dir = fs.mkdtempSync(path.join(root, 'tgz-'))
  fs.mkdirSync(path.join(dir, 'kubernetes/client/bin'), { recursive: true })
  fs.writeFileSync(path.join(dir, 'kubernetes/client/bin/demo-tar-tool'), binary, { mode: 0o755 })
  const tgz = path.join(root, 'client.tar.gz')
  execFileSync('tar', ['-czf', tgz, '-C', dir, 'kubernetes'])
  const bytes = fs.readFileSync(tgz)
  const tarServer = http.createServer((_req, res) => res.end(bytes))
  await new Promise<void>(r => tarServer.listen(0, '127.0.0.1', r))
  const url = `http://127.0.0.1:${(tarServer.address() as AddressInfo).port}/client.tar.gz`
  try {
    const bin = await ensureTool(
      {
        name: 'demo-tar-tool',
        version: '1.29.4',
        url: () => url,
        digests: { 'linux-x64': `sha512:${createHash('sha512').update(bytes).digest('hex')}` },
        archive: 'tar.gz',
        pathInArchive: () => 'kubernetes/client/bin/demo-tar-tool'
      },
      'linux',
      'x64'
    )
    expect(fs.readFileSync(bin)).toEqual(binary)
  } finally {
    tarServer.close()
  }
})
