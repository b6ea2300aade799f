// The supply chain on real components: build-push signs and attests each pushed digest with a local Sigstore
// built from its Go modules (Fulcio, a timestamp authority; GitHub's OIDC token service is a stand-in,
// scripts/sigstore/oidc.mjs, beside which its documented behaviour is named), the TLS registry holds the
// bundles as OCI referrers (its API has no referrers endpoint: the tag schema), gitops-bump verifies before it
// pushes to the SSH git host, and every forgery is refused with nothing pushed. cosign, built from its module,
// reads what build-push attached, as a user verifying by hand would.
import { execFileSync } from 'node:child_process'
import * as crypto from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {
  parseFileCommands,
  ROOT,
  runMain,
  runMainAndPost,
  tempDir,
  uniqueName
} from '../../scripts/lib/runner.mjs'
import { helmPath, hostedRepo, sshInputs, withValuesFile } from './git-host.js'
import { infra, loggedInDockerConfig } from './registry.js'
import { expectNowhere } from './secrets.js'
import { idTokenEnv, SIGN_INPUTS, sigstore, VERIFY_INPUTS, WORKFLOW } from './sigstore.js'

const VALUES = 'helm/demo-flask-app/values.yaml'
const TAG = 'v2.0.0-3f1c2d4-17'
const login = () => ({ username: infra.REGISTRY_USER, password: infra.REGISTRY_PASSWORD })
const readLogin = () => ({
  'registry-username': infra.REGISTRY_USER,
  'registry-password': infra.REGISTRY_PASSWORD
})
const exampleRepo = () =>
  hostedRepo({
    helm: path.join(ROOT, 'example/gitops/helm'),
    'argocd-application.yaml': path.join(ROOT, 'example/gitops/argocd-application.yaml')
  })

/** Pushes the tiny image (content varied by `variant`) under TAG; signs it when `sign` inputs are given. */
async function push(
  repository: string,
  variant: string,
  extra: Record<string, string> = {},
  env: Record<string, string> = {}
) {
  const r = await runMain(
    'build-push',
    {
      image: `${infra.REGISTRY}/${repository}`,
      context: '__tests__/fixtures/docker/tiny',
      tag: TAG,
      builder: 'classic',
      'build-args': `APP_VERSION=${variant}`,
      ...login(),
      ...extra
    },
    { env }
  )
  if (r.exitCode !== 0) throw new Error(`build-push failed: ${r.stdout.slice(-3000)}`)
  return r
}

/** gitops-bump with verification of `repository`; the repository's head before and after. */
async function bump(repository: string, verify: Record<string, string>) {
  const repo = exampleRepo()
  const head = repo.head()
  const main = await runMain(
    'gitops-bump',
    withValuesFile({
      repository: repo.url,
      tag: TAG,
      'verify-image': `${infra.REGISTRY}/${repository}`,
      ...readLogin(),
      ...sshInputs(),
      ...verify
    }),
    { env: { PATH: helmPath() } }
  )
  return { main, repo, head }
}

describe('supply chain: sign, attest, verify before the bump', () => {
  const repository = `itg/${uniqueName('signed')}`
  let digest = ''
  let signed: { attached: { predicateType: string; artifact: string }[] }[] = []

  beforeAll(async () => {
    const r = await push(repository, 'signed', SIGN_INPUTS, idTokenEnv())
    digest = r.outputs.digest
    signed = JSON.parse(r.outputs.signatures)
    expectNowhere(sigstore.ACTIONS_ID_TOKEN_REQUEST_TOKEN, r)
  }, 120_000)

  test('build-push signs the digest and attaches provenance and an SBOM, found by the referrers tag schema', () => {
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(signed).toHaveLength(1)
    expect(signed[0].attached.map(a => a.predicateType)).toEqual([
      'https://sigstore.dev/cosign/sign/v1',
      'https://slsa.dev/provenance/v1',
      'https://spdx.dev/Document/v2.3'
    ])
  })

  test('verified, then bumped with the digest pinned (tag@digest)', async () => {
    const { main, repo, head } = await bump(repository, {
      ...VERIFY_INPUTS,
      digest,
      'provenance-builder': WORKFLOW,
      'provenance-source-repository': 'banicr/demo-flask-app',
      'pin-digest': 'tag'
    })
    expect(main.exitCode).toBe(0)
    expect(main.outputs['verified-digest']).toBe(digest)
    expect(repo.head()).not.toBe(head)
    const values = repo.show(VALUES)
    expect(values).toContain(`tag: "${TAG}@${digest}"`)
    expect(values).toContain(`appVersion: "${TAG}"`)
    expect(main.stdout).toContain(`signed by https://github.com/${WORKFLOW}`)
  })

  test('cosign (built from its module) verifies the attestation build-push attached', () => {
    const out = execFileSync(
      sigstore.COSIGN,
      [
        'verify-attestation',
        '--new-bundle-format',
        '--trusted-root',
        sigstore.TRUSTED_ROOT,
        '--certificate-identity',
        `https://github.com/${WORKFLOW}`,
        '--certificate-oidc-issuer',
        sigstore.OIDC_ISSUER,
        '--type',
        'slsaprovenance1',
        '--insecure-ignore-tlog',
        '--insecure-ignore-sct',
        '--use-signed-timestamps',
        `${infra.REGISTRY}/${repository}@${digest}`
      ],
      {
        env: { ...process.env, DOCKER_CONFIG: loggedInDockerConfig(), SSL_CERT_FILE: infra.REGISTRY_CA },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe']
      }
    )
    // cosign prints the verified envelope: its statement is the provenance of this digest
    const envelope = JSON.parse(out.trim().split('\n')[0]) as { payload: string }
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8'))
    expect(statement.predicateType).toBe('https://slsa.dev/provenance/v1')
    expect(statement.subject[0].digest.sha256).toBe(digest.slice('sha256:'.length))
  })

  const refused = async (repo: string, verify: Record<string, string>, message: RegExp) => {
    const r = await bump(repo, verify)
    expect(r.main.exitCode).not.toBe(0)
    expect(r.main.stdout).toMatch(message)
    expect(r.main.stdout).toContain('nothing was pushed')
    expect(r.repo.head()).toBe(r.head)
  }

  test('a certificate for another workflow is refused, nothing pushed', async () => {
    const other = `itg/${uniqueName('other-workflow')}`
    await push(
      other,
      'x1',
      SIGN_INPUTS,
      idTokenEnv({ job_workflow_ref: 'banicr/demo-flask-app/.github/workflows/release.yml@refs/heads/main' })
    )
    await refused(
      other,
      VERIFY_INPUTS,
      /is signed by https:\/\/github.com\/banicr\/demo-flask-app\/.github\/workflows\/release.yml@refs\/heads\/main, not https:\/\/github.com\/banicr/
    )
  })

  test('a certificate for another ref is refused', async () => {
    const other = `itg/${uniqueName('other-ref')}`
    await push(other, 'x2', SIGN_INPUTS, idTokenEnv({ ref: 'refs/heads/feature' }))
    await refused(other, VERIFY_INPUTS, /pipeline.yml@refs\/heads\/feature, not/)
  })

  test('another OIDC issuer than the one expected is refused', async () => {
    await refused(
      repository,
      { ...VERIFY_INPUTS, 'certificate-oidc-issuer': 'https://token.actions.githubusercontent.com' },
      /from OIDC issuer http:\/\/127.0.0.1:\d+, not https:\/\/token.actions.githubusercontent.com/
    )
  })

  test("sign: auto does not publish a private repository's signatures in the public Rekor", async () => {
    const r = await push(
      `itg/${uniqueName('private')}`,
      'x8',
      { sign: 'auto', 'tsa-url': '' },
      idTokenEnv({ repository_visibility: 'private' })
    )
    expect(r.outputs.signatures).toBe('')
    expect(r.commands.find(c => c.command === 'notice')?.message).toMatch(
      /Not signed: banicr\/demo-flask-app is private, and rekor-url is the public Rekor/
    )
  })

  test('an unsigned image is refused', async () => {
    const unsigned = `itg/${uniqueName('unsigned')}`
    await push(unsigned, 'x3', { sign: 'false' })
    await refused(unsigned, VERIFY_INPUTS, /is not signed: no Sigstore bundle is attached/)
  })

  test('a digest that moved under the tag is refused', async () => {
    const moved = `itg/${uniqueName('moved')}`
    const first = await push(moved, 'x4', SIGN_INPUTS, idTokenEnv())
    await push(moved, 'x5', { sign: 'false' })
    await refused(moved, { ...VERIFY_INPUTS, digest: first.outputs.digest }, /the tag moved/)
  })

  test("another digest's signature copied onto an image is refused", async () => {
    const forged = `itg/${uniqueName('copied')}`
    const target = await push(forged, 'x6', { sign: 'false' })
    // the forger copies the signed image's bundles (valid signatures, of another digest) onto theirs
    await copyReferrers(repository, digest, forged, target.outputs.digest)
    await refused(forged, VERIFY_INPUTS, /is an attestation for another digest/)
  })

  test('provenance from another source repository is refused', async () => {
    await refused(
      repository,
      { ...VERIFY_INPUTS, 'provenance-source-repository': 'banicr/other' },
      /names source repository https:\/\/github.com\/banicr\/demo-flask-app, not https:\/\/github.com\/banicr\/other/
    )
  })

  test('key signing: verified with its public key, refused with another', async () => {
    const keyed = `itg/${uniqueName('keyed')}`
    const pair = () => crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const { privateKey, publicKey } = pair()
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
    const r = await push(keyed, 'x7', { sign: 'true', 'image-signing-key': pem, 'rekor-url': 'none' })
    expectNowhere(pem.split('\n')[1], r)
    const ok = await bump(keyed, {
      'verify-key': publicKey.export({ type: 'spki', format: 'pem' }).toString()
    })
    expect(ok.main.exitCode).toBe(0)
    expect(ok.repo.head()).not.toBe(ok.head)
    await refused(
      keyed,
      { 'verify-key': pair().publicKey.export({ type: 'spki', format: 'pem' }).toString() },
      /not signed by verify-key/
    )
  })
})

/** Copies every referrer of repo@digest onto target@targetDigest (the forger's move), via the tag schema. */
async function copyReferrers(repo: string, digest: string, target: string, targetDigest: string) {
  const { RegistryClient } = await import('../../src/common/registry.js')
  const client = new RegistryClient(infra.REGISTRY, infra.REGISTRY_USER, infra.REGISTRY_PASSWORD)
  for (const d of await client.referrers(repo, digest)) {
    const m = await client.manifest(repo, d.digest)
    for (const blob of [m.json.config, ...(m.json.layers as unknown[])] as { digest: string }[])
      await client.putBlob(target, blob.digest, await client.blobBytes(repo, blob.digest))
    // the same manifest, its subject rewritten to the forger's digest
    const subject = { ...(m.json.subject as object), digest: targetDigest }
    const body = Buffer.from(JSON.stringify({ ...m.json, subject }))
    const { digestOf } = await import('../../src/common/digest.js')
    await client.putReferrer(target, body, { ...d, digest: digestOf(body), size: body.length }, targetDigest)
  }
}

describe("the job's own registry logins", () => {
  test('a base image in a second password-protected registry is pulled with the login the job already has; the step login stays private', async () => {
    // the job: logged in to the second registry (docker/login-action's doing), and the base image there
    const jobConfig = tempDir('job-docker')
    const docker = (args: string[], input?: string) =>
      execFileSync('docker', ['--config', jobConfig, ...args], { input, stdio: ['pipe', 'ignore', 'pipe'] })
    docker(
      ['login', '-u', infra.REGISTRY2_USER, '--password-stdin', infra.REGISTRY2],
      infra.REGISTRY2_PASSWORD
    )
    const base = `${infra.REGISTRY2}/base/${uniqueName('busybox')}:1`
    docker(['tag', infra.BUSYBOX_IMAGE, base])
    docker(['push', base])
    docker(['rmi', base])
    const before = fs.readFileSync(path.join(jobConfig, 'config.json'), 'utf8')

    const repository = `itg/${uniqueName('private-base')}`
    const { main, post } = await runMainAndPost(
      'build-push',
      {
        image: `${infra.REGISTRY}/${repository}`,
        context: '__tests__/fixtures/docker/private-base',
        tag: TAG,
        builder: 'classic',
        'build-args': `BASE=${base}`,
        sign: 'false',
        ...login()
      },
      { env: { DOCKER_CONFIG: jobConfig } }
    )
    expect(main.stdout).not.toMatch(/unauthorized|no basic auth credentials/)
    expect(main.exitCode).toBe(0)
    expect(post.exitCode).toBe(0)
    // the job's config is as it was: the step's own login never went there
    expect(fs.readFileSync(path.join(jobConfig, 'config.json'), 'utf8')).toBe(before)
    expectNowhere(infra.REGISTRY_PASSWORD, main, post)
    expect(fs.existsSync(main.state.privateDir)).toBe(false)
  })
})

describe("BuildKit's own attestations through a matrix merge", () => {
  test('two platform legs with provenance on BuildKit built from its module, merged: the attestation manifests stay (unknown/unknown), the index is signed', async () => {
    const buildkit = buildkitEnv()
    const repository = `itg/${uniqueName('matrix')}`
    const image = `${infra.REGISTRY}/${repository}`
    const legs = []
    for (const platform of ['linux/amd64', 'linux/arm64']) {
      const leg = await runMain(
        'build-push',
        {
          image,
          context: '__tests__/fixtures/docker/scratch',
          mode: 'push-by-digest',
          builder: buildkit.BUILDKIT_BUILDER,
          platforms: platform,
          provenance: 'mode=min',
          sign: 'false',
          ...login()
        },
        { env: { DOCKER_CONFIG: buildkit.BUILDKIT_DOCKER_CONFIG } }
      )
      if (leg.exitCode !== 0) throw new Error(`leg ${platform} failed: ${leg.stdout.slice(-3000)}`)
      legs.push(leg.outputs.digest)
    }
    const merged = await runMain(
      'build-push',
      { image, mode: 'merge', digests: legs.join('\n'), tag: TAG, ...login(), ...SIGN_INPUTS },
      { env: idTokenEnv() }
    )
    if (merged.exitCode !== 0) throw new Error(`merge failed: ${merged.stdout.slice(-3000)}`)
    const meta = JSON.parse(merged.outputs.metadata)
    expect(meta.platforms).toEqual(['linux/amd64', 'linux/arm64'])
    const { RegistryClient } = await import('../../src/common/registry.js')
    const client = new RegistryClient(infra.REGISTRY, infra.REGISTRY_USER, infra.REGISTRY_PASSWORD)
    const index = await client.manifest(repository, merged.outputs.digest)
    const entries = index.json.manifests as {
      digest: string
      platform?: { os: string; architecture: string }
      annotations?: Record<string, string>
    }[]
    const images = entries.filter(e => e.platform?.os !== 'unknown')
    const attestations = entries.filter(e => e.platform?.os === 'unknown')
    expect(images.map(e => `${e.platform!.os}/${e.platform!.architecture}`)).toEqual([
      'linux/amd64',
      'linux/arm64'
    ])
    // one BuildKit provenance per image, pointing at it
    expect(attestations.map(a => a.annotations?.['vnd.docker.reference.type'])).toEqual([
      'attestation-manifest',
      'attestation-manifest'
    ])
    expect(attestations.map(a => a.annotations?.['vnd.docker.reference.digest'])).toEqual(
      images.map(e => e.digest)
    )
    // the merged index is what is signed (never a tag, never only the legs)
    expect(JSON.parse(merged.outputs.signatures)[0].digest).toBe(merged.outputs.digest)
    const { listBundles } = await import('../../src/common/attestations.js')
    expect(
      (await listBundles(client, repository, merged.outputs.digest)).map(b => b.predicateType)
    ).toContain('https://slsa.dev/provenance/v1')
  })
})

function buildkitEnv(): Record<string, string> {
  const file = path.join(process.env.DEMO_ACTIONS_BUILDKIT || '/tmp/demo-actions-buildkit', 'env')
  if (!fs.existsSync(file))
    throw new Error(`${file} is missing: run scripts/buildkit/buildkit.sh up (npm test does)`)
  return parseFileCommands(fs.readFileSync(file, 'utf8'))
}
