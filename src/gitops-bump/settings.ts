import * as path from 'node:path'
import * as inputs from '../common/inputs.js'
import { InputError } from '../common/inputs.js'
import { checkGitRef, checkRelativePath, checkTag } from '../common/validate.js'
import { Defaults, Inputs, MODES } from './constants.js'

export interface Remote {
  /** What git is given. */
  url: string
  /** Host for known_hosts / the token header; undefined for file:// and local paths. */
  host?: string
  transport: 'ssh' | 'https' | 'file'
  /** owner/name when the repository is on GitHub, for the API in pull-request mode. */
  githubRepo?: string
}

export interface Settings {
  remote: Remote
  sshKey: string
  sshKnownHosts: string[]
  sshStrict: boolean
  token: string
  branch: string
  valuesFile: string
  chart: string
  tag?: string
  set: [string, string][]
  /** Keys of `set` that are only set where the file has them (the defaults that come with `tag`). */
  optional: string[]
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
  maxAttempts: number
  allowDowngrade: boolean
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

export function getSettings(): Settings {
  const sshKey = inputs.secret(Inputs.SshKey)
  const token = inputs.secret(Inputs.Token)
  const remote = parseRemote(inputs.required(Inputs.Repository), !!token && !sshKey)
  const valuesFile = checkRelativePath(
    Inputs.ValuesFile,
    inputs.str(Inputs.ValuesFile, Defaults[Inputs.ValuesFile])
  )
  const chartInput = inputs.str(Inputs.Chart)
  const chart = chartInput ? checkRelativePath(Inputs.Chart, chartInput) : path.posix.dirname(valuesFile)
  const tagInput = inputs.str(Inputs.Tag)
  const tag = tagInput ? checkTag(Inputs.Tag, tagInput) : undefined
  let set = inputs.keyValues(Inputs.Set, /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/)
  if (set.length === 0) {
    if (!tag)
      throw new InputError(
        Inputs.Tag,
        'is required when set is empty (it fills image.tag, and env.appVersion where the values file has it)'
      )
    set = [
      ['image.tag', tag],
      ['env.appVersion', tag]
    ]
  }
  // With only `tag`, env.appVersion (the seed chart's) is set where it exists; a key named in `set` must exist.
  const optional = inputs.str(Inputs.Set) ? [] : ['env.appVersion']
  for (const [key, value] of set)
    // eslint-disable-next-line no-control-regex
    if (/[\x00-\x1f\x7f`$]/.test(value))
      throw new InputError(
        Inputs.Set,
        `value of '${key}' has characters that do not belong in a value: '${value}'`
      )
  if (remote.transport === 'ssh' && !sshKey && !process.env.SSH_AUTH_SOCK)
    throw new InputError(
      Inputs.SshKey,
      `is required for the ssh address ${remote.url} (or give 'token' with an https address)`
    )
  const mode = inputs.oneOf(Inputs.Mode, MODES, Defaults[Inputs.Mode])
  if (mode === 'pull-request' && !token)
    throw new InputError(Inputs.Token, 'is required in pull-request mode (for the API)')
  // On GitHub the API repository is the remote's; elsewhere (GitHub Enterprise Server) its last two path segments.
  const apiRepo =
    remote.githubRepo ??
    remote.url
      .replace(/\.git$/, '')
      .split(/[/:]/)
      .slice(-2)
      .join('/')
  const prValue = tag ?? set[0][1]
  const prBranch = `gitops-bump/${prValue.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+|\.+$/g, '') || 'values'}`
  return {
    remote,
    prBranch: checkGitRef(Inputs.Mode, prBranch),
    apiRepo,
    sshKey,
    sshKnownHosts: inputs.lines(Inputs.SshKnownHosts),
    sshStrict: inputs.bool(Inputs.SshStrict, true),
    token,
    branch: checkGitRef(Inputs.Branch, inputs.str(Inputs.Branch, Defaults[Inputs.Branch])),
    valuesFile,
    chart,
    tag,
    set,
    optional,
    validate: inputs.bool(Inputs.Validate, true),
    commitMessage: inputs.str(Inputs.CommitMessage),
    authorName: inputs.str(Inputs.AuthorName, Defaults[Inputs.AuthorName]),
    authorEmail: inputs.str(Inputs.AuthorEmail, Defaults[Inputs.AuthorEmail]),
    mode,
    dryRun: inputs.bool(Inputs.DryRun, false),
    maxAttempts: inputs.int(Inputs.MaxAttempts, 5, 1, 50),
    allowDowngrade: inputs.bool(Inputs.AllowDowngrade, false)
  }
}

/** `<version>-<sha7>-<run>` tags of one version compare by run number; anything else is not compared. */
export function isDowngrade(previous: unknown, next: string): boolean {
  const re = /^(.+)-([0-9a-f]{7,40})-(\d+)$/
  const a = typeof previous === 'string' ? re.exec(previous) : null
  const b = re.exec(next)
  return !!a && !!b && a[1] === b[1] && Number(a[3]) > Number(b[3])
}
