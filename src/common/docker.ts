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
