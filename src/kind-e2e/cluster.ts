// Where the step deploys: a kind cluster of its own (created, the image loaded, deleted), or a namespace in a
// cluster of the user's (claimed, deleted). main's phases see only this interface; unit tests give a fake.
import * as fs from 'node:fs/promises'
import * as path from 'node:path'
import * as core from '@actions/core'
import type { Tool } from '../common/exec.js'
import type { Step } from '../common/stage.js'
import type { PrivateDir } from '../common/temp.js'
import { State } from './constants.js'
import { alreadyExists, checkDocker, KindCluster } from './lifecycle.js'
import { haveImages, loadImages, type ToLoad } from './load.js'
import { configureNodes, containerdPatch, kindConfig, needsConfig, registryAccess } from './node-registry.js'
import { OwnCluster } from './own-cluster.js'
import { startProbe, type RunningProbe } from './probe.js'
import type { Settings } from './settings.js'

export interface Cluster {
  /** The kind cluster's name, or the user's kubeconfig's context. */
  readonly name: string
  /** Whether this step made it (its kind cluster, or its namespace): only then is it the step's to delete. */
  readonly created: boolean
  /** A kind cluster of this step's (false: a namespace in a cluster of the user's own). */
  readonly isKind: boolean
  /**
   * Gets the images into the local store before anything is made (kind, image-source: load), pulled when
   * they are not there; a no-op where the nodes pull.
   */
  fetch(images: ToLoad[]): Promise<void>
  /** Creates the cluster (or claims the namespace); state for post is saved before it exists. */
  provision(step: Step): Promise<void>
  /** Gets the fetched images into the nodes in one archive (kind, image-source: load); a no-op where the nodes pull. */
  load(images: ToLoad[]): Promise<void>
  /** Nodes that stopped or were restarted while the step ran: the cluster was interrupted. */
  troubledNodes(): Promise<string[]>
  /** kind's logs of the nodes into a folder beside the private one; undefined when there are none. */
  exportLogs(): Promise<string | undefined>
  /** Deletes what this step made. */
  release(): Promise<void>
  /** What keep-cluster leaves, in words. */
  kept(): string
  /** Starts the rehearsal's probe from inside the cluster (a node) against `url`. */
  startProbe(url: string, rate: number): Promise<RunningProbe>
}

/** A kind cluster of this step's. */
export class StepKindCluster implements Cluster {
  readonly isKind = true
  private joined = ''

  constructor(
    private readonly kind: KindCluster,
    private readonly docker: Tool,
    private readonly dockerEnv: Record<string, string>,
    private readonly settings: Settings,
    private readonly priv: PrivateDir
  ) {}

  get name(): string {
    return this.kind.name
  }

  get created(): boolean {
    return this.kind.created
  }

  /** Docker reachable (kind runs its nodes there), and no cluster of the name: said before anything else. */
  private async preflight(): Promise<void> {
    await checkDocker(this.docker)
    // a cluster that already exists is never this step's to delete
    if (await this.kind.exists()) throw new Error(alreadyExists(this.settings.clusterName))
  }

  async fetch(images: ToLoad[]): Promise<void> {
    if (this.settings.imageSource !== 'load') return
    await this.preflight()
    await haveImages(this.docker, this.settings, images, this.priv.path)
  }

  async provision(step: Step): Promise<void> {
    const { settings: s } = this
    // (again after fetch: a pull takes time, and the name may have been taken meanwhile.) A free name is
    // marked 'pending' before kind starts, so post deletes a half-made cluster if main dies while creating it.
    await this.preflight()
    const access = s.imageSource === 'registry' ? registryAccess(s) : undefined
    const config =
      access && needsConfig(access)
        ? await this.priv.write(
            'kind-config.yaml',
            await kindConfig(
              s.config ? await fs.readFile(s.config, 'utf8') : undefined,
              containerdPatch(access)
            )
          )
        : s.config
    step.save(State.Created, 'pending')
    try {
      await this.kind.create(s.nodeImage, config || undefined)
    } finally {
      step.save(State.Created, String(this.kind.created))
    }
    this.joined = await this.kind.reachFromContainer()
    if (access && needsConfig(access)) await configureNodes(this.docker, await this.kind.nodes(), access)
  }

  async load(images: ToLoad[]): Promise<void> {
    if (this.settings.imageSource !== 'load') return
    await loadImages(this.docker, this.kind, images, this.priv.path)
  }

  troubledNodes(): Promise<string[]> {
    return this.created ? this.kind.troubledNodes() : Promise.resolve([])
  }

  async exportLogs(): Promise<string | undefined> {
    if (!this.created) return undefined
    // beside the private folder: it outlives the step, for actions/upload-artifact
    return this.kind.exportLogs(path.join(path.dirname(this.priv.path), `kind-logs-${this.name}`))
  }

  async release(): Promise<void> {
    if (!this.created) return
    await this.kind.delete()
    core.saveState(State.Created, 'false')
    if (this.joined) await this.kind.leaveNetwork(this.joined)
  }

  kept(): string {
    return `keep-cluster: cluster ${this.name} left running; its kubeconfig is ${this.kind.kubeconfig}`
  }

  async startProbe(url: string, rate: number): Promise<RunningProbe> {
    const [node] = await this.kind.nodes()
    return startProbe('docker', this.dockerEnv, node, url, rate)
  }
}

/** A namespace in a cluster of the user's own (the kubeconfig input). */
export class OwnNamespace implements Cluster {
  readonly isKind = false

  constructor(
    private readonly own: OwnCluster,
    readonly name: string
  ) {}

  get created(): boolean {
    return this.own.created
  }

  async fetch(): Promise<void> {
    // the cluster pulls the image itself
  }

  provision(step: Step): Promise<void> {
    return this.own.claimNamespace(step)
  }

  async load(): Promise<void> {
    // the cluster pulls the image itself
  }

  async troubledNodes(): Promise<string[]> {
    return []
  }

  async exportLogs(): Promise<string | undefined> {
    return undefined
  }

  release(): Promise<void> {
    return this.own.release()
  }

  kept(): string {
    return `keep-cluster: namespace ${this.own.namespace} and what was deployed into it are left in the cluster of ${this.own.kubeconfig}`
  }

  startProbe(): Promise<RunningProbe> {
    return Promise.reject(new Error('The rehearsal probe runs on a node of a kind cluster of this step'))
  }
}
