// The GitOps repository, reached only through this class. Credentials live in the step's private
// folder and reach git as files named in its environment (GIT_SSH_COMMAND's -i, GIT_CONFIG_GLOBAL for
// the token header): nothing secret is in .git/config, an argument, or an environment variable.
import * as core from '@actions/core'
import * as fs from 'node:fs/promises'
import * as path from 'node:path'
import { run, tool, ToolError, type RunResult } from '../common/exec.js'
import type { RetryOptions } from '../common/retry.js'
import { maskSecret } from '../common/inputs.js'
import type { PrivateDir } from '../common/temp.js'
import { GITHUB_KNOWN_HOSTS } from './constants.js'
import type { Settings } from './settings.js'

/** The branch moved under us: fetch, re-apply and push again. */
export class RaceError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'RaceError'
  }
}

const RACE = /non-fast-forward|fetch first|stale info|cannot lock ref|failed to update ref|\[rejected\]/i
const NOT_RACE = /pre-receive hook declined|protected branch|permission|denied/i

export function isRace(result: Pick<RunResult, 'stdout' | 'stderr'>): boolean {
  const text = `${result.stdout}\n${result.stderr}`
  if (/cannot lock ref|failed to update ref/i.test(text)) return true
  return RACE.test(text) && !NOT_RACE.test(text)
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`
}

/** The SSH connection-sharing socket of a step's private folder (short: socket paths are limited to ~100 bytes). */
export function controlPath(privDir: string): string {
  return path.join(privDir, 'cm')
}

/** Ends the SSH master of a step, if one is running (main's finally, and post after a killed main). */
export async function closeSshMaster(privDir: string): Promise<void> {
  const socket = controlPath(privDir)
  if (!(await fs.stat(socket).catch(() => undefined))) return
  await run('ssh', ['-O', 'exit', '-o', `ControlPath=${socket}`, 'gitops-bump'], {
    silent: true,
    ignoreReturnCode: true
  }).catch(() => undefined)
}

/** The ids of processes titled `title` exactly, from `ps -eo pid=,args=` output (pure). */
export function processesTitled(ps: string, title: string): number[] {
  return ps
    .split('\n')
    .map(l => /^\s*(\d+) (.*)$/.exec(l))
    .filter(m => m !== null && m[2] === title)
    .map(m => Number(m![1]))
}

/**
 * Ends, by their process title ("ssh: <socket> [mux]", as ssh names a master), the SSH masters whose
 * socket was in the step's private folder: post's last act after a killed main. A git that outlived main
 * can make its master while post removes the folder; that master's socket is then gone, so `ssh -O exit`
 * cannot reach it, and it would idle for ControlPersist. Without `ps` (a bare container) nothing is done.
 */
export async function endSshMasters(privDir: string): Promise<void> {
  const ps = await run('ps', ['-eo', 'pid=,args='], { silent: true, ignoreReturnCode: true }).catch(
    () => undefined
  )
  for (const pid of processesTitled(ps?.stdout ?? '', `ssh: ${controlPath(privDir)} [mux]`)) {
    try {
      process.kill(pid, 'SIGTERM')
    } catch {
      // ended meanwhile
    }
  }
}

/** Tree (or blob) ids of paths at HEAD, in order; '' for a path that is not there. */
export type TreeIds = string[]

export class GitOpsRepo {
  private constructor(
    readonly dir: string,
    private readonly settings: Settings,
    private readonly git: ReturnType<typeof tool>,
    /** git's SSH commit signing, when a signing key is given (its file is in the private folder). */
    private readonly signing: string[]
  ) {}

  static async prepare(settings: Settings, priv: PrivateDir): Promise<GitOpsRepo> {
    const env: Record<string, string> = {
      GIT_TERMINAL_PROMPT: '0',
      GIT_AUTHOR_NAME: settings.authorName,
      GIT_AUTHOR_EMAIL: settings.authorEmail,
      GIT_COMMITTER_NAME: settings.authorName,
      GIT_COMMITTER_EMAIL: settings.authorEmail,
      // Keep the user's global git config (credential helpers, url rewrites) out of the GitOps clone.
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_CONFIG_NOSYSTEM: '1'
    }
    if (settings.remote.transport === 'ssh') {
      const sshArgs = ['ssh', '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-o', 'ConnectTimeout=30']
      if (settings.sshKey) {
        const key = await priv.write('deploy_key', settings.sshKey.replace(/\r\n/g, '\n').trimEnd() + '\n')
        sshArgs.push('-i', shellQuote(key))
      }
      const knownHosts = await priv.write(
        'known_hosts',
        [...GITHUB_KNOWN_HOSTS, ...settings.sshKnownHosts].join('\n') + '\n'
      )
      sshArgs.push(
        '-o',
        `UserKnownHostsFile=${shellQuote(knownHosts)}`,
        '-o',
        'GlobalKnownHostsFile=/dev/null',
        '-o',
        `StrictHostKeyChecking=${settings.sshStrict ? 'yes' : 'accept-new'}`
      )
      // One SSH connection for the whole step: every fetch and push after the first reuses it. The socket
      // is in the private folder; close() (in finally, and again in post) ends the master.
      sshArgs.push(
        '-o',
        'ControlMaster=auto',
        '-o',
        `ControlPath=${shellQuote(controlPath(priv.path))}`,
        '-o',
        'ControlPersist=120'
      )
      env.GIT_SSH_COMMAND = sshArgs.join(' ')
      env.GIT_SSH_VARIANT = 'ssh'
    }
    if (settings.token && settings.remote.transport === 'https') {
      // The token reaches git by a 0600 file in the private folder (its global config), never by the
      // environment that git hands on to its own children.
      const basic = Buffer.from(`x-access-token:${settings.token}`).toString('base64')
      maskSecret(basic)
      env.GIT_CONFIG_GLOBAL = await priv.write(
        'gitconfig',
        `[http "https://${settings.remote.host}/"]\n\textraheader = AUTHORIZATION: basic ${basic}\n`
      )
    }
    const signing: string[] = []
    if (settings.signingKey) {
      const key = await priv.write('signing_key', settings.signingKey.replace(/\r\n/g, '\n').trimEnd() + '\n')
      signing.push('-c', 'gpg.format=ssh', '-c', `user.signingkey=${key}`)
    }
    const dir = path.join(priv.path, 'repo')
    const repo = new GitOpsRepo(dir, settings, tool('git', { env, cwd: dir }), signing)
    await fs.mkdir(dir, { recursive: true })
    await repo.git(['init', '-q', '-b', settings.branch, '.'], { silent: true })
    // Only the charts and the values files are checked out, however large the repository. A kustomization
    // may name bases anywhere in the repository, so with one the whole tip is checked out.
    const sparse = settings.targets.every(t => t.kind === 'helm')
    const dirs = [...new Set(settings.targets.flatMap(t => [t.dir, path.posix.dirname(t.file)]))].filter(
      d => d !== '.'
    )
    if (sparse && dirs.length)
      await repo.git(['sparse-checkout', 'set', '--cone', '--', ...dirs], { silent: true })
    return repo
  }

  /**
   * Shallow fetch of one branch's tip into refs/remotes/origin/<branch>; its sha, or undefined when it
   * does not exist. `depth`: how much history (a revert needs the reverted commit's parent).
   */
  async fetchBranch(branch: string, depth = '--depth=1'): Promise<string | undefined> {
    const url = this.settings.remote.url
    const r = await this.git(
      ['fetch', depth, '--no-tags', url, `+refs/heads/${branch}:refs/remotes/origin/${branch}`],
      {
        ignoreReturnCode: true,
        silent: true
      }
    )
    if (r.exitCode !== 0) {
      const why = r.stderr.trim().split('\n').slice(-5).join('\n')
      if (/couldn't find remote ref/i.test(why)) return undefined
      throw new ToolError(`Fetching ${branch} from ${url} failed:\n${why}`, r)
    }
    return (await this.git(['rev-parse', `refs/remotes/origin/${branch}`], { silent: true })).stdout.trim()
  }

  /** The tip of the branch to update, checked out (sparse). */
  async fetch(depth?: string): Promise<string> {
    const { branch } = this.settings
    const tip = await this.fetchBranch(branch, depth)
    if (!tip)
      throw new Error(`Branch '${branch}' does not exist in ${this.settings.remote.url} (input 'branch')`)
    await this.git(['checkout', '-q', '--force', '-B', branch, tip], { silent: true })
    return tip
  }

  /**
   * A commit with HEAD's tree and two parents, HEAD's parent and `other`: pushed to `other`'s branch it is
   * a fast-forward (no force needed), and compared with the base branch it shows only HEAD's change.
   */
  async onTopOf(other: string, messageFile: string): Promise<string> {
    const tree = (await this.git(['rev-parse', 'HEAD^{tree}'], { silent: true })).stdout.trim()
    const base = (await this.git(['rev-parse', 'HEAD~1'], { silent: true })).stdout.trim()
    const sign = this.signing.length ? [...this.signing, 'commit-tree', '-S'] : ['commit-tree']
    const commit = (
      await this.git([...sign, tree, '-p', base, '-p', other, '-F', messageFile], { silent: true })
    ).stdout.trim()
    await this.git(['reset', '-q', '--soft', commit], { silent: true })
    return commit
  }

  /** The object ids of paths at HEAD (a folder's tree, a file's blob), to tell whether they changed. */
  async ids(paths: string[]): Promise<TreeIds> {
    const r = await this.git(['rev-parse', ...paths.map(p => `HEAD:${p === '.' ? '' : p}`)], {
      silent: true,
      ignoreReturnCode: true
    })
    // a path that is not there fails the whole call: then nothing counts as unchanged
    const out = r.exitCode === 0 ? r.stdout.split('\n') : []
    return paths.map((_, i) => (/^[0-9a-f]{40,64}$/.test(out[i] ?? '') ? out[i] : ''))
  }

  async head(): Promise<string> {
    return (await this.git(['rev-parse', 'HEAD'], { silent: true })).stdout.trim()
  }

  async commit(files: string[], messageFile: string): Promise<string> {
    await this.git(['add', '--', ...files], { silent: true })
    const sign = this.signing.length ? [...this.signing, 'commit', '-S'] : ['commit']
    await this.git([...sign, '-q', '--no-verify', '--file', messageFile], {
      silent: true,
      label: 'git commit'
    })
    return this.head()
  }

  /** How long the last push took, ms: the scale of the backoff when the branch is contended. */
  lastPushMs = 0

  /** Push without force; a rejection because the branch moved becomes a RaceError. */
  async push(refspec: string): Promise<void> {
    const started = Date.now()
    const r = await this.git(['push', '--porcelain', this.settings.remote.url, refspec], {
      ignoreReturnCode: true,
      silent: true
    })
    this.lastPushMs = Date.now() - started
    if (r.exitCode === 0) return
    const why = `${r.stdout}\n${r.stderr}`
      .trim()
      .split('\n')
      .filter(l => l && !/^To |^Done$/.test(l))
      .slice(-6)
      .join('\n')
    if (isRace(r)) throw new RaceError(`The push was rejected because ${this.settings.branch} moved:\n${why}`)
    throw new ToolError(`Pushing to ${this.settings.remote.url} failed:\n${why}`, r)
  }

  /**
   * Whether `revision` is `commit` or descends from it, on the branch: the clone is shallow, so the
   * branch's recent history (the last 200 commits, then all of it) is fetched when the revision is new.
   */
  async contains(revision: string, commit: string): Promise<boolean> {
    if (!/^[0-9a-f]{40,64}$/.test(revision)) return false
    if (revision === commit) return true
    if (!(await this.have(revision))) return false
    const r = await this.git(['merge-base', '--is-ancestor', commit, revision], {
      silent: true,
      ignoreReturnCode: true
    })
    return r.exitCode === 0
  }

  /** Whether a commit of the branch is here, fetching its recent history (200 commits, then all) if not. */
  private async have(revision: string): Promise<boolean> {
    const known = async () =>
      (await this.git(['cat-file', '-e', `${revision}^{commit}`], { silent: true, ignoreReturnCode: true }))
        .exitCode === 0
    const ref = `+refs/heads/${this.settings.branch}:refs/remotes/origin/${this.settings.branch}`
    for (const depth of ['--depth=200', '--unshallow']) {
      if (await known()) return true
      await this.git(['fetch', depth, '--no-tags', this.settings.remote.url, ref], {
        silent: true,
        ignoreReturnCode: true
      })
    }
    return known()
  }

  /** A file's text at a commit of the branch; undefined when the commit or the file is not there. */
  async fileAt(revision: string, file: string): Promise<string | undefined> {
    if (!/^[0-9a-f]{40,64}$/.test(revision) || !(await this.have(revision))) return undefined
    const r = await this.git(['show', `${revision}:${file}`], { silent: true, ignoreReturnCode: true })
    return r.exitCode === 0 ? r.stdout : undefined
  }

  /**
   * `git revert --no-commit` of a commit onto HEAD: undefined, or what git said when it conflicts (then
   * aborted). The commit's parent must be there: in a clone cut at the commit it would count as a root,
   * and its revert would delete every file.
   */
  async revert(commit: string): Promise<string | undefined> {
    const parent = await this.git(['rev-parse', '--verify', '-q', `${commit}^`], {
      silent: true,
      ignoreReturnCode: true
    })
    if (parent.exitCode !== 0) return `the history of ${commit} could not be fetched (its parent is missing)`
    const r = await this.git(['revert', '--no-commit', '--no-edit', commit], {
      silent: true,
      ignoreReturnCode: true
    })
    if (r.exitCode === 0) return undefined
    await this.git(['revert', '--abort'], { silent: true, ignoreReturnCode: true })
    return (r.stderr || r.stdout).trim()
  }

  async run(args: string[]): Promise<RunResult> {
    return this.git(args, { silent: true })
  }
}

/**
 * How a push that lost a race is retried (the bump's and the revert's): bounded by the step's timeout
 * and max-attempts, with a backoff scaled to the push round trip just measured (rivals need about that
 * long to land theirs).
 */
export function raceRetry(settings: Settings, repo: GitOpsRepo, what: string): RetryOptions {
  return {
    attempts: settings.maxAttempts ?? Infinity,
    deadlineMs: settings.timeoutMs,
    baseDelayMs: () => Math.max(50, repo.lastPushMs),
    maxDelayMs: () => Math.max(1000, 8 * repo.lastPushMs),
    retryable: (err: unknown) => err instanceof RaceError,
    onRetry: (err: unknown, n: number, delay: number) =>
      core.info(`${what} ${n}: ${(err as Error).message.split('\n')[0]}; fetching the new tip in ${delay} ms`)
  }
}
