// Verify before the bump: the tag's digest is resolved from the registry, the Sigstore bundles attached to
// that digest (common/attestations.ts) are verified against the trusted root — the public Sigstore's, fetched
// by TUF, or a private one's (trusted-root) — and the expected signer, and only then does the bump go on.
// What must hold: a signature statement about exactly this digest, from the expected workflow (certificate
// identity and OIDC issuer) or key; with provenance-builder / provenance-source-repository also a verified
// SLSA provenance naming them. Each refusal names what did not match; nothing has been fetched or pushed
// yet. sigstore-js's verifier (@sigstore/verify, what GitHub's attest tooling uses) loads only when
// verifying, so start-up stays bare.
import * as core from '@actions/core'
import * as crypto from 'node:crypto'
import { listBundles, Predicate, type Statement, type StoredBundle } from '../common/attestations.js'
import type { RegistryClient } from '../common/registry.js'
import type { VerifySettings } from './verify-settings.js'

export class VerificationError extends Error {}

export interface Verified {
  image: string
  digest: string
  /** Who signed: the certificate's identity, or the key's id. */
  signer: string
  /** The verified predicate types found for the digest. */
  predicates: string[]
}

/** One bundle that passed: its statement and who signed it. */
interface Passed {
  statement: Statement
  signer: string
}

/** The Sigstore verifier for the settings' trusted root and key, with the thresholds that root allows. */
async function makeVerifier(v: VerifySettings) {
  const { Verifier, toTrustMaterial } = await import('@sigstore/verify')
  const { TrustedRoot } = await import('@sigstore/protobuf-specs')
  const { getTrustedRoot } = await import('@sigstore/tuf')
  const rootJson = v.key
    ? v.trustedRoot
      ? JSON.parse(v.trustedRoot)
      : { mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1' }
    : v.trustedRoot
      ? JSON.parse(v.trustedRoot)
      : undefined
  const root = rootJson
    ? TrustedRoot.fromJSON(rootJson)
    : await getTrustedRoot().catch((err: Error) => {
        throw new Error(`The public Sigstore's trusted root could not be fetched (TUF): ${err.message}`)
      })
  const publicKey = v.key ? crypto.createPublicKey(v.key) : undefined
  // every key hint resolves to verify-key: a bundle signed with another key fails its signature check
  const keys = publicKey ? () => ({ publicKey, validFor: () => true }) : undefined
  const verifier = new Verifier(toTrustMaterial(root, keys), {
    tlogThreshold: root.tlogs.length ? 1 : 0,
    ctlogThreshold: root.ctlogs.length && !v.key ? 1 : 0,
    // a certificate is only good at a proven time; a key signature needs none
    timestampThreshold: v.key ? 0 : 1
  })
  return verifier
}

/** The in-toto statement a DSSE bundle carries (undefined for another payload). */
function statementOf(bundle: StoredBundle['bundle']): Statement | undefined {
  const envelope = (bundle as { dsseEnvelope?: { payload?: string; payloadType?: string } }).dsseEnvelope
  if (envelope?.payloadType !== 'application/vnd.in-toto+json' || !envelope.payload) return undefined
  try {
    return JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as Statement
  } catch {
    return undefined
  }
}

const short = (d: string) => `${d.slice(0, 19)}…`

/** Checks one bundle; returns what passed, or the reason it did not. */
async function checkBundle(
  v: VerifySettings,
  verifier: Awaited<ReturnType<typeof makeVerifier>>,
  stored: StoredBundle,
  digest: string
): Promise<Passed | string> {
  const { bundleFromJSON } = await import('@sigstore/bundle')
  const { toSignedEntity } = await import('@sigstore/verify')
  let signer: ReturnType<typeof verifier.verify>
  try {
    signer = verifier.verify(toSignedEntity(bundleFromJSON(stored.bundle)))
  } catch (err) {
    const why = (err as Error).message
    return v.key && /signature/i.test(why) ? 'not signed by verify-key' : `did not verify: ${why}`
  }
  const statement = statementOf(stored.bundle)
  if (!statement) return 'is not an in-toto statement'
  const hex = digest.slice('sha256:'.length)
  const subjects = Array.isArray(statement.subject) ? statement.subject : []
  if (!subjects.some(s => s?.digest?.sha256 === hex))
    return `is an attestation for another digest (${subjects.map(s => `sha256:${s?.digest?.sha256 ?? '?'}`).join(', ') || 'none'}), not ${digest}`
  if (v.key)
    return {
      statement,
      signer: `key ${crypto
        .createHash('sha256')
        .update(crypto.createPublicKey(v.key).export({ type: 'spki', format: 'der' }))
        .digest('hex')
        .slice(0, 16)}`
    }
  const san = signer.identity?.subjectAlternativeName ?? ''
  const issuer = signer.identity?.extensions?.issuer ?? ''
  const want = v.identity!
  const sanOk = typeof want.san === 'string' ? san === want.san : want.san.test(san)
  if (!sanOk) return `is signed by ${san || 'a certificate without an identity'}, not ${String(want.san)}`
  if (issuer !== want.issuer)
    return `has a certificate from OIDC issuer ${issuer || '(none)'}, not ${want.issuer}`
  return { statement, signer: san }
}

/** The provenance's builder and source repository, as attest-build-provenance's buildType names them. */
function provenanceFacts(p: unknown): { builder: string; source: string } {
  const pred = p as {
    runDetails?: { builder?: { id?: string } }
    buildDefinition?: { externalParameters?: { workflow?: { repository?: string } } }
  }
  return {
    builder: pred?.runDetails?.builder?.id ?? '',
    source: (pred?.buildDefinition?.externalParameters?.workflow?.repository ?? '').replace(/\/+$/, '')
  }
}

/**
 * Resolves `tag` (or the expected digest) to the digest the registry holds and verifies it. `expected`:
 * the digest the pipeline built (build-push's output), which the tag must still point to.
 */
export async function verifyImage(
  v: VerifySettings,
  client: RegistryClient,
  tag: string | undefined,
  expected: string
): Promise<Verified> {
  const reference = tag ?? expected
  if (!reference) throw new VerificationError('verify-image needs tag or digest: the image to verify')
  const manifest = await client.manifest(v.repository, reference)
  const digest = manifest.digest
  if (expected && digest !== expected)
    throw new VerificationError(
      `${v.image}:${tag} is ${digest} in the registry, not ${expected} (digest): the tag moved, so what would be deployed is not what was built`
    )
  core.info(`${v.image}${tag ? `:${tag}` : ''} is ${digest}`)
  const stored = await listBundles(client, v.repository, digest)
  if (!stored.length)
    throw new VerificationError(
      `${v.image}@${digest} is not signed: no Sigstore bundle is attached to it in ${v.registry} (build-push signs when sign is on)`
    )
  const verifier = await makeVerifier(v)
  const passed: Passed[] = []
  const refused: string[] = []
  for (const s of stored) {
    const r = await checkBundle(v, verifier, s, digest)
    if (typeof r === 'string') refused.push(`${s.predicateType || 'bundle'} ${short(s.digest)} ${r}`)
    else passed.push(r)
  }
  for (const r of refused) core.info(`refused: ${r}`)
  const of = (type: string) => passed.filter(p => p.statement.predicateType === type)
  const signatures = of(Predicate.Signature)
  if (!signatures.length)
    throw new VerificationError(
      `${v.image}@${digest} has no valid signature from ${v.key ? 'verify-key' : String(v.identity!.san)}: ${refused.join('; ') || 'only attestations, no signature'}`
    )
  if (v.builder || v.sourceRepository) {
    const provenances = of(Predicate.Provenance).map(p => provenanceFacts(p.statement.predicate))
    if (!provenances.length)
      throw new VerificationError(
        `${v.image}@${digest} has no verified SLSA provenance (provenance-builder / provenance-source-repository need one)${refused.length ? `: ${refused.join('; ')}` : ''}`
      )
    const ok = provenances.find(
      p => (!v.builder || p.builder === v.builder) && (!v.sourceRepository || p.source === v.sourceRepository)
    )
    if (!ok) {
      const p = provenances[0]
      throw new VerificationError(
        v.builder && p.builder !== v.builder
          ? `${v.image}@${digest}'s provenance names builder ${p.builder || '(none)'}, not ${v.builder} (provenance-builder)`
          : `${v.image}@${digest}'s provenance names source repository ${p.source || '(none)'}, not ${v.sourceRepository} (provenance-source-repository)`
      )
    }
  }
  return {
    image: v.image,
    digest,
    signer: signatures[0].signer,
    predicates: [...new Set(passed.map(p => p.statement.predicateType))]
  }
}
