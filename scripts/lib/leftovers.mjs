#!/usr/bin/env node
// What a test run leaves on the machine: Docker containers (running or not), networks, volumes, images
// outside the test registries and buildx builders, kind clusters, contexts in the user's kubeconfig, the
// processes of the tools the stages and tests start, and entries of the temp folder. scripts/test.sh takes
// a snapshot before the tests and compares after them; anything new fails the run, named. A question that
// cannot be answered (docker or kind unreachable) fails too: it is not "nothing left".
// Images of the test registries are not counted: build-push leaves what it built in the engine, as
// docker/build-push-action does with the docker driver, for later steps (kind-e2e loads it from there).
// Once compared, the tags of the test registries new since the snapshot are removed, so that a test run
// does not leave a hundred of them in `docker images`.
//   node scripts/lib/leftovers.mjs snapshot FILE
//   node scripts/lib/leftovers.mjs compare FILE
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'

// what is made on purpose and kept: caches (jest's), the services' own folders (infra, kind, lab)
const KEPT_TEMP = [
  /^jest_/,
  /^demo-actions-(infra|kind|lab|seed)$/,
  /^hsperfdata_/,
  /^bash_jobs/,
  /^v8-compile-cache/
]

// the registries the tests push to (their images are build-push's local copies, kept by design)
const TEST_REGISTRIES = /^(127\.0\.0\.1:\d+|localhost:\d+|registry\.demo-actions\.test:\d+)\//
// the tools whose processes a stage or a test starts and must end
const TOOLS = new Set([
  'kubectl',
  'helm',
  'kind',
  'buildkitd',
  'buildctl',
  'act',
  'cosign',
  'gh',
  'ssh',
  'git'
])

function lines(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
      .split('\n')
      .map(l => l.trim())
      .filter(Boolean)
  } catch (err) {
    const said = String(err.stderr ?? '')
      .trim()
      .split('\n')
      .slice(-2)
      .join(' ')
    throw new Error(`leftovers: \`${cmd} ${args.join(' ')}\` could not answer (${said || err.message})`)
  }
}

/**
 * Processes of the tools above, and stage bundles still running: "pid command line". A zombie (state Z) has
 * ended and holds nothing; it waits for a parent to reap it, which an init that is not a reaper may never do.
 */
function processes() {
  return lines('ps', ['-eo', 'pid=,stat=,comm=,args='])
    .map(l => /^(\d+)\s+(\S+)\s+(\S+)\s+(.*)$/.exec(l))
    .filter(m => m && Number(m[1]) !== process.pid && !m[2].startsWith('Z'))
    .filter(m => TOOLS.has(m[3]) || /\/dist\/[a-z-]+\/index\.js\b/.test(m[4]))
    .map(m => `${m[1]} ${m[4].slice(0, 160)}`)
}

/** Whether a process runs in a container (its cgroup names one): a kind node's, say. */
function inContainer(pid) {
  try {
    return /\/docker[/-][0-9a-f]{12}/.test(fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8'))
  } catch {
    return false
  }
}

/**
 * Of the processes new since the snapshot, those that are left: a kind node that was there before (the
 * seed's) runs its own short commands (its pod network lists the nodes every 10 seconds, with a 10-second
 * timeout), so one in a container counts only if it is still there 11 seconds later. A container a test
 * leaves is named under containers.
 */
function leftProcesses(added) {
  const contained = new Set(added.filter(p => inContainer(p.split(' ')[0])))
  if (!contained.size) return added
  execFileSync('sleep', ['11'])
  const still = new Set(processes())
  return added.filter(p => !contained.has(p) || still.has(p))
}

function snapshot() {
  const kubeconfig = process.env.KUBECONFIG || path.join(os.homedir(), '.kube', 'config')
  const contexts = fs.existsSync(kubeconfig)
    ? [...fs.readFileSync(kubeconfig, 'utf8').matchAll(/^- context:[\s\S]*?\n {2}name: (\S+)/gm)].map(
        m => m[1]
      )
    : []
  return {
    containers: lines('docker', ['ps', '-a', '--format', '{{.Names}} ({{.Image}}, {{.Status}})']).map(l =>
      l.replace(/, (Up|Exited|Created).*\)$/, ')')
    ),
    networks: lines('docker', ['network', 'ls', '--format', '{{.Name}}']),
    volumes: lines('docker', ['volume', 'ls', '-q']),
    images: lines('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}']).filter(
      i => !TEST_REGISTRIES.test(i) && !i.startsWith('<none>')
    ),
    'buildx builders': lines('docker', ['buildx', 'ls', '--format', '{{.Name}}']),
    processes: processes(),
    'kind clusters': lines(process.env.KIND || 'kind', ['get', 'clusters']),
    'kubeconfig contexts': contexts,
    'temp folder': fs.readdirSync(os.tmpdir()).filter(n => !KEPT_TEMP.some(k => k.test(n)))
  }
}

/** The references of the test registries' images in the engine: by tag, or by digest when untagged. */
const testImages = () =>
  lines('docker', ['images', '--digests', '--format', '{{.Repository}}:{{.Tag}} {{.Repository}}@{{.Digest}}'])
    .map(l => l.split(' '))
    .map(([tagged, digested]) =>
      !tagged.endsWith(':<none>') ? tagged : !digested.endsWith('@<none>') ? digested : ''
    )
    .filter(i => TEST_REGISTRIES.test(i))

/** Removes the test registries' tags that were not there at the snapshot; says how many. */
function untagTestImages(before) {
  const added = testImages().filter(i => !before.includes(i))
  if (!added.length) return
  try {
    execFileSync('docker', ['rmi', ...added], { stdio: ['ignore', 'ignore', 'pipe'] })
    console.log(`removed the ${added.length} image references of the test registries the tests made`)
  } catch (err) {
    const said = String(err.stderr ?? err.message)
      .trim()
      .split('\n')
      .slice(-1)[0]
    console.error(`some of the ${added.length} image references the tests made were not removed: ${said}`)
  }
}

// (a key of the snapshot file that compare does not count)
const TEST_IMAGES = 'test registries images'

const [mode, file] = process.argv.slice(2)
try {
  if (mode === 'snapshot')
    fs.writeFileSync(file, JSON.stringify({ ...snapshot(), [TEST_IMAGES]: testImages() }))
  else if (mode === 'compare') {
    const before = JSON.parse(fs.readFileSync(file, 'utf8'))
    const after = snapshot()
    const found = []
    for (const [what, now] of Object.entries(after)) {
      let added = now.filter(x => !before[what].includes(x))
      if (what === 'processes') added = leftProcesses(added)
      if (added.length)
        found.push(
          `${what}: ${added.slice(0, 10).join(', ')}${added.length > 10 ? ` and ${added.length - 10} more` : ''}`
        )
    }
    fs.rmSync(file, { force: true })
    untagTestImages(before[TEST_IMAGES] ?? [])
    if (found.length) {
      console.error(`The tests left these behind:\n  ${found.join('\n  ')}`)
      process.exit(1)
    }
    console.log(
      'nothing left behind: no container, network, volume, image, buildx builder, kind cluster, kubeconfig context, process or temp folder'
    )
  } else {
    console.error('usage: leftovers.mjs snapshot|compare FILE')
    process.exit(2)
  }
} catch (err) {
  console.error(err.message)
  process.exit(1)
}
