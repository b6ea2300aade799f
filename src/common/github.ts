// The run's GitHub context: the one reader of the runner's GITHUB_* variables and of the event payload, so
// that every stage names the commit, the branch, the pull request and the run the same way.
import * as fs from 'node:fs'

export interface GitHubContext {
  sha: string
  /** refs/heads/main, refs/pull/7/merge, refs/tags/v1 */
  ref: string
  /** The branch or tag name of the run (for a pull request: `7/merge`). */
  refName: string
  eventName: string
  /** A pull request's base and head branches ('' otherwise). */
  baseRef: string
  headRef: string
  repository: string
  repositoryId: string
  repositoryOwnerId: string
  /** owner/name/.github/workflows/ci.yml@refs/heads/main */
  workflowRef: string
  serverUrl: string
  apiUrl: string
  runId: string
  runAttempt: string
  runNumber: string
  job: string
  actor: string
  /** github-hosted or self-hosted */
  runnerEnvironment: string
  workspace: string
}

export function githubContext(env: NodeJS.ProcessEnv = process.env): GitHubContext {
  const e = (name: string, fallback = '') => env[name] || fallback
  return {
    sha: e('GITHUB_SHA'),
    ref: e('GITHUB_REF'),
    refName: e('GITHUB_REF_NAME'),
    eventName: e('GITHUB_EVENT_NAME'),
    baseRef: e('GITHUB_BASE_REF'),
    headRef: e('GITHUB_HEAD_REF'),
    repository: e('GITHUB_REPOSITORY'),
    repositoryId: e('GITHUB_REPOSITORY_ID'),
    repositoryOwnerId: e('GITHUB_REPOSITORY_OWNER_ID'),
    workflowRef: e('GITHUB_WORKFLOW_REF'),
    serverUrl: e('GITHUB_SERVER_URL', 'https://github.com'),
    apiUrl: e('GITHUB_API_URL', 'https://api.github.com'),
    runId: e('GITHUB_RUN_ID'),
    runAttempt: e('GITHUB_RUN_ATTEMPT', '1'),
    runNumber: e('GITHUB_RUN_NUMBER'),
    job: e('GITHUB_JOB'),
    actor: e('GITHUB_ACTOR'),
    runnerEnvironment: e('RUNNER_ENVIRONMENT'),
    workspace: e('GITHUB_WORKSPACE') || process.cwd()
  }
}

/** The URL of the run's repository (https://github.com/owner/name), or '' outside a run. */
export function repositoryUrl(github: GitHubContext): string {
  return github.repository ? `${github.serverUrl}/${github.repository}` : ''
}

/** The URL of the run itself, or '' outside a run. */
export function runUrl(github: GitHubContext): string {
  return github.repository && github.runId ? `${repositoryUrl(github)}/actions/runs/${github.runId}` : ''
}

/** The event's payload (GITHUB_EVENT_PATH), or {} when there is none or it cannot be read. */
export function eventPayload(env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  try {
    const doc = JSON.parse(fs.readFileSync(env.GITHUB_EVENT_PATH ?? '', 'utf8')) as unknown
    return doc && typeof doc === 'object' ? (doc as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}

/** The pull request of a pull_request(_target) run: its number, and whether its head is another repository. */
export function pullRequestOf(
  github: GitHubContext,
  payload = eventPayload()
): { number: number; fromFork: boolean } | undefined {
  const pr = payload.pull_request as
    | { number?: number; head?: { repo?: { full_name?: string } }; base?: { repo?: { full_name?: string } } }
    | undefined
  const number = pr?.number ?? Number(/^refs\/pull\/(\d+)\//.exec(github.ref)?.[1] ?? NaN)
  if (!github.eventName.startsWith('pull_request') || !Number.isSafeInteger(number)) return undefined
  const head = pr?.head?.repo?.full_name
  return { number, fromFork: !!head && head !== (pr?.base?.repo?.full_name ?? github.repository) }
}
