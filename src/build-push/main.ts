// build-push: settings -> the signing identity (asked before anything is built) -> the engine (step docker
// config, builder, logins) -> build (and push) -> sign and attest the pushed digest. mode: merge pushes (and
// signs) the matrix legs' index instead. The skeleton (common/stage.ts) writes the outputs and the summary,
// on failure too, and removes the private folder.
import * as core from '@actions/core'
import { githubContext } from '../common/github.js'
import type { OutputValue, Stage, Step } from '../common/stage.js'
import type { Outcome } from './outcome.js'
import { PrivateDir } from '../common/temp.js'
import { buildClassic, buildWithBuildx, checkPushed, imageSize } from './build.js'
import { Outputs, State } from './constants.js'
import { checkMode, connect, type Engine } from './engine.js'
import { summarize } from './report.js'
import { getSettings, imageLabels, runContext, type RunContext, type Settings } from './settings.js'
import { signingIdentity, type Identity, type Signed } from './sign.js'

export interface Deps {
  priv: PrivateDir
  run: RunContext
  /** The step's docker config, builder and logins. */
  connect(s: Settings, priv: PrivateDir): Promise<Engine>
  /** Signs and attests the pushed digest in every repository it went to. */
  sign(s: Settings, identity: Identity, digest: string): Promise<Signed[]>
  /** mode: merge — the legs' index pushed under every tag. */
  merge(s: Settings): Promise<{ digest: string; platforms: string[] }>
}

export const buildPush: Stage<Settings, Deps, Outcome> = {
  settings: () => getSettings(runContext()),
  deps: makeDeps,
  outcome: () => ({ signed: [] }),
  async run(s, d, o, step) {
    if (s.mode === 'merge') return merge(s, d, o, step)
    checkMode(s)
    const identity = await signingIdentity(s.signing, s.push)
    const engine = (o.engine = await d.connect(s, d.priv))
    const built = (o.built =
      engine.builder === 'buildx'
        ? await buildWithBuildx(s, d.run, engine, d.priv)
        : await buildClassic(s, d.run, engine))
    checkPushed(s, built)
    if (identity && built.digest) o.signed = await d.sign(s, identity, built.digest)
    o.extra = { imageId: built.imageId }
    o.digest = built.digest
    if (s.summary)
      o.size = await (built.size ?? imageSize(engine, engine.viaEngine ? built.imageId : s.refs[0]))
  },
  outputs: (o, s) => (o.digest === undefined ? {} : outputs(s, o)),
  summary: (o, s, error) => {
    if (s.summary) summarize(s, o, error)
  },
  cleanup: (_, d) => d.priv.remove()
}

export async function makeDeps(_: Settings, step: Step): Promise<Deps> {
  return {
    priv: await PrivateDir.create('build-push', dir => step.save(State.PrivateDir, dir)),
    run: runContext(),
    connect,
    sign: signPushed,
    merge: mergeLegs
  }
}

/**
 * mode: merge — the multi-platform index of the matrix legs' digests, pushed under every tag through the
 * registry's API (no builder, no docker login: the credentials go straight to the registry's auth).
 */
async function merge(s: Settings, d: Deps, o: Outcome, step: Step): Promise<void> {
  const identity = await signingIdentity(s.signing, true)
  const merged = (o.merged = await step.phase(
    `Merge ${s.digests.length} digests into ${s.refs.join(', ')}`,
    () => d.merge(s)
  ))
  core.info(`${s.image}@${merged.digest}: ${merged.platforms.join(', ')}`)
  const twice = merged.platforms.filter((p, i) => merged.platforms.indexOf(p) !== i)
  if (twice.length)
    core.warning(
      `More than one leg is ${[...new Set(twice)].join(', ')}: a client pulling that platform gets the first (did two matrix legs build the same platform?)`
    )
  if (identity) o.signed = await d.sign(s, identity, merged.digest)
  o.extra = { manifests: s.digests, platforms: merged.platforms }
  o.digest = merged.digest
}

async function mergeLegs(s: Settings): Promise<{ digest: string; platforms: string[] }> {
  const { RegistryClient, repositoryOf } = await import('../common/registry.js')
  const { mergeDigests } = await import('./merge.js')
  const { registry, repository } = repositoryOf(s.image, s.registry)
  const tags = s.refs.map(r => r.slice(s.image.length + 1))
  return mergeDigests(new RegistryClient(registry, s.username, s.password), repository, s.digests, tags)
}

/** The step's outputs, and the metadata JSON with what the mode adds (image id, or the merged manifests). */
function outputs(s: Settings, o: Outcome): Record<string, OutputValue> {
  const digest = o.digest ?? ''
  // a matrix leg pushed no tag: its reference is the digest one
  const leg = s.mode === 'push-by-digest'
  const refs = leg ? [] : s.refs
  return {
    [Outputs.Tag]: leg ? '' : s.tag,
    [Outputs.Tags]: refs.join('\n'),
    [Outputs.Image]: leg ? `${s.image}@${digest}` : s.refs[0],
    [Outputs.Digest]: digest,
    [Outputs.Signatures]: o.signed.length ? JSON.stringify(o.signed) : '',
    [Outputs.Metadata]: JSON.stringify({
      image: s.image,
      tags: refs,
      labels: Object.fromEntries(imageLabels(s, runContext())),
      annotations: s.annotations,
      digest,
      ...o.extra
    })
  }
}

/**
 * Signs and attests the pushed digest in every repository it was pushed to (image, then images), with the
 * step's registry credentials (the per-registry logins for the other registries).
 */
async function signPushed(s: Settings, identity: Identity, digest: string): Promise<Signed[]> {
  const { RegistryClient, repositoryOf } = await import('../common/registry.js')
  const { baseImages, signDigests } = await import('./sign.js')
  const fs = await import('node:fs')
  const subjects = [s.image, ...s.images].map(image => {
    const { registry, repository } = repositoryOf(image, s.registry)
    const login = s.logins.find(l => l.registry === registry)
    const client =
      registry === s.registry || !login
        ? new RegistryClient(registry, s.username, s.password)
        : new RegistryClient(registry, login.username, login.password)
    return { client, name: image, repository, digest, tag: s.mode === 'push-by-digest' ? undefined : s.tag }
  })
  const dockerfile = s.mode === 'merge' ? '' : fs.readFileSync(s.file, 'utf8')
  const { signed, bundles } = await core.group(
    `Sign and attest ${digest} (${identity.kind === 'key' ? 'with image-signing-key' : 'keyless'})`,
    () => signDigests(s.signing, identity, subjects, baseImages(dockerfile))
  )
  // GitHub's attestations name a workflow's identity: keyless bundles only (a key's would be refused)
  if (identity.kind === 'keyless' && s.signing.githubToken) {
    const { recordAttestations } = await import('./attest-api.js')
    await core.group("Record the attestations in GitHub's attestations API", () =>
      recordAttestations(s.signing.githubToken, githubContext(), bundles)
    )
  }
  return signed
}
