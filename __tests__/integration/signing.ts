// What the signing tests share: the tiny image built and pushed by build-push (signed as the inputs say),
// the job's ID token as the runner's token service hands it out, and gitops-bump's verification as a dry
// run on the example GitOps repository (nothing pushed: the repository's head is checked unmoved).
import { execFileSync } from 'node:child_process'
import * as path from 'node:path'
import { ROOT, runMain } from '../../scripts/lib/runner.mjs'
import { helmPath, hostedRepo, sshInputs, withValuesFile } from './git-host.js'
import { infra } from './registry.js'
import { idTokenEnv } from './sigstore.js'

export const TAG = 'v2.0.0-3f1c2d4-17'

/** build-push of the tiny image to `repository` (its content varied by the repository's name); fails loudly. */
export async function buildTiny(
  repository: string,
  extra: Record<string, string>,
  env: Record<string, string> = {}
) {
  const r = await runMain(
    'build-push',
    {
      image: `${infra.REGISTRY}/${repository}`,
      context: '__tests__/fixtures/docker/tiny',
      tag: TAG,
      builder: 'classic',
      'build-args': `APP_VERSION=${repository}`,
      username: infra.REGISTRY_USER,
      password: infra.REGISTRY_PASSWORD,
      ...extra
    },
    { env }
  )
  if (r.exitCode !== 0) throw new Error(`build-push failed: ${r.stdout.slice(-3000)}`)
  return r
}

/** An ID token for audience sigstore, from the token service stand-in, as a job with id-token: write gets it. */
export function idToken(): string {
  const t = idTokenEnv()
  return JSON.parse(
    execFileSync(
      'curl',
      [
        '-fsS',
        '-H',
        `authorization: Bearer ${t.ACTIONS_ID_TOKEN_REQUEST_TOKEN}`,
        `${t.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=sigstore`
      ],
      { encoding: 'utf8' }
    )
  ).value
}

/** gitops-bump verifying `repository@digest` as `verify` says, in a dry run; whether the repository moved. */
export async function verifyWithBump(
  repository: string,
  digest: string,
  verify: Record<string, string>,
  node: '24' | '20' = '24'
) {
  const repo = hostedRepo({ helm: path.join(ROOT, 'example/gitops/helm') })
  const head = repo.head()
  const main = await runMain(
    'gitops-bump',
    withValuesFile({
      repository: repo.url,
      tag: TAG,
      digest,
      'verify-image': `${infra.REGISTRY}/${repository}`,
      'registry-username': infra.REGISTRY_USER,
      'registry-password': infra.REGISTRY_PASSWORD,
      'dry-run': 'true',
      ...sshInputs(),
      ...verify
    }),
    { env: { PATH: helmPath() }, node }
  )
  return { main, moved: repo.head() !== head }
}
