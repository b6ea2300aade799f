// Writes a Sigstore trusted root (the protobuf-specs TrustedRoot JSON that verifiers such as sigstore-js,
// cosign --trusted-root and gh attestation verify --custom-trusted-root read) for the local Sigstore: its
// Fulcio's CA chain, its timestamp authority's chain and its Rekor v2 log, each valid from an hour ago; no
// CT log (Fulcio runs without one).
//   node trusted-root.mjs <fulcio-chain.pem> <fulcio-url> <tsa-chain.pem> <tsa-url> [<rekor.pub> <rekor-url> <origin>]
import * as crypto from 'node:crypto'
import * as fs from 'node:fs'

const [fulcioPem, fulcioUrl, tsaPem, tsaUrl, rekorPub, rekorUrl, origin] = process.argv.slice(2)
const chain = file =>
  [
    ...fs.readFileSync(file, 'utf8').matchAll(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g)
  ].map(m => ({
    rawBytes: new crypto.X509Certificate(m[0]).raw.toString('base64')
  }))
const start = new Date(Date.now() - 3600_000).toISOString()
const authority = (file, uri, name) => ({
  subject: { organization: 'demo-actions tests', commonName: name },
  uri,
  certChain: { certificates: chain(file) },
  validFor: { start }
})
/**
 * A Rekor v2 log: its Ed25519 key, and its log ID as rekor-tiles names its entries and checkpoints — the
 * C2SP signed-note key hash, SHA-256 of the origin, a newline, the signature type 0x01 and the raw key.
 */
function rekorLog(pubFile, url, name) {
  const key = crypto.createPublicKey(fs.readFileSync(pubFile, 'utf8'))
  const der = key.export({ type: 'spki', format: 'der' })
  const raw = der.subarray(der.length - 32)
  const id = crypto
    .createHash('sha256')
    .update(Buffer.concat([Buffer.from(`${name}\n`), Buffer.from([1]), raw]))
    .digest('base64')
  return {
    baseUrl: url,
    hashAlgorithm: 'SHA2_256',
    publicKey: { rawBytes: der.toString('base64'), keyDetails: 'PKIX_ED25519', validFor: { start } },
    logId: { keyId: id },
    checkpointKeyId: { keyId: id }
  }
}

console.log(
  JSON.stringify(
    {
      mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
      tlogs: rekorPub ? [rekorLog(rekorPub, rekorUrl, origin)] : [],
      certificateAuthorities: [authority(fulcioPem, fulcioUrl, 'fulcio')],
      ctlogs: [],
      timestampAuthorities: [authority(tsaPem, tsaUrl, 'tsa')]
    },
    null,
    2
  )
)
