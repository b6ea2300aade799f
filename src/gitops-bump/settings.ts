import { isDigest } from '../common/tag.js'
import * as path from 'node:path'
import * as inputs from '../common/inputs.js'
import { InputError } from '../common/inputs.js'
import { checkGitRef, checkRelativePath, checkTag, parseImage } from '../common/validate.js'
import { parseArgoSettings, type ArgoSettings } from './argocd-settings.js'
import { parseVerifySettings, type VerifySettings } from './verify-settings.js'
import { parsePromoteSettings, type PromoteSettings } from './promote.js'
import { Defaults, Inputs, MERGE_METHODS, MODES } from './constants.js'
import type { Assignment, ValueType } from './values.js'

export interface Remote {
  /** What git is given. */
  url: string
  /** Host for known_hosts / the token header; undefined for file:// and local paths. */
  host?: string
  transport: 'ssh' | 'https' | 'file'
  /** owner/name when the repository is on GitHub, for the API in pull-request mode. */
  githubRepo?: string
}

export interface TargetSpec {
  kind: 'helm' | 'kustomize'
  /** The file edited, relative to the repository. */
  file: string
  /** The chart or kustomization folder. */
  dir: string
}

export interface Settings {
  remote: Remote
  sshKey: string
  sshKnownHosts: string[]
  sshStrict: boolean
  token: string
  branch: string
  /** The first target's file (values-file, or the first line of targets). */
  valuesFile: string
  chart: string
  targets: TargetSpec[]
  /** The input the targets came from, for errors: targets, or values-file. */
  targetsInput: string
  /** kustomize: the images entry's name; newName and digest when given. */
  image: string
  newName: string
  digest: string
  tag?: string
  set: Assignment[]
  /** The set input as given (promote-from fills the default assignments once the tag is read). */
  setLines: [string, string][]
  validate: boolean
  commitMessage: string
  authorName: string
  authorEmail: string
  mode: (typeof MODES)[number]
  /** pull-request mode: the branch the bump is pushed to. */
  prBranch: string
  /** owner/name for the API in pull-request mode. */
  apiRepo: string
  dryRun: boolean
  /** An optional cap on pushes; the time limit is what bounds retries normally. */
  maxAttempts?: number
  timeoutMs: number
  allowDowngrade: boolean
  /** Commit through GitHub's API, so that GitHub signs the commit (needs token). */
  signCommits: boolean
  /** An SSH private key git signs commits with. */
  signingKey: string
  /** pull-request mode */
  labels: string[]
  reviewers: string[]
  teamReviewers: string[]
  draft: boolean
  autoMerge: '' | (typeof MERGE_METHODS)[number]
  summary: boolean
  /** Confirm the deploy with Argo CD (argocd-server given). */
  argocd?: ArgoSettings
  /** Verify the image's signature before the bump (verify-image given). */
  verify?: VerifySettings
  /** promote-from: the tag and digest come from another environment's values, gated by its application. */
  promote?: PromoteSettings
}

const OWNER_NAME = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/
const SAFE_URL = /^[A-Za-z0-9@:/._~%+=,-]+$/

export function parseRemote(value: string, useToken: boolean): Remote {
  const bad = (why: string) =>
    new InputError(
      Inputs.Repository,
      `${why}; expected owner/name or an ssh://, git@host:path, https:// or file:// URL, got '${value}'`
    )
  if (value.startsWith('-') || !SAFE_URL.test(value))
    throw bad('has characters a repository address cannot have')
  if (OWNER_NAME.test(value) && !value.includes(':')) {
    const repo = value.replace(/\.git$/, '')
    return useToken
      ? { url: `https://github.com/${repo}.git`, host: 'github.com', transport: 'https', githubRepo: repo }
      : { url: `git@github.com:${repo}.git`, host: 'github.com', transport: 'ssh', githubRepo: repo }
  }
  const gh = (host: string, p: string) =>
    host === 'github.com' ? p.replace(/^\//, '').replace(/\.git$/, '') : undefined
  let m = /^ssh:\/\/(?:[^@/]+@)?([^/:]+|\[[^\]]+\])(?::\d+)?(\/.+)$/.exec(value)
  if (m) return { url: value, host: m[1], transport: 'ssh', githubRepo: gh(m[1], m[2]) }
  m = /^[A-Za-z0-9_.-]+@([A-Za-z0-9.-]+):(.+)$/.exec(value)
  if (m) return { url: value, host: m[1], transport: 'ssh', githubRepo: gh(m[1], m[2]) }
  m = /^https:\/\/([A-Za-z0-9.-]+(?::\d+)?)(\/.+)$/.exec(value)
  if (m) return { url: value, host: m[1], transport: 'https', githubRepo: gh(m[1], m[2]) }
  if (/^file:\/\/\/.+/.test(value)) return { url: value, transport: 'file' }
  throw bad('is not a repository address')
}

const KUSTOMIZATION = /(^|\/)(kustomization\.ya?ml|Kustomization)$/

/**
 * The files to bump: `targets` lines (`<file> [<folder>]`; a kustomization.yaml is a Kustomize target,
 * any other file a Helm values file whose chart is the folder, by default the file's own), else
 * values-file with chart. Each path stays inside the repository and cannot be read as an option.
 */
export function parseTargets(lines: string[], valuesFile: string, chart: string): TargetSpec[] {
  const specs = lines.length ? lines.map(l => l.split(/\s+/)) : [[valuesFile, ...(chart ? [chart] : [])]]
  const input = lines.length ? Inputs.Targets : Inputs.ValuesFile
  const seen = new Set<string>()
  return specs.map(parts => {
    if (parts.length > 2)
      throw new InputError(Inputs.Targets, `lines are '<file> [<folder>]', got '${parts.join(' ')}'`)
    const file = checkRelativePath(input, parts[0])
    if (seen.has(file)) throw new InputError(input, `names ${file} twice`)
    seen.add(file)
    const dir = parts[1]
      ? checkRelativePath(lines.length ? Inputs.Targets : Inputs.Chart, parts[1])
      : path.posix.dirname(file)
    return { kind: KUSTOMIZATION.test(file) ? 'kustomize' : 'helm', file, dir }
  })
}

/** How long the step keeps retrying a branch that moves (default 5 minutes, at most 6 hours). */
function timeout(): number {
  const ms = inputs.duration(Inputs.Timeout, Defaults[Inputs.Timeout])
  if (ms < 1000 || ms > 6 * 3_600_000)
    throw new InputError(Inputs.Timeout, `must be from 1s to 6h, got '${inputs.str(Inputs.Timeout)}'`)
  return ms
}

/** `dotted.path` with an optional `:type` (str, int, float, bool). */
const SET_KEY = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*(:(str|int|float|bool))?$/

/**
 * The assignments: `set` lines (each key must exist; a value keeps the type of what it replaces unless the
 * key says `:type`), or with only `tag`, image.tag and, where the file has them, env.appVersion (strings)
 * and image.digest (emptied; the digest input fills it).
 */
export function parseSet(lines: [string, string][], tag: string | undefined): Assignment[] {
  if (lines.length === 0) {
    if (!tag)
      throw new InputError(
        Inputs.Tag,
        'is required when set is empty (it fills image.tag, and env.appVersion where the values file has it)'
      )
    return [
      { path: 'image.tag', value: tag, type: 'str' },
      { path: 'env.appVersion', value: tag, type: 'str', optional: true },
      // a digest pinned by an earlier bump belongs to the earlier tag: emptied unless digest gives the new one
      { path: 'image.digest', value: '', type: 'str', optional: true }
    ]
  }
  return lines.map(([key, value]) => {
    // eslint-disable-next-line no-control-regex
    if (/[\x00-\x1f\x7f`$]/.test(value))
      throw new InputError(
        Inputs.Set,
        `value of '${key}' has characters that do not belong in a value: '${value}'`
      )
    const [p, type] = key.split(':') as [string, ValueType | undefined]
    return { path: p, value, type: type ?? 'auto' }
  })
}

export function getSettings(): Settings {
  const { sshKey, token, signingKey } = readCredentials()
  const remote = parseRemote(inputs.required(Inputs.Repository), !!token && !sshKey)
  const where = readTargets()
  const image = readImage(where.targets)
  const tagInput = inputs.str(Inputs.Tag)
  const tag = tagInput ? checkTag(Inputs.Tag, tagInput) : undefined
  const promote = parsePromoteSettings()
  const setLines = inputs.keyValues(Inputs.Set, SET_KEY)
  // promote-from: the assignments are made once the source's tag is read (withPromoted)
  const set = promote && !setLines.length ? [] : parseSet(setLines, tag)
  if (remote.transport === 'ssh' && !sshKey && !process.env.SSH_AUTH_SOCK)
    throw new InputError(
      Inputs.SshKey,
      `is required for the ssh address ${remote.url} (or give 'token' with an https address)`
    )
  const mode = inputs.oneOf(Inputs.Mode, MODES, Defaults[Inputs.Mode])
  const signCommits = readSignCommits(token, signingKey)
  const pullRequest = readPullRequest(mode, token)
  const argocd = parseArgoSettings()
  if (argocd && mode !== 'push')
    throw new InputError(
      Inputs.ArgocdServer,
      'applies to mode: push only (a pull request deploys when it is merged, after this step)'
    )
  return {
    remote,
    prBranch: prBranchOf(tag ?? set[0]?.value ?? 'promotion'),
    apiRepo: apiRepoOf(remote),
    sshKey,
    sshKnownHosts: inputs.lines(Inputs.SshKnownHosts),
    sshStrict: inputs.bool(Inputs.SshStrict, true),
    token,
    branch: checkGitRef(Inputs.Branch, inputs.str(Inputs.Branch, Defaults[Inputs.Branch])),
    ...where,
    ...image,
    tag,
    set,
    setLines,
    validate: inputs.bool(Inputs.Validate, true),
    commitMessage: inputs.str(Inputs.CommitMessage),
    authorName: inputs.str(Inputs.AuthorName, Defaults[Inputs.AuthorName]),
    authorEmail: inputs.str(Inputs.AuthorEmail, Defaults[Inputs.AuthorEmail]),
    mode,
    dryRun: inputs.bool(Inputs.DryRun, false),
    maxAttempts: inputs.str(Inputs.MaxAttempts) ? inputs.int(Inputs.MaxAttempts, 0, 1, 1000) : undefined,
    timeoutMs: timeout(),
    allowDowngrade: inputs.bool(Inputs.AllowDowngrade, false),
    signCommits,
    signingKey,
    ...pullRequest,
    summary: inputs.bool(Inputs.Summary, true),
    argocd,
    verify: parseVerifySettings(),
    promote
  }
}

/** The settings of a promotion once the source's tag and digest are read: a bump with that tag and digest. */
export function withPromoted(s: Settings, tag: string, digest: string): Settings {
  const set = parseSet(s.setLines, tag)
  return { ...s, tag, digest, set, prBranch: prBranchOf(tag) }
}

/** The secrets: the deploy key, the token, the signing key (an SSH private key). */
function readCredentials(): Pick<Settings, 'sshKey' | 'token' | 'signingKey'> {
  const sshKey = inputs.secret(Inputs.SshKey)
  const token = inputs.secret(Inputs.Token)
  const signingKey = inputs.secret(Inputs.SigningKey)
  if (signingKey && !/^-----BEGIN OPENSSH PRIVATE KEY-----/.test(signingKey.trim()))
    throw new InputError(
      Inputs.SigningKey,
      'must be an SSH private key (-----BEGIN OPENSSH PRIVATE KEY-----)'
    )
  return { sshKey, token, signingKey }
}

/** What is bumped: `targets`, else values-file with chart. */
function readTargets(): Pick<Settings, 'targets' | 'targetsInput' | 'valuesFile' | 'chart'> {
  const lines = inputs.lines(Inputs.Targets)
  const valuesFile = inputs.str(Inputs.ValuesFile)
  if (!lines.length && !valuesFile)
    throw new InputError(
      Inputs.ValuesFile,
      "is required (the values file to bump, such as helm/my-app/values.yaml), or give 'targets'"
    )
  const targets = parseTargets(lines, valuesFile, inputs.str(Inputs.Chart))
  return {
    targets,
    targetsInput: lines.length ? Inputs.Targets : Inputs.ValuesFile,
    valuesFile: targets[0].file,
    chart: targets[0].dir
  }
}

/** kustomize's images entry: its name (required for a kustomization), newName and digest. */
function readImage(targets: TargetSpec[]): Pick<Settings, 'image' | 'newName' | 'digest'> {
  const digest = inputs.str(Inputs.Digest)
  if (digest && !isDigest(digest))
    throw new InputError(Inputs.Digest, `must be sha256:<64 hex digits>, got '${digest}'`)
  const image = inputs.str(Inputs.Image)
  if (image) parseImage(Inputs.Image, image)
  const newName = inputs.str(Inputs.NewName)
  if (newName) parseImage(Inputs.NewName, newName)
  if (targets.some(t => t.kind === 'kustomize') && !image)
    throw new InputError(Inputs.Image, "is required for a kustomization target (the images entry's name)")
  return { image, newName, digest }
}

/** sign-commits: through the API (needs token), never with a signing key too. */
function readSignCommits(token: string, signingKey: string): boolean {
  const signCommits = inputs.bool(Inputs.SignCommits, false)
  if (signCommits && !token)
    throw new InputError(
      Inputs.Token,
      'is required with sign-commits: true (the commit is made through the API)'
    )
  if (signCommits && signingKey)
    throw new InputError(
      Inputs.SigningKey,
      'and sign-commits cannot both be given: GitHub signs API commits itself'
    )
  return signCommits
}

type PullRequestSettings = Pick<Settings, 'labels' | 'reviewers' | 'teamReviewers' | 'draft' | 'autoMerge'>

/** The pull request's labels, reviewers, draft and auto-merge: pull-request mode only, which needs token. */
function readPullRequest(mode: Settings['mode'], token: string): PullRequestSettings {
  const people = inputs.list(Inputs.Reviewers)
  for (const p of people)
    if (!/^[A-Za-z0-9-]+(\/[A-Za-z0-9_.-]+)?$/.test(p))
      throw new InputError(Inputs.Reviewers, `must be user names or org/team slugs, got '${p}'`)
  const labels = inputs.list(Inputs.Labels)
  const autoMerge = inputs.oneOf(Inputs.AutoMerge, ['', ...MERGE_METHODS] as const, '')
  const draft = inputs.bool(Inputs.Draft, false)
  if (mode !== 'pull-request') {
    const given = [
      [Inputs.Labels, labels.length],
      [Inputs.Reviewers, people.length],
      [Inputs.AutoMerge, autoMerge],
      [Inputs.Draft, draft]
    ].find(([, v]) => v)
    if (given) throw new InputError(String(given[0]), 'applies to mode: pull-request only')
  }
  if (mode === 'pull-request' && !token)
    throw new InputError(Inputs.Token, 'is required in pull-request mode (for the API)')
  return {
    labels,
    reviewers: people.filter(p => !p.includes('/')),
    teamReviewers: people.filter(p => p.includes('/')).map(p => p.split('/')[1]),
    draft,
    autoMerge
  }
}

/** On GitHub the API repository is the remote's; elsewhere (GitHub Enterprise Server) its last two path segments. */
function apiRepoOf(remote: Remote): string {
  return (
    remote.githubRepo ??
    remote.url
      .replace(/\.git$/, '')
      .split(/[/:]/)
      .slice(-2)
      .join('/')
  )
}

/** pull-request mode's branch: gitops-bump/<the tag, or the first set value>. */
function prBranchOf(value: string): string {
  const name = value.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+|\.+$/g, '') || 'values'
  return checkGitRef(Inputs.Mode, `gitops-bump/${name}`)
}
