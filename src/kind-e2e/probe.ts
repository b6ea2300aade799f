// The rehearsal's probe: requests to the Service from inside the cluster, as in-cluster clients send them —
// from a node, to the Service's ClusterIP through kube-proxy, never a port-forward to one pod. The step
// paces them (`rate` a second) and writes one id per request to a shell on the node (`docker exec -i`),
// which sends each with curl on a connection of its own (`Connection: close`) with a 2 s limit, in the
// background, and prints `<id> <curl exit code> <HTTP status>` when it ends. Nothing is pulled: kind's node
// image has bash and curl.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import * as readline from 'node:readline'
import { Tally, type ProbeResult } from '../common/probe.js'
import { childEnv } from '../common/secrets.js'

/** One request's limit, connection and answer together. */
export const PROBE_REQUEST_S = 2

// curl's exit codes (curl(1), EXIT CODES) in the words of the probe's failure kinds
const CURL_EXIT: Record<string, string> = {
  '6': 'could not resolve host',
  '7': 'connection refused',
  '28': 'timeout',
  '52': 'empty reply (connection reset)',
  '55': 'send failure (connection reset)',
  '56': 'connection reset'
}

/** What one probe line means: '' for a 2xx/3xx answer, else what was got (pure). */
export function probeProblem(exitCode: string, status: string): string {
  if (exitCode === '0') return Number(status) >= 200 && Number(status) < 400 ? '' : `HTTP ${status}`
  return CURL_EXIT[exitCode] ?? `curl exit code ${exitCode}`
}

const SCRIPT = `url=$1
while read -r id; do
  { code=$(curl -s -o /dev/null -m ${PROBE_REQUEST_S} -H 'Connection: close' -w '%{http_code}' "$url"); echo "$id $? $code"; } &
done
wait`

export interface RunningProbe {
  /** Stops sending, waits for the requests in flight, and says what came of them. */
  stop(): Promise<ProbeResult>
}

/** How long the Service may take to answer from the node before the probe starts counting. */
export const PROBE_READY_MS = 30_000

/**
 * Starts the probe on `node` (a kind node container) against `url`, `rate` requests a second. Counting
 * starts once the Service answers from the node: a workload that just became ready is in kube-proxy's
 * rules a moment later, and requests before that would be counted against the rollout.
 */
export async function startProbe(
  docker: string,
  env: Record<string, string>,
  node: string,
  url: string,
  rate: number
): Promise<RunningProbe> {
  const child = spawn(docker, ['exec', '-i', node, 'bash', '-c', SCRIPT, 'probe', url], {
    env: childEnv(env),
    stdio: ['pipe', 'pipe', 'pipe']
  })
  const probe = new InNodeProbe(child, url, rate)
  try {
    await probe.ready(PROBE_READY_MS)
  } catch (err) {
    await probe.stop().catch(() => undefined)
    throw err
  }
  probe.begin()
  return probe
}

class InNodeProbe implements RunningProbe {
  private readonly tally: Tally
  private readonly sentAt = new Map<number, number>()
  private started = Date.now()
  private timer?: NodeJS.Timeout
  private readonly closed: Promise<void>
  private next = 0
  private stderr = ''
  /** The warm-up's requests (negative ids, never counted): what the last one got. */
  private warm?: (problem: string) => void

  constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    url: string,
    rate: number
  ) {
    this.tally = new Tally(url, rate)
    readline.createInterface({ input: child.stdout }).on('line', line => this.answer(line))
    child.stderr.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-2000)))
    child.stdin.on('error', () => undefined)
    this.closed = new Promise(resolve => child.on('close', () => resolve()))
    child.on('error', err => (this.stderr += err.message))
    this.rate = rate
  }

  private readonly rate: number

  /** Until one request gets a 2xx/3xx from the node (a request every 200 ms), or the limit. */
  async ready(withinMs: number): Promise<void> {
    const end = Date.now() + withinMs
    let last = 'no answer'
    for (let id = -1; Date.now() < end; id--) {
      if (this.child.exitCode !== null) break
      const answer = new Promise<string>(resolve => (this.warm = resolve))
      this.child.stdin.write(`${id}\n`)
      last = await Promise.race([
        answer,
        new Promise<string>(r => setTimeout(() => r('no answer yet'), PROBE_REQUEST_S * 1000 + 500))
      ])
      if (!last) return
      await new Promise(r => setTimeout(r, 200))
    }
    throw new Error(
      `The probe's Service address ${this.tally.result(0).url} does not answer from inside the cluster within ${withinMs / 1000} s (last: ${last}${this.stderr ? `; ${this.stderr.trim()}` : ''})`
    )
  }

  /** Counting starts now. */
  begin(): void {
    this.warm = undefined
    this.started = Date.now()
    this.timer = setInterval(() => this.send(), 1000 / this.rate)
  }

  private send(): void {
    if (this.child.exitCode !== null || !this.child.stdin.writable) return
    const id = ++this.next
    this.sentAt.set(id, Date.now())
    this.tally.sent()
    this.child.stdin.write(`${id}\n`)
  }

  private answer(line: string): void {
    const [id, exitCode, status = ''] = line.trim().split(/\s+/)
    if (Number(id) < 0) return this.warm?.(probeProblem(exitCode, status))
    const at = this.sentAt.get(Number(id))
    if (at === undefined) return
    this.sentAt.delete(Number(id))
    const problem = probeProblem(exitCode, status)
    if (problem) this.tally.failed((at - this.started) / 1000, problem)
  }

  async stop(): Promise<ProbeResult> {
    clearInterval(this.timer)
    this.child.stdin.end()
    const limit = setTimeout(() => this.child.kill('SIGKILL'), (PROBE_REQUEST_S + 5) * 1000)
    await this.closed
    clearTimeout(limit)
    // a request the shell never answered for (the node went away) is a failure too
    for (const at of this.sentAt.values())
      this.tally.failed((at - this.started) / 1000, 'no answer from the probe')
    if (this.next > 0 && this.sentAt.size === this.next)
      throw new Error(`The probe on the node did not run: ${this.stderr.trim() || 'no output'}`)
    return this.tally.result((Date.now() - this.started) / 1000)
  }
}
