// The command lines kind-e2e runs, as pure functions of their parts: every call to kind, helm and kubectl
// is built here and unit-tested without a cluster (as docker/build-push-action tests its buildx
// arguments). The modules that run them only add the process and its output.
import { parseImage } from '../common/validate.js'
import { Inputs, KIND_CREATE_WAIT } from './constants.js'

/** `kind create cluster` with the step's own kubeconfig (kind never edits ~/.kube/config then). */
export function kindCreateArgs(o: {
  name: string
  kubeconfig: string
  nodeImage?: string
  config?: string
}): string[] {
  const args = [
    'create',
    'cluster',
    '--name',
    o.name,
    '--kubeconfig',
    o.kubeconfig,
    '--wait',
    KIND_CREATE_WAIT
  ]
  if (o.nodeImage) args.push('--image', o.nodeImage)
  if (o.config) args.push('--config', o.config)
  return args
}

/**
 * `kind delete cluster` with a kubeconfig of its own: without --kubeconfig, kind edits $KUBECONFIG or
 * ~/.kube/config and takes its lock, which concurrent deletes then fail on (kind #3781).
 */
export const kindDeleteArgs = (name: string, kubeconfig: string): string[] => [
  'delete',
  'cluster',
  '--name',
  name,
  '--kubeconfig',
  kubeconfig
]

export const kindGetClustersArgs = (): string[] => ['get', 'clusters']
export const kindGetNodesArgs = (name: string): string[] => ['get', 'nodes', '--name', name]
export const kindLoadArchiveArgs = (archive: string, name: string): string[] => [
  'load',
  'image-archive',
  archive,
  '--name',
  name
]
export const kindExportLogsArgs = (dir: string, name: string): string[] => [
  'export',
  'logs',
  dir,
  '--name',
  name
]

/** What helm is told of the release: the same for helm upgrade and helm template. */
interface ChartArgs {
  release: string
  chart: string
  namespace: string
  valuesFiles: string[]
  set: string[]
}

const valueArgs = (valuesFiles: string[], sets: string[]): string[] => [
  ...valuesFiles.map(f => `--values=${f}`),
  ...sets.flatMap(v => ['--set', v])
]

/** `helm upgrade --install`: values files first, so that the image's values and `set` win over them. */
export function helmUpgradeArgs(o: ChartArgs, imageSets: string[]): string[] {
  return [
    ...['upgrade', '--install', o.release, o.chart, '--namespace', o.namespace, '--create-namespace'],
    ...valueArgs(o.valuesFiles, [...imageSets, ...o.set])
  ]
}

/**
 * `helm template` of what `helm upgrade --install` would install (the same values, in the same order), for
 * the Kubernetes version the cluster will run: a chart that does not render fails before any cluster.
 */
export function helmTemplateArgs(o: ChartArgs, imageSets: string[], kubeVersion: string): string[] {
  return [
    ...['template', o.release, o.chart, '--namespace', o.namespace, '--kube-version', kubeVersion],
    ...valueArgs(o.valuesFiles, [...imageSets, ...o.set])
  ]
}

/** The Kubernetes version a node image's tag names (kindest/node:v1.34.0, v1.34.0-<suffix>), if it names one. */
export function nodeKubeVersion(nodeImage: string): string | undefined {
  const tag = nodeImage ? parseImage(Inputs.NodeImage, nodeImage).tag : undefined
  return tag ? /^(v\d+\.\d+\.\d+)(?![\d.])/.exec(tag)?.[1] : undefined
}

export const helmTestArgs = (release: string, namespace: string, seconds: number): string[] => [
  'test',
  release,
  '--namespace',
  namespace,
  '--logs',
  `--timeout=${seconds}s`
]

export const applyArgs = (namespace: string, dir: string): string[] => [
  'apply',
  '--namespace',
  namespace,
  '--recursive',
  '-f',
  dir
]

export const rolloutStatusArgs = (workload: string, namespace: string, seconds: number): string[] => [
  'rollout',
  'status',
  workload,
  '--namespace',
  namespace,
  `--timeout=${seconds}s`
]

export const jobWaitArgs = (job: string, namespace: string, seconds: number): string[] => [
  'wait',
  '--for=condition=complete',
  job,
  '--namespace',
  namespace,
  `--timeout=${seconds}s`
]

/** port-forward on a free port of 127.0.0.1 (kubectl prints the one it took). */
export const portForwardArgs = (namespace: string, service: string, port: number): string[] => [
  'port-forward',
  '--namespace',
  namespace,
  '--address',
  '127.0.0.1',
  `service/${service}`,
  `:${port}`
]

/** Whole seconds left until `deadline` (at least 1: kubectl and helm take no 0). */
export function secondsLeft(deadline: number, now = Date.now()): number {
  return Math.max(1, Math.ceil((deadline - now) / 1000))
}
