// The transparency log, as keyless signing on GitHub uses it: Rekor v2 (rekor-tiles built from its Go module,
// scripts/sigstore) logs each signature build-push makes, and three verifiers check the inclusion against the
// trusted root that names the log (its key and URL): gitops-bump's (sigstore-js), cosign's and gh's (both
// sigstore-go). cosign signs with the log too, read by gitops-bump. A bundle whose log entry is another
// signature's (genuine, its proof valid) is refused by all three.
import { execFileSync } from 'node:child_process'
import * as crypto from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { attachBundle, listBundles, Predicate } from '../../src/common/attestations.js'
import { RegistryClient } from '../../src/common/registry.js'
import { runMain, tempDir, uniqueName } from '../../scripts/lib/runner.mjs'
import { infra, loggedInDockerConfig } from './registry.js'
import { idTokenEnv, sigstore, WORKFLOW } from './sigstore.js'
import { buildTiny, idToken, TAG, verifyWithBump } from './signing.js'

const IDENTITY = `https://github.com/${WORKFLOW}`
const REKOR_SIGNING = {
  sign: 'true',
  'fulcio-url': sigstore.FULCIO_URL,
  'rekor-url': sigstore.REKOR_URL,
  'rekor-api-version': '2',
  'tsa-url': sigstore.TSA_URL
}
const env = () => ({
  ...process.env,
  DOCKER_CONFIG: loggedInDockerConfig(),
  SSL_CERT_FILE: infra.REGISTRY_CA,
  COSIGN_PASSWORD: '',
  GH_TOKEN: 'unused: --bundle-from-oci reads the registry, not GitHub',
  GH_CONFIG_DIR: tempDir('gh-config'),
  GH_NO_UPDATE_NOTIFIER: '1'
})
const run = (tool: string, args: string[]) =>
  execFileSync(tool, args, { env: env(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
/** What a tool says when it refuses (its exit is not 0). */
const refuses = (tool: string, args: string[]) => {
  try {
    run(tool, args)
  } catch (err) {
    return String((err as { stderr?: string }).stderr)
  }
  throw new Error(`${path.basename(tool)} ${args[0]} accepted what it should refuse`)
}
const cosign = (...args: string[]) => run(sigstore.COSIGN, args)

/** gh reads custom trusted roots as JSON lines (what `gh attestation trusted-root` prints). */
function ghTrustedRoot(): string {
  const file = path.join(tempDir('gh-root'), 'trusted_root.jsonl')
  fs.writeFileSync(
    file,
    `${JSON.stringify(JSON.parse(fs.readFileSync(sigstore.TRUSTED_ROOT_REKOR, 'utf8')))}\n`
  )
  return file
}
const ghVerify = (ref: string, ...extra: string[]) => [
  'attestation',
  'verify',
  `oci://${ref}`,
  '--bundle-from-oci',
  '--custom-trusted-root',
  ghTrustedRoot(),
  '--cert-oidc-issuer',
  sigstore.OIDC_ISSUER,
  ...extra
]
const COSIGN_KEYLESS = [
  '--trusted-root',
  sigstore.TRUSTED_ROOT_REKOR,
  '--certificate-oidc-issuer',
  sigstore.OIDC_ISSUER,
  '--certificate-identity',
  IDENTITY,
  '--insecure-ignore-sct'
]

const build = buildTiny
/** gitops-bump's verification (a dry run that must not move the repository). */
async function bumpVerifies(
  repository: string,
  digest: string,
  verify: Record<string, string>,
  node: '24' | '20' = '24'
) {
  const { main, moved } = await verifyWithBump(repository, digest, verify, node)
  expect(moved).toBe(false)
  return main
}
const KEYLESS_VERIFY = {
  'certificate-identity': WORKFLOW,
  'certificate-oidc-issuer': sigstore.OIDC_ISSUER,
  'trusted-root': sigstore.TRUSTED_ROOT_REKOR
}

const registry = () => new RegistryClient(infra.REGISTRY, infra.REGISTRY_USER, infra.REGISTRY_PASSWORD)
type Bundle = {
  verificationMaterial: {
    tlogEntries: { logIndex?: string; canonicalizedBody: string; kindVersion: unknown }[]
  }
}

describe('Rekor v2: build-push logs each signature, three verifiers check the inclusion', () => {
  test('keyless: the entries are hashedrekord v0.0.2 in the log; gitops-bump, cosign and gh verify them', async () => {
    const repository = `interop/${uniqueName('rekor')}`
    const r = await build(repository, REKOR_SIGNING, idTokenEnv())
    const ref = `${infra.REGISTRY}/${repository}@${r.outputs.digest}`
    // each of the three bundles has its entry: the hashedrekord of the envelope's PAE, what the log takes
    const bundles = await listBundles(registry(), repository, r.outputs.digest)
    expect(bundles).toHaveLength(3)
    for (const b of bundles) {
      const [entry] = (b.bundle as Bundle).verificationMaterial.tlogEntries
      expect(entry.kindVersion).toEqual({ kind: 'hashedrekord', version: '0.0.2' })
      // protobuf's JSON leaves out an int64 of 0: the first entry of a new log has no logIndex
      expect(Number(entry.logIndex ?? '0')).toBeGreaterThanOrEqual(0)
    }
    // ours, on both runtimes (@sigstore/verify 4 declares Node 22+; act users meet Node 20)
    for (const node of ['24', '20'] as const) {
      const main = await bumpVerifies(repository, r.outputs.digest, KEYLESS_VERIFY, node)
      expect(main.exitCode).toBe(0)
      expect(main.stdout).toContain(`signed by ${IDENTITY}`)
    }
    // cosign: the signature and each attestation, the log required (no --insecure-ignore-tlog)
    cosign('verify', ...COSIGN_KEYLESS, ref)
    for (const type of ['slsaprovenance1', Predicate.Spdx])
      cosign('verify-attestation', ...COSIGN_KEYLESS, '--type', type, ref)
    // gh: the provenance (its default) and the SBOM, by the repository's owner
    const out = JSON.parse(run(sigstore.GH, ghVerify(ref, '--owner', 'banicr', '--format', 'json')))
    expect(out[0].verificationResult.statement.predicateType).toBe(Predicate.Provenance)
    run(sigstore.GH, ghVerify(ref, '--owner', 'banicr', '--predicate-type', Predicate.Spdx))
    // and gh refuses another owner
    expect(refuses(sigstore.GH, ghVerify(ref, '--owner', 'someone-else'))).toMatch(/verif|owner|match/i)
  })

  test('with a key: logged too; cosign verify --key checks the entry against the log in the trusted root', async () => {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const dir = tempDir('rekor-key')
    const pub = path.join(dir, 'pub.pem')
    fs.writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }))
    const repository = `interop/${uniqueName('rekor-key')}`
    const r = await build(repository, {
      sign: 'true',
      'image-signing-key': privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      'rekor-url': sigstore.REKOR_URL,
      'rekor-api-version': '2',
      'tsa-url': sigstore.TSA_URL
    })
    const ref = `${infra.REGISTRY}/${repository}@${r.outputs.digest}`
    cosign('verify', '--key', pub, '--trusted-root', sigstore.TRUSTED_ROOT_REKOR, ref)
    cosign(
      'verify-attestation',
      '--key',
      pub,
      '--trusted-root',
      sigstore.TRUSTED_ROOT_REKOR,
      '--type',
      'slsaprovenance1',
      ref
    )
    const main = await bumpVerifies(repository, r.outputs.digest, {
      'verify-key': publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      'trusted-root': sigstore.TRUSTED_ROOT_REKOR
    })
    expect(main.exitCode).toBe(0)
  })

  test('an Ed25519 key cannot be logged in Rekor v2: refused before the build, naming the input', async () => {
    const { privateKey } = crypto.generateKeyPairSync('ed25519')
    const r = await runMain('build-push', {
      image: `${infra.REGISTRY}/interop/${uniqueName('rekor-ed')}`,
      context: '__tests__/fixtures/docker/tiny',
      tag: TAG,
      builder: 'classic',
      username: infra.REGISTRY_USER,
      password: infra.REGISTRY_PASSWORD,
      sign: 'true',
      'image-signing-key': privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      'rekor-url': sigstore.REKOR_URL,
      'rekor-api-version': '2'
    })
    expect(r.exitCode).toBe(1)
    expect(r.commands.find(c => c.command === 'error')?.message).toMatch(
      /image-signing-key.*ECDSA P-256 and RSA/
    )
    expect(r.stdout).not.toMatch(/Pushed|pushing/i)
  })

  test('cosign signs with the log (a signing config naming Rekor v2): gitops-bump verifies the inclusion', async () => {
    const repository = `interop/${uniqueName('cosign-rekor')}`
    const r = await build(repository, { sign: 'false' })
    const ref = `${infra.REGISTRY}/${repository}@${r.outputs.digest}`
    const token = idToken()
    const since = { start: '2020-01-01T00:00:00Z' }
    const config = path.join(tempDir('signing-config'), 'signing_config.json')
    fs.writeFileSync(
      config,
      JSON.stringify({
        mediaType: 'application/vnd.dev.sigstore.signingconfig.v0.2+json',
        caUrls: [{ url: sigstore.FULCIO_URL, majorApiVersion: 1, validFor: since, operator: 'local' }],
        oidcUrls: [],
        rekorTlogUrls: [{ url: sigstore.REKOR_URL, majorApiVersion: 2, validFor: since, operator: 'local' }],
        rekorTlogConfig: { selector: 'ANY' },
        tsaUrls: [
          {
            url: `${sigstore.TSA_URL}/api/v1/timestamp`,
            majorApiVersion: 1,
            validFor: since,
            operator: 'local'
          }
        ],
        tsaConfig: { selector: 'ANY' }
      })
    )
    cosign(
      'sign',
      '--yes',
      '--identity-token',
      token,
      '--signing-config',
      config,
      '--trusted-root',
      sigstore.TRUSTED_ROOT_REKOR,
      ref
    )
    const main = await bumpVerifies(repository, r.outputs.digest, KEYLESS_VERIFY)
    expect(main.exitCode).toBe(0)
    expect(main.stdout).toContain(`signed by ${IDENTITY}`)
  })

  test("a bundle whose log entry is another signature's is refused by gitops-bump, cosign and gh", async () => {
    // two images signed and logged; the first copied to a third repository with its bundles, each given
    // the second's log entries (genuine entries with valid proofs, for other signatures)
    const a = `interop/${uniqueName('rekor-a')}`
    const b = `interop/${uniqueName('rekor-b')}`
    const forged = `interop/${uniqueName('rekor-forged')}`
    const ra = await build(a, REKOR_SIGNING, idTokenEnv())
    const rb = await build(b, REKOR_SIGNING, idTokenEnv())
    const client = registry()
    const manifest = await client.manifest(a, ra.outputs.digest)
    const json = manifest.json as { config: { digest: string }; layers: { digest: string }[] }
    for (const d of [json.config.digest, ...json.layers.map(l => l.digest)])
      await client.putBlob(forged, d, await client.blobBytes(a, d, 64 << 20))
    await client.putManifest(forged, ra.outputs.digest, manifest.raw, manifest.mediaType)
    const others = await listBundles(client, b, rb.outputs.digest)
    for (const own of await listBundles(client, a, ra.outputs.digest)) {
      const bundle = structuredClone(own.bundle) as Bundle
      const other = others.find(o => o.predicateType === own.predicateType)!.bundle as Bundle
      bundle.verificationMaterial.tlogEntries = other.verificationMaterial.tlogEntries
      await attachBundle(
        client,
        forged,
        { mediaType: manifest.mediaType, digest: ra.outputs.digest, size: manifest.size },
        bundle,
        own.predicateType
      )
    }
    const ref = `${infra.REGISTRY}/${forged}@${ra.outputs.digest}`
    const main = await bumpVerifies(forged, ra.outputs.digest, KEYLESS_VERIFY)
    expect(main.exitCode).toBe(1)
    expect(main.outputs['verified-digest']).toBeUndefined()
    expect(refuses(sigstore.COSIGN, ['verify', ...COSIGN_KEYLESS, ref])).toMatch(
      /log|tlog|inclusion|entry|no matching/i
    )
    expect(refuses(sigstore.GH, ghVerify(ref, '--owner', 'banicr'))).toMatch(/verif|log|entry/i)
    // the untouched original passes the same checks (the refusal is the entry's, nothing else)
    expect((await bumpVerifies(a, ra.outputs.digest, KEYLESS_VERIFY)).exitCode).toBe(0)
  })
})
