// What runs in the step's namespace, through kubectl and helm bound to the cluster's kubeconfig: deploy,
// wait, find the Service, smoke-test, the chart's own tests, the user's test command and, on failure,
// diagnostics. main's phases see only this interface; unit tests give a fake.
import { run } from '../common/exec.js'
import { githubContext } from '../common/github.js'
import { helmTestArgs, secondsLeft } from './args.js'
import { deploy, render, type DeployValues } from './install.js'

export type { DeployValues }
import { diagnostics } from './diagnostics.js'
import type { Loaded } from './image.js'
import type { Kube } from './kube.js'
import { findService } from './service.js'
import type { Settings } from './settings.js'
import { smokeTests, type SmokeResult } from './smoke.js'
import { waitForRollout, waitForTerminated } from './wait.js'

export interface SmokeRun {
  results: SmokeResult[]
  portForwardRestarts: string[]
}

export interface Workloads {
  readonly kubeconfig: string
  /** helm template of what deploy would install, for Kubernetes `kubeVersion` (a chart only). */
  render(loaded: Loaded, kubeVersion: string, values?: DeployValues): Promise<void>
  /** helm upgrade --install of the chart (or kubectl apply of the manifests) with `loaded` as the image. */
  deploy(loaded: Loaded, values?: DeployValues): Promise<void>
  /** Every Deployment, StatefulSet and DaemonSet rolled out and every Job complete, by the deadline. */
  waitForRollout(deadline: number): Promise<void>
  /** The Service the smoke tests reach. */
  service(): Promise<string>
  smoke(service: string, deadline: number): Promise<SmokeRun>
  helmTest(deadline: number): Promise<void>
  testCommand(clusterName?: string): Promise<void>
  /** Pods, describe, events and logs of the namespace, as text. */
  diagnostics(notes: string[]): Promise<string>
  /** The Service's address inside the cluster: http://<ClusterIP>:<port><path> (through kube-proxy). */
  serviceUrl(service: string, path: string): Promise<string>
  /** `helm rollback` of the release to the revision before (a chart), without waiting. */
  rollback(): Promise<void>
  /** Until no pod of the namespace is terminating (the old release's pods gone), by the deadline. */
  waitOldPodsGone(deadline: number): Promise<void>
}

export class KubeWorkloads implements Workloads {
  constructor(
    private readonly kube: Kube,
    private readonly settings: Settings,
    private readonly pulled: boolean,
    private readonly privDir: string
  ) {}

  get kubeconfig(): string {
    return this.kube.env.KUBECONFIG
  }

  deploy(loaded: Loaded, values: DeployValues = {}): Promise<void> {
    return deploy(this.kube, this.settings, loaded, this.pulled, this.privDir, values)
  }

  render(loaded: Loaded, kubeVersion: string, values: DeployValues = {}): Promise<void> {
    return render(this.kube, this.settings, loaded, this.pulled, kubeVersion, values)
  }

  async waitForRollout(deadline: number): Promise<void> {
    await waitForRollout(this.kube.kubectl, this.settings.namespace, deadline)
  }

  service(): Promise<string> {
    return findService(this.kube.kubectl, this.settings)
  }

  smoke(service: string, deadline: number): Promise<SmokeRun> {
    return smokeTests(
      this.kube,
      this.settings.namespace,
      service,
      this.settings.port,
      this.settings.smokeTests,
      deadline
    )
  }

  async helmTest(deadline: number): Promise<void> {
    await this.kube.helm!(
      helmTestArgs(this.settings.release, this.settings.namespace, secondsLeft(deadline)),
      {
        label: `helm test ${this.settings.release}`
      }
    )
  }

  async testCommand(clusterName?: string): Promise<void> {
    const [program, ...args] = this.settings.testCommand
    await run(program, args, {
      cwd: githubContext().workspace,
      env: { ...this.kube.env, ...(clusterName ? { KIND_CLUSTER_NAME: clusterName } : {}) },
      label: `test-command ${program}`
    })
  }

  diagnostics(notes: string[]): Promise<string> {
    return diagnostics(this.kube.kubectl, this.settings.namespace, notes)
  }

  async serviceUrl(service: string, path: string): Promise<string> {
    const r = await this.kube.kubectl(
      ['get', 'service', service, '--namespace', this.settings.namespace, '-o', 'jsonpath={.spec.clusterIP}'],
      { silent: true }
    )
    const ip = r.stdout.trim()
    if (!ip || ip === 'None')
      throw new Error(`Service ${service} has no ClusterIP (a headless Service): the probe needs one`)
    return `http://${ip.includes(':') ? `[${ip}]` : ip}:${this.settings.port}${path}`
  }

  async rollback(): Promise<void> {
    await this.kube.helm!(['rollback', this.settings.release, '--namespace', this.settings.namespace], {
      label: `helm rollback ${this.settings.release}`
    })
  }

  async waitOldPodsGone(deadline: number): Promise<void> {
    await waitForTerminated(this.kube.kubectl, this.settings.namespace, deadline)
  }
}
