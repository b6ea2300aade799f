// image-source: registry. Instead of `kind load`, the nodes pull the image from its registry, as a real
// cluster does. kind's documented ways are used: containerd reads per-registry settings from
// /etc/containerd/certs.d/<host>/hosts.toml (config_path, set by a containerdConfigPatch at creation),
// where an endpoint (kind's local-registry pattern: localhost:5001 pulled from http://kind-registry:5000)
// and a private CA are named; credentials go into containerd's own registry config for the host the nodes
// contact (containerd 1.6+/2.x CRI: `registry.configs."<host>".auth`, used when the kubelet sends none), so
// they work for any chart, with or without imagePullSecrets, and also through an endpoint (a pull secret's
// credentials are offered only to the host named in the image).
import { loadYaml } from '../common/yaml.js'
import type { Tool } from '../common/exec.js'
import { CONTAINERD_CERTS_D } from './constants.js'
import type { Settings } from './settings.js'

export interface RegistryAccess {
  /** The registry host in the image's name (docker.io for Docker Hub), the name of its certs.d folder. */
  host: string
  /** Where the nodes reach it, when not at the host itself (https://name:port or http://name:port). */
  endpoint?: string
  ca?: string
  username?: string
  password?: string
}

export function registryAccess(s: Settings): RegistryAccess {
  return {
    host: s.ref.registry || 'docker.io',
    endpoint: s.registryEndpoint || undefined,
    ca: s.registryCa || undefined,
    username: s.password ? s.username : undefined,
    password: s.password || undefined
  }
}

/** The server containerd contacts for a host when hosts.toml names no other. */
function server(host: string): string {
  return host === 'docker.io' ? 'https://registry-1.docker.io' : `https://${host}`
}

/** The host (with port) the nodes actually contact: the endpoint's, else the registry's own server. */
export function contactedHost(a: RegistryAccess): string {
  return new URL(a.endpoint ?? server(a.host)).host
}

/** Whether the nodes need any setting for it (a public registry over TLS needs none). */
export function needsConfig(a: RegistryAccess): boolean {
  return !!(a.endpoint || a.ca || a.password)
}

const toml = (s: string): string => JSON.stringify(s)

/** The containerdConfigPatch: certs.d for hosts.toml, and the credentials for the contacted host. */
export function containerdPatch(a: RegistryAccess): string {
  const lines = [
    '[plugins."io.containerd.grpc.v1.cri".registry]',
    `  config_path = ${toml(CONTAINERD_CERTS_D)}`
  ]
  if (a.password)
    lines.push(
      `[plugins."io.containerd.grpc.v1.cri".registry.configs.${toml(contactedHost(a))}.auth]`,
      `  username = ${toml(a.username ?? '')}`,
      `  password = ${toml(a.password)}`
    )
  return lines.join('\n')
}

export function certsDir(a: RegistryAccess): string {
  return `${CONTAINERD_CERTS_D}/${a.host}`
}

/**
 * hosts.toml for the image's registry: the endpoint (or the registry's own server) as a [host] table, with
 * the CA, and as the server too. A [host] table is needed: containerd 1.6 ignores a hosts.toml without one
 * ("invalid `host` tree", then the defaults). The endpoint is the server as well, not a mirror in front of
 * the registry's name: containerd would fall back to that name, which the nodes may not reach, and its
 * "connection refused" would hide the endpoint's own answer, such as a 404 for a missing tag.
 */
export function hostsToml(a: RegistryAccess): string {
  const endpoint = a.endpoint ?? server(a.host)
  const ca = a.ca ? toml(`${certsDir(a)}/ca.crt`) : undefined
  const lines = [`server = ${toml(endpoint)}`]
  if (ca) lines.push(`ca = ${ca}`)
  lines.push('', `[host.${toml(endpoint)}]`, '  capabilities = ["pull", "resolve"]')
  if (ca) lines.push(`  ca = ${ca}`)
  return lines.join('\n') + '\n'
}

/**
 * The kind config passed to `kind create cluster`: the user's (config input) with the patch added to its
 * containerdConfigPatches, or a config of that patch alone.
 */
export async function kindConfig(userConfig: string | undefined, patch: string): Promise<string> {
  const Y = await loadYaml()
  const doc = userConfig
    ? (Y.parse(userConfig) as Record<string, unknown> | null)
    : { kind: 'Cluster', apiVersion: 'kind.x-k8s.io/v1alpha4' }
  if (!doc || typeof doc !== 'object' || doc.kind !== 'Cluster')
    throw new Error("The kind config (input 'config') is not a kind Cluster config (kind: Cluster)")
  const patches = Array.isArray(doc.containerdConfigPatches) ? doc.containerdConfigPatches : []
  return Y.stringify({ ...doc, containerdConfigPatches: [...patches, patch] })
}

/** Writes hosts.toml (and the CA) into every node; containerd reads them at the next pull. */
export async function configureNodes(docker: Tool, nodes: string[], a: RegistryAccess): Promise<void> {
  const dir = certsDir(a)
  const files: [string, string][] = [['hosts.toml', hostsToml(a)]]
  if (a.ca) files.push(['ca.crt', a.ca.trim() + '\n'])
  for (const node of nodes)
    for (const [name, content] of files)
      await docker(['exec', '-i', node, 'sh', '-c', 'mkdir -p "$1" && cat > "$1/$2"', 'sh', dir, name], {
        input: content,
        silent: true,
        label: `writing ${dir}/${name} on node ${node}`
      })
}
