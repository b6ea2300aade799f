// Commits GitHub signs: with `sign-commits: true` the bump's commit is made through GitHub's Git Data API
// (as peter-evans/create-pull-request's sign-commits does): a blob per changed file, a tree on top of the
// fetched tip's tree, a commit with no author or committer (GitHub then signs it as the token's app or
// user, and marks it verified), and a ref update that is never forced. A branch that moved under us makes
// that update fail with 422 "Update is not a fast forward": a RaceError, retried like a rejected push.
// Octokit (common/octokit.ts) is loaded only by this and pull-request.ts.
import * as fs from 'node:fs/promises'
import * as path from 'node:path'
import { RaceError } from './git.js'
import { octokit as makeOctokit, type Octokit } from '../common/octokit.js'
import type { Settings } from './settings.js'

async function client(settings: Settings): Promise<{ octokit: Octokit; owner: string; repo: string }> {
  const [owner, repo] = settings.apiRepo.split('/')
  return { octokit: await makeOctokit(settings.token), owner, repo }
}

function apiError(what: string, err: unknown): Error {
  const e = err as { status?: number; message?: string }
  return new Error(
    `${what} through the GitHub API failed${e.status ? ` (HTTP ${e.status})` : ''}: ${e.message ?? err}`
  )
}

/**
 * Creates the commit of `files` (read from the work tree under `dir`) on top of `parents[0]`'s tree and
 * moves `branch` to it without force (creating the branch when `create`). Returns the commit's sha.
 */
export async function commitThroughApi(
  settings: Settings,
  dir: string,
  files: string[],
  message: string,
  parents: string[],
  branch: string,
  create: boolean
): Promise<string> {
  const { octokit, owner, repo } = await client(settings)
  let sha: string
  try {
    const base = await octokit.rest.git.getCommit({ owner, repo, commit_sha: parents[0] })
    const tree = await octokit.rest.git.createTree({
      owner,
      repo,
      base_tree: base.data.tree.sha,
      tree: await Promise.all(
        files.map(async file => {
          const blob = await octokit.rest.git.createBlob({
            owner,
            repo,
            content: (await fs.readFile(path.join(dir, file))).toString('base64'),
            encoding: 'base64'
          })
          const mode = (await fs.stat(path.join(dir, file))).mode & 0o111 ? '100755' : '100644'
          return { path: file, mode: mode as '100644' | '100755', type: 'blob' as const, sha: blob.data.sha }
        })
      )
    })
    const commit = await octokit.rest.git.createCommit({ owner, repo, message, tree: tree.data.sha, parents })
    sha = commit.data.sha
  } catch (err) {
    throw apiError('Creating the commit', err)
  }
  try {
    if (create) await octokit.rest.git.createRef({ owner, repo, ref: `refs/heads/${branch}`, sha })
    else await octokit.rest.git.updateRef({ owner, repo, ref: `heads/${branch}`, sha, force: false })
  } catch (err) {
    const e = err as { status?: number; message?: string }
    if (e.status === 422 && /fast forward|already exists/i.test(e.message ?? ''))
      throw new RaceError(`The update of ${branch} was refused because it moved: ${e.message}`)
    throw apiError(`Updating ${branch}`, err)
  }
  return sha
}
