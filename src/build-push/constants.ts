export const Inputs = {
  Image: 'image',
  Context: 'context',
  File: 'file',
  Version: 'version',
  Tag: 'tag',
  ExtraTags: 'extra-tags',
  Push: 'push',
  Registry: 'registry',
  Username: 'username',
  Password: 'password',
  BuildArgs: 'build-args',
  Labels: 'labels',
  Platforms: 'platforms',
  Cache: 'cache',
  Builder: 'builder',
  Provenance: 'provenance',
  Tags: 'tags',
  Secrets: 'secrets',
  SecretFiles: 'secret-files',
  SecretEnvs: 'secret-envs',
  Ssh: 'ssh',
  Target: 'target',
  BuildContexts: 'build-contexts',
  Annotations: 'annotations',
  Sbom: 'sbom',
  NoCache: 'no-cache',
  Pull: 'pull',
  CacheRef: 'cache-ref',
  Summary: 'summary',
  Mode: 'mode',
  Digests: 'digests',
  Images: 'images',
  Logins: 'logins',
  Sign: 'sign',
  ImageSigningKey: 'image-signing-key',
  Attestations: 'attestations',
  SbomFile: 'sbom-file',
  FulcioUrl: 'fulcio-url',
  RekorUrl: 'rekor-url',
  RekorApiVersion: 'rekor-api-version',
  TsaUrl: 'tsa-url',
  GithubToken: 'github-token'
} as const

export const MODES = ['build', 'push-by-digest', 'merge'] as const

export const Outputs = {
  Tag: 'tag',
  Tags: 'tags',
  Image: 'image',
  Digest: 'digest',
  Metadata: 'metadata',
  Signatures: 'signatures'
} as const

export const State = {
  PrivateDir: 'privateDir'
} as const

export const Defaults = {
  [Inputs.Context]: '.',
  [Inputs.Version]: 'v1.0.0',
  [Inputs.ExtraTags]: '',
  [Inputs.Push]: 'true',
  [Inputs.Cache]: 'auto',
  [Inputs.Builder]: 'auto',
  [Inputs.Mode]: 'build',
  [Inputs.Sign]: 'auto',
  [Inputs.Attestations]: 'provenance, sbom',
  [Inputs.FulcioUrl]: 'https://fulcio.sigstore.dev',
  [Inputs.RekorUrl]: 'https://rekor.sigstore.dev'
} as const

export const SIGN_MODES = ['auto', 'true', 'false'] as const
export const ATTESTATIONS = ['provenance', 'sbom'] as const

export const CACHE_MODES = ['auto', 'gha', 'inline', 'registry', 'none'] as const
export const BUILDERS = ['auto', 'buildx', 'classic'] as const
