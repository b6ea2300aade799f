// What build-push and kind-e2e both do with docker: log in without the password ever being an argument.
import { tool } from './exec.js'

export type Docker = ReturnType<typeof tool>

/**
 * `docker login --password-stdin` into whatever DOCKER_CONFIG the runner `docker` was made with (always a
 * per-step folder here). A refusal names the registry and user and docker's reason, never the password.
 */
export async function dockerLogin(
  docker: Docker,
  registry: string,
  username: string,
  password: string
): Promise<void> {
  const r = await docker(['login', '--username', username, '--password-stdin', registry], {
    input: password,
    silent: true,
    ignoreReturnCode: true
  })
  if (r.exitCode !== 0)
    throw new Error(
      `Login to ${registry} as '${username}' was refused: ${(r.stderr.trim().split('\n').pop() ?? '').trim()}`
    )
}

export interface DockerAuth {
  registry: string
  username: string
  password: string
}

/** The key docker keeps a registry's credentials under in config.json (Docker Hub's is historical). */
function authKey(registry: string): string {
  return registry === 'docker.io' || registry === 'index.docker.io' ? 'https://index.docker.io/v1/' : registry
}

/**
 * The per-step docker config's credentials, written directly: what `docker login` stores there when no
 * credential helper is configured (as in a fresh per-step config), without a process and a registry round
 * trip before the build. The file is 0600 in the step's private folder. A refusal shows up when the build
 * pushes; `authRefused` recognises it so the step can say which login was refused.
 */
export async function writeDockerAuths(configDir: string, auths: DockerAuth[]): Promise<void> {
  const fs = await import('node:fs/promises')
  const path = await import('node:path')
  const file = path.join(configDir, 'config.json')
  const current = JSON.parse(await fs.readFile(file, 'utf8').catch(() => '{}')) as {
    auths?: Record<string, unknown>
  }
  current.auths = { ...current.auths }
  for (const a of auths)
    current.auths[authKey(a.registry)] = {
      auth: Buffer.from(`${a.username}:${a.password}`).toString('base64')
    }
  await fs.writeFile(file, JSON.stringify(current), { mode: 0o600 })
  await fs.chmod(file, 0o600)
}

/** Whether a push failed because the registry refused the credentials (or there were none). */
export function authRefused(output: string): boolean {
  return /unauthorized|authentication required|no basic auth credentials|denied: requested access|incorrect username or password/i.test(
    output
  )
}

/**
 * The environment for docker in a per-step folder `dir` (credentials never touch the user's docker config
 * and go with the folder), keeping what the user's own folder (DOCKER_CONFIG, else ~/.docker) set up:
 * plugins, buildx builders and docker contexts are linked in, and the current context (DOCKER_CONTEXT, else
 * `docker context use`'s currentContext) is passed on, so every call talks to the daemon the user chose.
 * No process is started: the user's config.json is read, not asked of `docker context show`.
 */
export async function stepDockerEnv(
  dir: string
): Promise<{ DOCKER_CONFIG: string; DOCKER_CONTEXT?: string }> {
  const fs = await import('node:fs/promises')
  const os = await import('node:os')
  const path = await import('node:path')
  const home = process.env.DOCKER_CONFIG || path.join(os.homedir(), '.docker')
  for (const name of ['cli-plugins', 'buildx', 'contexts']) {
    const source = path.join(home, name)
    if (await fs.stat(source).catch(() => undefined)) await fs.symlink(source, path.join(dir, name))
  }
  let context = process.env.DOCKER_CONTEXT ?? ''
  if (!context) {
    try {
      const user = JSON.parse(await fs.readFile(path.join(home, 'config.json'), 'utf8')) as {
        currentContext?: unknown
      }
      context = typeof user.currentContext === 'string' ? user.currentContext : ''
    } catch {
      // no user config (or one docker itself would refuse): the default context
    }
  }
  return { DOCKER_CONFIG: dir, ...(context && context !== 'default' ? { DOCKER_CONTEXT: context } : {}) }
}

/**
 * A GET of the Engine API over the local socket, with no docker CLI process (~30 ms each): the status and
 * the JSON body, or undefined where docker is not the local default engine (DOCKER_HOST or a context
 * points elsewhere) or the socket does not answer; the caller then asks the docker CLI.
 */
export async function engineGet(
  apiPath: string,
  context: string
): Promise<{ status: number; json: unknown } | undefined> {
  if (process.env.DOCKER_HOST || context) return undefined
  const http = await import('node:http')
  return new Promise(resolve => {
    const req = http.get({ socketPath: '/var/run/docker.sock', path: apiPath, timeout: 2000 }, res => {
      let body = ''
      res.on('data', d => (body += d))
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, json: body ? JSON.parse(body) : undefined })
        } catch {
          resolve(undefined)
        }
      })
      res.on('error', () => resolve(undefined))
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', () => resolve(undefined))
  })
}
