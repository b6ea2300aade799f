// Build or pull: what the test infrastructure builds from source here (kind's node image, Argo CD's images)
// is also published by its project. On a GitHub-hosted runner, where those registries answer and nothing
// built here survives between runs but ~/.cache, an image is pulled instead of built when, and only when,
// its pinned source names it by digest (the reference is then the same artefact on every run). Everywhere
// else (this machine, self-hosted runners, act) everything is built from source.
//   node scripts/lib/prebuilt.mjs kind-node <kind module dir> <Kubernetes version>
//   node scripts/lib/prebuilt.mjs argocd <Argo CD module dir>
// print `pull <reference>` or `build <why>`; scripts/kind/node-image.sh and scripts/seed/images.sh act on it.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'

const DIGEST = /@sha256:[0-9a-f]{64}$/

/**
 * @typedef {{ source: 'pull', reference: string } | { source: 'build', why: string }} Choice
 * @typedef {{ name: string, reference?: string, version: string }} Published
 *   reference: the published image as its pinned source names it (by digest or not); version: the
 *   version this project pins, which the published image's tag must carry
 */

/**
 * Pull or build one component.
 * @param {Published} published @param {NodeJS.ProcessEnv} env @returns {Choice}
 */
export function choose(published, env = process.env) {
  if (env.DEMO_ACTIONS_BUILD_FROM_SOURCE === '1' || env.DEMO_ACTIONS_BUILD_FROM_SOURCE === 'true')
    return { source: 'build', why: 'DEMO_ACTIONS_BUILD_FROM_SOURCE is set' }
  if (env.GITHUB_ACTIONS !== 'true' || env.RUNNER_ENVIRONMENT !== 'github-hosted' || env.ACT)
    return { source: 'build', why: 'not a GitHub-hosted runner: everything is built from source' }
  const ref = published.reference
  if (!ref) return { source: 'build', why: `${published.name}: its pinned source names no published image` }
  if (!DIGEST.test(ref))
    return { source: 'build', why: `${published.name}: ${ref} is not pinned by digest in its source` }
  const tag = /:([^:@/]+)@/.exec(ref)?.[1]
  if (tag !== published.version)
    return {
      source: 'build',
      why: `${published.name}: ${ref} is ${tag ?? 'untagged'}, the pin is ${published.version}`
    }
  return { source: 'pull', reference: ref }
}

/**
 * The node image kind's pinned release uses by default (its pkg/apis/config/defaults/image.go), or
 * undefined when that file does not say.
 * @param {string} kindDir @returns {string | undefined}
 */
export function kindDefaultImage(kindDir) {
  const file = path.join(kindDir, 'pkg', 'apis', 'config', 'defaults', 'image.go')
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : ''
  return /^const Image = "([^"]+)"$/m.exec(text)?.[1]
}

/**
 * Argo CD's image as its pinned release's install.yaml names it (a tag, no digest in the releases so far).
 * @param {string} argocdDir @returns {{ reference?: string, version: string }}
 */
export function argocdImage(argocdDir) {
  const file = path.join(argocdDir, 'manifests', 'install.yaml')
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : ''
  const reference = /quay\.io\/argoproj\/argocd:[^\s"]+/.exec(text)?.[0]
  return { reference, version: /:(v[^@\s"]+)/.exec(reference ?? '')?.[1] ?? '' }
}

function main(argv) {
  const [component, dir, version] = argv
  /** @type {Published} */
  let published
  if (component === 'kind-node' && dir && version)
    published = { name: "kind's node image", reference: kindDefaultImage(dir), version }
  else if (component === 'argocd' && dir) published = { name: "Argo CD's image", ...argocdImage(dir) }
  else {
    console.error(
      'usage: prebuilt.mjs kind-node <kind module dir> <Kubernetes version> | argocd <Argo CD module dir>'
    )
    return 2
  }
  const choice = choose(published)
  console.log(choice.source === 'pull' ? `pull ${choice.reference}` : `build ${choice.why}`)
  return 0
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  process.exitCode = main(process.argv.slice(2))
