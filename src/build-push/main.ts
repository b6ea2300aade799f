// build-push: settings -> the signing identity (asked before anything is built) -> the engine (step docker
// config, builder, logins) -> build (and push) -> sign and attest the pushed digest -> outputs, and the
// summary in `finally`. mode: merge pushes (and signs) the matrix legs' index instead.
import * as core from '@actions/core'
import { PrivateDir } from '../common/temp.js'
import { buildClassic, buildWithBuildx, checkPushed, type Built } from './build.js'
import { State } from './constants.js'
import { checkMode, connect, type Engine } from './engine.js'
import { setOutputs, summarize, summarizeMerge } from './report.js'
import { getSettings, runContext, type RunContext, type Settings } from './settings.js'
import { signingIdentity, type Identity, type Signed } from './sign.js'

export async function main(): Promise<void> {
  const ctx = runContext()
  const settings = getSettings(ctx)
  if (settings.mode === 'merge') return merge(settings, ctx)
  checkMode(settings)
  const identity = await signingIdentity(settings.signing, settings.push)
  const dir = await PrivateDir.create('build-push')
  core.saveState(State.PrivateDir, dir.path)
  let engine: Engine | undefined
  let built: Built | undefined
  let signed: Signed[] = []
  let error: unknown
  try {
    engine = await connect(settings, dir)
    built =
      engine.builder === 'buildx'
        ? await buildWithBuildx(settings, ctx, engine, dir)
        : await buildClassic(settings, ctx, engine)
    checkPushed(settings, built)
    if (identity && built.digest) signed = await signPushed(settings, identity, built.digest)
    setOutputs(settings, ctx, built.digest, { imageId: built.imageId }, signed)
  } catch (err) {
    error = err
    throw err
  } finally {
    await summarize(settings, engine, built, error, signed).catch(err =>
      core.warning(`The job summary was not written: ${(err as Error).message}`)
    )
    await dir.remove()
  }
}

/**
 * mode: merge — the multi-platform index of the matrix legs' digests, pushed under every tag through the
 * registry's API (no builder, no docker login: the credentials go straight to the registry's auth).
 */
async function merge(settings: Settings, ctx: RunContext): Promise<void> {
  const identity = await signingIdentity(settings.signing, true)
  const { RegistryClient, repositoryOf } = await import('../common/registry.js')
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
  const signed = identity ? await signPushed(settings, identity, merged.digest) : []
  setOutputs(
    settings,
    ctx,
    merged.digest,
    { manifests: settings.digests, platforms: merged.platforms },
    signed
  )
  await summarizeMerge(settings, merged, signed)
}

/**
 * Signs and attests the pushed digest in every repository it was pushed to (image, then images), with the
 * step's registry credentials (the per-registry logins for the other registries).
 */
async function signPushed(settings: Settings, identity: Identity, digest: string): Promise<Signed[]> {
  const { RegistryClient, repositoryOf } = await import('../common/registry.js')
  const { baseImages, signDigests } = await import('./sign.js')
  const fs = await import('node:fs')
  const subjects = [settings.image, ...settings.images].map(image => {
    const { registry, repository } = repositoryOf(image, settings.registry)
    const login = settings.logins.find(l => l.registry === registry)
    const client =
      registry === settings.registry || !login
        ? new RegistryClient(registry, settings.username, settings.password)
        : new RegistryClient(registry, login.username, login.password)
    return {
      client,
      name: image,
      repository,
      digest,
      tag: settings.mode === 'push-by-digest' ? undefined : settings.tag
    }
  })
  const dockerfile = settings.mode === 'merge' ? '' : fs.readFileSync(settings.file, 'utf8')
  return core.group(
    `Sign and attest ${digest} (${identity.kind === 'key' ? 'with image-signing-key' : 'keyless'})`,
    () => signDigests(settings.signing, identity, subjects, baseImages(dockerfile))
  )
}
