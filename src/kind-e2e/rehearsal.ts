// upgrade-from: the rollout production will see, rehearsed. What runs now (the image a values file names at
// the image keys, typically the GitOps repository's) is installed and waited for; then, with a probe sending
// requests to the Service from inside the cluster, the release is upgraded to the candidate and waited for
// until the old pods are gone; more failed requests than max-failed-requests fail the step. With rollback,
// the same again back to what ran before.
import * as fs from 'node:fs/promises'
import { InputError } from '../common/inputs.js'
import { describeKinds, type ProbeResult } from '../common/probe.js'
import { parseImage } from '../common/validate.js'
import { loadYaml } from '../common/yaml.js'
import { Inputs } from './constants.js'
import { loadedRef, pulledRef, type Loaded } from './image.js'
import type { ImageKeys, Settings } from './settings.js'

/** What runs now, read from the upgrade-from values file. */
export interface Current {
  /** The image's full reference (tag and/or digest). */
  image: string
  loaded: Loaded
  valuesFile: string
}

/** The image a values document names at the image keys, as a reference; undefined when it names none (pure). */
export function imageAt(values: unknown, keys: ImageKeys): string | undefined {
  const at = (key: string | undefined): string => {
    if (!key) return ''
    let v: unknown = values
    for (const part of key.split('.'))
      v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : ''
    return typeof v === 'string' || typeof v === 'number' ? String(v).trim() : ''
  }
  const repository = at(keys.repository)
  const tag = at(keys.tag)
  const digest = at(keys.digest)
  if (!repository || (!tag && !digest)) return undefined
  const registry = at(keys.registry)
  // a tag written as tag@digest (a digest pin) keeps its digest
  const [plainTag, pinned] = tag.split('@')
  const name = registry ? `${registry}/${repository}` : repository
  return `${name}${plainTag ? `:${plainTag}` : ''}${digest || pinned ? `@${digest || pinned}` : ''}`
}

/** Reads the upgrade-from values file: the image of what runs now, or an InputError saying what is missing. */
export async function readCurrent(s: Settings, pulled: boolean): Promise<Current> {
  const file = s.upgradeFrom!.valuesFile
  const text = await fs.readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new InputError(
      Inputs.UpgradeFrom,
      `names '${s.upgradeFrom!.given}', which cannot be read (${err.code ?? err.message}); it should be the values file of what runs now, such as the GitOps repository's`
    )
  })
  let values: unknown
  try {
    values = (await loadYaml()).parse(text)
  } catch (err) {
    throw new InputError(Inputs.UpgradeFrom, `is not YAML: ${(err as Error).message.split('\n')[0]}`)
  }
  const image = imageAt(values, s.imageKeys)
  if (!image)
    throw new InputError(
      Inputs.UpgradeFrom,
      `names no image at the image keys (${[s.imageKeys.registry, s.imageKeys.repository, s.imageKeys.tag, s.imageKeys.digest].filter(Boolean).join(', ')}): a repository and a tag or digest are needed to install what runs now`
    )
  const ref = parseImage(Inputs.UpgradeFrom, image)
  return { image, loaded: pulled ? pulledRef(ref, image) : loadedRef(ref), valuesFile: file }
}

/** A release that did not become ready before the candidate was even tried. */
export class CurrentReleaseError extends Error {}

export function currentNotReady(current: Current, err: unknown): CurrentReleaseError {
  return new CurrentReleaseError(
    `What runs now (${current.image}, from upgrade-from) did not become ready, so the upgrade was not rehearsed. This is the current release's problem, not the candidate's: ${(err as Error).message}`
  )
}

export function currentNotHad(current: Current, err: unknown): CurrentReleaseError {
  return new CurrentReleaseError(
    `The image of what runs now (${current.image}, from upgrade-from) could not be had: ${(err as Error).message}`
  )
}

export function currentNotRendered(current: Current, err: unknown): CurrentReleaseError {
  return new CurrentReleaseError(
    `What runs now (${current.image}, from upgrade-from) does not render with its values file, so no cluster was made: ${(err as Error).message}`
  )
}

/** The step's error when a rollout lost more requests than allowed; undefined when within the limit. */
export function tooManyFailed(
  what: 'upgrade' | 'rollback',
  probe: ProbeResult,
  max: number
): Error | undefined {
  if (probe.failed <= max) return undefined
  return new Error(
    `The ${what} lost requests: ${probe.failed} of ${probe.sent} failed (${describeKinds(probe)}), max-failed-requests is ${max}. First: ${probe.first.join('; ')} (seconds from the start of the ${what})`
  )
}
