// What a failed run shows: the pods, describe of the failing ones, events and container logs, from the
// cluster itself.
import type { RunResult, Tool } from '../common/exec.js'

/** Pods whose containers are not all ready, from `name ready ready ...` lines (pure). */
export function failingPods(lines: string): { all: string[]; failing: string[] } {
  const rows = lines
    .split('\n')
    .map(l => l.trim().split(/\s+/))
    .filter(([n]) => n)
  return {
    all: rows.map(([n]) => n),
    failing: rows.filter(([, ...ready]) => ready.length === 0 || ready.includes('false')).map(([n]) => n)
  }
}

export async function diagnostics(kubectl: Tool, namespace: string, notes: string[] = []): Promise<string> {
  const q = (args: string[]): Promise<RunResult> => kubectl(args, { silent: true, ignoreReturnCode: true })
  const parts: string[] = [...notes]
  const add = (title: string, r: RunResult) => parts.push(`### ${title}\n${(r.stdout + r.stderr).trim()}`)
  add('kubectl get pods -o wide', await q(['get', 'pods', '--namespace', namespace, '-o', 'wide']))
  const pods = failingPods(
    (
      await q([
        'get',
        'pods',
        '--namespace',
        namespace,
        '-o',
        'jsonpath={range .items[*]}{.metadata.name}{" "}{.status.containerStatuses[*].ready}{"\\n"}{end}'
      ])
    ).stdout
  )
  for (const pod of pods.failing)
    add(`kubectl describe pod ${pod}`, await q(['describe', 'pod', pod, '--namespace', namespace]))
  add('kubectl get events', await q(['get', 'events', '--namespace', namespace, '--sort-by=.lastTimestamp']))
  for (const pod of pods.all)
    add(
      `kubectl logs ${pod}`,
      await q(['logs', pod, '--namespace', namespace, '--all-containers', '--tail=100'])
    )
  return parts.join('\n\n')
}
