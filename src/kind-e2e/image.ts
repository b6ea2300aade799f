// Which reference goes into the cluster and what the workloads are told. kind loads images by name, and
// the kubelet (imagePullPolicy: Never) finds them by name, so a digest reference gets a local tag of its
// own: `repo@sha256:<hex>` is loaded as `repo:sha256-<first 12 hex>`, and `repo:tag@sha256:<hex>` as
// `repo:tag` once the local image is checked to be that digest.
import type { ImageRef } from '../common/validate.js'
import type { ImageKeys } from './settings.js'

export interface Loaded {
  /** The reference loaded into the nodes and written into the workloads. */
  ref: string
  repository: string
  tag: string
  /** The image's registry, when its name has one (for charts that take it apart). */
  registry?: string
  /** The image's digest, when its reference has one (the chart's digest key, where the nodes pull). */
  digest?: string
}

export function loadedRef(image: ImageRef): Loaded {
  const tag = image.tag ?? `sha256-${image.digest!.slice('sha256:'.length, 'sha256:'.length + 12)}`
  return {
    ref: `${image.repository}:${tag}`,
    repository: image.repository,
    tag,
    registry: image.registry,
    digest: image.digest
  }
}

/**
 * In a cluster of the user's own (kubeconfig input) nothing is loaded: the workloads get the image's own
 * reference, digest and all, and the cluster pulls it under the chart's or manifest's pull policy.
 */
export function pulledRef(image: ImageRef, full: string): Loaded {
  return {
    ref: full,
    repository: image.repository,
    tag: image.tag ?? '',
    registry: image.registry,
    digest: image.digest
  }
}

/**
 * `--set` values for a chart: the image's parts under the keys the chart uses (image-keys). `pulled`: a
 * cluster of the user's own, which pulls the image (no pull policy is set; the digest key gets the digest).
 */
export function imageValues(loaded: Loaded, keys: ImageKeys, pulled = false, digest = ''): string[] {
  const sets: string[] = []
  const registry = loaded.registry
  if (keys.registry && registry) {
    sets.push(`${keys.registry}=${registry}`)
    sets.push(`${keys.repository}=${loaded.repository.slice(registry.length + 1)}`)
  } else sets.push(`${keys.repository}=${loaded.repository}`)
  sets.push(`${keys.tag}=${loaded.tag}`)
  if (!pulled) sets.push(`${keys.pullPolicy}=Never`)
  // a loaded image is found by its local tag, so the digest key stays empty then (a digest would make the
  // kubelet look for a repo digest that a loaded image does not carry)
  if (keys.digest) sets.push(`${keys.digest}=${pulled ? digest || loaded.digest || '' : ''}`)
  return sets
}
