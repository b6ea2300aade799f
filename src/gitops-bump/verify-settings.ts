// The inputs of verify-before-bump (verify-image and the signer it must come from), checked before anything
// is fetched, verified or pushed.
import * as fs from 'node:fs'
import * as inputs from '../common/inputs.js'
import { InputError } from '../common/inputs.js'
import { parseImage } from '../common/validate.js'
import { GITHUB_OIDC_ISSUER, Inputs, PIN_MODES } from './constants.js'

export interface VerifySettings {
  /** registry/repository, no tag or digest. */
  image: string
  registry: string
  repository: string
  /** Keyless: the certificate's identity (the workflow URL) and its OIDC issuer. */
  identity?: { san: string | RegExp; issuer: string }
  /** Key: the PEM public key the signatures must verify with. */
  key: string
  /** The Sigstore trusted root's JSON (a private Sigstore), or '' for the public one (fetched by TUF). */
  trustedRoot: string
  /** Required provenance: its builder id and source repository URL ('' = not checked). */
  builder: string
  sourceRepository: string
  username: string
  password: string
  pin: (typeof PIN_MODES)[number]
}

/**
 * certificate-identity in the forms users write it: the certificate's URL
 * (https://github.com/<owner>/<repo>/.github/workflows/<file>@<ref>), or without https://github.com/ —
 * the job_workflow_ref that GitHub's token names (what `gh attestation verify --signer-workflow` takes).
 */
export function identityUrl(value: string): string {
  return /^https:\/\//.test(value) ? value : `https://github.com/${value.replace(/^\/+/, '')}`
}

const repoUrl = (value: string): string =>
  (/^https:\/\//.test(value) ? value : `https://github.com/${value}`).replace(/\/+$/, '')

/** undefined when verify-image is empty: nothing is verified, as before. */
export function parseVerifySettings(): VerifySettings | undefined {
  const image = inputs.str(Inputs.VerifyImage)
  const identity = inputs.str(Inputs.CertificateIdentity)
  const identityRegexp = inputs.str(Inputs.CertificateIdentityRegexp)
  const key = inputs.str(Inputs.VerifyKey)
  const others = [
    Inputs.CertificateIdentity,
    Inputs.CertificateIdentityRegexp,
    Inputs.VerifyKey,
    Inputs.ProvenanceBuilder,
    Inputs.ProvenanceSourceRepository
  ].filter(n => inputs.str(n))
  const pin = inputs.oneOf(Inputs.PinDigest, PIN_MODES, 'false')
  if (!image) {
    if (others.length || pin !== 'false')
      throw new InputError(
        others[0] ?? Inputs.PinDigest,
        'needs verify-image (the image whose signature is checked before the bump, registry/repository)'
      )
    return undefined
  }
  const ref = parseImage(Inputs.VerifyImage, image)
  if (ref.tag || ref.digest)
    throw new InputError(
      Inputs.VerifyImage,
      `must be registry/repository without tag or digest (the tag is 'tag'), got '${image}'`
    )
  if (!ref.registry)
    throw new InputError(Inputs.VerifyImage, `must name its registry (ghcr.io/owner/app), got '${image}'`)
  const signer = readSigner(identity, identityRegexp, key)
  const trustedRoot = readTrustedRoot()
  const username = inputs.str(Inputs.RegistryUsername)
  const password = inputs.secret(Inputs.RegistryPassword)
  return {
    image: ref.repository,
    registry: ref.registry,
    repository: ref.repository.slice(ref.registry.length + 1),
    ...signer,
    trustedRoot,
    builder: inputs.str(Inputs.ProvenanceBuilder) ? identityUrl(inputs.str(Inputs.ProvenanceBuilder)) : '',
    sourceRepository: inputs.str(Inputs.ProvenanceSourceRepository)
      ? repoUrl(inputs.str(Inputs.ProvenanceSourceRepository))
      : '',
    username,
    password,
    pin
  }
}

/** The expected signer: a keyless identity (exact or a regular expression) with its issuer, or a key. */
function readSigner(
  identity: string,
  identityRegexp: string,
  key: string
): Pick<VerifySettings, 'identity' | 'key'> {
  if ([identity, identityRegexp, key].filter(Boolean).length !== 1)
    throw new InputError(
      Inputs.CertificateIdentity,
      'or certificate-identity-regexp (keyless: the signing workflow) or verify-key (a public key): exactly one is needed with verify-image'
    )
  let san: string | RegExp | undefined
  if (identity) san = identityUrl(identity)
  else if (identityRegexp) {
    try {
      san = new RegExp(identityRegexp)
    } catch (err) {
      throw new InputError(
        Inputs.CertificateIdentityRegexp,
        `is not a regular expression: ${(err as Error).message}`
      )
    }
  }
  if (key && !/-----BEGIN PUBLIC KEY-----/.test(key))
    throw new InputError(Inputs.VerifyKey, 'must be a PEM public key (-----BEGIN PUBLIC KEY-----)')
  return {
    identity: san ? { san, issuer: inputs.str(Inputs.CertificateOidcIssuer, GITHUB_OIDC_ISSUER) } : undefined,
    key
  }
}

/** trusted-root: a file or the JSON itself; '' for the public Sigstore's. */
function readTrustedRoot(): string {
  const rootInput = inputs.str(Inputs.TrustedRoot)
  if (rootInput) {
    const text = rootInput.trimStart().startsWith('{')
      ? rootInput
      : fs.existsSync(rootInput)
        ? fs.readFileSync(rootInput, 'utf8')
        : ''
    if (!text)
      throw new InputError(
        Inputs.TrustedRoot,
        `must be a trusted_root.json file or its JSON; ${rootInput} does not exist`
      )
    try {
      JSON.parse(text)
    } catch (err) {
      throw new InputError(Inputs.TrustedRoot, `is not JSON: ${(err as Error).message}`)
    }
    return text
  }
  return ''
}
