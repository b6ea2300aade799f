// Writes a Sigstore trusted root (the protobuf-specs TrustedRoot JSON that verifiers such as sigstore-js and
// cosign --trusted-root read) for the local Sigstore: its Fulcio's CA chain and its timestamp authority's
// chain, each valid from now on; no transparency or CT logs (none run here).
//   node trusted-root.mjs <fulcio-chain.pem> <fulcio-url> <tsa-chain.pem> <tsa-url>
import * as crypto from 'node:crypto'
import * as fs from 'node:fs'

const [fulcioPem, fulcioUrl, tsaPem, tsaUrl] = process.argv.slice(2)
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
console.log(
  JSON.stringify(
    {
      mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
      tlogs: [],
      certificateAuthorities: [authority(fulcioPem, fulcioUrl, 'fulcio')],
      ctlogs: [],
      timestampAuthorities: [authority(tsaPem, tsaUrl, 'tsa')]
    },
    null,
    2
  )
)
