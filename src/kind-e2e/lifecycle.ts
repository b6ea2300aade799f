// A kind cluster of this step's: whether it exists, create, its nodes and their health, export logs,
// delete. kind's and Docker's failures become errors that name the component and the cause.
import * as core from '@actions/core'
import { tool, type Tool } from '../common/exec.js'
import { retry, sleep } from '../common/retry.js'
import {
  kindCreateArgs,
  kindDeleteArgs,
  kindExportLogsArgs,
  kindGetClustersArgs,
  kindGetNodesArgs,
  kindLoadArchiveArgs
} from './args.js'
import { KIND_CREATE_WAIT } from './constants.js'

export const alreadyExists = (name: string): string =>
  `A kind cluster named ${name} already exists. This step did not create it, so it leaves it alone (not deleted); choose another cluster-name, or delete it yourself`

/** Why `kind create cluster` failed, in words naming the part that failed; kind's own output follows. */
export function explainCreateFailure(name: string, nodeImage: string, output: string): string {
  if (/already exist/i.test(output)) return alreadyExists(name)
  if (/unable to apply caps/i.test(output))
    return `kind could not start the node container: Docker refused to start a --privileged container ("unable to apply caps: operation not permitted"). The Docker engine asks for capabilities this machine withholds from its processes (a VM or a container that drops some); Docker 23 and later limit privileged containers to the daemon's own capabilities, older engines need a runtime that does so (see kind-e2e's README)`
  if (/Cannot connect to the Docker daemon|docker.sock.*(no such file|connection refused)/i.test(output))
    return 'kind could not reach the Docker daemon while creating the cluster'
  if (/(pull|find).*image|No such image|manifest unknown/i.test(output) && nodeImage)
    return `kind could not get the node image ${nodeImage}: it is not in the local store and pulling it failed`
  if (/Waiting .* for control-plane = Ready|timed out waiting for the condition/i.test(output))
    return `kind created the nodes but the control plane did not become Ready within ${KIND_CREATE_WAIT}`
  return `kind create cluster ${name} failed`
}

/** Docker must answer before kind is asked for anything: its errors are clearer than kind's. */
export async function checkDocker(docker: Tool): Promise<void> {
  const r = await docker(['version', '--format', '{{.Server.Version}}'], {
    silent: true,
    ignoreReturnCode: true
  })
  if (r.exitCode !== 0)
    throw new Error(
      `The Docker daemon is not reachable, and kind runs its nodes as Docker containers: docker version said: ${
        (r.stderr || r.stdout).trim().split('\n').pop() ?? ''
      }`
    )
}

/** The node containers of a cluster (running or not), by kind's label. */
async function nodeContainers(docker: Tool, name: string): Promise<string[]> {
  const r = await docker(['ps', '--all', '--quiet', '--filter', `label=io.x-k8s.kind.cluster=${name}`], {
    silent: true,
    ignoreReturnCode: true
  })
  return r.exitCode === 0 ? r.stdout.split('\n').filter(Boolean) : []
}

/** How long a node container that Docker was still making when kind looked may take to be removable. */
export const NODE_SETTLE_MS = 30_000

/**
 * Deletes a cluster (kind treats a missing one as deleted), with three attempts, and checks that no node
 * container is left. A `kind create` killed half-way may have asked Docker for a node that Docker is still
 * making (seconds on a busy daemon: the node's /var volume is filled from the image); kind's delete passes
 * over a container in that state and says it deleted it, so the delete is repeated until Docker has made
 * it and it is gone, for up to `settleMs`.
 */
export async function deleteCluster(
  kind: Tool,
  name: string,
  kubeconfig: string,
  docker: Tool = tool('docker'),
  settle: { ms: number; sleep: (ms: number) => Promise<void> } = { ms: NODE_SETTLE_MS, sleep }
): Promise<void> {
  const kindDelete = () => kind(kindDeleteArgs(name, kubeconfig), { label: `kind delete cluster ${name}` })
  await retry(kindDelete, {
    attempts: 3,
    baseDelayMs: 1000,
    onRetry: (err, attempt) =>
      core.warning(`Deleting cluster ${name} failed (attempt ${attempt}): ${(err as Error).message}`)
  })
  const end = Date.now() + settle.ms
  for (;;) {
    const left = await nodeContainers(docker, name)
    if (!left.length) return
    if (Date.now() >= end)
      throw new Error(
        `kind delete cluster ${name} left node container(s) ${left.join(', ')}, still there after ${settle.ms / 1000} s`
      )
    await settle.sleep(1000)
    await kindDelete()
  }
}

export class KindCluster {
  /** Whether this step created the cluster: only then is it this step's to delete. */
  created = false

  constructor(
    private readonly kind: Tool,
    private readonly docker: Tool,
    readonly name: string,
    readonly kubeconfig: string
  ) {}

  async exists(): Promise<boolean> {
    const r = await this.kind(kindGetClustersArgs(), { silent: true, ignoreReturnCode: true })
    return r.stdout.split('\n').some(l => l.trim() === this.name)
  }

  async create(nodeImage: string, config?: string): Promise<void> {
    const r = await this.kind(
      kindCreateArgs({ name: this.name, kubeconfig: this.kubeconfig, nodeImage, config }),
      {
        ignoreReturnCode: true
      }
    )
    if (r.exitCode === 0) {
      this.created = true
      return
    }
    const output = `${r.stderr}\n${r.stdout}`
    throw new Error(
      `${explainCreateFailure(this.name, nodeImage, output)} (exit code ${r.exitCode}):\n${output.trim().split('\n').slice(-15).join('\n')}`
    )
  }

  async nodes(): Promise<string[]> {
    const r = await this.kind(kindGetNodesArgs(this.name), { silent: true })
    return r.stdout
      .split('\n')
      .map(l => l.trim())
      .filter(Boolean)
  }

  /**
   * Nodes that did not run through: stopped ('x-control-plane (exited, exit code 137)'), or killed and
   * started again by Docker (kind runs them with --restart=on-failure:1), which a cluster does not survive
   * unscathed either.
   */
  async troubledNodes(): Promise<string[]> {
    const ids = await nodeContainers(this.docker, this.name)
    if (ids.length === 0) return []
    const r = await this.docker(
      ['inspect', '--format', '{{.Name}}\t{{.State.Status}}\t{{.State.ExitCode}}\t{{.RestartCount}}', ...ids],
      { silent: true, ignoreReturnCode: true }
    )
    return r.stdout
      .split('\n')
      .filter(Boolean)
      .map(l => l.split('\t'))
      .map(([node, state, code, restarts]) => ({
        node: node.replace(/^\//, ''),
        state,
        code,
        restarts: Number(restarts)
      }))
      .filter(n => n.state !== 'running' || n.restarts > 0)
      .map(n =>
        n.state !== 'running'
          ? `${n.node} (${n.state}, exit code ${n.code})`
          : `${n.node} (killed or crashed, and started again by Docker ${n.restarts} time${n.restarts === 1 ? '' : 's'})`
      )
  }

  /**
   * Run in a container on another network than kind's (act's container mode with its own network, a
   * container job), the step cannot reach the API server kind published on the host's 127.0.0.1
   * (helm/kind-action #30, nektos/act #141): it then uses kind's internal kubeconfig (the control plane by
   * its name on kind's network) and joins its container to kind's network. Returns the network joined.
   */
  async reachFromContainer(
    network = process.env.KIND_EXPERIMENTAL_DOCKER_NETWORK || 'kind'
  ): Promise<string> {
    const fs = await import('node:fs/promises')
    const self = await ownContainer()
    if (!self || (await apiReachable(await fs.readFile(this.kubeconfig, 'utf8')))) return ''
    const internal = await this.kind(['get', 'kubeconfig', '--internal', '--name', this.name], {
      silent: true
    })
    await fs.writeFile(this.kubeconfig, internal.stdout, { mode: 0o600 })
    const r = await this.docker(['network', 'connect', network, self], {
      silent: true,
      ignoreReturnCode: true
    })
    if (r.exitCode !== 0 && !/already exists/.test(r.stderr))
      throw new Error(
        `This step runs in a container (${self.slice(0, 12)}) that cannot reach the cluster's API on the host's 127.0.0.1, and joining it to kind's network '${network}' failed: ${r.stderr.trim()}`
      )
    core.info(
      `Running in container ${self.slice(0, 12)}, which cannot reach 127.0.0.1 of the host: using kind's internal kubeconfig, on kind's network '${network}'`
    )
    return network
  }

  /** Leaves kind's network again (the network outlives the cluster). */
  /** deleteCluster with this cluster's kind, kubeconfig and docker. */
  async delete(): Promise<void> {
    await deleteCluster(this.kind, this.name, this.kubeconfig, this.docker)
    this.created = false
  }

  async leaveNetwork(network: string): Promise<void> {
    await this.docker(['network', 'disconnect', network, await ownContainer()], {
      silent: true,
      ignoreReturnCode: true
    })
  }

  /** `kind load image-archive`: the image into every node's containerd. */
  async loadArchive(archive: string): Promise<void> {
    await this.kind(kindLoadArchiveArgs(archive, this.name), { label: 'kind load image-archive' })
  }

  /** kind's own logs of the nodes (kubelet, containerd, pods) into `dir`. */
  async exportLogs(dir: string): Promise<string | undefined> {
    const r = await this.kind(kindExportLogsArgs(dir, this.name), { silent: true, ignoreReturnCode: true })
    return r.exitCode === 0 ? dir : undefined
  }
}

/** This process's container, when it runs in one (act's container mode, a container job): its id, else ''. */
export async function ownContainer(): Promise<string> {
  const fs = await import('node:fs/promises')
  if (!(await fs.stat('/.dockerenv').catch(() => undefined))) return ''
  // Docker mounts the container's own hostname file from /var/lib/docker/containers/<id>/hostname
  const mounts = await fs.readFile('/proc/self/mountinfo', 'utf8').catch(() => '')
  return /\/containers\/([0-9a-f]{64})\/hostname /.exec(mounts)?.[1] ?? (await import('node:os')).hostname()
}

/** Whether a TCP connection to the kubeconfig's API server opens within 3 s. */
export async function apiReachable(kubeconfigText: string): Promise<boolean> {
  const m = /server:\s*https:\/\/([^:\s/]+|\[[^\]]+\]):(\d+)/.exec(kubeconfigText)
  if (!m) return true
  const net = await import('node:net')
  return new Promise(resolve => {
    const s = net.connect({ host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]), timeout: 3000 })
    s.once('connect', () => (s.destroy(), resolve(true)))
    s.once('timeout', () => (s.destroy(), resolve(false)))
    s.once('error', () => resolve(false))
  })
}
