// What we sign is read right by the tools people verify with, and what they sign is read right by us: cosign
// (built from its Go module, scripts/sigstore) verifies build-push's signatures and attestations, with a key
// and keyless against the local Sigstore's trusted root; gitops-bump verifies images cosign signed, with a key
// and keyless. And build-push records its attestations through GitHub's attestations API (its stand-in, the
// documented request), or says in a notice why it could not.
import { execFileSync } from 'node:child_process'
import * as crypto from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { runMain, tempDir, uniqueName } from '../../scripts/lib/runner.mjs'
import { githubApi } from './github-api.js'
import { infra, loggedInDockerConfig } from './registry.js'
import { idTokenEnv, SIGN_INPUTS, sigstore, VERIFY_INPUTS, WORKFLOW } from './sigstore.js'
import { buildTiny, idToken, verifyWithBump } from './signing.js'

const IDENTITY = `https://github.com/${WORKFLOW}`
const cosignEnv = () => ({
  ...process.env,
  DOCKER_CONFIG: loggedInDockerConfig(),
  SSL_CERT_FILE: infra.REGISTRY_CA,
  COSIGN_PASSWORD: ''
})
const cosign = (...args: string[]) =>
  execFileSync(sigstore.COSIGN, args, {
    env: cosignEnv(),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe']
  })
/** What cosign says when it refuses (its exit is not 0). */
const cosignRefuses = (...args: string[]) => {
  try {
    cosign(...args)
  } catch (err) {
    return String((err as { stderr?: string }).stderr)
  }
  throw new Error(`cosign ${args[0]} accepted what it should refuse`)
}

/** An EC P-256 key pair as PEM (what cosign generate-key-pair makes, unencrypted). */
function keyPair(): { key: string; pub: string; dir: string } {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const dir = tempDir('keys')
  const key = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const pub = publicKey.export({ type: 'spki', format: 'pem' }).toString()
  fs.writeFileSync(path.join(dir, 'key.pem'), key, { mode: 0o600 })
  fs.writeFileSync(path.join(dir, 'pub.pem'), pub)
  return { key, pub, dir }
}

const build = buildTiny

describe('cosign reads what build-push signs', () => {
  test('with a key: cosign verify --key, and verify-attestation of the provenance and the SBOM', async () => {
    const keys = keyPair()
    const repository = `interop/${uniqueName('key')}`
    const r = await build(repository, { sign: 'true', 'image-signing-key': keys.key, 'rekor-url': 'none' })
    const ref = `${infra.REGISTRY}/${repository}@${r.outputs.digest}`
    const pub = path.join(keys.dir, 'pub.pem')
    const verified = cosign('verify', '--key', pub, '--insecure-ignore-tlog', '--new-bundle-format', ref)
    expect(JSON.parse(verified.trim().split('\n')[0])).toBeTruthy()
    for (const type of ['slsaprovenance1', 'https://spdx.dev/Document/v2.3']) {
      const out = cosign(
        'verify-attestation',
        '--key',
        pub,
        '--insecure-ignore-tlog',
        '--new-bundle-format',
        '--type',
        type,
        ref
      )
      const statement = JSON.parse(
        Buffer.from(JSON.parse(out.trim().split('\n')[0]).payload, 'base64').toString('utf8')
      )
      expect(statement.subject[0].digest.sha256).toBe(r.outputs.digest.slice('sha256:'.length))
    }
    // another key: refused by cosign too
    const other = keyPair()
    expect(
      cosignRefuses(
        'verify',
        '--key',
        path.join(other.dir, 'pub.pem'),
        '--insecure-ignore-tlog',
        '--new-bundle-format',
        ref
      )
    ).toMatch(/no matching signatures|signature|threshold/i)
  })

  test('keyless: cosign verify with the certificate identity, the local trusted root and the signed timestamp', async () => {
    const repository = `interop/${uniqueName('keyless')}`
    const r = await build(repository, SIGN_INPUTS, idTokenEnv())
    const ref = `${infra.REGISTRY}/${repository}@${r.outputs.digest}`
    const common = [
      '--new-bundle-format',
      '--trusted-root',
      sigstore.TRUSTED_ROOT,
      '--certificate-oidc-issuer',
      sigstore.OIDC_ISSUER,
      '--insecure-ignore-tlog',
      '--insecure-ignore-sct',
      '--use-signed-timestamps'
    ]
    cosign('verify', ...common, '--certificate-identity', IDENTITY, ref)
    // another identity: refused
    expect(
      cosignRefuses(
        'verify',
        ...common,
        '--certificate-identity',
        'https://github.com/o/other/.github/workflows/x.yml@refs/heads/main',
        ref
      )
    ).toMatch(/identit|no matching signatures|none of the expected/i)
  })
})

describe('gitops-bump reads what cosign signs', () => {
  const bump = verifyWithBump

  test('cosign sign --key: verified with verify-key', async () => {
    // cosign's own key pair (its encrypted PEM, an empty password)
    const dir = tempDir('cosign-keys')
    execFileSync(sigstore.COSIGN, ['generate-key-pair'], { cwd: dir, env: cosignEnv(), stdio: 'ignore' })
    const repository = `interop/${uniqueName('cosign-key')}`
    const r = await build(repository, { sign: 'false' })
    const ref = `${infra.REGISTRY}/${repository}@${r.outputs.digest}`
    cosign(
      'sign',
      '--yes',
      '--key',
      path.join(dir, 'cosign.key'),
      '--use-signing-config=false',
      '--tlog-upload=false',
      '--new-bundle-format',
      ref
    )
    const { main } = await bump(repository, r.outputs.digest, {
      'verify-key': fs.readFileSync(path.join(dir, 'cosign.pub'), 'utf8')
    })
    expect(main.exitCode).toBe(0)
    expect(main.outputs['verified-digest']).toBe(r.outputs.digest)
    // and refused with another key
    const other = keyPair()
    const refused = await bump(repository, r.outputs.digest, { 'verify-key': other.pub })
    expect(refused.main.exitCode).toBe(1)
    expect(refused.moved).toBe(false)
  })

  test('cosign sign keyless (the local Fulcio and timestamp authority): verified with the certificate identity', async () => {
    const repository = `interop/${uniqueName('cosign-keyless')}`
    const r = await build(repository, { sign: 'false' })
    const ref = `${infra.REGISTRY}/${repository}@${r.outputs.digest}`
    // the job's ID token, as the runner's token service gives it (the stand-in: scripts/sigstore/oidc.mjs)
    const token = idToken()
    cosign(
      'sign',
      '--yes',
      '--new-bundle-format',
      '--identity-token',
      token,
      '--fulcio-url',
      sigstore.FULCIO_URL,
      '--timestamp-server-url',
      `${sigstore.TSA_URL}/api/v1/timestamp`,
      '--tlog-upload=false',
      '--use-signing-config=false',
      ref
    )
    const { main } = await bump(repository, r.outputs.digest, VERIFY_INPUTS)
    expect(main.exitCode).toBe(0)
    expect(main.stdout).toContain(`signed by ${IDENTITY}`)
  })
})

describe("build-push records its attestations in GitHub's attestations API", () => {
  test('with attestations: write, each bundle recorded; without it, a notice and the step passes', async () => {
    const api = await githubApi('banicr', 'demo-flask-app')
    const readOnly = await githubApi('banicr', 'demo-flask-app', undefined, { readOnly: true })
    try {
      const env = { ...idTokenEnv(), GITHUB_API_URL: api.url, GITHUB_REPOSITORY: 'banicr/demo-flask-app' }
      const r = await build(
        `interop/${uniqueName('attest')}`,
        { ...SIGN_INPUTS, 'github-token': 'ghs_test_token' },
        env
      )
      expect(api.attestations).toHaveLength(3)
      const req = api.requests.filter(
        q => q.method === 'POST' && q.path === '/repos/banicr/demo-flask-app/attestations'
      )
      expect(req.map(q => q.status)).toEqual([201, 201, 201])
      expect(r.stdout).toMatch(/Recorded in GitHub: https:\/\/slsa\.dev\/provenance\/v1 of sha256:/)
      const denied = await build(
        `interop/${uniqueName('attest-denied')}`,
        { ...SIGN_INPUTS, 'github-token': 'ghs_test_token' },
        { ...env, GITHUB_API_URL: readOnly.url }
      )
      expect(denied.exitCode).toBe(0)
      expect(
        denied.commands.some(
          c =>
            c.command === 'notice' &&
            /not in GitHub's attestations API: GitHub refused them \(HTTP 403/.test(c.message)
        )
      ).toBe(true)
      expect(readOnly.attestations).toHaveLength(0)
    } finally {
      await api.close()
      await readOnly.close()
    }
  })
})

describe('unit-test’s pull request comment, against the GitHub API stand-in', () => {
  test('one comment per job, updated in place; a fork’s pull request gets a notice, never a failed job', async () => {
    const api = await githubApi('o', 'r')
    const dir = tempDir('comment')
    try {
      const report = path.join(dir, 'junit.xml')
      const baseline = path.join(dir, 'baseline.json.gz')
      const event = path.join(dir, 'event.json')
      const run = (failing: string[], fork = false) => {
        fs.writeFileSync(
          report,
          `<testsuite name="s">${['a', 'b'].map(n => `<testcase classname="t" name="${n}">${failing.includes(n) ? '<failure message="x"/>' : ''}</testcase>`).join('')}</testsuite>`
        )
        fs.writeFileSync(
          event,
          JSON.stringify({
            pull_request: {
              number: 7,
              head: { repo: { full_name: fork ? 'someone/r' : 'o/r' } },
              base: { repo: { full_name: 'o/r' } }
            }
          })
        )
        return runMain(
          'unit-test',
          { reports: report, baseline, comment: 'true', token: 'ghs_test_token', 'fail-on': 'regressions' },
          {
            env: {
              GITHUB_API_URL: api.url,
              GITHUB_REPOSITORY: 'o/r',
              GITHUB_EVENT_NAME: 'pull_request',
              GITHUB_EVENT_PATH: event,
              GITHUB_REF: 'refs/pull/7/merge'
            }
          }
        )
      }
      // the baseline: a run whose record is kept as the file the workflow would download
      const first = await run(['a'])
      fs.copyFileSync(first.outputs['baseline-file'], baseline)
      const known = await run(['a'])
      expect(known.exitCode).toBe(0)
      expect(api.comments.get(7)).toHaveLength(1)
      expect(api.comments.get(7)![0].body).toMatch(/0 new failures\*\*, 0 fixed, 1 known/)
      const again = await run(['a', 'b'])
      expect(again.exitCode).toBe(1)
      expect(api.comments.get(7)).toHaveLength(1)
      expect(api.comments.get(7)![0].body).toMatch(/1 new failure\*\*.*New failures.*t\.b/s)
      const before = api.requests.length
      const fork = await run(['a'], true)
      expect(fork.exitCode).toBe(0)
      expect(
        fork.commands.some(
          c =>
            c.command === 'notice' &&
            /No pull request comment: the token of a pull request from a fork cannot write/.test(c.message)
        )
      ).toBe(true)
      expect(api.requests.length).toBe(before)
    } finally {
      await api.close()
    }
  })
})
