export const Inputs = {
  Image: 'image',
  Digest: 'digest',
  Username: 'username',
  Password: 'password',
  ClusterName: 'cluster-name',
  KindVersion: 'kind-version',
  NodeImage: 'node-image',
  Config: 'config',
  Chart: 'chart',
  Manifests: 'manifests',
  Release: 'release',
  Namespace: 'namespace',
  Set: 'set',
  WaitTimeout: 'wait-timeout',
  Service: 'service',
  Port: 'port',
  SmokeTests: 'smoke-tests',
  KeepCluster: 'keep-cluster',
  IgnoreFailedClean: 'ignore-failed-clean',
  ImageKeys: 'image-keys',
  Summary: 'summary',
  ValuesFiles: 'values-files',
  HelmTest: 'helm-test',
  TestCommand: 'test-command',
  ExportLogs: 'export-logs',
  InstallOnly: 'install-only',
  Kubeconfig: 'kubeconfig',
  ImageSource: 'image-source',
  RegistryEndpoint: 'registry-endpoint',
  RegistryCa: 'registry-ca',
  UpgradeFrom: 'upgrade-from',
  UpgradeFromChart: 'upgrade-from-chart',
  ProbeRate: 'probe-rate',
  ProbePath: 'probe-path',
  MaxFailedRequests: 'max-failed-requests',
  Rollback: 'rollback'
} as const

export const Outputs = {
  ClusterName: 'cluster-name',
  Result: 'result',
  Kubeconfig: 'kubeconfig',
  Report: 'report',
  LogsDir: 'logs-dir',
  RolloutSeconds: 'rollout-seconds',
  Requests: 'requests',
  FailedRequests: 'failed-requests',
  RollbackRequests: 'rollback-requests',
  RollbackFailedRequests: 'rollback-failed-requests'
} as const

export const State = {
  ClusterName: 'clusterName',
  KeepCluster: 'keepCluster',
  PrivateDir: 'privateDir',
  Kind: 'kind',
  /** 'true' once this step's `kind create cluster` succeeded: only then is the cluster ours to delete. */
  Created: 'created',
  IgnoreFailedClean: 'ignoreFailedClean',
  /** kubeconfig input: the cluster's kubeconfig, and the namespace this step created there ('' if none). */
  OwnKubeconfig: 'ownKubeconfig',
  OwnNamespace: 'ownNamespace',
  Kubectl: 'kubectl'
} as const

export const Defaults = {
  [Inputs.KindVersion]: 'v0.30.0',
  [Inputs.Namespace]: 'e2e',
  [Inputs.WaitTimeout]: '180s',
  [Inputs.Port]: '80',
  [Inputs.SmokeTests]: '/healthz 200 ok\n/ 200',
  [Inputs.KeepCluster]: 'false',
  [Inputs.IgnoreFailedClean]: 'false',
  [Inputs.ImageKeys]: 'repository=image.repository\ntag=image.tag\npullPolicy=image.pullPolicy',
  [Inputs.ImageSource]: 'load',
  [Inputs.ProbeRate]: '20',
  [Inputs.MaxFailedRequests]: '0'
} as const

/** The highest probe-rate: every request is a process on the node (curl), and kind runs on the runner. */
export const MAX_PROBE_RATE = 200

/** How the image gets into a kind cluster: `kind load` from the local store, or a pull by the nodes. */
export const IMAGE_SOURCES = ['load', 'registry'] as const
export type ImageSource = (typeof IMAGE_SOURCES)[number]

/** One smoke-test request, headers and body, over port-forward. */
export const SMOKE_REQUEST_MS = 5000

/**
 * The smoke tests' retry: a request that fails (the app still starting, a port-forward that ended) is
 * tried again after a jittered wait that starts near this and doubles up to SMOKE_RETRY_MAX_MS, until the
 * wait-timeout (one budget with the rollout) is spent.
 */
export const SMOKE_RETRY_MS = 500
export const SMOKE_RETRY_MAX_MS = 2000

/** `kind create cluster --wait`: how long kind waits for the control plane to be Ready. */
export const KIND_CREATE_WAIT = '120s'

/** Where the nodes' containerd reads per-registry settings (hosts.toml, a CA), as kind documents it. */
export const CONTAINERD_CERTS_D = '/etc/containerd/certs.d'

/** The longest wait-timeout: a job runs at most 6 hours on GitHub-hosted runners. */

export const MAX_WAIT_MS = 6 * 3_600_000
