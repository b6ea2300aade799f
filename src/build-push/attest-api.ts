// The attestations in GitHub too: each bundle build-push attached to the digest is recorded through GitHub's
// attestations API (`POST /repos/{owner}/{repo}/attestations` with the bundle, as actions/attest-build-
// provenance does), so the repository's Attestations page and `gh attestation verify --owner` find them.
// It needs `permissions: attestations: write`; without it (a fork, act, another forge) GitHub refuses, and
// the step says so in a notice: the bundles in the registry are what verification reads anyway.
import * as core from '@actions/core'
import type { GitHubContext } from '../common/github.js'
import { octokit } from '../common/octokit.js'
import type { MadeBundle } from './sign.js'

/** Records each bundle; how many GitHub took. Never fails the step. */
export async function recordAttestations(
  token: string,
  github: GitHubContext,
  bundles: MadeBundle[]
): Promise<number> {
  if (!token || !github.repository || !bundles.length) return 0
  const [owner, repo] = github.repository.split('/')
  let recorded = 0
  try {
    const gh = await octokit(token)
    for (const b of bundles) {
      const r = await gh.request('POST /repos/{owner}/{repo}/attestations', {
        owner,
        repo,
        bundle: b.bundle as never
      })
      recorded++
      core.info(
        `Recorded in GitHub: ${b.predicateType} of ${b.digest} (attestation ${(r.data as { id?: number }).id ?? '?'})`
      )
    }
  } catch (err) {
    const status = (err as { status?: number }).status
    core.notice(
      status === 401 || status === 403 || status === 404
        ? `The attestations are in the registry, not in GitHub's attestations API: GitHub refused them (HTTP ${status}; the job needs permissions: attestations: write, which forks and other forges do not give)`
        : `The attestations are in the registry; recording them in GitHub failed: ${(err as Error).message}`
    )
  }
  return recorded
}
