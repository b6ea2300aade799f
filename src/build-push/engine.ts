// The engine a build talks to: the step's own docker config (credentials never touch the user's, and go
// with the step's folder), the builder that builds, what it can do where that changes the build, and the
// registry logins. One phase of main.
import * as core from '@actions/core'
import { stepDockerEnv, writeDockerAuths, type Docker } from '../common/docker.js'
import { tool } from '../common/exec.js'
import { InputError } from '../common/inputs.js'
import type { PrivateDir } from '../common/temp.js'
import { chooseBuilder, FULL, type Capabilities } from './builder.js'
import { Inputs } from './constants.js'
import { cacheService, type Settings } from './settings.js'

export interface Engine {
  /** `docker` with the step's environment. */
  docker: Docker
  /** `buildx`: the plugin itself, or `docker buildx`. */
  buildx: Docker
  builder: 'buildx' | 'classic'
  /** What the builder can do (FULL when it does not matter for this build). */
  can: Capabilities
  /** push-by-digest on a builder that cannot: built into the engine, pushed through the registry API. */
  viaEngine: boolean
  /** The docker context the step's config names ('' for the default). */
  context: string
}

/** push-by-digest needs buildx; checked before anything is created. */
export function checkMode(settings: Settings): void {
  if (settings.mode === 'push-by-digest' && settings.builder === 'classic')
    throw new InputError(Inputs.Mode, 'push-by-digest needs buildx (builder: buildx or auto)')
}

export async function connect(settings: Settings, dir: PrivateDir): Promise<Engine> {
  const dockerEnv = await stepDockerEnv(
    dir.path,
    settings.push ? loginsOf(settings).map(l => l.registry) : []
  )
  const context = dockerEnv.DOCKER_CONTEXT ?? ''
  const env = {
    ...dockerEnv,
    BUILDX_NO_DEFAULT_ATTESTATIONS: settings.provenance ? undefined : '1',
    // a named builder (builder: <name>) for every buildx call: the build and `buildx inspect`
    ...(settings.builderName ? { BUILDX_BUILDER: settings.builderName } : {})
  }
  const docker = tool('docker', { env })
  // The builder probe and the login are independent: one round trip instead of two.
  const [{ kind: builder, buildx, capabilities }] = await Promise.all([
    chooseBuilder(settings, docker, dir.path, env, context),
    settings.push ? login(settings, dir.path) : undefined
  ])
  const can = builder === 'buildx' && capabilitiesMatter(settings) ? await capabilities() : FULL
  const viaEngine = settings.mode === 'push-by-digest' && !can.pushesByDigest
  if (viaEngine && settings.platforms.length > 1)
    throw new InputError(
      Inputs.Platforms,
      `must name one platform per leg with mode: push-by-digest on buildx's ${can.driver} driver (the engine holds one platform of an image), got '${settings.platforms.join(',')}'`
    )
  return { docker, buildx, builder, can, viaEngine, context }
}

/** What the builder can do is asked only where it changes something: push by digest, a cache to export. */
export function capabilitiesMatter(settings: Settings, env = process.env): boolean {
  return (
    settings.mode === 'push-by-digest' ||
    settings.cache === 'gha' ||
    settings.cache === 'registry' ||
    (settings.cache === 'auto' && cacheService(env))
  )
}

/** The logins a push needs: registry/username/password, then `logins`. */
export function loginsOf(settings: Settings): Settings['logins'] {
  return [
    ...(settings.password
      ? [{ registry: settings.registry, username: settings.username, password: settings.password }]
      : []),
    ...settings.logins
  ]
}

/** One login per registry into the per-step docker config. */
async function login(settings: Settings, configDir: string): Promise<void> {
  const all = loginsOf(settings)
  if (all.length === 0) {
    core.info(`No password given; pushing to ${settings.registry} with no login`)
    return
  }
  // written straight into the per-step config (no `docker login` process, no round trip before the build);
  // a refusal is reported when the push meets it
  await writeDockerAuths(configDir, all)
  for (const l of all)
    core.info(`Credentials for ${l.registry} as ${l.username} are in the step's docker config`)
}
