// A cluster of the user's own (the kubeconfig input: a self-hosted runner's cluster, or k3d or minikube
// started by an earlier step). Nothing is created, loaded or deleted but one namespace: the step deploys
// only into a namespace that does not exist yet, creates it, and deletes it again (post too, if main
// died), so it never upgrades or removes anything it did not make.
import * as core from '@actions/core'
import { run, tool } from '../common/exec.js'
import { InputError } from '../common/inputs.js'
import type { Step } from '../common/stage.js'
import { Inputs, State } from './constants.js'

export class OwnCluster {
  private readonly kubectl: ReturnType<typeof tool>
  /** Whether this step created the namespace (only then is it this step's to delete). */
  created = false

  constructor(
    private readonly kubectlPath: string,
    /** kubeEnv's, for the kubeconfig input. */
    private readonly env: Record<string, string>,
    readonly namespace: string
  ) {
    this.kubectl = tool(kubectlPath, { env })
  }

  /** The kubeconfig input's path. */
  get kubeconfig(): string {
    return this.env.KUBECONFIG
  }

  /** The kubeconfig's current context: the cluster-name output. */
  async context(): Promise<string> {
    const r = await this.kubectl(['config', 'current-context'], { silent: true, ignoreReturnCode: true })
    return r.exitCode === 0 ? r.stdout.trim() : ''
  }

  /** Creates the namespace; one that exists already is refused, and left alone. */
  async claimNamespace(step: Pick<Step, 'save'>): Promise<void> {
    const got = await this.kubectl(['get', 'namespace', this.namespace, '-o', 'name'], {
      silent: true,
      ignoreReturnCode: true
    })
    if (got.exitCode === 0)
      throw new InputError(
        Inputs.Namespace,
        `'${this.namespace}' already exists in the cluster of 'kubeconfig'. In a cluster of your own this step deploys only into a namespace it creates (and deletes afterwards), so that it changes nothing it did not make: name a new one, such as e2e-<run id>`
      )
    if (!/NotFound/.test(got.stderr))
      throw new Error(
        `The cluster of 'kubeconfig' cannot be reached: kubectl get namespace said: ${got.stderr.trim()}`
      )
    step.save(State.OwnNamespace, this.namespace)
    await this.kubectl(['create', 'namespace', this.namespace], {
      label: `kubectl create namespace ${this.namespace}`
    })
    this.created = true
    core.info(`Namespace ${this.namespace} created in the cluster of ${this.kubeconfig}`)
  }

  /** Deletes the namespace this step created (and so everything deployed into it). */
  async release(): Promise<void> {
    if (!this.created) return
    await deleteNamespace(this.kubectlPath, this.env, this.namespace)
    this.created = false
    core.saveState(State.OwnNamespace, '')
  }
}

/** `kubectl delete namespace`, without waiting for the cluster to finish removing what is in it. */
export async function deleteNamespace(
  kubectl: string,
  env: Record<string, string>,
  namespace: string
): Promise<void> {
  await run(kubectl, ['delete', 'namespace', namespace, '--ignore-not-found', '--wait=false'], {
    env,
    label: `kubectl delete namespace ${namespace}`
  })
}
