// Signing and verifying, side by side with the same steps without them (issue #33: at most 3 s added to the
// pipeline): build-push pushing the same image with sign: false and sign: true (keyless: the OIDC token,
// Fulcio, the timestamp authority, three bundles attached in the registry), and gitops-bump (dry run: fetch,
// edit, helm lint and template) without and with verify-image (resolve the tag, read the bundles, verify
// them). Alternating rounds against the local Sigstore of scripts/sigstore/sigstore.sh; medians.
import { execFileSync, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { parseFileCommands, runMain, tempDir, uniqueName } from '../scripts/lib/runner.mjs'
import { fmt, git, infra, median, ROOT, table } from './lib.mjs'

const RUNS = Number(process.env.BENCH_RUNS_SIGN || 5)
const WORKFLOW = 'banicr/demo-flask-app/.github/workflows/pipeline.yml@refs/heads/main'

function sigstoreUp() {
  const r = spawnSync('bash', [path.join(ROOT, 'scripts/sigstore/sigstore.sh'), 'up'], {
    stdio: ['ignore', 'ignore', 'inherit']
  })
  if (r.status !== 0) throw new Error('scripts/sigstore/sigstore.sh failed')
  const dir = process.env.DEMO_ACTIONS_SIGSTORE || '/tmp/demo-actions-sigstore'
  return parseFileCommands(fs.readFileSync(path.join(dir, 'env'), 'utf8'))
}

/** `step(false)` and `step(true)` in turn, `runs` times each: their times in ms, without and with. */
async function alternate(runs, step, name) {
  const times = [[], []]
  for (let i = 0; i < runs; i++)
    for (const on of [false, true]) {
      const r = await step(on)
      if (r.exitCode !== 0) throw new Error(`${name} failed: ${r.stdout.slice(-800)}`)
      times[Number(on)].push(r.ms)
    }
  return times
}

export async function run(runs = RUNS) {
  const env = infra()
  const sig = sigstoreUp()
  console.log(`\n## Signing and verifying (${runs} alternating rounds each)`)
  const image = `${env.REGISTRY}/bench/${uniqueName('signed')}`
  const tag = 'v2.0.0-3f1c2d4-17'
  const push = sign =>
    runMain(
      'build-push',
      {
        image,
        context: '__tests__/fixtures/docker/tiny',
        tag,
        builder: 'classic',
        username: env.REGISTRY_USER,
        password: env.REGISTRY_PASSWORD,
        ...(sign
          ? { sign: 'true', 'fulcio-url': sig.FULCIO_URL, 'rekor-url': 'none', 'tsa-url': sig.TSA_URL }
          : { sign: 'false' })
      },
      {
        env: sign
          ? {
              ACTIONS_ID_TOKEN_REQUEST_URL: sig.ACTIONS_ID_TOKEN_REQUEST_URL,
              ACTIONS_ID_TOKEN_REQUEST_TOKEN: sig.ACTIONS_ID_TOKEN_REQUEST_TOKEN
            }
          : {}
      }
    )
  await push(true) // warm: the image is built and its layers pushed once
  const [plain, signed] = await alternate(runs, push, 'build-push')

  // a GitOps repository with the example chart
  const bare = path.join(env.GIT_ROOT, `${uniqueName('bench-sign')}.git`)
  git(['init', '-q', '--bare', '-b', 'main', bare])
  const work = tempDir('bench-sign')
  execFileSync('cp', ['-R', `${path.join(ROOT, 'example/gitops')}/.`, work])
  git(['init', '-q', '-b', 'main'], { cwd: work })
  git(['add', '-A'], { cwd: work })
  git(['commit', '-qm', 'seed'], { cwd: work })
  git(['push', '-q', bare, 'main'], { cwd: work })
  const bump = verify =>
    runMain(
      'gitops-bump',
      {
        repository: `ssh://${process.env.USER || 'root'}@127.0.0.1:${env.SSH_PORT}${bare}`,
        'values-file': 'helm/demo-flask-app/values.yaml',
        tag,
        'dry-run': 'true',
        'ssh-key': fs.readFileSync(env.SSH_KEY, 'utf8'),
        'ssh-known-hosts': fs.readFileSync(env.SSH_KNOWN_HOSTS, 'utf8'),
        ...(verify
          ? {
              'verify-image': image,
              'certificate-identity': WORKFLOW,
              'certificate-oidc-issuer': sig.OIDC_ISSUER,
              'trusted-root': sig.TRUSTED_ROOT,
              'provenance-builder': WORKFLOW,
              'registry-username': env.REGISTRY_USER,
              'registry-password': env.REGISTRY_PASSWORD,
              'pin-digest': 'key'
            }
          : {})
      },
      { env: { PATH: `${path.dirname(env.HELM)}:${process.env.PATH}` } }
    )
  const [unverified, verified] = await alternate(runs, bump, 'gitops-bump')
  fs.rmSync(bare, { recursive: true, force: true })
  fs.rmSync(work, { recursive: true, force: true })
  const rows = [
    ['build-push (push of a built image)', plain, signed],
    ['gitops-bump (dry run)', unverified, verified]
  ].map(([what, a, b]) => [what, fmt(median(a)), fmt(median(b)), fmt(median(b) - median(a))])
  table(['step', 'without', 'with signing / verifying', 'added'], rows)
  const added = median(signed) - median(plain) + (median(verified) - median(unverified))
  console.log(`  added to the pipeline: ${fmt(added)} (goal: at most 3 s)`)
  return { added }
}

if (import.meta.url === `file://${process.argv[1]}`) await run()
