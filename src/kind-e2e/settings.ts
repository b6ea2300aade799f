import { isDigest } from '../common/tag.js'
import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { githubContext } from '../common/github.js'
import * as inputs from '../common/inputs.js'
import { InputError } from '../common/inputs.js'
import { splitArgs } from '../common/argv.js'
import { parseImage, type ImageRef } from '../common/validate.js'
import { KIND_RELEASES } from '../common/pinned.js'
import {
  Defaults,
  IMAGE_SOURCES,
  Inputs,
  MAX_PROBE_RATE,
  MAX_WAIT_MS,
  type ImageSource
} from './constants.js'

export interface SmokeTest {
  path: string
  status: number
  contains?: string
}

export interface Settings {
  image: string
  ref: ImageRef
  username: string
  password: string
  clusterName: string
  kindVersion: string
  nodeImage: string
  config: string
  chart: string
  manifests: string[]
  release: string
  namespace: string
  set: string[]
  waitTimeoutMs: number
  service: string
  port: number
  smokeTests: SmokeTest[]
  keepCluster: boolean
  ignoreFailedClean: boolean
  /** The chart's value keys for the image's parts: repository, tag, pullPolicy, and optionally registry, digest. */
  imageKeys: ImageKeys
  /** Whether the Service was named (else it is found among the release's Services). */
  serviceGiven: boolean
  summary: boolean
  /** Extra values files for the chart (absolute). */
  valuesFiles: string[]
  helmTest: boolean
  /** A command run after the smoke tests with KUBECONFIG set (an argument array, never a shell). */
  testCommand: string[]
  exportLogs: boolean
  /** A cluster of the user's own (kubeconfig input, absolute): no kind create, load or delete. */
  kubeconfig: string
  /** load: `kind load` from the local store; registry: the nodes pull the image (a kind cluster of this step's). */
  imageSource: ImageSource
  /** Where the nodes reach the image's registry when its name means something else inside the cluster. */
  registryEndpoint: string
  /** A PEM CA the nodes trust for the image's registry (a private CA). */
  registryCa: string
  /** upgrade-from: the values file of what runs now; the rollout from it to the candidate is rehearsed. */
  upgradeFrom?: UpgradeFrom
}

export interface UpgradeFrom {
  /** The input as given (for messages) and the file (absolute). */
  given: string
  valuesFile: string
  /** The chart that runs now (upgrade-from-chart, absolute), else the chart under test. */
  chart?: string
  /** Requests a second, from inside the cluster, during the upgrade (and the rollback). */
  probeRate: number
  probePath: string
  maxFailedRequests: number
  rollback: boolean
}

export interface ImageKeys {
  repository: string
  tag: string
  pullPolicy: string
  registry?: string
  digest?: string
}

export function parseImageKeys(lines: string[]): ImageKeys {
  const keys: Record<string, string> = {}
  for (const line of lines
    .flatMap(l => l.split(','))
    .map(l => l.trim())
    .filter(Boolean)) {
    const m = /^(repository|tag|pullPolicy|registry|digest)=([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)$/.exec(line)
    if (!m)
      throw new InputError(
        Inputs.ImageKeys,
        `lines must look like <part>=<values.key> with part repository, tag, pullPolicy, registry or digest, got '${line}'`
      )
    keys[m[1]] = m[2]
  }
  for (const part of ['repository', 'tag', 'pullPolicy'])
    if (!keys[part]) throw new InputError(Inputs.ImageKeys, `must map ${part} to a values key`)
  return keys as unknown as ImageKeys
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/

export function parseSmokeTests(lines: string[]): SmokeTest[] {
  return lines.map((line, i) => {
    const m = /^(\/\S*)(?:\s+(\d{3}))?(?:\s+(.+))?$/.exec(line)
    if (!m)
      throw new InputError(
        Inputs.SmokeTests,
        `line ${i + 1} must look like '<path> [<status>] [<text>]' with a path starting with '/', got '${line}'`
      )
    return { path: m[1], status: m[2] ? Number(m[2]) : 200, contains: m[3] }
  })
}

/**
 * Unique per step: run, attempt and job, and a random part, since the legs of a matrix share GITHUB_JOB
 * and may share one Docker host (self-hosted runners).
 */
export function defaultClusterName(run = githubContext(), random = randomBytes(3).toString('hex')): string {
  const parts = ['e2e', run.runId, run.runAttempt, run.job].filter(Boolean)
  const base = parts
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, 33)
    .replace(/-+$/, '')
  return `${base}-${random}`
}

/** The chart's name from Chart.yaml (a top-level `name:` line), else the folder's name. */
function chartName(chart: string): string {
  const text = fs.readFileSync(path.join(chart, 'Chart.yaml'), { encoding: 'utf8', flag: 'r' })
  const m = /^name:\s*["']?([A-Za-z0-9._-]+)["']?\s*(?:#.*)?$/m.exec(text)
  return m ? m[1] : path.basename(path.resolve(chart))
}

/** Every input, read and checked before anything is created (an InputError names the input). */
export function getSettings(): Settings {
  const workspace = githubContext().workspace
  const image = imageSettings()
  const deploy = deploySettings(workspace)
  const checks = checkSettings(deploy.release)
  return {
    ...image,
    ...deploy,
    ...clusterSettings(workspace, image.ref, !!deploy.chart),
    ...checks,
    upgradeFrom: upgradeSettings(workspace, !!deploy.chart, checks.smokeTests)
  }
}

/** upgrade-from and the probe's inputs (the values file is read later, by the rehearsal). */
function upgradeSettings(workspace: string, chart: boolean, smoke: SmokeTest[]): UpgradeFrom | undefined {
  const given = inputs.str(Inputs.UpgradeFrom)
  const rehearsalOnly = [Inputs.UpgradeFromChart, Inputs.ProbePath, Inputs.Rollback] as const
  if (!given) {
    const stray = rehearsalOnly.find(
      i => inputs.str(i) && !(i === Inputs.Rollback && inputs.str(i) === 'false')
    )
    if (stray) throw new InputError(stray, 'applies only with upgrade-from (the rehearsed upgrade)')
    return undefined
  }
  if (inputs.str(Inputs.Kubeconfig))
    throw new InputError(
      Inputs.UpgradeFrom,
      "rehearses the upgrade in a kind cluster of this step's (its probe runs on a node); with kubeconfig, deploy the current release yourself and use this step for the candidate"
    )
  const chartGiven = inputs.str(Inputs.UpgradeFromChart)
  const chartPath = chartGiven ? path.resolve(workspace, chartGiven) : undefined
  if (chartPath && !chart) throw new InputError(Inputs.UpgradeFromChart, 'applies to a chart only')
  if (chartPath && !fs.existsSync(path.join(chartPath, 'Chart.yaml')))
    throw new InputError(
      Inputs.UpgradeFromChart,
      `must be a chart folder with a Chart.yaml, got '${chartGiven}'`
    )
  const probePath = inputs.str(Inputs.ProbePath) || smoke[0]?.path || '/'
  if (!/^\/\S*$/.test(probePath))
    throw new InputError(Inputs.ProbePath, `must be a path starting with '/', got '${probePath}'`)
  return {
    given,
    valuesFile: path.resolve(workspace, given),
    chart: chartPath,
    probeRate: inputs.int(Inputs.ProbeRate, Number(Defaults[Inputs.ProbeRate]), 1, MAX_PROBE_RATE),
    probePath,
    maxFailedRequests: inputs.int(Inputs.MaxFailedRequests, 0, 0),
    rollback: inputs.bool(Inputs.Rollback, false)
  }
}

/**
 * image, with `digest` (build-push's output) joined to it: the image tested is then the exact one signed and
 * later deployed, whatever the tag points to by then.
 */
function imageWithDigest(): string {
  const image = inputs.required(Inputs.Image)
  const digest = inputs.str(Inputs.Digest)
  if (!digest) return image
  if (!isDigest(digest))
    throw new InputError(Inputs.Digest, `must be sha256:<64 hex digits>, got '${digest}'`)
  const named = parseImage(Inputs.Image, image).digest
  if (named && named !== digest)
    throw new InputError(Inputs.Digest, `is ${digest}, but image names another digest (${named})`)
  return named ? image : `${image}@${digest}`
}

function imageSettings() {
  const image = imageWithDigest()
  const ref = parseImage(Inputs.Image, image, { requireTag: true })
  const imageSource = inputs.oneOf(Inputs.ImageSource, IMAGE_SOURCES, Defaults[Inputs.ImageSource])
  const registryEndpoint = inputs.str(Inputs.RegistryEndpoint).replace(/\/+$/, '')
  if (registryEndpoint && !/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/.test(registryEndpoint))
    throw new InputError(
      Inputs.RegistryEndpoint,
      `must be the registry's address as the nodes reach it, such as https://registry.internal:5000 or http://kind-registry:5000, got '${registryEndpoint}'`
    )
  const registryCa = inputs.str(Inputs.RegistryCa)
  if (registryCa && !/^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----\s*$/.test(registryCa))
    throw new InputError(Inputs.RegistryCa, 'must be a PEM certificate (-----BEGIN CERTIFICATE----- ...)')
  if ((registryEndpoint || registryCa) && imageSource !== 'registry')
    throw new InputError(
      registryEndpoint ? Inputs.RegistryEndpoint : Inputs.RegistryCa,
      "applies to image-source: registry (the nodes pull the image); with 'load' nothing is pulled"
    )
  const imageKeys = parseImageKeys(
    inputs.lines(Inputs.ImageKeys).length
      ? inputs.lines(Inputs.ImageKeys)
      : inputs.splitLines(Defaults[Inputs.ImageKeys])
  )
  return {
    image,
    ref,
    username: inputs.str(Inputs.Username),
    password: inputs.secret(Inputs.Password),
    imageSource,
    registryEndpoint,
    registryCa,
    imageKeys
  }
}

function deploySettings(workspace: string) {
  const chart = inputs.str(Inputs.Chart)
  const manifests = inputs.lines(Inputs.Manifests)
  if (!chart && manifests.length === 0)
    throw new InputError(Inputs.Chart, "or 'manifests' is required: what should be deployed?")
  if (chart && manifests.length) throw new InputError(Inputs.Chart, "and 'manifests' cannot both be given")
  const chartPath = chart ? path.resolve(workspace, chart) : ''
  if (chart && !fs.existsSync(path.join(chartPath, 'Chart.yaml')))
    throw new InputError(Inputs.Chart, `must be a chart folder with a Chart.yaml, got '${chart}'`)
  for (const m of manifests)
    if (!fs.existsSync(path.resolve(workspace, m)))
      throw new InputError(Inputs.Manifests, `names '${m}', which does not exist`)
  const namespace = inputs.str(Inputs.Namespace, Defaults[Inputs.Namespace])
  if (!DNS_LABEL.test(namespace))
    throw new InputError(Inputs.Namespace, `must be a DNS label, got '${namespace}'`)
  const release = inputs.str(Inputs.Release) || (chart ? chartName(chartPath) : 'app')
  if (!DNS_LABEL.test(release)) throw new InputError(Inputs.Release, `must be a DNS label, got '${release}'`)
  const set = inputs.lines(Inputs.Set)
  for (const s of set)
    if (!/^[^=\s]+=/.test(s)) throw new InputError(Inputs.Set, `lines must look like key=value, got '${s}'`)
  const valuesFiles = inputs.lines(Inputs.ValuesFiles).map(f => {
    const abs = path.resolve(workspace, f)
    if (!chart) throw new InputError(Inputs.ValuesFiles, 'applies to a chart only')
    if (!fs.statSync(abs, { throwIfNoEntry: false })?.isFile())
      throw new InputError(Inputs.ValuesFiles, `names '${f}', which is not a file`)
    return abs
  })
  return {
    chart: chartPath,
    manifests: manifests.map(m => path.resolve(workspace, m)),
    release,
    namespace,
    set,
    valuesFiles
  }
}

function clusterSettings(workspace: string, ref: ImageRef, chart: boolean) {
  const config = inputs.str(Inputs.Config)
  if (config && !fs.existsSync(path.resolve(workspace, config)))
    throw new InputError(Inputs.Config, `names '${config}', which does not exist`)
  const kubeconfig = inputs.str(Inputs.Kubeconfig)
  const kubeconfigPath = kubeconfig ? path.resolve(workspace, kubeconfig) : ''
  if (kubeconfig && !fs.statSync(kubeconfigPath, { throwIfNoEntry: false })?.isFile())
    throw new InputError(Inputs.Kubeconfig, `must be the path of a kubeconfig file, got '${kubeconfig}'`)
  if (kubeconfig && ref.digest && !inputs.lines(Inputs.ImageKeys).some(l => /^digest=./.test(l)) && chart)
    throw new InputError(
      Inputs.ImageKeys,
      'needs digest= for a digest reference in a cluster of your own (kubeconfig): it pulls the image by its reference, and the chart must be told the digest'
    )
  if (kubeconfig && (inputs.str(Inputs.RegistryEndpoint) || inputs.str(Inputs.RegistryCa)))
    throw new InputError(
      inputs.str(Inputs.RegistryEndpoint) ? Inputs.RegistryEndpoint : Inputs.RegistryCa,
      'configures the nodes of a kind cluster this step creates; a cluster of your own (kubeconfig) reaches registries as you set it up'
    )
  const clusterName = inputs.str(Inputs.ClusterName) || defaultClusterName()
  if (!DNS_LABEL.test(clusterName) || clusterName.length > 40)
    throw new InputError(
      Inputs.ClusterName,
      `must be lower-case letters, digits and '-', at most 40, got '${clusterName}'`
    )
  const kindVersion = inputs.str(Inputs.KindVersion, Defaults[Inputs.KindVersion])
  if (!/^v\d+\.\d+\.\d+$/.test(kindVersion))
    throw new InputError(Inputs.KindVersion, `must be a release such as v0.30.0, got '${kindVersion}'`)
  const nodeImage = inputs.str(Inputs.NodeImage)
  if (nodeImage) parseImage(Inputs.NodeImage, nodeImage)
  return {
    clusterName,
    kindVersion,
    // the node image the requested kind release names, by digest, unless one is given
    nodeImage: nodeImage || (KIND_RELEASES[kindVersion]?.nodeImage ?? ''),
    config: config ? path.resolve(workspace, config) : '',
    keepCluster: inputs.bool(Inputs.KeepCluster, false),
    ignoreFailedClean: inputs.bool(Inputs.IgnoreFailedClean, false),
    exportLogs: inputs.bool(Inputs.ExportLogs, true),
    kubeconfig: kubeconfigPath
  }
}

function checkSettings(release: string) {
  const service = inputs.str(Inputs.Service) || release
  if (!DNS_LABEL.test(service)) throw new InputError(Inputs.Service, `must be a DNS label, got '${service}'`)
  const waitTimeoutMs = inputs.duration(Inputs.WaitTimeout, Defaults[Inputs.WaitTimeout])
  if (waitTimeoutMs < 1000 || waitTimeoutMs > MAX_WAIT_MS)
    throw new InputError(
      Inputs.WaitTimeout,
      `must be from 1s to 6h (the longest a job runs), got '${inputs.str(Inputs.WaitTimeout)}'`
    )
  const smoke = inputs.lines(Inputs.SmokeTests)
  return {
    waitTimeoutMs,
    service,
    serviceGiven: !!inputs.str(Inputs.Service),
    port: inputs.int(Inputs.Port, 80, 1, 65535),
    smokeTests: parseSmokeTests(smoke.length ? smoke : inputs.splitLines(Defaults[Inputs.SmokeTests])),
    summary: inputs.bool(Inputs.Summary, true),
    helmTest: inputs.bool(Inputs.HelmTest, false),
    testCommand: splitArgs(Inputs.TestCommand, inputs.str(Inputs.TestCommand))
  }
}
