// Shared by the benchmarks: timing helpers and the infrastructure they use.
import { execFileSync, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { infraEnv, parseFileCommands, ROOT, tempDir } from '../scripts/lib/runner.mjs'

export { ROOT }

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

export async function timeIt(fn, runs) {
  const times = []
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint()
    await fn(i)
    times.push(Number(process.hrtime.bigint() - t) / 1e6)
  }
  return median(times)
}

export const fmt = ms => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`)

export function table(headers, rows) {
  const all = [headers, ...rows.map(r => r.map(String))]
  const w = headers.map((_, i) => Math.max(...all.map(r => r[i].length)))
  const line = r => '  ' + r.map((c, i) => c.padEnd(w[i])).join('  ')
  console.log([line(headers), '  ' + w.map(n => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n'))
}

/** Brings the infrastructure up (idempotent) and returns its env. */
export function infra() {
  const r = spawnSync('bash', [path.join(ROOT, 'scripts/infra.sh'), 'up'], {
    stdio: ['ignore', 'ignore', 'inherit']
  })
  if (r.status !== 0) throw new Error('scripts/infra.sh failed')
  return infraEnv()
}

export function git(args, opts = {}) {
  return execFileSync('git', args, {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    ...opts,
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'bench',
      GIT_AUTHOR_EMAIL: 'bench@localhost',
      GIT_COMMITTER_NAME: 'bench',
      GIT_COMMITTER_EMAIL: 'bench@localhost',
      ...opts.env
    }
  })
}

export function sshEnv(env) {
  return {
    GIT_SSH_COMMAND: `ssh -i ${env.SSH_KEY} -o IdentitiesOnly=yes -o UserKnownHostsFile=${env.SSH_KNOWN_HOSTS} -o StrictHostKeyChecking=yes -o BatchMode=yes`
  }
}

export function rm(p) {
  fs.rmSync(p, { recursive: true, force: true })
}

/** A docker config of its own, logged in to the test registry (its password on stdin); returns its folder. */
export function registryLogin(env) {
  const cfg = tempDir('bench-docker')
  execFileSync(
    'docker',
    ['--config', cfg, 'login', '-u', env.REGISTRY_USER, '--password-stdin', env.REGISTRY],
    { input: env.REGISTRY_PASSWORD, stdio: ['pipe', 'ignore', 'ignore'] }
  )
  return cfg
}

/** kind and its node image built here (scripts/kind/kind.sh up), as its env file names them. */
export function kindUp() {
  const r = spawnSync('bash', [path.join(ROOT, 'scripts/kind/kind.sh'), 'up'], {
    stdio: ['ignore', 'ignore', 'inherit']
  })
  if (r.status !== 0) throw new Error('scripts/kind/kind.sh up failed')
  return parseFileCommands(
    fs.readFileSync(path.join(process.env.DEMO_ACTIONS_KIND || '/tmp/demo-actions-kind', 'env'), 'utf8')
  )
}
