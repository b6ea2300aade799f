// Real kind for the tests (scripts/kind/kind.sh): kind v0.30.0 and a Kubernetes v1.34.0 node image built
// here, the registry as the clusters reach it (by name, over TLS, with its password), and clusters of the
// tests' own (named dat-…, deleted by the tests; scripts/kind/kind.sh down deletes any left over).
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { parseFileCommands, ROOT, tempDir, uniqueName, type StepOptions } from '../../scripts/lib/runner.mjs'
import { infra } from './registry.js'

function kindEnv(): Record<string, string> {
  const file = path.join(process.env.DEMO_ACTIONS_KIND || '/tmp/demo-actions-kind', 'env')
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run scripts/kind/kind.sh up (npm test does)`)
  return parseFileCommands(fs.readFileSync(file, 'utf8'))
}

export const kind = kindEnv()

/** The step's PATH: the kind built here first (kind-e2e uses a kind on PATH of the version it asks for), helm, kubectl. */
export const KIND_PATH = [
  path.dirname(kind.KIND),
  path.dirname(infra.HELM),
  path.dirname(infra.KUBECTL),
  process.env.PATH
].join(':')

export const opts = (env: Record<string, string> = {}, more: Partial<StepOptions> = {}): StepOptions => ({
  ...more,
  env: { PATH: KIND_PATH, ...env }
})

/** What every kind-mode run needs here: the node image built here (kind's own cannot be pulled). */
export const NODE = { 'node-image': kind.KIND_NODE_IMAGE }

/** The registry's CA, and the inputs of image-source: registry for the test registry. */
export const REGISTRY_CA = fs.readFileSync(infra.REGISTRY_CA, 'utf8')
export const REGISTRY_MODE = {
  'image-source': 'registry',
  'registry-endpoint': `https://${kind.KIND_REGISTRY}`,
  'registry-ca': REGISTRY_CA,
  username: infra.REGISTRY_USER,
  password: infra.REGISTRY_PASSWORD
}

/** A cluster name of the tests' own (kind's limit leaves room for '-control-plane'). */
export const clusterName = (what: string): string => uniqueName(`dat-${what}`).slice(0, 40)

export function clusters(): string[] {
  return execFileSync(kind.KIND, ['get', 'clusters'], { encoding: 'utf8' }).split('\n').filter(Boolean)
}

/** The node containers of a cluster, running or not. */
export function nodeContainers(name: string): string[] {
  return execFileSync('docker', ['ps', '-a', '-q', '--filter', `label=io.x-k8s.kind.cluster=${name}`], {
    encoding: 'utf8'
  })
    .split('\n')
    .filter(Boolean)
}

export function deleteCluster(name: string): void {
  const kubeconfig = path.join(tempDir('kind-delete'), 'kubeconfig')
  execFileSync(kind.KIND, ['delete', 'cluster', '--name', name, '--kubeconfig', kubeconfig], {
    stdio: 'ignore'
  })
}

export interface TestCluster {
  name: string
  kubeconfig: string
  kubectl(...args: string[]): string
  delete(): void
}

export function kubectlFor(kubeconfig: string) {
  return (...args: string[]): string =>
    execFileSync(infra.KUBECTL, ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8', stdio: 'pipe' })
}

/**
 * A kind cluster of the test's own whose nodes pull from the registry by name, over TLS, with its password
 * (scripts/kind/kind.sh create: as kind-e2e's image-source: registry makes one).
 */
export function createCluster(what: string): TestCluster {
  const name = clusterName(what)
  const kubeconfig = path.join(tempDir('kind-cluster'), 'kubeconfig')
  execFileSync('bash', [path.join(ROOT, 'scripts/kind/kind.sh'), 'create', name, kubeconfig], {
    stdio: 'inherit'
  })
  return { name, kubeconfig, kubectl: kubectlFor(kubeconfig), delete: () => deleteCluster(name) }
}

/** The kubelet's and controllers' events of a namespace, as one text. */
export function events(kubectl: (...a: string[]) => string, namespace: string): string {
  return kubectl(
    'get',
    'events',
    '--namespace',
    namespace,
    '-o',
    'custom-columns=REASON:.reason,MESSAGE:.message',
    '--no-headers'
  )
}
