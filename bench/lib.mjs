// Shared by the benchmarks: timing helpers and the infrastructure they use.
import { execFileSync, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as http from 'node:http'
import * as https from 'node:https'
import * as path from 'node:path'
import { clearInterval, setInterval } from 'node:timers'
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

/** Argo CD's REST API as a script reads it (one keep-alive agent): an application's status, and the wait
 * `argocd app wait --sync --health` does after a push (a `?refresh=normal` first, then polling). */
export function argoClient(seed) {
  const token = fs.readFileSync(seed.ARGOCD_TOKEN_FILE, 'utf8').trim()
  const agent = new https.Agent({ ca: fs.readFileSync(seed.ARGOCD_CA, 'utf8'), keepAlive: true })
  const get = (app, query = '') =>
    new Promise((resolve, reject) =>
      https
        .get(
          `${seed.ARGOCD_SERVER}/api/v1/applications/${app}${query}`,
          { agent, headers: { authorization: `Bearer ${token}` } },
          res => {
            let s = ''
            res.on('data', d => (s += d)).on('end', () => resolve(JSON.parse(s).status ?? {}))
          }
        )
        .on('error', reject)
    )
  const waitFor = async (app, commit) => {
    await get(app, '?refresh=normal')
    for (let i = 0; i < 600; i++) {
      const st = await get(app)
      if (st.sync?.revision === commit && st.sync?.status === 'Synced' && st.health?.status === 'Healthy')
        return
      await new Promise(r => setTimeout(r, 500))
    }
    throw new Error(`${app} not Synced and Healthy at ${commit}`)
  }
  return { token, get, waitFor, destroy: () => agent.destroy() }
}

/** The image keys of a values file (the quoted tag and digest a bump writes), and the file with new ones. */
export const imageOf = text => ({
  tag: /^\s+tag: "([^"]*)"/m.exec(text)?.[1],
  digest: /^\s+digest: "([^"]*)"/m.exec(text)?.[1]
})
export const withImage = (text, tag, digest) =>
  text.replace(/^(\s+tag: )"[^"]*"/m, `$1"${tag}"`).replace(/^(\s+digest: )"[^"]*"/m, `$1"${digest}"`)

/** What a careful script checks before it pushes values: `helm lint --strict`, and the old and new values
 * rendered (for the diff a reviewer reads). */
export function helmChecks(helm, chart, oldValues, newValues) {
  execFileSync(helm, ['lint', '--strict', chart, '-f', newValues], { stdio: 'ignore' })
  for (const v of [oldValues, newValues])
    execFileSync(helm, ['template', 'demo-flask-app', chart, '-f', v], { stdio: 'ignore' })
}

/**
 * The raw commands' deploy through GitOps: git clone, `pick(work)` names the image (and checks what it
 * must first), the values file moved to its tag and digest, `helm lint --strict` and `helm template` of the
 * old and new values (unless `checks: false`), commit, push, then `onPushed()` (a probe, say) and Argo
 * CD's application waited for until Synced at that commit and Healthy (`argocd app wait --sync --health`).
 * @returns {Promise<{ commit: string, image: { tag: string, digest: string }, healthyMs: number, started: any }>}
 */
export async function rawDeploy({ env, url, argo, file, app, pick, message, checks = true, onPushed }) {
  const ssh = sshEnv(env)
  const work = tempDir('bench-gitops')
  try {
    git(['clone', '-q', url, work], { env: ssh })
    const image = await pick(work)
    const target = path.join(work, file)
    const old = path.join(work, '.old-values.yaml')
    fs.copyFileSync(target, old)
    fs.writeFileSync(target, withImage(fs.readFileSync(target, 'utf8'), image.tag, image.digest))
    if (checks) helmChecks(env.HELM, path.join(work, path.dirname(file)), old, target)
    rm(old)
    git(['commit', '-q', '-am', message ?? `${file}: ${image.tag}`], { cwd: work })
    git(['push', '-q', 'origin', 'HEAD:main'], { cwd: work, env: ssh })
    const commit = git(['rev-parse', 'HEAD'], { cwd: work }).trim()
    const pushed = process.hrtime.bigint()
    const started = onPushed?.()
    await argo.waitFor(app, commit)
    return { commit, image, healthyMs: Number(process.hrtime.bigint() - pushed) / 1e6, started }
  } finally {
    rm(work)
  }
}

/** Staging's application read once: it must be Synced at the clone's head and Healthy (promotion's rule). */
export async function stagingProven(argo, app, work) {
  const head = git(['rev-parse', 'HEAD'], { cwd: work }).trim()
  const st = await argo.get(app)
  if (st.sync?.revision !== head || st.sync?.status !== 'Synced' || st.health?.status !== 'Healthy')
    throw new Error(`staging is not Synced and Healthy at ${head}`)
}

/** Requests at `rate` a second, each on a new connection with a 1 s limit, until stopped: sent and failed. */
export function probe(url, rate = 20) {
  let sent = 0
  let failed = 0
  const pending = new Set()
  const one = () => {
    sent++
    const p = new Promise(resolve => {
      const req = http.get(url, { agent: false, timeout: 1000 }, res => {
        if (res.statusCode !== 200) failed++
        res.resume().on('end', resolve)
      })
      req.on('timeout', () => req.destroy(new Error('timeout')))
      req.on('error', () => (failed++, resolve()))
    })
    pending.add(p)
    p.then(() => pending.delete(p))
  }
  const timer = setInterval(one, 1000 / rate)
  return {
    stop: async () => {
      clearInterval(timer)
      await Promise.all(pending)
      return { sent, failed }
    }
  }
}
