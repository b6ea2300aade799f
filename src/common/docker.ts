// What build-push and kind-e2e both do with docker: a per-step docker config, and the step's credentials
// written into it (never an argument, never the user's own config).
import { tool } from './exec.js'

export type Docker = ReturnType<typeof tool>

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

/** The credentials part of a docker config.json. */
interface Credentials {
  auths?: Record<string, unknown>
  credHelpers?: Record<string, string>
  credsStore?: string
}

/**
 * The job's registry logins, kept for the step (docker/login-action's, a credential helper's): auths and
 * credential helpers carry over, so `FROM` pulls and a node image pull are not anonymous. The step's own
 * registries (`own`) are taken out of them and pinned to the step's file (credHelpers "<host>": "" makes
 * docker use config.json for that host even when a credsStore is set), so the step's own password is
 * written only into its private folder, never into the user's store, and goes with the folder.
 */
export function keptCredentials(user: Credentials, own: string[]): Credentials {
  const mine = new Set(own.flatMap(r => [r, authKey(r)]))
  const auths = Object.fromEntries(Object.entries(user.auths ?? {}).filter(([k]) => !mine.has(k)))
  const helpers = Object.fromEntries(
    Object.entries(user.credHelpers ?? {}).filter(([k, v]) => !mine.has(k) && typeof v === 'string')
  )
  for (const r of mine) if (user.credsStore || user.credHelpers?.[r]) helpers[r] = ''
  return {
    ...(Object.keys(auths).length ? { auths } : {}),
    ...(Object.keys(helpers).length ? { credHelpers: helpers } : {}),
    ...(typeof user.credsStore === 'string' && user.credsStore ? { credsStore: user.credsStore } : {})
  }
}

/**
 * The environment for docker in a per-step folder `dir` (the step's credentials never touch the user's
 * docker config and go with the folder), keeping what the user's own folder (DOCKER_CONFIG, else ~/.docker)
 * set up: plugins, buildx builders and docker contexts are linked in, the job's logins carried over
 * (keptCredentials; `own`: the registries the step logs in to itself), and the current context
 * (DOCKER_CONTEXT, else `docker context use`'s currentContext) is passed on, so every call talks to the
 * daemon the user chose. No process is started: the user's config.json is read.
 */
export async function stepDockerEnv(
  dir: string,
  own: string[] = []
): Promise<{ DOCKER_CONFIG: string; DOCKER_CONTEXT?: string }> {
  const fs = await import('node:fs/promises')
  const os = await import('node:os')
  const path = await import('node:path')
  const home = process.env.DOCKER_CONFIG || path.join(os.homedir(), '.docker')
  for (const name of ['cli-plugins', 'buildx', 'contexts']) {
    const source = path.join(home, name)
    if (await fs.stat(source).catch(() => undefined)) await fs.symlink(source, path.join(dir, name))
  }
  let user: Credentials & { currentContext?: unknown } = {}
  try {
    const parsed = JSON.parse(await fs.readFile(path.join(home, 'config.json'), 'utf8')) as unknown
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) user = parsed as typeof user
  } catch {
    // no user config (or one docker itself would refuse): nothing to carry over, the default context
  }
  const kept = keptCredentials(user, own)
  if (Object.keys(kept).length)
    await fs.writeFile(path.join(dir, 'config.json'), JSON.stringify(kept), { mode: 0o600 })
  const current = typeof user.currentContext === 'string' ? user.currentContext : ''
  const context = process.env.DOCKER_CONTEXT || current
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
