// Sharding pytest over a matrix: `shard: K/N` runs the K-th of N groups of the collected tests, so N matrix
// jobs run the suite in parallel and a merge job reports them as one (`reports`). Every job collects the
// same tests and computes the same split, so the groups neither overlap nor miss a test. With an earlier
// JUnit report (`durations-report`) the groups are balanced by the tests' durations (greedy, longest
// first; tests the report does not know weigh the median); without one, whole files are balanced by
// their number of tests. A pytest plugin in the step's private folder does the deselecting.
import * as path from 'node:path'
import type { PrivateDir } from '../common/temp.js'
import type { TestCase } from './junit.js'
import type { Shard } from './settings.js'

export const PLUGIN_MODULE = 'demo_actions_shard'

const PLUGIN = String.raw`# Written by demo-actions unit-test: runs one shard of the collected tests.
import json
import os


def _junit_key(nodeid):
    # the classname::name pytest's junitxml writes for an item
    parts = nodeid.split("::")
    path = parts[0]
    if path.endswith(".py"):
        path = path[:-3]
    names = [path.replace("/", ".")] + [p for p in parts[1:] if p != "()"]
    return ".".join(names[:-1]) + "::" + names[-1]


def pytest_collection_modifyitems(session, config, items):
    spec = os.environ.get("DEMO_ACTIONS_SHARD")
    if not spec:
        return
    k, n = (int(x) for x in spec.split("/"))
    durations = {}
    path = os.environ.get("DEMO_ACTIONS_DURATIONS")
    if path and os.path.exists(path):
        with open(path) as f:
            durations = json.load(f)
    loads = [0.0] * n
    chosen = {}
    known = sorted(durations[_junit_key(i.nodeid)] for i in items if _junit_key(i.nodeid) in durations)
    if known:
        median = known[len(known) // 2] or 0.001
        # every test costs at least a millisecond, so tests of no measured time still spread out
        weighted = sorted(
            ((max(durations.get(_junit_key(i.nodeid), median), 0.0) + 0.001, i.nodeid) for i in items),
            key=lambda w: (-w[0], w[1]),
        )
        for weight, nodeid in weighted:
            s = min(range(n), key=lambda j: (loads[j], j))
            loads[s] += weight
            chosen[nodeid] = s
    else:
        files = {}
        for i in items:
            files.setdefault(i.nodeid.split("::")[0], []).append(i.nodeid)
        for name, ids in sorted(files.items(), key=lambda f: (-len(f[1]), f[0])):
            s = min(range(n), key=lambda j: (loads[j], j))
            loads[s] += len(ids)
            for nodeid in ids:
                chosen[nodeid] = s
    keep = [i for i in items if chosen[i.nodeid] == k - 1]
    drop = [i for i in items if chosen[i.nodeid] != k - 1]
    if drop:
        config.hook.pytest_deselected(items=drop)
    items[:] = keep
`

/** Durations by the key the plugin computes (`classname::name`), from an earlier report. */
export function durationsOf(cases: TestCase[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const c of cases) out[`${c.classname}::${c.name}`] = c.time
  return out
}

/** Writes the plugin (and the durations) to the private folder; returns the environment and arguments pytest needs. */
export async function prepareShard(
  priv: PrivateDir,
  shard: Shard,
  durations: Record<string, number> | undefined
): Promise<{ env: Record<string, string>; args: string[] }> {
  const file = await priv.write(`${PLUGIN_MODULE}.py`, PLUGIN)
  const env: Record<string, string> = {
    DEMO_ACTIONS_SHARD: `${shard.index}/${shard.count}`,
    PYTHONPATH: [path.dirname(file), process.env.PYTHONPATH].filter(Boolean).join(path.delimiter)
  }
  if (durations) env.DEMO_ACTIONS_DURATIONS = await priv.write('durations.json', JSON.stringify(durations))
  return { env, args: ['-p', PLUGIN_MODULE] }
}
