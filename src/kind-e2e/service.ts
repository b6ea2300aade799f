// Which Service the smoke tests reach.
import type { Tool } from '../common/exec.js'
import type { Settings } from './settings.js'

/**
 * The one named, else the release's own. Charts made by `helm create` name it `<release>-<chart>` (or the
 * release, when that contains the chart's name), so it is looked up by the release's instance label rather
 * than guessed; else the namespace's only Service, or the one named like the release.
 */
export async function findService(kubectl: Tool, s: Settings): Promise<string> {
  if (s.serviceGiven) return s.service
  const list = async (extra: string[]) =>
    (
      await kubectl(['get', 'services', '--namespace', s.namespace, '-o', 'name', ...extra], { silent: true })
    ).stdout
      .split('\n')
      .map(l => l.trim().replace(/^service\//, ''))
      .filter(Boolean)
  let found = s.chart ? await list(['-l', `app.kubernetes.io/instance=${s.release}`]) : []
  if (found.length === 0) found = await list([])
  return pickService(found, s)
}

export function pickService(found: string[], s: Pick<Settings, 'release' | 'namespace'>): string {
  if (found.length === 1) return found[0]
  if (found.includes(s.release)) return s.release
  if (found.length === 0)
    throw new Error(`No Service in namespace ${s.namespace} to smoke-test: set 'service'`)
  throw new Error(
    `Several Services in namespace ${s.namespace} (${found.join(', ')}): name one with 'service'`
  )
}
