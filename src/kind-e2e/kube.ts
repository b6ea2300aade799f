// kubectl and helm bound to the cluster's kubeconfig: what the deploy, wait, smoke and diagnostics
// phases take as their collaborator (unit tests give them fakes).
import { tool, type Tool } from '../common/exec.js'

export interface Kube {
  kubectl: Tool
  /** Only when a chart is deployed. */
  helm?: Tool
  /** For the long-running port-forward, which is spawned rather than run. */
  kubectlPath: string
  kubeconfig: string
}

export interface Tools {
  /** (none with the kubeconfig input: a cluster of the user's own) */
  kind?: string
  kubectl: string
  helm?: string
}

export function kube(tools: Tools, kubeconfig: string): Kube {
  const env = { KUBECONFIG: kubeconfig }
  return {
    kubectl: tool(tools.kubectl, { env }),
    helm: tools.helm ? tool(tools.helm, { env }) : undefined,
    kubectlPath: tools.kubectl,
    kubeconfig
  }
}
