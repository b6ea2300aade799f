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
