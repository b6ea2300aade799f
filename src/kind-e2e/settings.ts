import * as fs from 'node:fs'
import * as path from 'node:path'
import * as inputs from '../common/inputs.js'
import { InputError } from '../common/inputs.js'
import { parseImage, type ImageRef } from '../common/validate.js'
import { Defaults, Inputs } from './constants.js'

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

/** Unique per run, attempt and job, so two runs on one machine never share a cluster. */
export function defaultClusterName(env = process.env): string {
  const parts = ['e2e', env.GITHUB_RUN_ID, env.GITHUB_RUN_ATTEMPT, env.GITHUB_JOB].filter(Boolean) as string[]
  if (parts.length === 1) parts.push(String(process.pid), Date.now().toString(36))
  return parts
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, 40)
    .replace(/-+$/, '')
}

/** The chart's name from Chart.yaml (a top-level `name:` line), else the folder's name. */
function chartName(chart: string): string {
  const text = fs.readFileSync(path.join(chart, 'Chart.yaml'), { encoding: 'utf8', flag: 'r' })
  const m = /^name:\s*["']?([A-Za-z0-9._-]+)["']?\s*(?:#.*)?$/m.exec(text)
  return m ? m[1] : path.basename(path.resolve(chart))
}

export function getSettings(): Settings {
  const image = inputs.required(Inputs.Image)
  const ref = parseImage(Inputs.Image, image, { requireTag: true })
  const workspace = process.env.GITHUB_WORKSPACE || process.cwd()
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
  const config = inputs.str(Inputs.Config)
  if (config && !fs.existsSync(path.resolve(workspace, config)))
    throw new InputError(Inputs.Config, `names '${config}', which does not exist`)
  const clusterName = inputs.str(Inputs.ClusterName) || defaultClusterName()
  if (!DNS_LABEL.test(clusterName) || clusterName.length > 40)
    throw new InputError(
      Inputs.ClusterName,
      `must be lower-case letters, digits and '-', at most 40, got '${clusterName}'`
    )
  const namespace = inputs.str(Inputs.Namespace, Defaults[Inputs.Namespace])
  if (!DNS_LABEL.test(namespace))
    throw new InputError(Inputs.Namespace, `must be a DNS label, got '${namespace}'`)
  const release = inputs.str(Inputs.Release) || (chart ? chartName(chartPath) : 'app')
  if (!DNS_LABEL.test(release)) throw new InputError(Inputs.Release, `must be a DNS label, got '${release}'`)
  const service = inputs.str(Inputs.Service) || release
  if (!DNS_LABEL.test(service)) throw new InputError(Inputs.Service, `must be a DNS label, got '${service}'`)
  const set = inputs.lines(Inputs.Set)
  for (const s of set)
    if (!/^[^=\s]+=/.test(s)) throw new InputError(Inputs.Set, `lines must look like key=value, got '${s}'`)
  const smoke = inputs.lines(Inputs.SmokeTests)
  return {
    image,
    ref,
    username: inputs.str(Inputs.Username),
    password: inputs.secret(Inputs.Password),
    clusterName,
    kindVersion: inputs.str(Inputs.KindVersion, Defaults[Inputs.KindVersion]),
    nodeImage: inputs.str(Inputs.NodeImage)
      ? parseImage(Inputs.NodeImage, inputs.str(Inputs.NodeImage)) && inputs.str(Inputs.NodeImage)
      : '',
    config: config ? path.resolve(workspace, config) : '',
    chart: chartPath,
    manifests: manifests.map(m => path.resolve(workspace, m)),
    release,
    namespace,
    set,
    waitTimeoutMs: inputs.duration(Inputs.WaitTimeout, Defaults[Inputs.WaitTimeout]),
    service,
    port: inputs.int(Inputs.Port, 80, 1, 65535),
    smokeTests: parseSmokeTests(smoke.length ? smoke : inputs.splitLines(Defaults[Inputs.SmokeTests])),
    keepCluster: inputs.bool(Inputs.KeepCluster, false)
  }
}
