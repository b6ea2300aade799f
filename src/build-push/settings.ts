import * as crypto from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { githubContext, repositoryUrl, type GitHubContext } from '../common/github.js'
import * as inputs from '../common/inputs.js'
import { InputError, maskSecret } from '../common/inputs.js'
import { formatRunTag, isDigest } from '../common/tag.js'
import { checkTag, parseImage } from '../common/validate.js'
import { ATTESTATIONS, BUILDERS, CACHE_MODES, Defaults, Inputs, MODES, SIGN_MODES } from './constants.js'
import { keyDetails } from './rekor-v2.js'
import { parseBuildSecrets, type BuildSecrets } from './secrets.js'
import { gitContext, isDefaultBranch, tagsFromRules } from './tags.js'

export interface Settings {
  /** Repository with registry, lower-case: ghcr.io/owner/app. */
  image: string
  registry: string
  context: string
  file: string
  tag: string
  /** Every full reference: the tag first, then the extra tags. */
  refs: string[]
  push: boolean
  username: string
  password: string
  buildArgs: [string, string][]
  labels: [string, string][]
  platforms: string[]
  cache: (typeof CACHE_MODES)[number]
  builder: (typeof BUILDERS)[number]
  /** A named buildx builder (docker/setup-buildx-action's `name` output), given to buildx as BUILDX_BUILDER. */
  builderName: string
  provenance: string
  secrets: BuildSecrets
  target: string
  buildContexts: [string, string][]
  annotations: string[]
  sbom: string
  noCache: boolean
  /** Always ask the registry for a newer base image (--pull). */
  pull: boolean
  cacheRef: string
  summary: boolean
  /** build (and push the tags), push-by-digest (a matrix leg: no tag), merge (the legs' digests into one index). */
  mode: (typeof MODES)[number]
  /** merge: the legs' digests. */
  digests: string[]
  /** More repositories (other registries) that get every tag, besides `image`. */
  images: string[]
  /** Logins besides registry/username/password: one per other registry (passwords masked). */
  logins: Login[]
  signing: Signing
}

/** Signing and attestations of the pushed digests (sign.ts). */
export interface Signing {
  /** auto: when an identity is at hand (the job's OIDC token or a key); true: required; false: never. */
  mode: (typeof SIGN_MODES)[number]
  /** A PEM private key (masked): key signing instead of keyless. */
  key: string
  attestations: (typeof ATTESTATIONS)[number][]
  sbomFile: string
  fulcioUrl: string
  /** '' for no transparency log (the input says none). */
  rekorUrl: string
  /** Rekor's API: 1 (rekor.sigstore.dev, Trillian), or 2 (rekor-tiles, on Tessera). */
  rekorApiVersion: 1 | 2
  /** The token that records attestations through GitHub's API ('' to not record them). */
  githubToken: string
  /** '' for no timestamp authority. */
  tsaUrl: string
}

/** A Sigstore service's URL input: https (http only for a service on this machine), or '' where allowed. */
function serviceUrl(name: string, fallback: string, allowEmpty: boolean): string {
  const value = inputs.str(name, fallback)
  if ((!value || value === 'none') && allowEmpty) return ''
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new InputError(name, `must be a URL, got '${value}'`)
  }
  const local = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local))
    throw new InputError(name, `must be https:// (http:// only on this machine), got '${value}'`)
  if (url.username || url.password) throw new InputError(name, 'must not carry credentials')
  return value.replace(/\/+$/, '')
}

export function readSigning(mode: Settings['mode']): Signing {
  const key = inputs.secret(Inputs.ImageSigningKey)
  const attestations = inputs.list(Inputs.Attestations).length
    ? inputs.list(Inputs.Attestations)
    : Defaults[Inputs.Attestations].split(/,\s*/)
  const kinds = attestations.filter(a => a !== 'none')
  for (const a of kinds)
    if (!(ATTESTATIONS as readonly string[]).includes(a))
      throw new InputError(Inputs.Attestations, `must list provenance and/or sbom (or none), got '${a}'`)
  const sbomFile = inputs.str(Inputs.SbomFile)
  if (sbomFile && !fs.existsSync(sbomFile))
    throw new InputError(Inputs.SbomFile, `${sbomFile} does not exist`)
  const signing: Signing = {
    mode: inputs.oneOf(Inputs.Sign, SIGN_MODES, Defaults[Inputs.Sign]),
    key,
    attestations: kinds as Signing['attestations'],
    sbomFile,
    fulcioUrl: serviceUrl(Inputs.FulcioUrl, Defaults[Inputs.FulcioUrl], false),
    rekorUrl: serviceUrl(Inputs.RekorUrl, Defaults[Inputs.RekorUrl], true),
    rekorApiVersion: inputs.oneOf(Inputs.RekorApiVersion, ['1', '2'] as const, '1') === '2' ? 2 : 1,
    tsaUrl: serviceUrl(Inputs.TsaUrl, '', true),
    githubToken: inputs.secret(Inputs.GithubToken)
  }
  if (signing.mode !== 'false' && !key && !signing.rekorUrl && !signing.tsaUrl)
    throw new InputError(
      Inputs.RekorUrl,
      'is none and tsa-url empty: a keyless signature needs a transparency log or a timestamp authority to prove when it was made'
    )
  if (key && signing.rekorUrl && signing.rekorApiVersion === 2) {
    let pub: crypto.KeyObject | undefined
    try {
      pub = crypto.createPublicKey(key)
    } catch {
      pub = undefined // not a key: said when the signer reads it
    }
    if (pub)
      try {
        keyDetails(pub)
      } catch (err) {
        throw new InputError(Inputs.ImageSigningKey, (err as Error).message)
      }
  }
  if (signing.mode === 'true' && mode === 'build' && !inputs.bool(Inputs.Push, true))
    throw new InputError(Inputs.Sign, 'is true but push is false: only a pushed digest can be signed')
  return signing
}

export interface Login {
  registry: string
  username: string
  password: string
}

/** `logins`: a secret input, one `<registry> <username> <password>` per line. */
function parseLogins(raw: string): Login[] {
  return raw
    .split(/\r?\n/)
    .map(l => l.trim())
    .filter(l => l && !l.startsWith('#'))
    .map((line, i) => {
      const parts = line.split(/\s+/)
      if (parts.length !== 3)
        throw new InputError(
          Inputs.Logins,
          `line ${i + 1} must be '<registry> <username> <password>' (the line is not shown: it holds a password)`
        )
      const [registry, username, password] = parts
      checkRegistry(Inputs.Logins, registry)
      maskSecret(password)
      return { registry, username, password }
    })
}

export interface RunContext {
  sha?: string
  runNumber?: string
  repositoryUrl?: string
  now: Date
}

/** What the build takes from the run (common/github.ts reads it): the commit, the run number, the repository. */
export function runContext(github: GitHubContext = githubContext()): RunContext {
  return {
    sha: github.sha || undefined,
    runNumber: github.runNumber || undefined,
    repositoryUrl: repositoryUrl(github) || undefined,
    now: new Date()
  }
}

/** `<version>-<first 7 hex of the commit>-<run number>`, e.g. v2.0.0-3f1c2d4-17. */
export function computeTag(version: string, run: RunContext): string {
  if (!run.sha || !/^[0-9a-f]{7,}$/i.test(run.sha))
    throw new InputError(Inputs.Tag, `is needed when GITHUB_SHA is not a commit sha (got '${run.sha ?? ''}')`)
  if (!run.runNumber || !/^\d+$/.test(run.runNumber))
    throw new InputError(
      Inputs.Tag,
      `is needed when GITHUB_RUN_NUMBER is not a number (got '${run.runNumber ?? ''}')`
    )
  return checkTag(Inputs.Version, formatRunTag({ version, sha7: run.sha, run: Number(run.runNumber) }))
}

export function getSettings(run: RunContext = runContext()): Settings {
  const image = readImage()
  const tags = readTags(run)
  const mode = inputs.oneOf(Inputs.Mode, MODES, Defaults[Inputs.Mode])
  const images = readImages(mode)
  const digests = readDigests(mode)
  const { context, file } = readPaths(mode)
  const registry = inputs.str(Inputs.Registry)
  if (registry) checkRegistry(Inputs.Registry, registry)
  const push = inputs.bool(Inputs.Push, true)
  const build = readBuildOptions()
  return {
    image: image.repository,
    registry: registry || image.registry || 'docker.io',
    context,
    file,
    tag: tags[0],
    refs: [image.repository, ...images].flatMap(repo => tags.map(t => `${repo}:${t}`)),
    push,
    username: inputs.str(Inputs.Username),
    password: inputs.secret(Inputs.Password),
    ...build,
    summary: inputs.bool(Inputs.Summary, true),
    mode,
    digests,
    images,
    logins: parseLogins(inputs.secret(Inputs.Logins)),
    signing: readSigning(mode)
  }
}

/** `image`: a repository, lower-cased, without tag or digest. */
function readImage(): ReturnType<typeof parseImage> {
  const value = inputs.required(Inputs.Image)
  const ref = parseImage(Inputs.Image, value.toLowerCase())
  if (ref.tag || ref.digest)
    throw new InputError(
      Inputs.Image,
      `must be a repository without tag or digest (use the 'tag' input), got '${value}'`
    )
  return ref
}

/** Every tag, the main one first: from `tags` rules, else `tag` (or the run tag) and latest on the default branch. */
function readTags(run: RunContext): string[] {
  const version = checkTag(Inputs.Version, inputs.str(Inputs.Version, Defaults[Inputs.Version]))
  const tagInput = inputs.str(Inputs.Tag)
  const runTag = () => (tagInput ? checkTag(Inputs.Tag, tagInput) : computeTag(version, run))
  const git = gitContext()
  const rules = inputs.lines(Inputs.Tags)
  const fromRules = rules.length
    ? tagsFromRules(rules, git, runTag)
    : [runTag(), ...(isDefaultBranch(git) ? ['latest'] : [])]
  const extra = inputs.list(Inputs.ExtraTags).map(t => checkTag(Inputs.ExtraTags, t))
  const tags = [...new Set([...fromRules, ...extra])]
  if (tags.length === 0)
    throw new InputError(
      Inputs.Tags,
      `gives no tag for this event (${git.ref || 'no GITHUB_REF'}); add a rule that applies, such as type=sha`
    )
  return tags
}

/** `images`: more repositories that get every tag (mode: build only). */
function readImages(mode: Settings['mode']): string[] {
  const images = inputs.lines(Inputs.Images).map(i => {
    const r = parseImage(Inputs.Images, i.toLowerCase())
    if (r.tag || r.digest)
      throw new InputError(Inputs.Images, `must be repositories without tag or digest, got '${i}'`)
    return r.repository
  })
  if (images.length && mode !== 'build')
    throw new InputError(
      Inputs.Images,
      `is not used with mode: ${mode} (a matrix pushes and merges one repository per step)`
    )
  return images
}

/** `digests`: the matrix legs' digests, for mode: merge and only for it. */
function readDigests(mode: Settings['mode']): string[] {
  const digests = inputs.list(Inputs.Digests)
  for (const d of digests)
    if (!isDigest(d)) throw new InputError(Inputs.Digests, `must be sha256:<64 hex> digests, got '${d}'`)
  if (mode === 'merge' && digests.length === 0)
    throw new InputError(Inputs.Digests, 'is required with mode: merge (the digests the matrix legs output)')
  if (mode !== 'merge' && digests.length) throw new InputError(Inputs.Digests, 'applies to mode: merge only')
  return digests
}

/** The build context and Dockerfile, which must exist; a merge builds nothing and reads neither. */
function readPaths(mode: Settings['mode']): { context: string; file: string } {
  if (mode === 'merge') return { context: '.', file: '' }
  const context = checkLocalPath(Inputs.Context, inputs.str(Inputs.Context, Defaults[Inputs.Context]), 'dir')
  const fileInput = inputs.str(Inputs.File)
  const file = checkLocalPath(Inputs.File, fileInput || path.join(context, 'Dockerfile'), 'file', !fileInput)
  return { context, file }
}

type BuildOptions = Pick<
  Settings,
  | 'buildArgs'
  | 'labels'
  | 'platforms'
  | 'cache'
  | 'builder'
  | 'builderName'
  | 'provenance'
  | 'secrets'
  | 'target'
  | 'buildContexts'
  | 'annotations'
  | 'sbom'
  | 'noCache'
  | 'pull'
  | 'cacheRef'
>

/** What is handed to the builder: arguments, labels, cache, secrets, attestations. */
function readBuildOptions(): BuildOptions {
  const cacheRef = inputs.str(Inputs.CacheRef)
  if (inputs.str(Inputs.Cache) === 'registry' && !cacheRef)
    throw new InputError(
      Inputs.CacheRef,
      'is required with cache: registry (an image reference for the cache)'
    )
  if (cacheRef) parseImage(Inputs.CacheRef, cacheRef)
  return {
    buildArgs: inputs.keyValues(Inputs.BuildArgs),
    labels: inputs.keyValues(Inputs.Labels, /^[A-Za-z0-9][A-Za-z0-9_.\-/]*$/),
    platforms: inputs.list(Inputs.Platforms),
    cache: inputs.oneOf(Inputs.Cache, CACHE_MODES, Defaults[Inputs.Cache]),
    ...parseBuilder(inputs.str(Inputs.Builder, Defaults[Inputs.Builder])),
    provenance: inputs.str(Inputs.Provenance),
    secrets: parseBuildSecrets(name => (name === Inputs.Secrets ? secretLines(name) : inputs.lines(name))),
    target: checkName(Inputs.Target, inputs.str(Inputs.Target)),
    buildContexts: inputs.keyValues(Inputs.BuildContexts, /^[A-Za-z0-9][A-Za-z0-9_./-]*$/).map(([k, v]) => {
      if (!v || v.startsWith('-'))
        throw new InputError(Inputs.BuildContexts, `'${k}' needs a value that is not an option, got '${v}'`)
      return [k, v] as [string, string]
    }),
    annotations: inputs.lines(Inputs.Annotations).map(a => {
      if (!/^[A-Za-z0-9_.:[\],-]+=/.test(a))
        throw new InputError(Inputs.Annotations, `lines must look like key=value, got '${a}'`)
      return a
    }),
    sbom: inputs.str(Inputs.Sbom),
    noCache: inputs.bool(Inputs.NoCache, false),
    pull: inputs.bool(Inputs.Pull, false),
    cacheRef
  }
}

/**
 * `builder`: auto, buildx, classic, or the name of a buildx builder (what build-push-action's `builder`
 * takes, e.g. setup-buildx-action's `name` output): that builder, through buildx.
 */
function parseBuilder(value: string): Pick<Settings, 'builder' | 'builderName'> {
  if ((BUILDERS as readonly string[]).includes(value))
    return { builder: value as Settings['builder'], builderName: '' }
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(value))
    throw new InputError(
      Inputs.Builder,
      `must be auto, buildx, classic or the name of a buildx builder, got '${value}'`
    )
  return { builder: 'buildx', builderName: value }
}

/**
 * A local context folder or Dockerfile: never a value a tool reads as an option or as stdin ('-'), and it
 * must exist (docker would otherwise fail late, or not at all with push: false). `implied` says the path
 * was derived from another input (the Dockerfile inside the context).
 */
function checkLocalPath(input: string, value: string, kind: 'dir' | 'file', implied = false): string {
  if (value.startsWith('-'))
    throw new InputError(input, `must be a path, not '${value}' (a tool would read it as an option or stdin)`)
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f]/.test(value)) throw new InputError(input, `must be a path, got '${JSON.stringify(value)}'`)
  const st = fs.statSync(value, { throwIfNoEntry: false })
  const ok = kind === 'dir' ? st?.isDirectory() : st?.isFile()
  if (!ok)
    throw new InputError(
      implied ? Inputs.File : input,
      `must name an existing ${kind === 'dir' ? 'folder' : 'file'}${implied ? ` (no Dockerfile in context '${path.dirname(value)}'; set 'file')` : ''}, got '${value}'`
    )
  return value
}

/** A registry host[:port], as docker login takes it. */
function checkRegistry(input: string, value: string): void {
  if (
    !/^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::\d{1,5})?$/.test(
      value
    )
  )
    throw new InputError(
      input,
      `must be a registry host such as ghcr.io or 127.0.0.1:5000, got ${JSON.stringify(value)}`
    )
}

/** A secret input's lines, as given (a value's spaces are its own). */
function secretLines(name: string): string[] {
  const raw = inputs.secret(name)
  return raw.split(/\r?\n/).filter(l => l.trim() && !l.trim().startsWith('#'))
}

/** A name passed as an option's value (a Dockerfile stage): never something a tool would read as an option. */
function checkName(input: string, value: string): string {
  if (value && !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(value))
    throw new InputError(input, `must be a name (letters, digits, '_', '.', '-'), got '${value}'`)
  return value
}

/** OCI labels first, the user's after, so the user's win on conflict. */
export function imageLabels(settings: Settings, run: RunContext): [string, string][] {
  const oci: [string, string][] = [
    ['org.opencontainers.image.title', settings.image.split('/').pop()!],
    ['org.opencontainers.image.version', settings.tag],
    ['org.opencontainers.image.created', run.now.toISOString()]
  ]
  if (run.repositoryUrl) oci.push(['org.opencontainers.image.source', run.repositoryUrl])
  if (run.sha) oci.push(['org.opencontainers.image.revision', run.sha])
  const user = new Map(settings.labels)
  return [...oci.filter(([k]) => !user.has(k)), ...settings.labels]
}

export function buildArgs(settings: Settings): [string, string][] {
  const user = settings.buildArgs.filter(([k]) => k !== 'APP_VERSION')
  return [['APP_VERSION', settings.tag], ...user]
}

export type CacheBackend = 'gha' | 'inline' | 'registry' | 'none'

/** Whether the GitHub Actions cache service is there (the runner gives its URL to JavaScript actions). */
export function cacheService(env = process.env): boolean {
  return Boolean(env.ACTIONS_CACHE_URL || env.ACTIONS_RESULTS_URL)
}

/**
 * `auto`: with buildx and the cache service, the GitHub Actions cache; on a builder that exports no cache
 * but the inline one (buildx's docker driver on the classic image store: "Cache export is not supported
 * for the docker driver"), the cache inline in the pushed image, imported from its tags next time.
 */
export function cacheBackend(
  mode: Settings['cache'],
  builder: 'buildx' | 'classic',
  env = process.env,
  exportsCache = true
): CacheBackend {
  if (builder === 'classic') return 'none'
  if (mode === 'auto') return cacheService(env) ? (exportsCache ? 'gha' : 'inline') : 'none'
  return mode
}

/**
 * What buildx is given on purpose, beyond the child-environment rules (which drop the runner's tokens):
 * the cache service's URLs and the runtime token, only for a gha cache a driver can export.
 */
export function cacheEnv(
  cache: CacheBackend,
  exportsCache: boolean,
  env = process.env
): Record<string, string | undefined> {
  if (cache !== 'gha' || !exportsCache) return {}
  return {
    ACTIONS_CACHE_URL: env.ACTIONS_CACHE_URL,
    ACTIONS_RESULTS_URL: env.ACTIONS_RESULTS_URL,
    ACTIONS_RUNTIME_TOKEN: env.ACTIONS_RUNTIME_TOKEN
  }
}

/** The arguments of `buildx build` (run as the plugin itself or as `docker buildx`; a pure function). */
export function buildxArgs(
  settings: Settings,
  run: RunContext,
  metadataFile: string,
  cache: CacheBackend,
  /** What the builder can do (builder.ts); buildx's docker driver may do neither. */
  can: { pushesByDigest: boolean; exportsCache: boolean } = { pushesByDigest: true, exportsCache: true }
): string[] {
  // push-by-digest where the builder cannot: build into the engine, untagged (engine-push.ts pushes it)
  const viaEngine = settings.mode === 'push-by-digest' && !can.pushesByDigest
  // a builder that cannot export a cache still imports one: --cache-to only where it can
  const exportsCache = can.exportsCache
  const args = ['build', `--file=${settings.file}`]
  for (const ref of settings.refs) args.push('--tag', ref)
  for (const [k, v] of buildArgs(settings)) args.push('--build-arg', `${k}=${v}`)
  for (const [k, v] of imageLabels(settings, run)) args.push('--label', `${k}=${v}`)
  if (settings.platforms.length) args.push('--platform', settings.platforms.join(','))
  if (cache === 'gha') {
    args.push('--cache-from', `type=gha,scope=${settings.image}`)
    // a cache outage never fails a good build (build-push-action #545, #975, #1100)
    if (exportsCache) args.push('--cache-to', `type=gha,mode=max,scope=${settings.image},ignore-error=true`)
  }
  if (cache === 'inline') {
    for (const ref of settings.refs) args.push('--cache-from', ref)
    args.push('--cache-to', 'type=inline')
  }
  if (cache === 'registry' && settings.cacheRef) {
    args.push('--cache-from', `type=registry,ref=${settings.cacheRef}`)
    if (exportsCache)
      args.push('--cache-to', `type=registry,ref=${settings.cacheRef},mode=max,ignore-error=true`)
  }
  if (settings.provenance) args.push(`--provenance=${settings.provenance}`)
  if (settings.sbom) args.push(`--sbom=${settings.sbom}`)
  if (settings.target) args.push(`--target=${settings.target}`)
  for (const [k, v] of settings.buildContexts) args.push('--build-context', `${k}=${v}`)
  // the docker exporter ignores annotations: engine-push.ts puts them on the manifest
  if (!viaEngine) for (const a of settings.annotations) args.push('--annotation', a)
  if (settings.noCache) args.push('--no-cache')
  if (settings.pull) args.push('--pull')
  args.push('--metadata-file', metadataFile)
  if (settings.mode === 'push-by-digest') {
    // a matrix leg: the image goes to the repository with no tag; the merge job tags the index
    while (args.includes('--tag')) args.splice(args.indexOf('--tag'), 2)
    args.push(
      '--output',
      viaEngine
        ? 'type=docker'
        : `type=image,name=${settings.image},push-by-digest=true,name-canonical=true,push=true`
    )
    args.push(settings.context)
    return args
  }
  args.push(settings.push ? '--push' : '--load')
  args.push(settings.context)
  return args
}

/** The arguments of the classic `docker build`. */
export function classicArgs(settings: Settings, run: RunContext): string[] {
  // --force-rm: the classic builder keeps the container of a failed RUN otherwise (left on the machine)
  const args = ['build', '--force-rm', `--file=${settings.file}`]
  for (const ref of settings.refs) args.push('--tag', ref)
  for (const [k, v] of buildArgs(settings)) args.push('--build-arg', `${k}=${v}`)
  for (const [k, v] of imageLabels(settings, run)) args.push('--label', `${k}=${v}`)
  if (settings.target) args.push(`--target=${settings.target}`)
  if (settings.noCache) args.push('--no-cache')
  if (settings.pull) args.push('--pull')
  args.push(settings.context)
  return args
}
