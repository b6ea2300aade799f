// on-degraded: revert. A commit that puts the target files back as they were before the bump, on top of
// whatever the branch has now (another pipeline may have landed since): git reverts the bump's commit on
// the new tip, so only the bump's own lines go back. Pushed like the bump (never forced; a push that lost
// a race fetches the new tip and tries again, within the step's timeout); through the API when
// sign-commits. A revert that conflicts with what landed since is not pushed.
import * as fs from 'node:fs/promises'
import * as path from 'node:path'
import * as core from '@actions/core'
import { retry } from '../common/retry.js'
import type { PrivateDir } from '../common/temp.js'
import { commitThroughApi } from './api-commit.js'
import { raceRetry, type GitOpsRepo } from './git.js'
import type { Settings } from './settings.js'

export async function revertBump(
  settings: Settings,
  repo: GitOpsRepo,
  priv: PrivateDir,
  bump: string,
  files: string[],
  why: string
): Promise<string> {
  const subject = (await repo.run(['log', '-1', '--format=%s', bump])).stdout.trim()
  const message = `Revert "${subject}"\n\nThis reverts commit ${bump}: ${why}\n`
  const messageFile = path.join(priv.path, 'revert-message')
  await fs.writeFile(messageFile, message)
  return retry(
    async n => {
      // enough history for the bump's parent (a tip at the bump itself would be cut there)
      let tip = await repo.fetch('--depth=200')
      if (!(await repo.contains(tip, bump))) tip = await repo.fetch('--unshallow')
      const conflict = await repo.revert(bump)
      if (conflict !== undefined)
        throw new Error(
          `The revert of ${bump.slice(0, 12)} conflicts with what ${settings.branch} has now (${tip.slice(0, 12)}); nothing was reverted:\n${conflict}`
        )
      let commit: string
      if (settings.signCommits) {
        commit = await commitThroughApi(settings, repo.dir, files, message, [tip], settings.branch, false)
      } else {
        commit = await repo.commit(files, messageFile)
        await core.group(`Push the revert ${commit.slice(0, 7)} to ${settings.branch} (attempt ${n})`, () =>
          repo.push(`HEAD:refs/heads/${settings.branch}`)
        )
      }
      return commit
    },
    raceRetry(settings, repo, 'Revert attempt')
  )
}
