#!/usr/bin/env node
// What a test run leaves on the machine: Docker containers (running or not), networks and volumes, kind
// clusters, contexts in the user's kubeconfig, and entries of the temp folder. scripts/test.sh takes a
// snapshot before the tests and compares after them; anything new fails the run, named.
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

function lines(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .split('\n')
      .map(l => l.trim())
      .filter(Boolean)
  } catch {
    return []
  }
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
    'kind clusters': lines(process.env.KIND || 'kind', ['get', 'clusters']),
    'kubeconfig contexts': contexts,
    'temp folder': fs.readdirSync(os.tmpdir()).filter(n => !KEPT_TEMP.some(k => k.test(n)))
  }
}

const [mode, file] = process.argv.slice(2)
if (mode === 'snapshot') fs.writeFileSync(file, JSON.stringify(snapshot()))
else if (mode === 'compare') {
  const before = JSON.parse(fs.readFileSync(file, 'utf8'))
  const after = snapshot()
  const found = []
  for (const [what, now] of Object.entries(after)) {
    const added = now.filter(x => !before[what].includes(x))
    if (added.length)
      found.push(
        `${what}: ${added.slice(0, 10).join(', ')}${added.length > 10 ? ` and ${added.length - 10} more` : ''}`
      )
  }
  fs.rmSync(file, { force: true })
  if (found.length) {
    console.error(`The tests left these behind:\n  ${found.join('\n  ')}`)
    process.exit(1)
  }
  console.log(
    'nothing left behind: no container, network, volume, kind cluster, kubeconfig context or temp folder'
  )
} else {
  console.error('usage: leftovers.mjs snapshot|compare FILE')
  process.exit(2)
}
