// Start-up of each committed bundle over bare node, and bundle sizes.
// The bundle is run with no inputs: it loads, reads its inputs and exits with an error naming the
// missing one, which is the start-up cost every run pays before doing its work.
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fmt, median, ROOT, table } from './lib.mjs'

const STAGES = ['unit-test', 'build-push', 'kind-e2e', 'gitops-bump']
const RUNS = Number(process.env.BENCH_RUNS || 50)
const env = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !k.startsWith('INPUT_') && !k.startsWith('GITHUB_'))
)

function once(args) {
  const t = process.hrtime.bigint()
  spawnSync(process.execPath, args, { env, stdio: 'ignore' })
  return Number(process.hrtime.bigint() - t) / 1e6
}

export function run() {
  console.log(
    `\n## Start-up over bare node and bundle size (median of ${RUNS} rounds, node ${process.version})`
  )
  const targets = [['-e', '0'], ...STAGES.map(s => [path.join(ROOT, 'dist', s, 'index.js')])]
  const times = targets.map(() => [])
  once(targets[0])
  // Rounds interleave the targets, so a slow moment of the machine hits all of them alike.
  for (let i = 0; i < RUNS; i++) targets.forEach((t, j) => times[j].push(once(t)))
  const bare = median(times[0])
  const rows = STAGES.map((stage, j) => {
    const t = median(times[j + 1])
    // the entry file and the chunks it may load (pull-request mode, tool downloads, the XML parser)
    const dir = path.dirname(targets[j + 1][0])
    const kb =
      fs
        .readdirSync(dir)
        .filter(f => f.endsWith('.js'))
        .reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0) / 1024
    return [
      stage,
      fmt(t),
      `+${fmt(t - bare)}`,
      `${kb.toFixed(0)} KB`,
      t - bare <= 60 && kb <= 1536 ? 'yes' : 'NO'
    ]
  })
  table(['bundle', 'start-up', 'over bare node', 'size (with chunks)', 'within 60 ms / 1.5 MB'], rows)
  console.log(`  bare node -e 0: ${fmt(bare)}`)
}

if (import.meta.url === `file://${process.argv[1]}`) run()
