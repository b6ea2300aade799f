// Which builder builds, how buildx is run, and what its driver can do. buildx's default `docker` driver
// (what a runner has unless a workflow creates another builder) can neither push by digest nor export a
// build cache other than inline; engine-push.ts and the cache choice (settings.ts) work around it.
import * as fs from 'node:fs/promises'
import * as path from 'node:path'
import type { Docker } from '../common/docker.js'
import { tool } from '../common/exec.js'
import type { Settings } from './settings.js'

/** Where the docker CLI looks for plugins (besides DOCKER_CONFIG/cli-plugins), per its documentation. */
const PLUGIN_DIRS = [
  '/usr/local/lib/docker/cli-plugins',
  '/usr/local/libexec/docker/cli-plugins',
  '/usr/lib/docker/cli-plugins',
  '/usr/libexec/docker/cli-plugins'
]

export interface Builder {
  kind: 'buildx' | 'classic'
  /** Runs `buildx <args>`: the plugin itself, or `docker buildx`. */
  buildx: Docker
  /** The current buildx builder's driver (`docker`, `docker-container`, `remote`, ...); asked once. */
  driver: () => Promise<string>
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
  env: Record<string, string | undefined>
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
  let asked: Promise<string> | undefined
  const driver = () =>
    (asked ??= buildx(['inspect'], { silent: true, ignoreReturnCode: true })
      .then(r => /^Driver:\s*(\S+)/m.exec(r.stdout)?.[1] ?? '')
      .catch(() => ''))
  if (plugin && settings.builder !== 'classic') return { kind: 'buildx', buildx, driver }
  if (settings.builder !== 'auto') return { kind: settings.builder, buildx, driver }
  const r = await docker(['buildx', 'version'], { silent: true, ignoreReturnCode: true }).catch(
    () => undefined
  )
  return { kind: r?.exitCode === 0 ? 'buildx' : 'classic', buildx, driver }
}
