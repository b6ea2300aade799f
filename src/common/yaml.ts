// The yaml package, loaded when a stage first needs it rather than at start-up (it is a third of a
// bundle's code): gitops-bump starts loading it while git fetches, kind-e2e only in manifests mode.
import type * as YAML from 'yaml'

let mod: typeof YAML | undefined

export async function loadYaml(): Promise<typeof YAML> {
  mod ??= await import('yaml')
  return mod
}

/** The loaded module; loadYaml() must have been awaited first. */
export function yaml(): typeof YAML {
  if (!mod) throw new Error('yaml is used before loadYaml()')
  return mod
}
