export const Inputs = {
  Repository: 'repository',
  SshKey: 'ssh-key',
  SshKnownHosts: 'ssh-known-hosts',
  SshStrict: 'ssh-strict',
  Token: 'token',
  Branch: 'branch',
  ValuesFile: 'values-file',
  Targets: 'targets',
  Image: 'image',
  NewName: 'new-name',
  Digest: 'digest',
  Tag: 'tag',
  Set: 'set',
  Chart: 'chart',
  Validate: 'validate',
  CommitMessage: 'commit-message',
  AuthorName: 'author-name',
  AuthorEmail: 'author-email',
  Mode: 'mode',
  DryRun: 'dry-run',
  MaxAttempts: 'max-attempts',
  Timeout: 'timeout',
  AllowDowngrade: 'allow-downgrade',
  SignCommits: 'sign-commits',
  SigningKey: 'signing-key',
  Labels: 'labels',
  Reviewers: 'reviewers',
  Draft: 'draft',
  AutoMerge: 'auto-merge',
  Summary: 'summary',
  ArgocdServer: 'argocd-server',
  ArgocdToken: 'argocd-token',
  ArgocdApplication: 'argocd-application',
  ArgocdTimeout: 'argocd-timeout',
  ArgocdCa: 'argocd-ca',
  ArgocdRefresh: 'argocd-refresh',
  ArgocdSync: 'argocd-sync',
  OnDegraded: 'on-degraded',
  ProbeUrl: 'probe-url',
  ProbeRate: 'probe-rate',
  VerifyImage: 'verify-image',
  CertificateIdentity: 'certificate-identity',
  CertificateIdentityRegexp: 'certificate-identity-regexp',
  CertificateOidcIssuer: 'certificate-oidc-issuer',
  VerifyKey: 'verify-key',
  TrustedRoot: 'trusted-root',
  ProvenanceBuilder: 'provenance-builder',
  ProvenanceSourceRepository: 'provenance-source-repository',
  RegistryUsername: 'registry-username',
  RegistryPassword: 'registry-password',
  PinDigest: 'pin-digest',
  PromoteFrom: 'promote-from',
  PromoteFromApplication: 'promote-from-application',
  PromoteAfter: 'promote-after'
} as const

export const PIN_MODES = ['false', 'tag', 'key'] as const
/** GitHub Actions' OIDC issuer, the certificate-oidc-issuer of a workflow's keyless signature. */
export const GITHUB_OIDC_ISSUER = 'https://token.actions.githubusercontent.com'

export const MERGE_METHODS = ['merge', 'squash', 'rebase'] as const

export const Outputs = {
  Changed: 'changed',
  Commit: 'commit',
  PreviousTag: 'previous-tag',
  PullRequest: 'pull-request',
  PullRequestNumber: 'pull-request-number',
  Result: 'result',
  Deployed: 'deployed',
  ArgocdRevision: 'argocd-revision',
  ArgocdHealth: 'argocd-health',
  Probe: 'probe',
  VerifiedDigest: 'verified-digest',
  PromotedTag: 'promoted-tag',
  PromotedDigest: 'promoted-digest',
  SourceRevision: 'source-revision'
} as const

export const State = {
  PrivateDir: 'privateDir'
} as const

export const Defaults = {
  [Inputs.SshStrict]: 'true',
  [Inputs.Branch]: 'main',
  [Inputs.Validate]: 'true',
  [Inputs.AuthorName]: 'github-actions[bot]',
  [Inputs.AuthorEmail]: '41898282+github-actions[bot]@users.noreply.github.com',
  [Inputs.Mode]: 'push',
  [Inputs.Timeout]: '5m',
  [Inputs.DryRun]: 'false',
  [Inputs.AllowDowngrade]: 'false',
  [Inputs.ArgocdTimeout]: '5m',
  [Inputs.ArgocdRefresh]: 'normal',
  [Inputs.ArgocdSync]: 'false',
  [Inputs.OnDegraded]: 'fail',
  [Inputs.ProbeRate]: '20'
} as const

export const ON_DEGRADED = ['fail', 'revert'] as const
/** normal: Argo CD looks at the repository now; hard: also regenerates manifests; none: its next poll. */
export const REFRESH = ['normal', 'hard', 'none'] as const

export const MODES = ['push', 'pull-request'] as const

/** GitHub's published SSH host keys (docs: "GitHub's SSH key fingerprints"). */
export const GITHUB_KNOWN_HOSTS = [
  'github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl',
  'github.com ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEmKSENjQEezOmxkZMy7opKgwFB9nkt5YRrYMjNuG5N87uRgg6CLrbo5wAdT/y6v0mKV0U2w0WZ2YB/++Tpockg=',
  'github.com ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQCj7ndNxQowgcQnjshcLrqPEiiphnt+VTTvDP6mHBL9j1aNUkY4Ue1gvwnGLVlOhGeYrnZaMgRK6+PKCUXaDbC7qtbW8gIkhL7aGCsOr/C56SJMy/BCZfxd1nWzAOxSDPgVsmerOBYfNqltV9/hWCqBywINIR+5dIg6JTJ72pcEpEjcYgXkE2YEFXV1JHnsKgbLWNlhScqb2UmyRkQyytRLtL+38TGxkxCflmO+5Z8CSSNY7GidjMIZ7Q4zMjA2n1nGrlTDkzwDCsw+wqFPGQA179cnfGWOWRVruj16z6XyvxvjJwbz0wQZ75XK5tKSb7FNyeIEs4TT4jk+S4dhPeAUC5y+bDYirYgM4GC7uEnztnZyaVWQ7B381AK4Qdrwt51ZqExKbQpTUNn+EjqoTwvqNj4kqx5QUCI0ThS/YkOxJCXmPUWZbhjpCg56i+2aB6CmK2JGhn57K5mj0MNdBXA4/WnwH6XoPWJzK5Nyu2zB3nAZp+S5hpQs+p1vN1/wsjk='
]
