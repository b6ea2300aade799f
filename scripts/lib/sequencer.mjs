// Jest's test order: the longest test files first, so that the workers end at about the same time. Jest's
// own order does this from durations it keeps by absolute path in its cache, so a fresh clone (CI's, at a
// new path) gets none and falls back to file size, which starts a long file (act's, about a fifth of the
// integration layer's time in few lines) late. This sequencer keeps the durations by the path inside the
// project, in $DEMO_ACTIONS_CACHE (default ~/.cache/demo-actions)/jest-durations.json, and uses them when
// Jest has none of its own, and on a machine with none yet, the durations committed beside this file (a
// run's, copied from there by hand: only an order, so a stale one costs little). A file measured nowhere
// comes first (it may be long), then Jest's order. The files that hold the seed's clusters (holdSeed,
// __tests__/integration/seed.ts) come before all of these with DEMO_ACTIONS_SEED_ORDER=first (while the
// clusters sleep between files: they sleep for good once the last holder ends), or after them with
// DEMO_ACTIONS_SEED_ORDER=last (while the clusters wake: the others run meanwhile), as scripts/test.sh sets.
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import Sequencer from '@jest/test-sequencer'

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..')
const FILE = path.join(
  process.env.DEMO_ACTIONS_CACHE || path.join(os.homedir(), '.cache/demo-actions'),
  'jest-durations.json'
)

const COMMITTED = path.join(ROOT, 'scripts/lib/jest-durations.json')

function load(file = FILE) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch {
    return {}
  }
}

export default class LongestFirst extends (Sequencer.default ?? Sequencer) {
  sort(tests) {
    // this machine's durations over the committed ones
    const known = { ...load(COMMITTED), ...load() }
    const sorted = super.sort(tests)
    const duration = t => t.duration ?? known[path.relative(ROOT, t.path)]
    const holdsSeed = t => {
      try {
        return /\bholdSeed\b/.test(fs.readFileSync(t.path, 'utf8'))
      } catch {
        return false
      }
    }
    const seedOrder = { first: 1, last: -1 }[process.env.DEMO_ACTIONS_SEED_ORDER] ?? 0
    // stable: among files with no duration anywhere, Jest's order (failed first, then by size)
    return sorted
      .map((t, i) => ({ t, i, d: duration(t), seed: seedOrder && holdsSeed(t) }))
      .sort(
        (a, b) =>
          seedOrder * (b.seed - a.seed) ||
          (b.d == null) - (a.d == null) ||
          (b.d ?? 0) - (a.d ?? 0) ||
          a.i - b.i
      )
      .map(({ t }) => t)
  }

  cacheResults(tests, results) {
    super.cacheResults(tests, results)
    const kept = load()
    for (const r of results.testResults) {
      // (a run of some of a file's tests, -t, says little of the whole file's time: kept as it was)
      if (r.skipped || r.testExecError || r.numPendingTests > 0) continue
      const ms = r.perfStats.runtime ?? r.perfStats.end - r.perfStats.start
      if (ms > 0) kept[path.relative(ROOT, r.testFilePath)] = ms
    }
    try {
      fs.mkdirSync(path.dirname(FILE), { recursive: true })
      const tmp = `${FILE}.${process.pid}`
      fs.writeFileSync(tmp, JSON.stringify(kept, null, 1))
      fs.renameSync(tmp, FILE)
    } catch {
      // a cache that cannot be written costs only the order of the next run
    }
  }
}
