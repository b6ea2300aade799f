// Rekor v2's entry for a DSSE envelope, as the log takes it today: a hashedrekord v0.0.2 whose digest is the
// SHA-256 of the envelope's pre-authentication encoding (PAE), signed by the envelope's one signature.
// rekor-tiles v2.3 accepts nothing else, and sigstore-go (cosign 3, gh) reads nothing else from a Rekor v2
// log; sigstore-js's own witness still sends the `dsse` v0.0.2 request rekor-tiles v2.2 took, so build-push
// sends this one itself (sigstore-js's Witness interface, its protobuf types, @actions/http-client).
import * as crypto from 'node:crypto'
import type { VerificationMaterial, Witness } from '@sigstore/sign'
import { HttpClient } from '../common/http-client.js'

type Content = Parameters<Witness['testify']>[0]

/** DSSE's pre-authentication encoding (the bytes the signature covers). */
export function pae(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8')
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `),
    type,
    Buffer.from(` ${payload.length} `),
    payload
  ])
}

/** The create-entry request (Rekor v2's JSON form) for one DSSE envelope and its signer's PEM. */
export function hashedRekordRequest(content: Content, publicKeyPem: string): Record<string, unknown> {
  if (content.$case !== 'dsseEnvelope') throw new Error('Rekor v2: only DSSE envelopes are signed here')
  const env = content.dsseEnvelope
  if (env.signatures.length !== 1) throw new Error('Rekor v2: a DSSE envelope with exactly one signature')
  const key = crypto.createPublicKey(publicKeyPem)
  const isCertificate = /-----BEGIN CERTIFICATE-----/.test(publicKeyPem)
  const raw = isCertificate
    ? new crypto.X509Certificate(publicKeyPem).raw
    : key.export({ type: 'spki', format: 'der' })
  return {
    hashedRekordRequestV002: {
      digest: crypto.createHash('sha256').update(pae(env.payloadType, env.payload)).digest('base64'),
      signature: {
        content: env.signatures[0].sig.toString('base64'),
        verifier: {
          keyDetails: keyDetails(key),
          ...(isCertificate
            ? { x509Certificate: { rawBytes: raw.toString('base64') } }
            : { publicKey: { rawBytes: raw.toString('base64') } })
        }
      }
    }
  }
}

/**
 * The log's name for the signer's algorithm; build-push signs with SHA-256 (Fulcio's key is ECDSA P-256).
 * hashedrekord needs a prehash, so Ed25519 keys (and P-384 with SHA-256, which no verifier expects) cannot
 * be logged in Rekor v2.
 */
export function keyDetails(key: crypto.KeyObject): string {
  const d = key.asymmetricKeyDetails ?? {}
  if (key.asymmetricKeyType === 'ec' && d.namedCurve === 'prime256v1') return 'PKIX_ECDSA_P256_SHA_256'
  if (key.asymmetricKeyType === 'rsa' && [2048, 3072, 4096].includes(d.modulusLength ?? 0))
    return `PKIX_RSA_PKCS1V15_${d.modulusLength}_SHA256`
  throw new Error(
    `Rekor v2 logs build-push's signatures for ECDSA P-256 and RSA keys only (this one is ${key.asymmetricKeyType}${d.namedCurve ? ` ${d.namedCurve}` : ''}): use such an image-signing-key, or rekor-api-version: 1`
  )
}

/** A Witness that records each envelope in a Rekor v2 log (`POST /api/v2/log/entries`). */
export class RekorV2Witness implements Witness {
  constructor(private readonly baseUrl: string) {}

  async testify(content: Content, publicKey: string) {
    const { TransparencyLogEntry } = await import('@sigstore/protobuf-specs')
    const url = `${this.baseUrl.replace(/\/+$/, '')}/api/v2/log/entries`
    const client = new HttpClient('demo-actions-build-push')
    const body = JSON.stringify(hashedRekordRequest(content, publicKey))
    const res = await client.post(url, body, {
      'Content-Type': 'application/json',
      Accept: 'application/json'
    })
    const text = await res.readBody()
    const status = res.message.statusCode ?? 0
    if (status < 200 || status > 299)
      throw new Error(`Rekor v2 at ${this.baseUrl} refused the entry (HTTP ${status}): ${text.slice(0, 300)}`)
    const entry = TransparencyLogEntry.fromJSON(JSON.parse(text))
    if (!entry.logId || !entry.kindVersion || !entry.inclusionProof)
      throw new Error(`Rekor v2 at ${this.baseUrl} answered without a log id, kind or inclusion proof`)
    return { tlogEntries: [entry] } as VerificationMaterial
  }
}
