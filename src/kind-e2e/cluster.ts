// The kind cluster and what runs in it, through kind, kubectl, helm and docker (argument arrays only).
import * as core from '@actions/core'
import { dockerLogin } from '../common/docker.js'
import { run, spawnBackground, tool, type RunResult } from '../common/exec.js'
import { retry } from '../common/retry.js'
import type { Settings, SmokeTest } from './settings.js'

export interface Tools {
  kind: string
  kubectl: string
  helm?: string
}

export interface SmokeResult extends SmokeTest {
  ok: boolean
  got: string
  attempts: number
}

export async function deleteCluster(kind: string, name: string): Promise<void> {
  await retry(
    () => run(kind, ['delete', 'cluster', '--name', name], { label: `kind delete cluster ${name}` }),
    {
      attempts: 3,
      baseDelayMs: 1000,
      onRetry: (err, attempt) =>
        core.warning(`Deleting cluster ${name} failed (attempt ${attempt}): ${(err as Error).message}`)
    }
  )
}

export class Cluster {
  readonly kubectl: ReturnType<typeof tool>
  readonly helm?: ReturnType<typeof tool>
  private readonly kind: ReturnType<typeof tool>

  constructor(
    readonly tools: Tools,
    readonly settings: Settings,
    readonly kubeconfig: string
  ) {
    const env = { KUBECONFIG: kubeconfig }
    this.kind = tool(tools.kind, { env })
    this.kubectl = tool(tools.kubectl, { env })
    if (tools.helm) this.helm = tool(tools.helm, { env })
  }

  async create(): Promise<void> {
    const s = this.settings
    const args = [
      'create',
      'cluster',
      '--name',
      s.clusterName,
      '--kubeconfig',
      this.kubeconfig,
      '--wait',
      '120s'
    ]
    if (s.nodeImage) args.push('--image', s.nodeImage)
    if (s.config) args.push('--config', s.config)
    await this.kind(args, { label: `kind create cluster ${s.clusterName}` })
  }

  /** The image must be in the local store for kind to load it: pull it (logged in when credentials are given) if not. */
  async loadImage(dockerConfig: string): Promise<void> {
    const s = this.settings
    const docker = tool('docker', { env: { DOCKER_CONFIG: dockerConfig } })
    const present = await docker(['image', 'inspect', '--format', '{{.Id}}', s.image], {
      silent: true,
      ignoreReturnCode: true
    })
    if (present.exitCode !== 0) {
      if (s.password) await dockerLogin(docker, s.ref.registry || 'docker.io', s.username, s.password)
      await docker(['pull', s.image], { label: `docker pull ${s.image}` })
    }
    await this.kind(['load', 'docker-image', s.image, '--name', s.clusterName], {
      label: 'kind load docker-image'
    })
  }

  async deploy(): Promise<void> {
    const s = this.settings
    if (s.chart) {
      const args = [
        'upgrade',
        '--install',
        s.release,
        s.chart,
        '--namespace',
        s.namespace,
        '--create-namespace'
      ]
      args.push(
        '--set',
        `image.repository=${s.ref.repository}`,
        '--set',
        `image.tag=${s.ref.tag ?? ''}`,
        '--set',
        'image.pullPolicy=Never'
      )
      for (const v of s.set) args.push('--set', v)
      await this.helm!(args, { label: 'helm upgrade --install' })
    } else {
      const ns = await this.kubectl(['create', 'namespace', s.namespace], {
        ignoreReturnCode: true,
        silent: true
      })
      if (ns.exitCode !== 0 && !/already exists/.test(ns.stderr))
        throw new Error(`kubectl create namespace failed: ${ns.stderr.trim()}`)
      for (const m of s.manifests)
        await this.kubectl(['apply', '--namespace', s.namespace, '-f', m], { label: `kubectl apply -f ${m}` })
    }
  }

  /** Waits for every Deployment of the namespace; on timeout names what is not ready and why. */
  async waitForRollout(deadline: number): Promise<string[]> {
    const s = this.settings
    const list = await this.kubectl(['get', 'deployments', '--namespace', s.namespace, '-o', 'name'], {
      silent: true
    })
    const deployments = list.stdout
      .split('\n')
      .map(l => l.trim())
      .filter(Boolean)
    for (const d of deployments) {
      const seconds = Math.max(1, Math.ceil((deadline - Date.now()) / 1000))
      const r = await this.kubectl(
        ['rollout', 'status', d, '--namespace', s.namespace, `--timeout=${seconds}s`],
        { ignoreReturnCode: true }
      )
      if (r.exitCode !== 0)
        throw new Error(
          `${d} is not ready after the wait-timeout: ${(await this.whyNotReady()) || r.stderr.trim()}`
        )
    }
    return deployments
  }

  /** Waiting and terminated reasons of the containers of pods that are not ready. */
  async whyNotReady(): Promise<string> {
    const r = await this.kubectl(['get', 'pods', '--namespace', this.settings.namespace, '-o', 'json'], {
      silent: true,
      ignoreReturnCode: true
    })
    if (r.exitCode !== 0) return ''
    const reasons: string[] = []
    try {
      type Pod = {
        metadata: { name: string }
        status?: {
          containerStatuses?: {
            name: string
            ready: boolean
            state?: Record<string, { reason?: string; message?: string }>
          }[]
        }
      }
      for (const pod of (JSON.parse(r.stdout) as { items: Pod[] }).items)
        for (const c of pod.status?.containerStatuses ?? [])
          if (!c.ready)
            for (const [state, detail] of Object.entries(c.state ?? {}))
              reasons.push(
                `pod ${pod.metadata.name} container ${c.name} ${state}${detail.reason ? ` (${detail.reason}${detail.message ? `: ${detail.message}` : ''})` : ''}`
              )
    } catch {
      return ''
    }
    return reasons.join('; ')
  }

  async smokeTests(deadline: number): Promise<SmokeResult[]> {
    const s = this.settings
    const pf = await spawnBackground(
      this.tools.kubectl,
      [
        'port-forward',
        '--namespace',
        s.namespace,
        '--address',
        '127.0.0.1',
        `service/${s.service}`,
        `:${s.port}`
      ],
      {
        env: { KUBECONFIG: this.kubeconfig }
      }
    )
    try {
      const m = await pf.waitFor(/Forwarding from 127\.0\.0\.1:(\d+)/, Math.max(5000, deadline - Date.now()))
      const base = `http://127.0.0.1:${m[1]}`
      const results: SmokeResult[] = []
      for (const t of s.smokeTests) results.push(await check(base, t, deadline))
      return results
    } finally {
      await pf.stop()
    }
  }

  /** Pods, describe of the failing ones, events and container logs. */
  async diagnostics(): Promise<string> {
    const ns = this.settings.namespace
    const q = (args: string[]): Promise<RunResult> =>
      this.kubectl(args, { silent: true, ignoreReturnCode: true })
    const parts: string[] = []
    const add = (title: string, r: RunResult) => parts.push(`### ${title}\n${(r.stdout + r.stderr).trim()}`)
    add('kubectl get pods -o wide', await q(['get', 'pods', '--namespace', ns, '-o', 'wide']))
    const names = (
      await q([
        'get',
        'pods',
        '--namespace',
        ns,
        '-o',
        'jsonpath={range .items[*]}{.metadata.name}{" "}{.status.containerStatuses[*].ready}{"\\n"}{end}'
      ])
    ).stdout
      .split('\n')
      .map(l => l.trim().split(/\s+/))
      .filter(([n]) => n)
    const failing = names
      .filter(([, ...ready]) => ready.length === 0 || ready.includes('false'))
      .map(([n]) => n)
    for (const pod of failing)
      add(`kubectl describe pod ${pod}`, await q(['describe', 'pod', pod, '--namespace', ns]))
    add('kubectl get events', await q(['get', 'events', '--namespace', ns, '--sort-by=.lastTimestamp']))
    for (const [pod] of names)
      add(`kubectl logs ${pod}`, await q(['logs', pod, '--namespace', ns, '--all-containers', '--tail=100']))
    return parts.join('\n\n')
  }
}

async function check(base: string, t: SmokeTest, deadline: number): Promise<SmokeResult> {
  let attempts = 0
  let got = ''
  for (;;) {
    attempts++
    try {
      const res = await fetch(base + t.path, { signal: AbortSignal.timeout(5000), redirect: 'manual' })
      const body = await res.text()
      got = `${res.status}${t.contains && !body.includes(t.contains) ? `, body without '${t.contains}'` : ''}`
      if (res.status === t.status && (!t.contains || body.includes(t.contains)))
        return { ...t, ok: true, got: String(res.status), attempts }
    } catch (err) {
      got = (err as Error).message
    }
    if (Date.now() + 1000 > deadline) return { ...t, ok: false, got, attempts }
    await new Promise(r => setTimeout(r, 1000))
  }
}
