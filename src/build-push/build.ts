// The build, with buildx or the classic builder, and the push: what main's build phase runs. A failed
// build is explained (a refused push names the credentials, an unknown builder the input, a Dockerfile
// error is annotated at its line).
import { DIGEST, isDigest } from '../common/tag.js'
import * as fs from 'node:fs/promises'
import * as path from 'node:path'
import * as core from '@actions/core'
import { authRefused, engineGet, type Docker } from '../common/docker.js'
import { githubContext } from '../common/github.js'
import { tail, ToolError, type RunResult } from '../common/exec.js'
import { InputError } from '../common/inputs.js'
import type { PrivateDir } from '../common/temp.js'
import { Inputs } from './constants.js'
import { failedLine, failureReason } from './dockerfile.js'
import type { Engine } from './engine.js'
import { hasSecrets, secretArgs } from './secrets.js'
import {
  buildxArgs,
  cacheBackend,
  cacheEnv,
  classicArgs,
  type CacheBackend,
  type RunContext,
  type Settings
} from './settings.js'

export interface Built {
  /** The registry's digest of what was pushed ('' when nothing was). */
  digest: string
  /** The image's config digest (the engine's image id). */
  imageId: string
  buildSeconds: number
  pushSeconds: number
  /** The image's size, asked of the engine while the push ran (buildx's docker driver), or undefined. */
  size?: Promise<string>
}

export async function buildWithBuildx(
  settings: Settings,
  run: RunContext,
  engine: Engine,
  dir: PrivateDir
): Promise<Built> {
  const started = Date.now()
  const metadata = path.join(dir.path, 'metadata.json')
  const cache = chooseCache(settings, engine)
  const args = buildxArgs(settings, run, metadata, cache, engine.can)
  // secrets go in before the context (the last argument); the values are files in the private folder
  args.splice(args.length - 1, 0, ...(await secretArgs(settings.secrets, dir)))
  // a secret-envs variable is given to buildx on purpose (the child-environment rules drop secrets)
  const secretEnv = Object.fromEntries(settings.secrets.envs.map(([, name]) => [name, process.env[name]]))
  const size = sizeWatch(settings, engine)
  const what =
    settings.mode === 'push-by-digest'
      ? `${settings.image} to push by digest`
      : `${settings.push ? 'and push ' : ''}${settings.refs.join(', ')}`
  const env = { ...secretEnv, ...cacheEnv(cache, engine.can.exportsCache) }
  await core.group(`Build ${what} (buildx)`, () => runBuild(settings, engine.buildx, args, env, size.watch))
  const meta = JSON.parse(await fs.readFile(metadata, 'utf8').catch(() => '{}')) as Record<string, unknown>
  if (!engine.viaEngine) {
    const digest = settings.push ? String(meta['containerimage.digest'] ?? '') : ''
    const imageId = String(meta['containerimage.config.digest'] ?? '')
    return {
      digest,
      imageId,
      buildSeconds: (Date.now() - started) / 1000,
      pushSeconds: 0,
      size: size.query()
    }
  }
  // the docker exporter reports the image id as containerimage.digest
  const imageId = String(meta['containerimage.config.digest'] ?? meta['containerimage.digest'] ?? '')
  const pushStarted = Date.now()
  const digest = await core.group(
    `Push ${settings.image} by digest (the ${engine.can.driver} driver cannot)`,
    () => pushViaEngine(settings, engine.docker, imageId, dir)
  )
  const pushSeconds = (Date.now() - pushStarted) / 1000
  return { digest, imageId, buildSeconds: (pushStarted - started) / 1000, pushSeconds, size: size.query() }
}

export async function buildClassic(settings: Settings, run: RunContext, engine: Engine): Promise<Built> {
  if (hasSecrets(settings.secrets))
    throw new InputError(
      Inputs.Secrets,
      'needs BuildKit (builder: buildx or auto with the buildx plugin); the classic builder has no build secrets'
    )
  const started = Date.now()
  await core.group(`Build ${settings.refs.join(', ')} (classic builder)`, () =>
    runBuild(settings, engine.docker, classicArgs(settings, run), { DOCKER_BUILDKIT: '0' })
  )
  const built = (Date.now() - started) / 1000
  if (!settings.push) return { digest: '', imageId: '', buildSeconds: built, pushSeconds: 0 }
  const pushStarted = Date.now()
  const digest = await core.group(`Push ${settings.refs.join(', ')}`, () => pushAll(settings, engine.docker))
  return { digest, imageId: '', buildSeconds: built, pushSeconds: (Date.now() - pushStarted) / 1000 }
}

/** A push must end with the registry's digest. */
export function checkPushed(settings: Settings, built: Built): void {
  if (settings.push && !isDigest(built.digest))
    throw new Error(`The push finished but reported no digest for ${settings.refs[0]}`)
}

function chooseCache(settings: Settings, engine: Engine): CacheBackend {
  const { can } = engine
  const cache = cacheBackend(settings.cache, engine.builder, process.env, can.exportsCache)
  if ((cache === 'gha' || cache === 'registry') && !can.exportsCache)
    core.warning(
      `cache: ${cache} is imported but not exported: buildx's ${can.driver} driver cannot export a build cache here; create a docker-container builder (docker/setup-buildx-action) or turn on the engine's containerd image store to export it`
    )
  else if (cache !== 'none') core.info(`Build cache: ${cache}${settings.cache === 'auto' ? ' (auto)' : ''}`)
  return cache
}

/**
 * The docker driver writes the image into the engine before it pushes: its size is asked for then, while
 * the push runs, instead of after the build (a fresh image's size costs the engine ~8 ms).
 */
function sizeWatch(settings: Settings, engine: Engine) {
  let seen = ''
  let query: Promise<string> | undefined
  const watch = (text: string) => {
    if (query || !settings.summary) return
    seen = (seen + text).slice(-400)
    const written = new RegExp(`writing image (${DIGEST})`).exec(seen)
    if (written) query = imageSize(engine, written[1]).catch(() => 'unknown')
  }
  return { watch, query: () => query }
}

/** push-by-digest where the builder cannot: the untagged engine image to settings.image, by digest. */
async function pushViaEngine(
  settings: Settings,
  docker: Docker,
  imageId: string,
  dir: PrivateDir
): Promise<string> {
  if (!isDigest(imageId))
    throw new Error(`The build reported no image id to push by digest (got '${imageId}')`)
  const { RegistryClient, repositoryOf } = await import('../common/registry.js')
  const { pushFromEngine, manifestAnnotations } = await import('./engine-push.js')
  const { registry, repository } = repositoryOf(settings.image, settings.registry)
  const login =
    registry === settings.registry && settings.password
      ? settings
      : settings.logins.find(l => l.registry === registry)
  const client = new RegistryClient(registry, login?.username ?? '', login?.password ?? '')
  const { applied, skipped } = manifestAnnotations(settings.annotations)
  if (skipped.length)
    core.warning(
      `Pushed by digest through the engine: only manifest annotations apply, not ${skipped.join(', ')}`
    )
  return pushFromEngine(docker, imageId, client, repository, dir, applied)
}

/** Runs the build; a failure is said in the user's terms where it can be. */
async function runBuild(
  settings: Settings,
  docker: Docker,
  args: string[],
  env: Record<string, string | undefined> = {},
  onOutput?: (text: string) => void
): Promise<void> {
  try {
    await docker(args, { env, label: 'docker build', onOutput })
  } catch (err) {
    if (!(err instanceof ToolError)) throw err
    throw (await explainBuildFailure(settings, err.result)) ?? err
  }
}

/** The error to throw instead of the tool's, or undefined after annotating the Dockerfile. */
export async function explainBuildFailure(settings: Settings, result: RunResult): Promise<Error | undefined> {
  if (settings.push && authRefused(`${result.stdout}\n${result.stderr}`)) {
    const who = [
      settings.password ? `${settings.registry} as '${settings.username}'` : '',
      ...settings.logins.map(l => `${l.registry} as '${l.username}'`)
    ].filter(Boolean)
    return new Error(
      `The registry refused the push: ${who.length ? `check the credentials for ${who.join(', ')}` : 'no credentials were given (username/password, or logins)'}:\n${tail(result, 5)}`
    )
  }
  const unknown =
    /ERROR: (no builder "[^"\n]*" found|use `docker --context=[^`\n]*` to switch to context[^\n]*)/.exec(
      result.stderr
    )
  if (settings.builderName && unknown)
    return new InputError(Inputs.Builder, `names a builder buildx cannot use here: ${unknown[1]}`)
  if (/push-by-digest is currently not implemented/i.test(result.stderr))
    return new InputError(
      Inputs.Mode,
      'push-by-digest needs a builder that can push by digest: the default docker driver cannot; create a docker-container builder first (docker/setup-buildx-action)'
    )
  await annotateBuildFailure(settings, result)
  return undefined
}

async function annotateBuildFailure(settings: Settings, result: RunResult): Promise<void> {
  const output = `${result.stdout}\n${result.stderr}`
  const dockerfile = await fs.readFile(settings.file, 'utf8').catch(() => '')
  const line = failedLine(output, dockerfile)
  const workspace = githubContext().workspace
  core.error(failureReason(output) ?? 'The image build failed', {
    title: 'docker build failed',
    file: path.relative(workspace, path.resolve(settings.file)).split(path.sep).join('/'),
    startLine: line
  })
}

/** Classic builder: push each tag; they share one image, so every push must report the same digest. */
async function pushAll(settings: Settings, docker: Docker): Promise<string> {
  const digests = new Set<string>()
  for (const ref of settings.refs) {
    const r = await docker(['push', ref], { label: `docker push ${ref}` })
    const m = new RegExp(`digest: (${DIGEST})`).exec(r.stdout)
    if (m) digests.add(m[1])
  }
  if (digests.size > 1)
    throw new Error(`The tags of one image were pushed with different digests: ${[...digests].join(', ')}`)
  return [...digests][0] ?? ''
}

/**
 * The image's size for the summary. Asked of the Engine API over its local socket (no docker CLI process:
 * a third of the fixed cost of a cached rebuild); where DOCKER_HOST or a docker context points elsewhere,
 * or the socket does not answer, `docker image inspect` asks.
 */
export async function imageSize(engine: Pick<Engine, 'docker' | 'context'>, ref: string): Promise<string> {
  const mib = (bytes: number) => (bytes > 0 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : 'unknown')
  const r = await engineGet(`/images/${encodeURIComponent(ref)}/json`, engine.context)
  // 404: the engine does not hold the image (a builder that only pushed)
  if (r?.status === 404) return 'unknown'
  if (r?.status === 200) return mib(Number((r.json as { Size?: unknown }).Size))
  const cli = await engine.docker(['image', 'inspect', '--format', '{{.Size}}', ref], {
    silent: true,
    ignoreReturnCode: true
  })
  return cli.exitCode === 0 ? mib(Number(cli.stdout.trim())) : 'unknown'
}
