// build-push's signing phase: every pushed digest (never a tag) gets a signature, SLSA build provenance and an
// SBOM, each a Sigstore bundle attached to the digest in the registry (common/attestations.ts says how).
// Keyless, as GitHub's attest actions do: the job's OIDC token (id-token: write) buys a short-lived Fulcio
// certificate naming the workflow, and a Rekor entry or an RFC 3161 timestamp proves when it signed. Or with
// a key of the user's (image-signing-key). sigstore-js (@sigstore/sign), the library GitHub's own attest
// actions use, does the signing; it is loaded only when something is signed, so start-up stays bare.
import * as core from '@actions/core'
import * as crypto from 'node:crypto'
import * as fs from 'node:fs'
import { attachBundle, IN_TOTO_PAYLOAD, Predicate, statement } from '../common/attestations.js'
import { githubContext } from '../common/github.js'
import type { RegistryClient } from '../common/registry.js'
import type { Signing } from './settings.js'
import { RekorV2Witness } from './rekor-v2.js'

/** Who signs: the job's OIDC identity (its token's claims go into the provenance) or the user's key. */
export type Identity = { kind: 'keyless'; claims: Record<string, string> } | { kind: 'key'; pem: string }

/** What was attached to one digest: the artifacts' digests by predicate type. */
export interface Signed {
  image: string
  digest: string
  attached: { predicateType: string; artifact: string }[]
}

/** A bundle made for a digest (its JSON), to be recorded in GitHub's attestations too. */
export interface MadeBundle {
  digest: string
  predicateType: string
  bundle: unknown
}

/** The subject of the signatures: one repository's manifest (or index) by digest. */
export interface Subject {
  client: RegistryClient
  /** The image name the statements give (registry/repository). */
  name: string
  repository: string
  digest: string
  tag?: string
}

/**
 * Whom signing will be done as, asked before anything is built: keyless needs the job's ID token
 * (permissions: id-token: write); `sign: true` without one (and without a key) is an error now rather than
 * an unsigned push later. undefined: nothing is signed (sign: false, or auto without an identity).
 */
export async function signingIdentity(s: Signing, push: boolean): Promise<Identity | undefined> {
  if (s.mode === 'false' || !push) return undefined
  if (s.key) return { kind: 'key', pem: s.key }
  if (!process.env.ACTIONS_ID_TOKEN_REQUEST_URL) {
    if (s.mode === 'true')
      throw new Error(
        "sign: true needs the job's OIDC token for keyless signing (permissions: id-token: write, which sets ACTIONS_ID_TOKEN_REQUEST_URL) or an image-signing-key"
      )
    core.info('Not signed: the job has no OIDC token (permissions: id-token: write) and no image-signing-key')
    return undefined
  }
  const claims = claimsOf(await idToken())
  // a private repository's signatures in the public Rekor would publish its name, workflow and commit
  if (
    claims.repository_visibility &&
    claims.repository_visibility !== 'public' &&
    s.rekorUrl === PUBLIC_REKOR
  ) {
    const why = `${claims.repository || 'this repository'} is ${claims.repository_visibility}, and rekor-url is the public Rekor, where its signatures would publish the repository's name, workflow and commit`
    if (s.mode === 'auto') {
      core.notice(
        `Not signed: ${why}. Set rekor-url: none with a tsa-url (or a private Sigstore), or sign: true to sign there anyway.`
      )
      return undefined
    }
    core.warning(`Signing although ${why} (sign: true).`)
  }
  return { kind: 'keyless', claims }
}

const PUBLIC_REKOR = 'https://rekor.sigstore.dev'

async function idToken(): Promise<string> {
  try {
    return await core.getIDToken('sigstore')
  } catch (err) {
    throw new Error(
      `The job's OIDC token for signing was refused (permissions: id-token: write?): ${(err as Error).message}`
    )
  }
}

/** A JWT's claims (read, not verified: Fulcio verifies the token; the claims only fill the provenance). */
export function claimsOf(token: string): Record<string, string> {
  const part = token.split('.')[1] ?? ''
  try {
    const claims = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>
    return Object.fromEntries(Object.entries(claims).map(([k, v]) => [k, String(v)]))
  } catch {
    throw new Error('The OIDC token for signing is not a JWT')
  }
}

/** The runner's variables in the shape of the token's claims, for key signing (no token). */
function envClaims(run = githubContext()): Record<string, string> {
  return {
    repository: run.repository,
    ref: run.ref,
    sha: run.sha,
    workflow_ref: run.workflowRef,
    job_workflow_ref: run.workflowRef,
    event_name: run.eventName,
    repository_id: run.repositoryId,
    repository_owner_id: run.repositoryOwnerId,
    runner_environment: run.runnerEnvironment,
    run_id: run.runId,
    run_attempt: run.runAttempt
  }
}

/**
 * SLSA v1 build provenance of a GitHub workflow run, in the buildType GitHub's attest-build-provenance uses:
 * the workflow (repository, path, ref) as external parameters, the commit as the resolved dependency, the
 * workflow file at its ref as the builder.
 */
export function provenance(claims: Record<string, string>, server = githubContext().serverUrl): unknown {
  const workflowRef = claims.workflow_ref ?? ''
  const [workflowPath] = workflowRef.replace(`${claims.repository}/`, '').split('@')
  return {
    buildDefinition: {
      buildType: 'https://actions.github.io/buildtypes/workflow/v1',
      externalParameters: {
        workflow: { ref: claims.ref, repository: `${server}/${claims.repository}`, path: workflowPath }
      },
      internalParameters: {
        github: {
          event_name: claims.event_name,
          repository_id: claims.repository_id,
          repository_owner_id: claims.repository_owner_id,
          runner_environment: claims.runner_environment
        }
      },
      resolvedDependencies: [
        { uri: `git+${server}/${claims.repository}@${claims.ref}`, digest: { gitCommit: claims.sha } }
      ]
    },
    runDetails: {
      builder: { id: `${server}/${claims.job_workflow_ref || workflowRef}` },
      metadata: {
        invocationId: `${server}/${claims.repository}/actions/runs/${claims.run_id}/attempts/${claims.run_attempt}`
      }
    }
  }
}

/**
 * The SBOM: the user's own document (sbom-file: SPDX or CycloneDX JSON, from a scanner such as syft), or an
 * SPDX 2.3 document of what build-push knows for certain — the image by digest and the base images its
 * Dockerfile names — not a package scan (README: signing and attestations).
 */
export function sbom(
  s: Signing,
  subject: Subject,
  bases: string[],
  now = new Date()
): { predicateType: string; predicate: unknown } {
  if (s.sbomFile) {
    let doc: Record<string, unknown>
    try {
      doc = JSON.parse(fs.readFileSync(s.sbomFile, 'utf8')) as Record<string, unknown>
    } catch (err) {
      throw new Error(`sbom-file ${s.sbomFile} is not a JSON document: ${(err as Error).message}`)
    }
    if (typeof doc.spdxVersion === 'string') return { predicateType: Predicate.Spdx, predicate: doc }
    if (doc.bomFormat === 'CycloneDX') return { predicateType: 'https://cyclonedx.org/bom', predicate: doc }
    throw new Error(`sbom-file ${s.sbomFile} is neither SPDX (spdxVersion) nor CycloneDX (bomFormat) JSON`)
  }
  const hex = subject.digest.slice('sha256:'.length)
  const purl = (name: string, digest: string): string =>
    `pkg:oci/${name.split('/').pop()}@${encodeURIComponent(digest)}?repository_url=${encodeURIComponent(name)}`
  const packages = [
    {
      SPDXID: 'SPDXRef-image',
      name: subject.name,
      versionInfo: subject.tag ?? subject.digest,
      downloadLocation: 'NOASSERTION',
      primaryPackagePurpose: 'CONTAINER',
      checksums: [{ algorithm: 'SHA256', checksumValue: hex }],
      externalRefs: [
        {
          referenceCategory: 'PACKAGE-MANAGER',
          referenceType: 'purl',
          referenceLocator: purl(subject.name, subject.digest)
        }
      ]
    },
    ...bases.map((base, i) => ({
      SPDXID: `SPDXRef-base-${i + 1}`,
      name: base,
      downloadLocation: 'NOASSERTION',
      primaryPackagePurpose: 'CONTAINER'
    }))
  ]
  return {
    predicateType: Predicate.Spdx,
    predicate: {
      spdxVersion: 'SPDX-2.3',
      dataLicense: 'CC0-1.0',
      SPDXID: 'SPDXRef-DOCUMENT',
      name: `${subject.name}@${subject.digest}`,
      documentNamespace: `https://github.com/banicr/demo-actions/spdx/${encodeURIComponent(subject.name)}/${hex}`,
      creationInfo: { created: now.toISOString(), creators: ['Tool: demo-actions-build-push'] },
      packages,
      relationships: [
        {
          spdxElementId: 'SPDXRef-DOCUMENT',
          relationshipType: 'DESCRIBES',
          relatedSpdxElement: 'SPDXRef-image'
        },
        ...bases.map((_, i) => ({
          spdxElementId: 'SPDXRef-image',
          relationshipType: 'DESCENDANT_OF',
          relatedSpdxElement: `SPDXRef-base-${i + 1}`
        }))
      ]
    }
  }
}

/** The images a Dockerfile builds FROM (build stages named by AS are not images). */
export function baseImages(dockerfile: string): string[] {
  const stages = new Set<string>()
  const out: string[] = []
  for (const m of dockerfile.matchAll(/^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?/gim)) {
    if (!stages.has(m[1].toLowerCase()) && m[1] !== 'scratch' && !out.includes(m[1])) out.push(m[1])
    if (m[2]) stages.add(m[2].toLowerCase())
  }
  return out
}

/**
 * A signer with the user's key (PEM: EC P-256/P-384, Ed25519 or RSA), named in bundles by its hint as
 * sigstore-go writes it (cosign's bundles): base64 of the SHA-256 of its DER SubjectPublicKeyInfo.
 */
export function keySigner(pem: string): { sign(data: Buffer): Promise<import('@sigstore/sign').Signature> } {
  let key: crypto.KeyObject
  try {
    key = crypto.createPrivateKey(pem)
  } catch {
    throw new Error('image-signing-key is not a PEM private key without a passphrase (PKCS#8 or SEC1)')
  }
  const publicKey = crypto.createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString()
  const hint = keyHint(publicKey)
  const algorithm = key.asymmetricKeyType === 'ed25519' ? null : 'sha256'
  return {
    sign: async (data: Buffer) => ({
      signature: crypto.sign(algorithm, data, key),
      key: { $case: 'publicKey', publicKey, hint }
    })
  }
}

/** A public key's hint in bundles: the base64 SHA-256 of its DER SubjectPublicKeyInfo (sigstore-go's). */
export function keyHint(publicKeyPem: string): string {
  const der = crypto.createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' })
  return crypto.createHash('sha256').update(der).digest('base64')
}

/**
 * The DSSE envelope's signature names no key id. sigstore-js copies the key's hint there, and DSSE
 * verifiers (go-securesystemslib's, which cosign and gh use) skip a signature whose key id is not their
 * key's own (an SSH-style fingerprint): "accepted signatures do not match threshold". A Sigstore bundle
 * has one signature, and names its key in the verification material; sigstore-go writes no key id either.
 */
export function withoutKeyId<B extends { content: { $case: string } }>(bundle: B): B {
  const content = bundle.content as { $case: string; dsseEnvelope?: { signatures: { keyid: string }[] } }
  if (content.$case === 'dsseEnvelope') for (const sig of content.dsseEnvelope!.signatures) sig.keyid = ''
  return bundle
}

/** Signs and attests each subject, attaching every bundle in its registry. */
export async function signDigests(
  s: Signing,
  identity: Identity,
  subjects: Subject[],
  bases: string[]
): Promise<{ signed: Signed[]; bundles: MadeBundle[] }> {
  const { DSSEBundleBuilder, FulcioSigner, RekorWitness, TSAWitness } = await import('@sigstore/sign')
  const { bundleToJSON } = await import('@sigstore/bundle')
  const signer =
    identity.kind === 'key'
      ? keySigner(identity.pem)
      : new FulcioSigner({ fulcioBaseURL: s.fulcioUrl, identityProvider: { getToken: idToken } })
  const witnesses = [
    ...(s.rekorUrl
      ? [
          s.rekorApiVersion === 2
            ? new RekorV2Witness(s.rekorUrl)
            : new RekorWitness({ rekorBaseURL: s.rekorUrl, entryType: 'dsse', majorApiVersion: 1 })
        ]
      : []),
    ...(s.tsaUrl ? [new TSAWitness({ tsaBaseURL: s.tsaUrl })] : [])
  ]
  const builder = new DSSEBundleBuilder({ signer, witnesses })
  const claims = identity.kind === 'keyless' ? identity.claims : envClaims()
  const out: Signed[] = []
  const bundles: MadeBundle[] = []
  for (const subject of subjects) {
    const predicates: { predicateType: string; predicate: unknown }[] = [
      { predicateType: Predicate.Signature, predicate: {} },
      ...(s.attestations.includes('provenance')
        ? [{ predicateType: Predicate.Provenance, predicate: provenance(claims) }]
        : []),
      ...(s.attestations.includes('sbom') ? [sbom(s, subject, bases)] : [])
    ]
    const manifest = await subject.client.manifest(subject.repository, subject.digest)
    const attached: Signed['attached'] = []
    for (const p of predicates) {
      const data = Buffer.from(
        JSON.stringify(statement(subject.name, subject.digest, p.predicateType, p.predicate))
      )
      const bundle = await builder.create({ data, type: IN_TOTO_PAYLOAD }).catch((err: Error) => {
        throw new Error(`Signing ${subject.name}@${subject.digest} failed: ${err.message}`)
      })
      const json = bundleToJSON(withoutKeyId(bundle))
      const artifact = await attachBundle(
        subject.client,
        subject.repository,
        { mediaType: manifest.mediaType, digest: subject.digest, size: manifest.size },
        json,
        p.predicateType
      )
      // one record in GitHub per digest and predicate (several repositories of one digest share it)
      if (!bundles.some(b => b.digest === subject.digest && b.predicateType === p.predicateType))
        bundles.push({ digest: subject.digest, predicateType: p.predicateType, bundle: json })
      attached.push({ predicateType: p.predicateType, artifact })
    }
    core.info(
      `Signed ${subject.name}@${subject.digest}: ${attached.map(a => a.predicateType.split('/').slice(-2).join('/')).join(', ')}`
    )
    out.push({ image: subject.name, digest: subject.digest, attached })
  }
  return { signed: out, bundles }
}
