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

/**
 * Releases installed when the tool is not on PATH, with the digests their projects publish: kind's
 * .sha256sum files, Helm's release notes (sha256), Kubernetes' CHANGELOG (sha512 of the client tarball).
 */
export const KIND_RELEASES: Record<string, Record<string, string>> = {
  'v0.29.0': {
    'linux-x64': 'sha256:c72eda46430f065fb45c5f70e7c957cc9209402ef309294821978677c8fb3284',
    'linux-arm64': 'sha256:03d45095dbd9cc1689f179a3e5e5da24b77c2d1b257d7645abf1b4174bebcf2a'
  }
}

const goArch = (arch: string): string => (arch === 'x64' ? 'amd64' : arch)

export function kindTool(version: string): PinnedTool {
  return {
    name: 'kind',
    version,
    url: (platform, arch) =>
      `https://github.com/kubernetes-sigs/kind/releases/download/${version}/kind-${platform}-${goArch(arch)}`,
    digests: KIND_RELEASES[version] ?? {}
  }
}

export const HELM: PinnedTool = {
  name: 'helm',
  version: '3.18.0',
  url: (platform, arch) => `https://get.helm.sh/helm-v3.18.0-${platform}-${goArch(arch)}.tar.gz`,
  digests: {
    'linux-x64': 'sha256:961e587fc2c03807f8a99ac25ef063fa9e6915f1894729399cbb95d2a79af931',
    'linux-arm64': 'sha256:489c9d2d3ea4e095331249d74b4407fb5ac1d338c28429d70cdedccfe6e2b029'
  },
  archive: 'tar.gz',
  pathInArchive: (platform, arch) => `${platform}-${goArch(arch)}/helm`
}

export const KUBECTL: PinnedTool = {
  name: 'kubectl',
  version: '1.29.4',
  url: (platform, arch) => `https://dl.k8s.io/v1.29.4/kubernetes-client-${platform}-${goArch(arch)}.tar.gz`,
  digests: {
    'linux-x64':
      'sha512:c13235bd929eaaf4d0eaaa9ba883e95ce27a402ca7256c634e20a027fbf72db8834de8ea2ca7238e1fe92859e0edc7384a1cec7fbe2b7a5adf07b2e5cf99b04f',
    'linux-arm64':
      'sha512:614cd5b5881c583505d089c09c221e4a06da0dc8b5ac70b3d93d7e2a58c8b439446a646d0bb53396c2a48535808503daa6aa1a37f43affe22176c2211fdc2cc4'
  },
  archive: 'tar.gz',
  pathInArchive: () => 'kubernetes/client/bin/kubectl'
}
