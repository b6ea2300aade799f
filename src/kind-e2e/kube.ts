// kubectl and helm bound to the cluster's kubeconfig: what the deploy, wait, smoke and diagnostics
// phases take as their collaborator (unit tests give them fakes).
import * as path from 'node:path'
import { tool, type Tool } from '../common/exec.js'

export interface Kube {
  kubectl: Tool
  /** Only when a chart is deployed. */
  helm?: Tool
  /** For the long-running port-forward, which is spawned rather than run. */
  kubectlPath: string
  /** kubeEnv's (the kubeconfig is its KUBECONFIG): for the port-forward and the test command too. */
  env: Record<string, string>
}

/**
 * The environment of the kubectl and helm the step runs: the cluster's kubeconfig, and their cache
 * (discovery and HTTP answers, about 2 MB a cluster, kept under ~/.kube/cache by default) inside the
 * private folder, removed with it: a temporary cluster's cache is of no use after the step, and on a
 * self-hosted runner it would pile up run after run. KUBECACHEDIR is read by kubectl and helm built with
 * Kubernetes' cli-runtime 1.27 or later; older ones keep their default.
 */
export function kubeEnv(kubeconfig: string, privateDir: string): Record<string, string> {
  return { KUBECONFIG: kubeconfig, KUBECACHEDIR: path.join(privateDir, 'kube-cache') }
}

export interface Tools {
  /** (none with the kubeconfig input: a cluster of the user's own) */
  kind?: string
  kubectl: string
  helm?: string
}

export function kube(tools: Tools, kubeconfig: string, privateDir: string): Kube {
  const env = kubeEnv(kubeconfig, privateDir)
  return {
    kubectl: tool(tools.kubectl, { env }),
    helm: tools.helm ? tool(tools.helm, { env }) : undefined,
    kubectlPath: tools.kubectl,
    env
  }
}
