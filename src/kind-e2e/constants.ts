import type { PinnedTool } from '../common/tools.js'

export const Inputs = {
  Image: 'image',
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
  KeepCluster: 'keep-cluster'
} as const

export const Outputs = {
  ClusterName: 'cluster-name',
  Result: 'result'
} as const

export const State = {
  ClusterName: 'clusterName',
  KeepCluster: 'keepCluster',
  PrivateDir: 'privateDir',
  Kind: 'kind'
} as const

export const Defaults = {
  [Inputs.KindVersion]: 'v0.29.0',
  [Inputs.Namespace]: 'demo-app',
  [Inputs.WaitTimeout]: '180s',
  [Inputs.Port]: '80',
  [Inputs.SmokeTests]: '/healthz 200 ok\n/ 200',
  [Inputs.KeepCluster]: 'false'
} as const

/** kind releases this action can install when kind is not on PATH (sha256 of each release binary). */
export const KIND_RELEASES: Record<string, Record<string, string>> = {
  'v0.29.0': {
    'linux-x64': 'c72eda46430f065fb45c5f70e7c957cc9209402ef309294821978677c8fb3284',
    'linux-arm64': '03d45095dbd9cc1689f179a3e5e5da24b77c2d1b257d7645abf1b4174bebcf2a'
  }
}

export function kindTool(version: string): PinnedTool {
  return {
    name: 'kind',
    version,
    url: (platform, arch) =>
      `https://github.com/kubernetes-sigs/kind/releases/download/${version}/kind-${platform}-${arch === 'x64' ? 'amd64' : arch}`,
    sha256: KIND_RELEASES[version] ?? {}
  }
}
