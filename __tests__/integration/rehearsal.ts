// The rehearsal tests' material (kind-e2e's upgrade-from on real kind): the example app as what runs now
// and as the candidate, one that crashes at start, a values file of what runs now as a GitOps repository
// holds it, the inputs, and the check that a run left nothing behind (no cluster, node, private folder or
// probe). Each test file pushes the images under a repository of its own.
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { tempDir } from '../../scripts/lib/runner.mjs'
import { buildCrashingApp, buildExampleApp, CHART, push } from './example-app.js'
import { clusters, deleteCluster, NODE, nodeContainers } from './kind.js'
import { infra } from './registry.js'

export const DROPS = '__tests__/fixtures/charts/drops'
const KEYS = 'repository=image.repository\ntag=image.tag\npullPolicy=image.pullPolicy\ndigest=image.digest'

export const errors = (r: { commands: { command: string; message: string }[] }) =>
  r.commands.filter(c => c.command === 'error').map(c => c.message)

/** No probe of a step left running on this machine (its `docker exec` ends with it). */
const probes = () =>
  execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
    .split('\n')
    .filter(l => /docker exec -i \S+ bash -c url=/.test(l))

/** The images of one test file, built and pushed in its beforeAll; its clusters deleted in afterAll. */
export function rehearsal(name: string) {
  const repo = `${infra.REGISTRY}/${name}/demo-flask-app`
  const images = {
    current: `${repo}:v2.0.0-1111111-10`,
    candidate: `${repo}:v2.0.0-2222222-11`,
    crashing: `${repo}:v2.0.0-badbad0-12`
  }
  const made: string[] = []
  beforeAll(() => {
    buildExampleApp(images.current)
    execFileSync('docker', ['tag', images.current, images.candidate])
    buildCrashingApp(images.crashing, images.current)
    push(images.current, images.candidate, images.crashing)
  }, 120_000)
  afterAll(() => {
    for (const cluster of made) if (clusters().includes(cluster)) deleteCluster(cluster)
  })

  /** A values file of what runs now, as a GitOps repository holds it. */
  const values = (tag: string, extra = ''): string => {
    const file = path.join(tempDir('upgrade-from'), 'values.yaml')
    fs.writeFileSync(file, `image:\n  repository: ${repo}\n  tag: "${tag}"\n  digest: ""\n${extra}`)
    return file
  }
  const inputs = (more: Record<string, string>) => ({
    image: images.candidate,
    chart: CHART,
    ...NODE,
    'image-keys': KEYS,
    username: infra.REGISTRY_USER,
    password: infra.REGISTRY_PASSWORD,
    'probe-rate': '50',
    ...more
  })
  const leftNothing = (main: { outputs: Record<string, string>; state: Record<string, string> }) => {
    const cluster = main.outputs['cluster-name']
    made.push(cluster)
    expect(clusters()).not.toContain(cluster)
    expect(nodeContainers(cluster)).toEqual([])
    expect(fs.existsSync(main.state.privateDir)).toBe(false)
    expect(probes()).toEqual([])
  }
  const tagOf = (image: string) => image.split(':')[2]
  return { ...images, values, inputs, leftNothing, tagOf }
}
