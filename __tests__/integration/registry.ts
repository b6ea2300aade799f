// Questions to the real registry (TLS, password auth) that scripts/infra.sh started on loopback.
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as https from 'node:https'
import { infraEnv, tempDir } from '../../scripts/lib/runner.mjs'

export const infra = infraEnv()

const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json'
].join(', ')

function get(
  pathname: string
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port: Number(infra.REGISTRY.split(':')[1]),
        path: pathname,
        ca: fs.readFileSync(infra.REGISTRY_CA),
        auth: `${infra.REGISTRY_USER}:${infra.REGISTRY_PASSWORD}`,
        headers: { Accept: ACCEPT }
      },
      res => {
        let body = ''
        res.on('data', d => (body += d))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
      }
    )
    req.on('error', reject)
    req.end()
  })
}

/** The digest the registry holds for repository:tag, or undefined. */
export async function manifestDigest(repository: string, tag: string): Promise<string | undefined> {
  const r = await get(`/v2/${repository}/manifests/${tag}`)
  return r.status === 200 ? (r.headers['docker-content-digest'] as string) : undefined
}

/**
 * The tags the registry lists for a repository (none when it does not exist): "nothing was pushed" is an
 * empty list, whatever tag a push would have used.
 */
export async function tagList(repository: string): Promise<string[]> {
  const r = await get(`/v2/${repository}/tags/list`)
  if (r.status === 404) return []
  if (r.status !== 200) throw new Error(`tags/list of ${repository}: HTTP ${r.status} ${r.body}`)
  return (JSON.parse(r.body).tags as string[] | null) ?? []
}

/** The image config (labels, env) of repository:tag; an index is followed to its linux/amd64 image. */
export async function imageConfig(
  repository: string,
  tag: string
): Promise<{ config: { Labels?: Record<string, string>; Env?: string[] } }> {
  let manifest = JSON.parse((await get(`/v2/${repository}/manifests/${tag}`)).body)
  if (manifest.manifests) {
    const image = manifest.manifests.find(
      (m: { platform?: { architecture?: string } }) => m.platform?.architecture !== 'unknown'
    )
    manifest = JSON.parse((await get(`/v2/${repository}/manifests/${image.digest}`)).body)
  }
  return JSON.parse((await get(`/v2/${repository}/blobs/${manifest.config.digest}`)).body)
}

/** A new docker config folder logged in to the test registry, for a test's own pushes and pulls. */
export function loggedInDockerConfig(): string {
  const config = tempDir('docker-config')
  execFileSync(
    'docker',
    ['--config', config, 'login', '-u', infra.REGISTRY_USER, '--password-stdin', infra.REGISTRY],
    {
      input: infra.REGISTRY_PASSWORD,
      stdio: ['pipe', 'ignore', 'ignore']
    }
  )
  return config
}
