import * as fs from 'node:fs/promises'
import * as path from 'node:path'
import * as core from '@actions/core'
import { authRefused, engineGet, stepDockerEnv, writeDockerAuths, type Docker } from '../common/docker.js'
import { tail, tool, ToolError, type RunResult } from '../common/exec.js'
import { PrivateDir } from '../common/temp.js'
import * as summary from '../common/summary.js'
import { failedLine, failureReason } from './dockerfile.js'
import { Inputs, Outputs, State } from './constants.js'
import { chooseBuilder, FULL } from './builder.js'
import {
  buildxArgs,
  cacheBackend,
  cacheEnv,
  cacheService,
  classicArgs,
  getSettings,
  imageLabels,
  runContext,
  type Settings
} from './settings.js'
import { hasSecrets, secretArgs } from './secrets.js'
import { InputError } from '../common/inputs.js'

export async function main(): Promise<void> {
  const ctx = runContext()
  const settings = getSettings(ctx)
  if (settings.mode === 'merge') return merge(settings, ctx)
  if (settings.mode === 'push-by-digest' && settings.builder === 'classic')
    throw new InputError(Inputs.Mode, 'push-by-digest needs buildx (builder: buildx or auto)')
  // A per-step DOCKER_CONFIG: credentials never touch the user's docker config, and go with the folder.
  const dir = await PrivateDir.create('build-push')
  core.saveState(State.PrivateDir, dir.path)
  try {
    const dockerEnv = await stepDockerEnv(dir.path)
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
    // What the builder can do is asked only where it changes something: push by digest, a cache to export.
    const matters =
      settings.mode === 'push-by-digest' ||
      settings.cache === 'gha' ||
      settings.cache === 'registry' ||
      (settings.cache === 'auto' && cacheService())
    const can = builder === 'buildx' && matters ? await capabilities() : FULL
    // a builder that cannot push by digest: build into the engine, then push through the registry API
    const viaEngine = settings.mode === 'push-by-digest' && !can.pushesByDigest
    if (viaEngine && settings.platforms.length > 1)
      throw new InputError(
        Inputs.Platforms,
        `must name one platform per leg with mode: push-by-digest on buildx's ${can.driver} driver (the engine holds one platform of an image), got '${settings.platforms.join(',')}'`
      )

    const started = Date.now()
    let digest = ''
    let pushSeconds = 0
    let meta: Record<string, unknown> = {}
    let imageId = ''
    let sizeQuery: Promise<string> | undefined
    if (builder === 'buildx') {
      const metadata = path.join(dir.path, 'metadata.json')
      const cache = cacheBackend(settings.cache, builder, process.env, can.exportsCache)
      if ((cache === 'gha' || cache === 'registry') && !can.exportsCache)
        core.warning(
          `cache: ${cache} is imported but not exported: buildx's ${can.driver} driver cannot export a build cache here; create a docker-container builder (docker/setup-buildx-action) or turn on the engine's containerd image store to export it`
        )
      else if (cache !== 'none')
        core.info(`Build cache: ${cache}${settings.cache === 'auto' ? ' (auto)' : ''}`)
      const args = buildxArgs(settings, ctx, metadata, cache, can)
      // secrets go in before the context (the last argument); the values are files in the private folder
      args.splice(args.length - 1, 0, ...(await secretArgs(settings.secrets, dir)))
      // a secret-envs variable is given to buildx on purpose (the child-environment rules drop secrets)
      const secretEnv = Object.fromEntries(settings.secrets.envs.map(([, name]) => [name, process.env[name]]))
      const what =
        settings.mode === 'push-by-digest'
          ? `${settings.image} to push by digest`
          : `${settings.push ? 'and push ' : ''}${settings.refs.join(', ')}`
      // the docker driver writes the image into the engine before it pushes: its size is asked for then,
      // while the push runs, instead of after the build (a fresh image's size costs the engine ~8 ms)
      let seen = ''
      const watch = (text: string) => {
        if (sizeQuery || !settings.summary) return
        seen = (seen + text).slice(-400)
        const written = /writing image (sha256:[0-9a-f]{64})/.exec(seen)
        if (written) sizeQuery = imageSize(docker, written[1], context).catch(() => 'unknown')
      }
      const buildEnv = { ...secretEnv, ...cacheEnv(cache, can.exportsCache) }
      await core.group(`Build ${what} (buildx)`, () => build(settings, buildx, args, buildEnv, watch))
      meta = JSON.parse(await fs.readFile(metadata, 'utf8').catch(() => '{}'))
      if (viaEngine) {
        // the docker exporter reports the image id as containerimage.digest
        imageId = String(meta['containerimage.config.digest'] ?? meta['containerimage.digest'] ?? '')
        const pushStarted = Date.now()
        digest = await core.group(`Push ${settings.image} by digest (the ${can.driver} driver cannot)`, () =>
          pushViaEngine(settings, docker, imageId, dir)
        )
        pushSeconds = (Date.now() - pushStarted) / 1000
      } else {
        imageId = String(meta['containerimage.config.digest'] ?? '')
        if (settings.push) digest = String(meta['containerimage.digest'] ?? '')
      }
    } else {
      if (hasSecrets(settings.secrets))
        throw new InputError(
          Inputs.Secrets,
          'needs BuildKit (builder: buildx or auto with the buildx plugin); the classic builder has no build secrets'
        )
      await core.group(`Build ${settings.refs.join(', ')} (classic builder)`, () =>
        build(settings, docker, classicArgs(settings, ctx), { DOCKER_BUILDKIT: '0' })
      )
      if (settings.push) {
        const pushStarted = Date.now()
        digest = await core.group(`Push ${settings.refs.join(', ')}`, () => pushAll(settings, docker))
        pushSeconds = (Date.now() - pushStarted) / 1000
      }
    }
    const totalSeconds = (Date.now() - started) / 1000
    if (settings.push && !/^sha256:[0-9a-f]{64}$/.test(digest))
      throw new Error(`The push finished but reported no digest for ${settings.refs[0]}`)

    setOutputs(settings, ctx, digest, { imageId })

    if (!settings.summary) return
    const size = await (sizeQuery ?? imageSize(docker, viaEngine ? imageId : settings.refs[0], context))
    const leg = settings.mode === 'push-by-digest'
    summary.heading(
      leg
        ? `📦 Built and pushed ${settings.image}@${digest} by digest (a matrix leg: no tag)`
        : `📦 ${settings.push ? 'Built and pushed' : 'Built'} ${settings.refs[0]}`
    )
    summary.table(
      ['Image', 'Tags', 'Digest', 'Size', 'Builder', builder === 'buildx' ? 'Build + push' : 'Build', 'Push'],
      [
        [
          [settings.image, ...settings.images].join(', '),
          leg
            ? '(none: by digest)'
            : settings.refs
                .filter(r => r.startsWith(`${settings.image}:`))
                .map(r => r.slice(settings.image.length + 1))
                .join(', '),
          digest || '(not pushed)',
          size,
          builder,
          `${(totalSeconds - pushSeconds).toFixed(1)}s`,
          pushSeconds ? `${pushSeconds.toFixed(1)}s` : '—'
        ]
      ]
    )
    await summary.writeSummary()
  } finally {
    await dir.remove()
  }
}

/** push-by-digest where the builder cannot: the untagged engine image to settings.image, by digest. */
async function pushViaEngine(
  settings: Settings,
  docker: Docker,
  imageId: string,
  dir: PrivateDir
): Promise<string> {
  if (!/^sha256:[0-9a-f]{64}$/.test(imageId))
    throw new Error(`The build reported no image id to push by digest (got '${imageId}')`)
  const { RegistryClient, repositoryOf } = await import('./registry.js')
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

/** The step's outputs, and the metadata JSON with what the mode adds (image id, or the merged manifests). */
function setOutputs(
  settings: Settings,
  ctx: ReturnType<typeof runContext>,
  digest: string,
  extra: Record<string, unknown>
): void {
  // a matrix leg pushed no tag: its reference is the digest one
  const leg = settings.mode === 'push-by-digest'
  const refs = leg ? [] : settings.refs
  core.setOutput(Outputs.Tag, leg ? '' : settings.tag)
  core.setOutput(Outputs.Tags, refs.join('\n'))
  core.setOutput(Outputs.Image, leg ? `${settings.image}@${digest}` : settings.refs[0])
  core.setOutput(Outputs.Digest, digest)
  core.setOutput(
    Outputs.Metadata,
    JSON.stringify({
      image: settings.image,
      tags: refs,
      labels: Object.fromEntries(imageLabels(settings, ctx)),
      annotations: settings.annotations,
      digest,
      ...extra
    })
  )
}

/**
 * mode: merge — the multi-platform index of the matrix legs' digests, pushed under every tag through the
 * registry's API (no builder, no docker login: the credentials go straight to the registry's auth).
 */
async function merge(settings: Settings, ctx: ReturnType<typeof runContext>): Promise<void> {
  const { RegistryClient, repositoryOf } = await import('./registry.js')
  const { mergeDigests } = await import('./merge.js')
  const { registry, repository } = repositoryOf(settings.image, settings.registry)
  const tags = settings.refs.map(r => r.slice(settings.image.length + 1))
  const client = new RegistryClient(registry, settings.username, settings.password)
  const merged = await core.group(
    `Merge ${settings.digests.length} digests into ${settings.refs.join(', ')}`,
    () => mergeDigests(client, repository, settings.digests, tags)
  )
  core.info(`${settings.image}@${merged.digest}: ${merged.platforms.join(', ')}`)
  const twice = merged.platforms.filter((p, i) => merged.platforms.indexOf(p) !== i)
  if (twice.length)
    core.warning(
      `More than one leg is ${[...new Set(twice)].join(', ')}: a client pulling that platform gets the first (did two matrix legs build the same platform?)`
    )
  setOutputs(settings, ctx, merged.digest, { manifests: settings.digests, platforms: merged.platforms })
  if (!settings.summary) return
  summary.heading(`📦 Merged ${settings.digests.length} images into ${settings.refs[0]}`)
  summary.table(
    ['Image', 'Tags', 'Index digest', 'Platforms'],
    [[settings.image, tags.join(', '), merged.digest, merged.platforms.join(', ')]]
  )
  await summary.writeSummary()
}

/** One login per registry into the per-step docker config: registry/username/password, then `logins`. */
async function login(settings: Settings, configDir: string): Promise<void> {
  const all = [
    ...(settings.password
      ? [{ registry: settings.registry, username: settings.username, password: settings.password }]
      : []),
    ...settings.logins
  ]
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

async function build(
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
    if (settings.push && authRefused(`${err.result.stdout}\n${err.result.stderr}`)) {
      const who = [
        settings.password ? `${settings.registry} as '${settings.username}'` : '',
        ...settings.logins.map(l => `${l.registry} as '${l.username}'`)
      ].filter(Boolean)
      throw new Error(
        `The registry refused the push: ${who.length ? `check the credentials for ${who.join(', ')}` : 'no credentials were given (username/password, or logins)'}:\n${tail(err.result, 5)}`
      )
    }
    const unknown =
      /ERROR: (no builder "[^"\n]*" found|use `docker --context=[^`\n]*` to switch to context[^\n]*)/.exec(
        err.result.stderr
      )
    if (settings.builderName && unknown)
      throw new InputError(Inputs.Builder, `names a builder buildx cannot use here: ${unknown[1]}`)
    if (/push-by-digest is currently not implemented/i.test(err.result.stderr))
      throw new InputError(
        Inputs.Mode,
        'push-by-digest needs a builder that can push by digest: the default docker driver cannot; create a docker-container builder first (docker/setup-buildx-action)'
      )
    await annotateBuildFailure(settings, err.result)
    throw err
  }
}

async function annotateBuildFailure(settings: Settings, result: RunResult): Promise<void> {
  const output = `${result.stdout}\n${result.stderr}`
  const dockerfile = await fs.readFile(settings.file, 'utf8').catch(() => '')
  const line = failedLine(output, dockerfile)
  const workspace = process.env.GITHUB_WORKSPACE || process.cwd()
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
    const m = /digest: (sha256:[0-9a-f]{64})/.exec(r.stdout)
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
async function imageSize(docker: Docker, ref: string, context: string): Promise<string> {
  const mib = (bytes: number) => (bytes > 0 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : 'unknown')
  const r = await engineGet(`/images/${encodeURIComponent(ref)}/json`, context)
  // 404: the engine does not hold the image (a builder that only pushed)
  if (r?.status === 404) return 'unknown'
  if (r?.status === 200) return mib(Number((r.json as { Size?: unknown }).Size))
  const cli = await docker(['image', 'inspect', '--format', '{{.Size}}', ref], {
    silent: true,
    ignoreReturnCode: true
  })
  return cli.exitCode === 0 ? mib(Number(cli.stdout.trim())) : 'unknown'
}
