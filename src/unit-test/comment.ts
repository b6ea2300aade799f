// comment: true — the comparison on the pull request, one comment per job updated in place (found again by
// a hidden marker). Where the token cannot write (a fork's pull request, Dependabot), a notice and the
// summary only: a comment is never worth a failed job.
import * as core from '@actions/core'
import type { GitHubContext } from '../common/github.js'
import { octokit } from '../common/octokit.js'

export const marker = (job: string, suite: string) => `<!-- demo-actions/unit-test ${job} ${suite} -->`

/** Creates or updates the job's comment; what happened, in words. */
export async function commentOnPullRequest(
  token: string,
  github: GitHubContext,
  pr: { number: number; fromFork: boolean },
  body: string,
  mark: string
): Promise<string> {
  if (pr.fromFork || github.actor === 'dependabot[bot]') {
    const who = pr.fromFork ? 'a pull request from a fork' : "Dependabot's pull request"
    core.notice(
      `No pull request comment: the token of ${who} cannot write to it; the job summary has the comparison`
    )
    return 'skipped'
  }
  const [owner, repo] = github.repository.split('/')
  const text = `${mark}\n${body}`
  try {
    const gh = await octokit(token)
    let found: number | undefined
    for (let page = 1; page <= 10 && found === undefined; page++) {
      const r = await gh.rest.issues.listComments({
        owner,
        repo,
        issue_number: pr.number,
        per_page: 100,
        page
      })
      found = r.data.find(c => c.body?.includes(mark))?.id
      if (r.data.length < 100) break
    }
    if (found !== undefined) {
      await gh.rest.issues.updateComment({ owner, repo, comment_id: found, body: text })
      return 'updated'
    }
    await gh.rest.issues.createComment({ owner, repo, issue_number: pr.number, body: text })
    return 'created'
  } catch (err) {
    const status = (err as { status?: number }).status
    if (status === 401 || status === 403 || status === 404) {
      core.notice(
        `No pull request comment: GitHub refused it (HTTP ${status}; the job needs permissions: pull-requests: write); the job summary has the comparison`
      )
      return 'refused'
    }
    core.warning(`The pull request comment was not written: ${(err as Error).message}`)
    return 'failed'
  }
}
