// Start-up of each committed bundle over bare node, and bundle sizes.
// The bundle is run with no inputs: it loads, reads its inputs and exits with an error naming the
// missing one, which is the start-up cost every run pays before doing its work.
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { nodeBinary } from '../scripts/lib/runner.mjs'
import { fmt, infra, median, ROOT, table } from './lib.mjs'

const STAGES = ['unit-test', 'build-push', 'kind-e2e', 'gitops-bump']
const RUNS = Number(process.env.BENCH_RUNS || 50)
const env = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !k.startsWith('INPUT_') && !k.startsWith('GITHUB_'))
)

function once(node, args) {
  const t = process.hrtime.bigint()
  spawnSync(node, args, { env, stdio: 'ignore' })
  return Number(process.hrtime.bigint() - t) / 1e6
}

/** One runtime: bare `node -e 0` and each bundle, rounds interleaved. */
function measure(major) {
  const node = nodeBinary(major)
  const targets = [['-e', '0'], ...STAGES.map(s => [path.join(ROOT, 'dist', s, 'index.js')])]
  const times = targets.map(() => [])
  once(node, targets[0])
  // Rounds interleave the targets, so a slow moment of the machine hits all of them alike.
  for (let i = 0; i < RUNS; i++) targets.forEach((t, j) => times[j].push(once(node, t)))
  // what a bundle adds: the median of its difference to bare node in the same round (a slow moment of
  // the machine lands on both sides of each difference)
  const over = times.slice(1).map(ts => median(ts.map((t, i) => t - times[0][i])))
  return { bare: median(times[0]), stages: times.slice(1).map(median), over }
}

export function run() {
  infra() // the pinned Node 24 and Node 20
  console.log(
    `\n## Start-up over bare node and bundle size (median of ${RUNS} rounds; Node 24 is what GitHub runs, Node 20 what act often does)`
  )
  const n24 = measure('24')
  const n20 = measure('20')
  const rows = STAGES.map((stage, j) => {
    const dir = path.join(ROOT, 'dist', stage)
    // the entry file and the chunks it may load (pull-request mode, tool downloads, the XML parser)
    const kb =
      fs
        .readdirSync(dir)
        .filter(f => f.endsWith('.js'))
        .reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0) / 1024
    const over = n24.over[j]
    return [
      stage,
      fmt(n24.stages[j]),
      `+${fmt(over)}`,
      `+${fmt(n20.over[j])}`,
      `${kb.toFixed(0)} KB`,
      over <= 30 ? 'yes' : 'NO'
    ]
  })
  table(
    [
      'bundle',
      'Node 24',
      'over bare Node 24',
      'over bare Node 20',
      'size (with chunks)',
      'within 30 ms (Node 24)'
    ],
    rows
  )
  console.log(`  bare node -e 0: Node 24 ${fmt(n24.bare)}, Node 20 ${fmt(n20.bare)}`)
}

if (import.meta.url === `file://${process.argv[1]}`) run()
