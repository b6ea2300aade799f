// gitops-bump's verification on a fake registry holding real key-signed bundles (sigstore-js, in memory):
// the refusals that guard a deploy, each with its own message, fast and without Docker.
import * as crypto from 'node:crypto'
import {
  BUNDLE_MEDIA_TYPE,
  IN_TOTO_PAYLOAD,
  PREDICATE_ANNOTATION,
  Predicate,
  statement
} from '../../src/common/attestations.js'
import type { RegistryClient } from '../../src/common/registry.js'
import { keySigner, withoutKeyId } from '../../src/build-push/sign.js'
import { verifyImage } from '../../src/gitops-bump/verify.js'
import type { VerifySettings } from '../../src/gitops-bump/verify-settings.js'

const DIGEST = `sha256:${'ab'.repeat(32)}`
const OTHER = `sha256:${'cd'.repeat(32)}`
const sha = (b: Buffer) => `sha256:${crypto.createHash('sha256').update(b).digest('hex')}`
// verifyImage's log lines are for the runner's log, not the test's
const write = process.stdout.write
beforeAll(() => (process.stdout.write = (() => true) as typeof write))
afterAll(() => (process.stdout.write = write))

function keys() {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
  return {
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    pub: publicKey.export({ type: 'spki', format: 'pem' }).toString()
  }
}

/** A bundle as build-push makes it with image-signing-key: DSSE over the statement about `about`. */
async function bundle(key: string, predicateType: string, about = DIGEST) {
  const { DSSEBundleBuilder } = await import('@sigstore/sign')
  const { bundleToJSON } = await import('@sigstore/bundle')
  const data = Buffer.from(JSON.stringify(statement('r.example/app', about, predicateType, {})))
  const b = await new DSSEBundleBuilder({ signer: keySigner(key), witnesses: [] }).create({
    data,
    type: IN_TOTO_PAYLOAD
  })
  return bundleToJSON(withoutKeyId(b))
}

/** A registry holding the image (tag v1 -> DIGEST) and the given bundles as its referrers. */
function registry(bundles: { predicateType: string; json: unknown }[]): RegistryClient {
  const blobs = new Map<string, Buffer>()
  const manifests = new Map<string, Buffer>()
  const image = Buffer.from('{"schemaVersion":2}')
  const referrers = bundles.map(b => {
    const layer = Buffer.from(JSON.stringify(b.json))
    blobs.set(sha(layer), layer)
    const m = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        artifactType: BUNDLE_MEDIA_TYPE,
        layers: [{ mediaType: BUNDLE_MEDIA_TYPE, digest: sha(layer), size: layer.length }],
        subject: { digest: DIGEST },
        annotations: { [PREDICATE_ANNOTATION]: b.predicateType }
      })
    )
    manifests.set(sha(m), m)
    return {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: sha(m),
      size: m.length,
      artifactType: BUNDLE_MEDIA_TYPE
    }
  })
  const manifest = async (_: string, ref: string) => {
    const raw = ref === 'v1' || ref === DIGEST ? image : manifests.get(ref)
    if (!raw) throw new Error(`no manifest ${ref}`)
    const digest = raw === image ? DIGEST : ref
    return {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest,
      size: raw.length,
      json: JSON.parse(raw.toString()),
      raw
    }
  }
  return {
    manifest,
    referrers: async () => referrers,
    blobBytes: async (_: string, d: string) => blobs.get(d)!
  } as unknown as RegistryClient
}

const settings = (pub: string): VerifySettings => ({
  image: 'r.example/app',
  registry: 'r.example',
  repository: 'app',
  key: pub,
  trustedRoot: '',
  builder: '',
  sourceRepository: '',
  username: '',
  password: '',
  pin: 'key'
})

describe('gitops-bump verification, refusals', () => {
  test('signed with verify-key: verified, the digest and the predicate types named', async () => {
    const k = keys()
    const r = await verifyImage(
      settings(k.pub),
      registry([{ predicateType: Predicate.Signature, json: await bundle(k.key, Predicate.Signature) }]),
      'v1',
      DIGEST
    )
    expect(r.digest).toBe(DIGEST)
    expect(r.predicates).toEqual([Predicate.Signature])
  })

  test('no bundle at all: "is not signed", before any verifier is made', async () => {
    const k = keys()
    await expect(verifyImage(settings(k.pub), registry([]), 'v1', DIGEST)).rejects.toThrow(
      `r.example/app@${DIGEST} is not signed: no Sigstore bundle is attached to it in r.example`
    )
  })

  test('only an attestation, no signature statement: refused', async () => {
    const k = keys()
    const reg = registry([
      { predicateType: Predicate.Provenance, json: await bundle(k.key, Predicate.Provenance) }
    ])
    await expect(verifyImage(settings(k.pub), reg, 'v1', DIGEST)).rejects.toThrow(
      /has no valid signature from verify-key/
    )
  })

  test('signed by another key: refused', async () => {
    const k = keys()
    const other = keys()
    const reg = registry([
      { predicateType: Predicate.Signature, json: await bundle(other.key, Predicate.Signature) }
    ])
    await expect(verifyImage(settings(k.pub), reg, 'v1', DIGEST)).rejects.toThrow(
      /has no valid signature from verify-key/
    )
  })

  test('a bundle about another digest, copied onto this one: refused', async () => {
    const k = keys()
    const reg = registry([
      { predicateType: Predicate.Signature, json: await bundle(k.key, Predicate.Signature, OTHER) }
    ])
    await expect(verifyImage(settings(k.pub), reg, 'v1', DIGEST)).rejects.toThrow(/another digest/)
  })

  test('the tag moved (the registry has another digest than the one built): refused first', async () => {
    const k = keys()
    await expect(verifyImage(settings(k.pub), registry([]), 'v1', OTHER)).rejects.toThrow(
      `r.example/app:v1 is ${DIGEST} in the registry, not ${OTHER} (digest): the tag moved`
    )
  })
})
