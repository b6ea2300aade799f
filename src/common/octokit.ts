// Octokit for the stages that call GitHub's API, loaded only when one does (it is a chunk of its own).
// Every request has a deadline (common/deadline.ts): a connection that is never answered cannot hold
// the step.
import { fetchWithDeadline } from './deadline.js'
import { loadHttpClient } from './http-client.js'

/** One API request: its answer's headers arrive by then, or the call fails (and is not left hanging). */
export const API_REQUEST_MS = 60_000

export type Octokit = ReturnType<(typeof import('@actions/github'))['getOctokit']>

export async function octokit(token: string): Promise<Octokit> {
  // @actions/github asks http-client for its proxy agent while it loads, synchronously
  await loadHttpClient()
  const { getOctokit } = await import('@actions/github')
  // GITHUB_API_URL (set by the runner; GitHub Enterprise Server too) is the API's address.
  return getOctokit(token, { request: { fetch: fetchWithDeadline(API_REQUEST_MS) } })
}
