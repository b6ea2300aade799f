// Repositories on the real SSH git host that scripts/infra.sh started on loopback.
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { infraEnv, uniqueName, tempDir } from '../../scripts/lib/runner.mjs'

export const infra = infraEnv()

export function git(args: string[], cwd?: string): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'seed',
      GIT_AUTHOR_EMAIL: 'seed@example.test',
      GIT_COMMITTER_NAME: 'seed',
      GIT_COMMITTER_EMAIL: 'seed@example.test'
    }
  }).trim()
}

export interface HostedRepo {
  bare: string
  url: string
  /** The branch tip on the host. */
  head(branch?: string): string
  /** A file as the host has it on a branch. */
  show(file: string, branch?: string): string
  /** The same, as bytes (encodings, BOM and line endings exactly). */
  showBytes(file: string, branch?: string): Buffer
  count(branch?: string): number
}

/** A bare repository on the SSH host, seeded with `files` (copied from folders: target -> source). */
export function hostedRepo(
  files: Record<string, string>,
  opts: { denyNonFastForwards?: boolean } = {}
): HostedRepo {
  const name = uniqueName('gitops')
  const bare = path.join(infra.GIT_ROOT, `${name}.git`)
  git(['init', '-q', '--bare', '-b', 'main', bare])
  if (opts.denyNonFastForwards !== false) git(['config', 'receive.denyNonFastForwards', 'true'], bare)
  const work = tempDir('seed')
  git(['init', '-q', '-b', 'main', work])
  for (const [target, source] of Object.entries(files))
    fs.cpSync(source, path.join(work, target), { recursive: true })
  git(['add', '-A'], work)
  git(['commit', '-q', '-m', 'seed'], work)
  git(['push', '-q', bare, 'main'], work)
  fs.rmSync(work, { recursive: true, force: true })
  const user = os.userInfo().username
  return {
    bare,
    url: `ssh://${user}@127.0.0.1:${infra.SSH_PORT}${bare}`,
    head: (branch = 'main') => git(['rev-parse', `refs/heads/${branch}`], bare),
    show: (file, branch = 'main') => git(['show', `${branch}:${file}`], bare),
    showBytes: (file, branch = 'main') => execFileSync('git', ['show', `${branch}:${file}`], { cwd: bare }),
    count: (branch = 'main') => Number(git(['rev-list', '--count', branch], bare))
  }
}

export const sshInputs = () => ({
  'ssh-key': fs.readFileSync(infra.SSH_KEY, 'utf8'),
  'ssh-known-hosts': fs.readFileSync(infra.SSH_KNOWN_HOSTS, 'utf8')
})

/** PATH with the helm that infra.sh provides. */
export const helmPath = () => `${path.dirname(infra.HELM)}:${process.env.PATH}`

/** Every file under a folder (node_modules and .git aside) that contains `needle`. */
export function filesContaining(dir: string, needle: string): string[] {
  const hits: string[] = []
  if (!fs.existsSync(dir)) return hits
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name)
    if (entry.isDirectory() && entry.name !== 'node_modules' && entry.name !== '.git')
      hits.push(...filesContaining(file, needle))
    else if (entry.isFile() && fs.readFileSync(file, 'latin1').includes(needle)) hits.push(file)
  }
  return hits
}

/**
 * gitops-bump's inputs with the values file the example's GitOps repository has (values-file has no default:
 * the step never guesses which file to edit), unless the test names its own or gives targets.
 */
export function withValuesFile<T extends Record<string, string>>(inputs: T): T {
  return { 'values-file': 'helm/demo-flask-app/values.yaml', ...inputs }
}
