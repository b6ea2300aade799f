// The kind cluster and what runs in it, through kind, kubectl, helm and docker (argument arrays only).
import * as fs from 'node:fs/promises'
import * as path from 'node:path'
import * as core from '@actions/core'
import { fetchText } from '../common/deadline.js'
import { dockerLogin } from '../common/docker.js'
import { run, spawnBackground, tool, type Background, type RunResult } from '../common/exec.js'
import { retry } from '../common/retry.js'
import { SMOKE_REQUEST_MS } from './constants.js'
import { imageValues, loadedRef, pulledRef, type Loaded } from './image.js'
import { substituteImage } from './manifests.js'
import type { Settings, SmokeTest } from './settings.js'

export interface Tools {
  /** (none with the kubeconfig input: a cluster of the user's own) */
  kind?: string
  kubectl: string
  helm?: string
}

export interface SmokeResult extends SmokeTest {
  ok: boolean
  got: string
  attempts: number
}

/**
 * Deletes a cluster, with the step's own kubeconfig: without --kubeconfig, kind edits $KUBECONFIG or
 * ~/.kube/config and takes its lock, which concurrent deletes then fail on (kind #3781).
 */
export async function deleteCluster(kind: string, name: string, kubeconfig: string): Promise<void> {
  await retry(
    () =>
      run(kind, ['delete', 'cluster', '--name', name, '--kubeconfig', kubeconfig], {
        label: `kind delete cluster ${name}`
      }),
    {
      attempts: 3,
      baseDelayMs: 1000,
      onRetry: (err, attempt) =>
        core.warning(`Deleting cluster ${name} failed (attempt ${attempt}): ${(err as Error).message}`)
    }
  )
}

const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64' }

export class Cluster {
  readonly kubectl: ReturnType<typeof tool>
  readonly helm?: ReturnType<typeof tool>
  private readonly kind: ReturnType<typeof tool>
  /** Whether this step created the cluster: only then is it this step's to delete. */
  created = false
  readonly loaded: Loaded
  /** How often port-forward had to be started again, and what it said when it ended. */
  portForwardRestarts: string[] = []

  constructor(
    readonly tools: Tools,
    readonly settings: Settings,
    readonly kubeconfig: string
  ) {
    const env = { KUBECONFIG: kubeconfig }
    this.kind = tool(tools.kind ?? 'kind', { env })
    this.kubectl = tool(tools.kubectl, { env })
    if (tools.helm) this.helm = tool(tools.helm, { env })
    this.pulled = !!settings.kubeconfig
    this.loaded = this.pulled ? pulledRef(settings.ref, settings.image) : loadedRef(settings.ref)
  }

  /** A cluster of the user's own (kubeconfig input): it pulls the image itself; nothing is loaded. */
  readonly pulled: boolean

  /** Whether a kind cluster of this name exists now (kind get clusters). */
  async exists(): Promise<boolean> {
    const r = await this.kind(['get', 'clusters'], { silent: true, ignoreReturnCode: true })
    return r.stdout.split('\n').some(l => l.trim() === this.settings.clusterName)
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
    const r = await this.kind(args, { ignoreReturnCode: true })
    if (r.exitCode !== 0) {
      if (/already exist/i.test(r.stderr + r.stdout))
        throw new Error(
          `A kind cluster named ${s.clusterName} already exists. This step did not create it, so it leaves it alone (not deleted); choose another cluster-name, or delete it yourself`
        )
      throw new Error(
        `kind create cluster ${s.clusterName} failed with exit code ${r.exitCode}:\n${(r.stderr || r.stdout).trim()}`
      )
    }
    this.created = true
  }

  /**
   * The image goes in as a one-platform archive: `kind load docker-image` of a pulled multi-platform image
   * fails with Docker's containerd image store (Docker 29; kind #3795, #4224), `docker save --platform`
   * and `kind load image-archive` do not. A docker older than the --platform flag saves what it has.
   */
  async loadImage(docker: ReturnType<typeof tool>, privDir: string): Promise<void> {
    const s = this.settings
    const present = await docker(['image', 'inspect', '--format', '{{json .RepoDigests}}', s.image], {
      silent: true,
      ignoreReturnCode: true
    })
    if (present.exitCode !== 0) {
      if (s.password) await dockerLogin(docker, s.ref.registry || 'docker.io', s.username, s.password)
      await docker(['pull', s.image], { label: `docker pull ${s.image}` })
    }
    if (s.ref.digest) {
      // the local image must be the digest asked for; then it gets the tag it is loaded under
      const digests = await docker(['image', 'inspect', '--format', '{{json .RepoDigests}}', s.image], {
        silent: true
      })
      if (!digests.stdout.includes(`@${s.ref.digest}`))
        throw new Error(`The local image ${s.image} is not ${s.ref.digest} (it has ${digests.stdout.trim()})`)
      await docker(['tag', s.image, this.loaded.ref], { silent: true })
    }
    const archive = path.join(privDir, 'image.tar')
    const platform = `linux/${ARCH[process.arch] ?? process.arch}`
    let saved = await docker(['save', '--platform', platform, '-o', archive, this.loaded.ref], {
      silent: true,
      ignoreReturnCode: true
    })
    if (saved.exitCode !== 0 && /platform/i.test(saved.stderr)) {
      core.info(
        `docker save --platform is not supported here (${saved.stderr.trim().split('\n').pop()}); saving without it`
      )
      saved = await docker(['save', '-o', archive, this.loaded.ref], { silent: true, ignoreReturnCode: true })
    }
    if (saved.exitCode !== 0)
      throw new Error(
        `docker save ${this.loaded.ref} failed with exit code ${saved.exitCode}:\n${saved.stderr.trim()}`
      )
    await this.kind(['load', 'image-archive', archive, '--name', s.clusterName], {
      label: 'kind load image-archive'
    })
    await fs.rm(archive, { force: true })
  }

  async deploy(privDir: string): Promise<void> {
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
      // values files first, so that the image parts set below win over them
      for (const f of s.valuesFiles) args.push(`--values=${f}`)
      for (const v of [...imageValues(this.loaded, s.ref, s.imageKeys, this.pulled), ...s.set])
        args.push('--set', v)
      await this.helm!(args, { label: 'helm upgrade --install' })
      return
    }
    const ns = await this.kubectl(['create', 'namespace', s.namespace], {
      ignoreReturnCode: true,
      silent: true
    })
    if (ns.exitCode !== 0 && !/already exists/.test(ns.stderr))
      throw new Error(`kubectl create namespace failed: ${ns.stderr.trim()}`)
    const out = path.join(privDir, 'manifests')
    const n = await substituteImage(s.manifests, s.ref.repository, this.loaded, out, this.pulled)
    if (n === 0)
      core.warning(
        `No container in the manifests runs ${s.ref.repository}: the image under test is not deployed`
      )
    else
      core.info(
        `${n} container(s) set to ${this.loaded.ref}${this.pulled ? ' (pulled by the cluster)' : ' with imagePullPolicy: Never'}`
      )
    await this.kubectl(['apply', '--namespace', s.namespace, '--recursive', '-f', out], {
      label: 'kubectl apply'
    })
  }

  /** Waits, within one deadline, for the namespace's Deployments, StatefulSets and DaemonSets, then its Jobs. */
  async waitForRollout(deadline: number): Promise<string[]> {
    const s = this.settings
    const seconds = () => Math.max(1, Math.ceil((deadline - Date.now()) / 1000))
    const names = async (kinds: string) =>
      (await this.kubectl(['get', kinds, '--namespace', s.namespace, '-o', 'name'], { silent: true })).stdout
        .split('\n')
        .map(l => l.trim())
        .filter(Boolean)
    const workloads = await names('deployments,statefulsets,daemonsets')
    for (const w of workloads) {
      const r = await this.kubectl(
        ['rollout', 'status', w, '--namespace', s.namespace, `--timeout=${seconds()}s`],
        {
          ignoreReturnCode: true
        }
      )
      if (r.exitCode !== 0)
        throw new Error(
          `${w} is not ready within the wait-timeout: ${(await this.whyNotReady()) || r.stderr.trim()}`
        )
    }
    const jobs = await names('jobs')
    for (const j of jobs) {
      const r = await this.kubectl(
        ['wait', '--for=condition=complete', j, '--namespace', s.namespace, `--timeout=${seconds()}s`],
        { ignoreReturnCode: true }
      )
      if (r.exitCode !== 0)
        throw new Error(
          `${j} did not complete within the wait-timeout: ${(await this.whyNotReady()) || r.stderr.trim()}`
        )
    }
    return [...workloads, ...jobs]
  }

  /**
   * The Service to smoke-test: the one named, else the release's own. Charts made by `helm create` name it
   * `<release>-<chart>` (or the release, when that contains the chart's name), so it is looked up by the
   * release's instance label rather than guessed.
   */
  async findService(): Promise<string> {
    const s = this.settings
    if (s.serviceGiven) return s.service
    const list = async (extra: string[]) =>
      (
        await this.kubectl(['get', 'services', '--namespace', s.namespace, '-o', 'name', ...extra], {
          silent: true
        })
      ).stdout
        .split('\n')
        .map(l => l.trim().replace(/^service\//, ''))
        .filter(Boolean)
    let found = s.chart ? await list(['-l', `app.kubernetes.io/instance=${s.release}`]) : []
    if (found.length === 0) found = await list([])
    if (found.length === 1) return found[0]
    if (found.includes(s.release)) return s.release
    if (found.length === 0)
      throw new Error(`No Service in namespace ${s.namespace} to smoke-test: set 'service'`)
    throw new Error(
      `Several Services in namespace ${s.namespace} (${found.join(', ')}): name one with 'service'`
    )
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
            restartCount?: number
            state?: Record<string, { reason?: string; message?: string }>
            lastState?: { terminated?: { reason?: string; exitCode?: number } }
          }[]
        }
      }
      for (const pod of (JSON.parse(r.stdout) as { items: Pod[] }).items)
        for (const c of pod.status?.containerStatuses ?? [])
          if (!c.ready) {
            // a crash-looping container is running between its back-offs: its last end says why
            const last = c.lastState?.terminated
            const before = last
              ? `; last terminated (${last.reason ?? 'unknown'}, exit code ${last.exitCode ?? '?'}), ${c.restartCount ?? 0} restart(s)`
              : ''
            for (const [state, detail] of Object.entries(c.state ?? {}))
              reasons.push(
                `pod ${pod.metadata.name} container ${c.name} ${state}${detail.reason ? ` (${detail.reason}${detail.message ? `: ${detail.message}` : ''})` : ''}${before}`
              )
          }
    } catch {
      return ''
    }
    return reasons.join('; ')
  }

  private async portForward(service: string, deadline: number): Promise<{ pf: Background; base: string }> {
    const s = this.settings
    const pf = await spawnBackground(
      this.tools.kubectl,
      [
        'port-forward',
        '--namespace',
        s.namespace,
        '--address',
        '127.0.0.1',
        `service/${service}`,
        `:${s.port}`
      ],
      { env: { KUBECONFIG: this.kubeconfig } }
    )
    const m = await pf.waitFor(/Forwarding from 127\.0\.0\.1:(\d+)/, Math.max(5000, deadline - Date.now()))
    return { pf, base: `http://127.0.0.1:${m[1]}` }
  }

  /**
   * Smoke tests over `kubectl port-forward`, within the deadline. kubectl (since 1.23) ends port-forward at
   * the first forwarding error ("lost connection to pod"): a forward that ended is started again, and what
   * it said is reported with the result.
   */
  async smokeTests(service: string, deadline: number): Promise<SmokeResult[]> {
    let forward = await this.portForward(service, deadline)
    const ensure = async () => {
      if (!forward.pf.exited()) return forward.base
      const said = forward.pf.output().trim().split('\n').slice(-3).join(' | ')
      this.portForwardRestarts.push(said)
      core.info(`kubectl port-forward ended (${said}); starting it again`)
      forward = await this.portForward(service, deadline)
      return forward.base
    }
    try {
      const results: SmokeResult[] = []
      for (const t of this.settings.smokeTests)
        results.push(await check(ensure, t, deadline, () => forward.pf))
      return results
    } finally {
      await forward.pf.stop()
    }
  }

  /** `helm test` of the release: the chart's own test pods, with their logs. */
  async helmTest(deadline: number): Promise<void> {
    const s = this.settings
    const seconds = Math.max(1, Math.ceil((deadline - Date.now()) / 1000))
    await this.helm!(['test', s.release, '--namespace', s.namespace, '--logs', `--timeout=${seconds}s`], {
      label: `helm test ${s.release}`
    })
  }

  /** The user's own test command, with the cluster's kubeconfig (an argument array: no shell). */
  async testCommand(cwd: string): Promise<void> {
    const [program, ...args] = this.settings.testCommand
    await run(program, args, {
      cwd,
      env: {
        KUBECONFIG: this.kubeconfig,
        ...(this.pulled ? {} : { KIND_CLUSTER_NAME: this.settings.clusterName })
      },
      label: `test-command ${program}`
    })
  }

  /** kind's own logs of the nodes (kubelet, containerd, pods) into `dir`, for a failed run. */
  async exportLogs(dir: string): Promise<string | undefined> {
    const r = await this.kind(['export', 'logs', dir, '--name', this.settings.clusterName], {
      silent: true,
      ignoreReturnCode: true
    })
    return r.exitCode === 0 ? dir : undefined
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
    if (this.portForwardRestarts.length)
      parts.push(
        `### kubectl port-forward ended ${this.portForwardRestarts.length} time(s)\n${this.portForwardRestarts.join('\n')}`
      )
    return parts.join('\n\n')
  }
}

async function check(
  base: () => Promise<string>,
  t: SmokeTest,
  deadline: number,
  pf: () => Background
): Promise<SmokeResult> {
  let attempts = 0
  let got = ''
  for (;;) {
    attempts++
    try {
      const url = (await base()) + t.path
      // a port-forward that ends mid-request ends the wait for its answer too
      const ended = pf().ended.then(() => 'kubectl port-forward ended before answering')
      const res = await fetchText(url, { redirect: 'manual' }, SMOKE_REQUEST_MS, ended)
      const body = res.body
      got = `${res.status}${t.contains && !body.includes(t.contains) ? `, body without '${t.contains}'` : ''}`
      if (res.status === t.status && (!t.contains || body.includes(t.contains)))
        return { ...t, ok: true, got: String(res.status), attempts }
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause
      got = `${(err as Error).message}${cause ? ` (${cause.code ?? cause.message})` : ''}`
      if (pf().exited()) got += `; port-forward ended: ${pf().output().trim().split('\n').pop()}`
    }
    if (Date.now() + 1000 > deadline) return { ...t, ok: false, got, attempts }
    await new Promise(r => setTimeout(r, 1000))
  }
}
