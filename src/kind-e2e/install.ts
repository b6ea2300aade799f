// The chart (helm upgrade --install) or the manifests (kubectl apply) into the namespace, with the image
// under test in place of the one they name.
import * as path from 'node:path'
import * as core from '@actions/core'
import { applyArgs, helmTemplateArgs, helmUpgradeArgs } from './args.js'
import { imageValues, type Loaded } from './image.js'
import type { Kube } from './kube.js'
import { substituteImage } from './manifests.js'
import type { Settings } from './settings.js'

/** How a deploy differs from the candidate's: the values file of another release (upgrade-from). */
export interface DeployValues {
  /** The chart that runs now (upgrade-from-chart), else the chart under test. */
  chart?: string
  /** A values file given before the image values (the current release's). */
  valuesFile?: string
  /** The image's digest for the chart's digest key, where the nodes pull by digest. */
  digest?: string
}

/** The chart and values files a deploy of `values` uses, and the image's `--set`s. */
function chartValues(s: Settings, loaded: Loaded, pulled: boolean, values: DeployValues) {
  const chart = values.chart ?? s.chart
  const valuesFiles = values.valuesFile ? [values.valuesFile, ...s.valuesFiles] : s.valuesFiles
  return { o: { ...s, chart, valuesFiles }, sets: imageValues(loaded, s.imageKeys, pulled, values.digest) }
}

/**
 * `helm template` of the deploy `deploy` would make, output dropped: its error (a `required` value, a
 * template that does not parse, a kubeVersion the chart refuses) before a cluster is made for nothing.
 */
export async function render(
  k: Kube,
  s: Settings,
  loaded: Loaded,
  pulled: boolean,
  kubeVersion: string,
  values: DeployValues = {}
): Promise<void> {
  const { o, sets } = chartValues(s, loaded, pulled, values)
  await k.helm!(helmTemplateArgs(o, sets, kubeVersion), {
    label: `helm template ${s.release} (${o.chart}, Kubernetes ${kubeVersion})`,
    silent: true
  })
}

/**
 * `pulled`: the nodes pull the image (registry or a cluster of your own), so no pull policy is forced.
 * `values.valuesFile` (the release that runs now, upgrade-from) goes before the step's own values files.
 */
export async function deploy(
  k: Kube,
  s: Settings,
  loaded: Loaded,
  pulled: boolean,
  privDir: string,
  values: DeployValues = {}
): Promise<void> {
  if (s.chart) {
    const { o, sets } = chartValues(s, loaded, pulled, values)
    await k.helm!(helmUpgradeArgs(o, sets), { label: `helm upgrade --install ${s.release}` })
    return
  }
  const ns = await k.kubectl(['create', 'namespace', s.namespace], { ignoreReturnCode: true, silent: true })
  if (ns.exitCode !== 0 && !/already exists/.test(ns.stderr))
    throw new Error(`kubectl create namespace failed: ${ns.stderr.trim()}`)
  const out = path.join(privDir, `manifests-${loaded.tag.replace(/[^\w.-]/g, '-') || 'image'}`)
  const n = await substituteImage(s.manifests, s.ref.repository, loaded, out, pulled)
  if (n === 0)
    core.warning(
      `No container in the manifests runs ${s.ref.repository}: the image under test is not deployed`
    )
  else
    core.info(
      `${n} container(s) set to ${loaded.ref}${pulled ? ' (pulled by the cluster)' : ' with imagePullPolicy: Never'}`
    )
  await k.kubectl(applyArgs(s.namespace, out), { label: 'kubectl apply' })
}
