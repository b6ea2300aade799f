// Which builder builds, how buildx is run, and what it can do. buildx's default `docker` driver (what a
// runner has unless a workflow creates another builder) can neither push by digest nor export a build
// cache other than inline, unless the engine uses the containerd image store; engine-push.ts and the
// cache choice (settings.ts) work around it.
import * as fs from 'node:fs/promises'
import * as path from 'node:path'
import { engineGet, type Docker } from '../common/docker.js'
import { tool } from '../common/exec.js'
import type { Settings } from './settings.js'

/** Where the docker CLI looks for plugins (besides DOCKER_CONFIG/cli-plugins), per its documentation. */
const PLUGIN_DIRS = [
  '/usr/local/lib/docker/cli-plugins',
  '/usr/local/libexec/docker/cli-plugins',
  '/usr/lib/docker/cli-plugins',
  '/usr/libexec/docker/cli-plugins'
]

/** What the current buildx builder can do that buildx's default docker driver may not. */
export interface Capabilities {
  /** `docker`, `docker-container`, `remote`, `kubernetes`; '' when buildx did not say. */
  driver: string
  /** Push an image by digest alone (`push-by-digest=true`). */
  pushesByDigest: boolean
  /** Export a build cache other than inline (gha, registry). */
  exportsCache: boolean
}

/** What every driver but the docker one can do (and the docker one on the containerd image store). */
export const FULL: Capabilities = { driver: '', pushesByDigest: true, exportsCache: true }

export interface Builder {
  kind: 'buildx' | 'classic'
  /** Runs `buildx <args>`: the plugin itself, or `docker buildx`. */
  buildx: Docker
  /** What the current builder can do: its driver from `buildx inspect`, the engine's store; asked once. */
  capabilities: () => Promise<Capabilities>
}

/**
 * The docker driver pushes by digest and exports caches only where the engine keeps images in the
 * containerd image store (buildx: "Switch to a different driver, or turn on the containerd image store").
 * The Engine API's /info says which store: DriverStatus holds driver-type io.containerd.snapshotter.v1.
 */
export function containerdStore(info: unknown): boolean {
  const status = (info as { DriverStatus?: unknown })?.DriverStatus
  return (
    Array.isArray(status) && status.some(p => Array.isArray(p) && p[1] === 'io.containerd.snapshotter.v1')
  )
}

async function engineInfo(docker: Docker, context: string): Promise<unknown> {
  const r = await engineGet('/info', context)
  if (r?.status === 200) return r.json
  const cli = await docker(['info', '--format', '{{json .}}'], { silent: true, ignoreReturnCode: true })
  try {
    return JSON.parse(cli.stdout)
  } catch {
    return undefined
  }
}

/**
 * buildx or the classic builder, and how to run buildx. `auto` takes buildx when its plugin file is found
 * where the docker CLI looks for it (no process started); when it is in none of those places,
 * `docker buildx version` decides. A plugin file found is run directly, in buildx's standalone mode (it
 * reads the same DOCKER_CONFIG, context and builders): `docker buildx …` would start the docker CLI, which
 * first runs the plugin once more for its metadata: about 30 ms of a cached rebuild's fixed cost.
 */
export async function chooseBuilder(
  settings: Settings,
  docker: Docker,
  configDir: string,
  env: Record<string, string | undefined>,
  context: string
): Promise<Builder> {
  let plugin: string | undefined
  if (settings.builder !== 'classic')
    for (const dir of [path.join(configDir, 'cli-plugins'), ...PLUGIN_DIRS]) {
      const file = path.join(dir, 'docker-buildx')
      if (await fs.stat(file).catch(() => undefined)) {
        plugin = file
        break
      }
    }
  const buildx: Docker = plugin
    ? (args, opts) => tool(plugin, { env })(args, opts)
    : (args, opts) => docker(['buildx', ...args], opts)
  let asked: Promise<Capabilities> | undefined
  const capabilities = () =>
    (asked ??= (async () => {
      const r = await buildx(['inspect'], { silent: true, ignoreReturnCode: true }).catch(() => undefined)
      const driver = /^Driver:\s*(\S+)/m.exec(r?.stdout ?? '')?.[1] ?? ''
      if (driver !== 'docker') return { ...FULL, driver }
      const able = containerdStore(await engineInfo(docker, context))
      return { driver, pushesByDigest: able, exportsCache: able }
    })())
  if (plugin && settings.builder !== 'classic') return { kind: 'buildx', buildx, capabilities }
  if (settings.builder !== 'auto') return { kind: settings.builder, buildx, capabilities }
  const r = await docker(['buildx', 'version'], { silent: true, ignoreReturnCode: true }).catch(
    () => undefined
  )
  return { kind: r?.exitCode === 0 ? 'buildx' : 'classic', buildx, capabilities }
}
