// Pull-request mode, for protected branches: the bump is pushed to a branch of its own and a pull
// request is opened, or updated when one is already open for that branch. @actions/github is loaded
// only here, so push mode (and start-up) never pays for Octokit.
import type { Settings } from './settings.js'

export interface PullRequest {
  url: string
  number: number
  created: boolean
}

export async function openPullRequest(
  settings: Settings,
  head: string,
  message: string
): Promise<PullRequest> {
  const { getOctokit } = await import('@actions/github')
  // GITHUB_API_URL (set by the runner; GitHub Enterprise Server too) is the API's address.
  const octokit = getOctokit(settings.token)
  const [owner, repo] = settings.apiRepo.split('/')
  const [title, ...rest] = message.trim().split('\n')
  const body =
    `${rest.join('\n').trim()}\n\nOpened by banicr/demo-actions/gitops-bump: merging it deploys the change through Argo CD.`.trim()
  try {
    const open = await octokit.rest.pulls.list({
      owner,
      repo,
      state: 'open',
      head: `${owner}:${head}`,
      base: settings.branch
    })
    if (open.data.length) {
      const pr = open.data[0]
      await octokit.rest.pulls.update({ owner, repo, pull_number: pr.number, title, body })
      return { url: pr.html_url, number: pr.number, created: false }
    }
    const pr = await octokit.rest.pulls.create({ owner, repo, head, base: settings.branch, title, body })
    return { url: pr.data.html_url, number: pr.data.number, created: true }
  } catch (err) {
    const e = err as { status?: number; message?: string }
    throw new Error(
      `Opening the pull request on ${owner}/${repo} failed${e.status ? ` (HTTP ${e.status})` : ''}: ${e.message ?? err}`
    )
  }
}
