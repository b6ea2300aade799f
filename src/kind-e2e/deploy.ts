// The chart (helm upgrade --install) or the manifests (kubectl apply) into the namespace, with the image
// under test in place of the one they name.
import * as path from 'node:path'
import * as core from '@actions/core'
import { applyArgs, helmUpgradeArgs } from './args.js'
import { imageValues, type Loaded } from './image.js'
import type { Kube } from './kube.js'
import { substituteImage } from './manifests.js'
import type { Settings } from './settings.js'

/** `pulled`: the nodes pull the image (registry or a cluster of your own), so no pull policy is forced. */
export async function deploy(
  k: Kube,
  s: Settings,
  loaded: Loaded,
  pulled: boolean,
  privDir: string
): Promise<void> {
  if (s.chart) {
    await k.helm!(helmUpgradeArgs(s, imageValues(loaded, s.ref, s.imageKeys, pulled)), {
      label: 'helm upgrade --install'
    })
    return
  }
  const ns = await k.kubectl(['create', 'namespace', s.namespace], { ignoreReturnCode: true, silent: true })
  if (ns.exitCode !== 0 && !/already exists/.test(ns.stderr))
    throw new Error(`kubectl create namespace failed: ${ns.stderr.trim()}`)
  const out = path.join(privDir, 'manifests')
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
