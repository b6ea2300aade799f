// Pull-request mode, for protected branches: the bump is pushed to a branch of its own and a pull
// request is opened (as a draft when asked), or updated when one is already open for that branch; then
// its labels and reviewers are added, and auto-merge is enabled (GraphQL: the REST API has no call for
// it). Octokit (common/octokit.ts) is loaded only by this and api-commit.ts, so push mode never pays for it.
// Note: a pull request opened with the workflow's GITHUB_TOKEN triggers no workflow run (GitHub's rule
// against recursive runs); checks on it need a GitHub App token or a personal access token.
import { octokit as makeOctokit } from '../common/octokit.js'
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
  const octokit = await makeOctokit(settings.token)
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
    if (!Array.isArray(open.data)) throw new Error('the list of open pull requests is not a list')
    let pr: { html_url: string; number: number; node_id: string }
    let created = false
    if (open.data.length) {
      pr = checked(open.data[0])
      await octokit.rest.pulls.update({ owner, repo, pull_number: pr.number, title, body })
    } else {
      pr = (
        await octokit.rest.pulls.create({
          owner,
          repo,
          head,
          base: settings.branch,
          title,
          body,
          draft: settings.draft
        })
      ).data
      pr = checked(pr)
      created = true
    }
    if (settings.labels.length)
      await octokit.rest.issues.addLabels({ owner, repo, issue_number: pr.number, labels: settings.labels })
    if (settings.reviewers.length || settings.teamReviewers.length)
      await octokit.rest.pulls.requestReviewers({
        owner,
        repo,
        pull_number: pr.number,
        reviewers: settings.reviewers,
        team_reviewers: settings.teamReviewers
      })
    if (settings.autoMerge)
      await octokit.graphql(
        `mutation($id: ID!, $mergeMethod: PullRequestMergeMethod!) {
          enablePullRequestAutoMerge(input: {pullRequestId: $id, mergeMethod: $mergeMethod}) { clientMutationId }
        }`,
        { id: pr.node_id, mergeMethod: settings.autoMerge.toUpperCase() }
      )
    return { url: pr.html_url, number: pr.number, created }
  } catch (err) {
    const e = err as { status?: number; message?: string }
    throw new Error(
      `Opening the pull request on ${owner}/${repo} failed${e.status ? ` (HTTP ${e.status})` : ''}: ${e.message ?? err}`
    )
  }
}

/** A pull request as the API answered it: a number and an address, or an error saying it is not one. */
function checked<T>(pr: T): T {
  const p = pr as { number?: unknown; html_url?: unknown } | null
  if (!p || typeof p !== 'object' || !Number.isSafeInteger(p.number) || typeof p.html_url !== 'string')
    throw new Error('the API answered with something that is not a pull request (no number or html_url)')
  return pr
}
