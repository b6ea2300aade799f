// The tests' local Sigstore (scripts/sigstore/sigstore.sh): Fulcio and a timestamp authority built from their
// Go modules, and the stand-in for GitHub's OIDC token service. What a signing or verifying step is given.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { parseFileCommands } from '../../scripts/lib/runner.mjs'

function sigstoreEnv(): Record<string, string> {
  const file = path.join(process.env.DEMO_ACTIONS_SIGSTORE || '/tmp/demo-actions-sigstore', 'env')
  if (!fs.existsSync(file))
    throw new Error(`${file} is missing: run scripts/sigstore/sigstore.sh up (npm test does)`)
  return parseFileCommands(fs.readFileSync(file, 'utf8'))
}

export const sigstore = sigstoreEnv()

/** The workflow the stand-in's tokens name unless a test says otherwise (its oidc.mjs defaults). */
export const WORKFLOW = 'banicr/demo-flask-app/.github/workflows/pipeline.yml@refs/heads/main'

/**
 * The runner's token variables of a job with id-token: write, whose tokens carry `claims` changed (another
 * workflow, ref or repository: what a forger's own workflow would get from GitHub).
 */
export function idTokenEnv(claims: Record<string, string> = {}): Record<string, string> {
  const over = Object.keys(claims).length
    ? `/${Buffer.from(JSON.stringify(claims)).toString('base64url')}`
    : ''
  const url = new URL(sigstore.ACTIONS_ID_TOKEN_REQUEST_URL)
  url.pathname += over
  return {
    ACTIONS_ID_TOKEN_REQUEST_URL: url.toString(),
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: sigstore.ACTIONS_ID_TOKEN_REQUEST_TOKEN
  }
}

/** build-push's inputs for keyless signing with the local Sigstore (a timestamp, no Rekor). */
export const SIGN_INPUTS = {
  sign: 'true',
  'fulcio-url': sigstore.FULCIO_URL,
  'rekor-url': 'none',
  'tsa-url': sigstore.TSA_URL
}

/** gitops-bump's inputs to verify a keyless signature of WORKFLOW made with the local Sigstore. */
export const VERIFY_INPUTS = {
  'certificate-identity': WORKFLOW,
  'certificate-oidc-issuer': sigstore.OIDC_ISSUER,
  'trusted-root': sigstore.TRUSTED_ROOT
}
