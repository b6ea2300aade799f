// The tools any stage can ask for, pinned: a copy on PATH is used (GitHub's hosted runners have them),
// else the pinned release is installed into the tool cache, checked against its published digest
// (tools.ts ensureTool). kind-e2e needs kind, kubectl and helm; gitops-bump helm (to validate a chart)
// and kubectl (to render a kustomization).
import type { PinnedTool } from './tools.js'

/**
 * kind releases this action installs, with the sha256 of each binary as kind publishes it
 * (https://kind.sigs.k8s.io/dl/<version>/kind-<os>-<arch>.sha256sum, the release assets) and the node image
 * each release names in its notes, pinned by digest
 * (https://github.com/kubernetes-sigs/kind/releases/tag/<version>). A kind on PATH is used only when it
 * is the requested version; otherwise the requested one is installed in the tool cache, as
 * helm/kind-action does.
 */
export const KIND_RELEASES: Record<string, { digests: Record<string, string>; nodeImage: string }> = {
  'v0.29.0': {
    digests: {
      'linux-x64': 'sha256:c72eda46430f065fb45c5f70e7c957cc9209402ef309294821978677c8fb3284',
      'linux-arm64': 'sha256:03d45095dbd9cc1689f179a3e5e5da24b77c2d1b257d7645abf1b4174bebcf2a'
    },
    nodeImage: 'kindest/node:v1.33.1@sha256:050072256b9a903bd914c0b2866828150cb229cea0efe5892e2b644d5dd3b34f'
  },
  'v0.30.0': {
    digests: {
      'linux-x64': 'sha256:517ab7fc89ddeed5fa65abf71530d90648d9638ef0c4cde22c2c11f8097b8889',
      'linux-arm64': 'sha256:7ea2de9d2d190022ed4a8a4e3ac0636c8a455e460b9a13ccf19f15d07f4f00eb'
    },
    nodeImage: 'kindest/node:v1.34.0@sha256:7416a61b42b1662ca6ca89f02028ac133a309a2a30ba309614e8ec94d976dc5a'
  }
}

const goArch = (arch: string): string => (arch === 'x64' ? 'amd64' : arch)

export function kindTool(version: string): PinnedTool {
  return {
    name: 'kind',
    version,
    url: (platform, arch) =>
      `https://github.com/kubernetes-sigs/kind/releases/download/${version}/kind-${platform}-${goArch(arch)}`,
    digests: KIND_RELEASES[version]?.digests ?? {},
    versionOnPath: async binary => {
      const { run } = await import('./exec.js')
      const r = await run(binary, ['version'], { silent: true, ignoreReturnCode: true })
      return /\bv\d+\.\d+\.\d+\b/.exec(r.stdout)?.[0]
    }
  }
}

// Helm v3.19.0 (its release notes list the sha256 of each archive; 3.18.0 had CVEs fixed in 3.18.4/3.18.5).
export const HELM: PinnedTool = {
  name: 'helm',
  version: '3.19.0',
  url: (platform, arch) => `https://get.helm.sh/helm-v3.19.0-${platform}-${goArch(arch)}.tar.gz`,
  digests: {
    'linux-x64': 'sha256:a7f81ce08007091b86d8bd696eb4d86b8d0f2e1b9f6c714be62f82f96a594496',
    'linux-arm64': 'sha256:440cf7add0aee27ebc93fada965523c1dc2e0ab340d4348da2215737fc0d76ad'
  },
  archive: 'tar.gz',
  pathInArchive: (platform, arch) => `${platform}-${goArch(arch)}/helm`
}

// kubectl v1.34.1, within one minor of kind v0.30.0's node (v1.34.0), per the version-skew policy; the
// sha256 is the one dl.k8s.io publishes beside the binary (https://dl.k8s.io/release/v1.34.1/bin/linux/<arch>/kubectl.sha256).
export const KUBECTL: PinnedTool = {
  name: 'kubectl',
  version: '1.34.1',
  url: (platform, arch) => `https://dl.k8s.io/release/v1.34.1/bin/${platform}/${goArch(arch)}/kubectl`,
  digests: {
    'linux-x64': 'sha256:7721f265e18709862655affba5343e85e1980639395d5754473dafaadcaa69e3',
    'linux-arm64': 'sha256:420e6110e3ba7ee5a3927b5af868d18df17aae36b720529ffa4e9e945aa95450'
  }
}
