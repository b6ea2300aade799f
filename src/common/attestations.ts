// Signatures and attestations in the registry, as build-push writes them and gitops-bump reads them. Each is a
// Sigstore bundle (v0.3: a DSSE envelope around an in-toto statement, with the signer's certificate or key
// hint and a timestamp or transparency-log entry) stored as an OCI 1.1 artifact whose subject is the image's
// digest: artifactType and the one layer are application/vnd.dev.sigstore.bundle.v0.3+json, and annotations
// name the predicate type — the layout GitHub's attest actions push (`push-to-registry`) and that
// `gh attestation verify --bundle-from-oci` and `cosign verify-attestation --new-bundle-format` read. It is
// found through the registry's referrers API, or the referrers tag schema (`sha256-<hex>`) where there is none.
import { digestOf } from './digest.js'
import type { Descriptor, RegistryClient } from './registry.js'

export const BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json'
export const IN_TOTO_PAYLOAD = 'application/vnd.in-toto+json'
export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1'
const EMPTY_CONFIG = { mediaType: 'application/vnd.oci.empty.v1+json', data: Buffer.from('{}') }
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
export const PREDICATE_ANNOTATION = 'dev.sigstore.bundle.predicateType'

/** The predicate types build-push attests and gitops-bump looks for. */
export const Predicate = {
  /** A signature of the digest: cosign's predicate for a signed image in the bundle format. */
  Signature: 'https://sigstore.dev/cosign/sign/v1',
  Provenance: 'https://slsa.dev/provenance/v1',
  Spdx: 'https://spdx.dev/Document/v2.3'
} as const

export interface Statement {
  _type: string
  subject: { name: string; digest: Record<string, string> }[]
  predicateType: string
  predicate: unknown
}

/** An in-toto statement about one image digest. */
export function statement(
  name: string,
  digest: string,
  predicateType: string,
  predicate: unknown
): Statement {
  const [alg, hex] = digest.split(':')
  return { _type: STATEMENT_TYPE, subject: [{ name, digest: { [alg]: hex } }], predicateType, predicate }
}

/** Attaches a bundle (its JSON) to `subject` in `repository`; returns the artifact's digest. */
export async function attachBundle(
  client: RegistryClient,
  repository: string,
  subject: { mediaType: string; digest: string; size: number },
  bundle: unknown,
  predicateType: string
): Promise<string> {
  const layer = Buffer.from(JSON.stringify(bundle))
  const layerDigest = digestOf(layer)
  const configDigest = digestOf(EMPTY_CONFIG.data)
  for (const [digest, body] of [
    [configDigest, EMPTY_CONFIG.data],
    [layerDigest, layer]
  ] as const)
    if (!(await client.hasBlob(repository, digest))) await client.putBlob(repository, digest, body)
  const annotations = {
    'dev.sigstore.bundle.content': 'dsse-envelope',
    [PREDICATE_ANNOTATION]: predicateType
  }
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST,
      artifactType: BUNDLE_MEDIA_TYPE,
      config: { mediaType: EMPTY_CONFIG.mediaType, digest: configDigest, size: EMPTY_CONFIG.data.length },
      layers: [{ mediaType: BUNDLE_MEDIA_TYPE, digest: layerDigest, size: layer.length }],
      subject,
      annotations
    })
  )
  const descriptor: Descriptor = {
    mediaType: MANIFEST,
    digest: digestOf(manifest),
    size: manifest.length,
    artifactType: BUNDLE_MEDIA_TYPE,
    annotations
  }
  return client.putReferrer(repository, manifest, descriptor, subject.digest)
}

export interface StoredBundle {
  /** The artifact manifest's digest. */
  digest: string
  /** The predicate type its annotation claims (what the verified statement says is checked anyway). */
  predicateType: string
  bundle: unknown
}

/** At most this many bundles are read per image (a registry could list thousands). */
export const MAX_BUNDLES = 50

/** The Sigstore bundles attached to `digest`, read and parsed (nothing verified yet). */
export async function listBundles(
  client: RegistryClient,
  repository: string,
  digest: string
): Promise<StoredBundle[]> {
  const found = (await client.referrers(repository, digest)).filter(d => d.artifactType === BUNDLE_MEDIA_TYPE)
  const out: StoredBundle[] = []
  for (const d of found.slice(-MAX_BUNDLES)) {
    const manifest = await client.manifest(repository, d.digest)
    const subject = manifest.json.subject as { digest?: unknown } | undefined
    const layers = Array.isArray(manifest.json.layers) ? (manifest.json.layers as Descriptor[]) : []
    const layer = layers.find(l => l.mediaType === BUNDLE_MEDIA_TYPE)
    // an index entry naming a manifest about another digest is not this image's
    if (subject?.digest !== digest || !layer) continue
    let bundle: unknown
    try {
      bundle = JSON.parse((await client.blobBytes(repository, layer.digest)).toString('utf8'))
    } catch {
      continue
    }
    const annotations = (manifest.json.annotations ?? {}) as Record<string, unknown>
    out.push({ digest: d.digest, predicateType: String(annotations[PREDICATE_ANNOTATION] ?? ''), bundle })
  }
  return out
}
