// Manifests mode: every container of a workload whose image is the tested repository gets the loaded
// reference and imagePullPolicy: Never, so the kubelet runs the build under test instead of pulling
// `:latest` (or anything with Always) from the registry. Folders are read recursively (.yaml, .yml, .json);
// the rewritten documents go to the step's private folder and are applied from there.
import * as fs from 'node:fs/promises'
import * as path from 'node:path'
import { loadYaml } from '../common/yaml.js'
import type { Loaded } from './image.js'

async function files(p: string): Promise<string[]> {
  const st = await fs.stat(p)
  if (st.isFile()) return [p]
  const out: string[] = []
  for (const e of (await fs.readdir(p, { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name)
  )) {
    const full = path.join(p, e.name)
    if (e.isDirectory()) for (const f of await files(full)) out.push(f)
    else if (/\.(ya?ml|json)$/.test(e.name)) out.push(full)
  }
  return out
}

/** The repository of an image reference (no tag, no digest). */
function repositoryOf(image: string): string {
  const noDigest = image.split('@')[0]
  const colon = noDigest.lastIndexOf(':')
  return colon > noDigest.lastIndexOf('/') ? noDigest.slice(0, colon) : noDigest
}

/** The pod spec of a workload document, if it has one. */
function podSpec(doc: Record<string, unknown>): Record<string, unknown> | undefined {
  const kind = doc.kind
  const spec = doc.spec as Record<string, unknown> | undefined
  if (kind === 'Pod') return spec
  if (kind === 'CronJob')
    return ((spec?.jobTemplate as Record<string, unknown>)?.spec as Record<string, Record<string, unknown>>)
      ?.template?.spec as Record<string, unknown>
  return (spec?.template as Record<string, unknown>)?.spec as Record<string, unknown> | undefined
}

/**
 * Rewrites the manifests into `outDir`; returns how many containers now run the loaded image. `pulled`:
 * a cluster of the user's own, which pulls the image under the manifest's own pull policy.
 */
export async function substituteImage(
  sources: string[],
  repository: string,
  loaded: Loaded,
  outDir: string,
  pulled = false
): Promise<number> {
  await fs.mkdir(outDir, { recursive: true, mode: 0o700 })
  const yaml = await loadYaml()
  let n = 0
  let index = 0
  for (const source of sources)
    for (const file of await files(source)) {
      const docs = yaml.parseAllDocuments(await fs.readFile(file, 'utf8'))
      const out: string[] = []
      for (const doc of Array.isArray(docs) ? docs : [docs]) {
        if (doc.errors.length) throw new Error(`${file} is not valid YAML: ${doc.errors[0].message}`)
        const data = doc.toJS() as Record<string, unknown> | null
        if (!data) continue
        const spec = data && podSpec(data)
        for (const list of ['containers', 'initContainers'])
          for (const c of (spec?.[list] as Record<string, unknown>[] | undefined) ?? [])
            if (typeof c.image === 'string' && repositoryOf(c.image) === repository) {
              c.image = loaded.ref
              if (!pulled) c.imagePullPolicy = 'Never'
              n++
            }
        out.push(yaml.stringify(data))
      }
      await fs.writeFile(
        path.join(
          outDir,
          `${String(index++).padStart(3, '0')}-${path.basename(file).replace(/\.json$/, '.yaml')}`
        ),
        out.join('---\n'),
        { mode: 0o600 }
      )
    }
  return n
}
