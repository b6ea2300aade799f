// build-push: settings -> the engine (step docker config, builder, logins) -> build (and push) -> outputs,
// and the summary in `finally`. mode: merge pushes the matrix legs' index instead.
import * as core from '@actions/core'
import { PrivateDir } from '../common/temp.js'
import { buildClassic, buildWithBuildx, checkPushed, type Built } from './build.js'
import { State } from './constants.js'
import { checkMode, connect, type Engine } from './engine.js'
import { setOutputs, summarize, summarizeMerge } from './report.js'
import { getSettings, runContext, type RunContext, type Settings } from './settings.js'

export async function main(): Promise<void> {
  const ctx = runContext()
  const settings = getSettings(ctx)
  if (settings.mode === 'merge') return merge(settings, ctx)
  checkMode(settings)
  const dir = await PrivateDir.create('build-push')
  core.saveState(State.PrivateDir, dir.path)
  let engine: Engine | undefined
  let built: Built | undefined
  let error: unknown
  try {
    engine = await connect(settings, dir)
    built =
      engine.builder === 'buildx'
        ? await buildWithBuildx(settings, ctx, engine, dir)
        : await buildClassic(settings, ctx, engine)
    checkPushed(settings, built)
    setOutputs(settings, ctx, built.digest, { imageId: built.imageId })
  } catch (err) {
    error = err
    throw err
  } finally {
    await summarize(settings, engine, built, error).catch(err =>
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
  await summarizeMerge(settings, merged)
}
