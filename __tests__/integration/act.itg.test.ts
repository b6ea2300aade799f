// The reference pipeline under act itself (pinned in scripts/lab/tools/act), through the README's
// command `npm run act`: example/act/pipeline.yml's three jobs run the local stages on this machine
// (act's host mode, on the machine's node), with a secrets file, against the TLS registry and the SSH
// git host. act is what many users test workflows with before they push.
import { spawn } from 'node:child_process'
import * as fs from 'node:fs'
import { ROOT } from '../../scripts/lib/runner.mjs'
import { git, infra } from './git-host.js'
import { manifestDigest } from './registry.js'

function act(...args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '-s', 'act', ...(args.length ? ['--', ...args] : [])], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let out = ''
    child.stdout.on('data', d => (out += d))
    child.stderr.on('data', d => (out += d))
    child.on('error', reject)
    child.on('close', code => resolve({ code, out }))
  })
}

/** The lines act printed for one step of one job, from its ⭐ to its result. */
function stepLog(out: string, job: string, step: string): string {
  const lines = out.split('\n')
  const start = lines.findIndex(l => l.startsWith(`[pipeline (act)/${job}] ⭐ Run ${step}`))
  if (start < 0) return ''
  const end = lines.findIndex(
    (l, i) =>
      i > start && l.startsWith(`[pipeline (act)/${job}]`) && /(✅|❌) {2}(Success|Failure) - /.test(l)
  )
  return lines.slice(start, end + 1).join('\n')
}

describe('the reference pipeline under act', () => {
  test('test -> build -> gitops: outputs cross steps and jobs, state reaches post, secrets masked', async () => {
    const { code, out } = await act()
    expect(out).toMatch(/^act 0\.2\.87, GitOps repository /m)
    expect(code).toBe(0)
    for (const job of ['test', 'build', 'gitops'])
      expect(out).toContain(`[pipeline (act)/${job}] 🏁  Job succeeded`)

    // a step output read by a later step of the same job
    expect(out).toContain('[pipeline (act)/test]   | unit-test passed 5 of 5')
    // job outputs (tag, digest) read by the next job, and what that job pushed
    const bumped =
      /Success - Main echo "bumped to (v2\.0\.0-[0-9a-f]{7}-\d+) \((sha256:[0-9a-f]{64})\) in ([0-9a-f]{40})"/.exec(
        out
      )
    expect(bumped).not.toBeNull()
    const [, tag, digest, commit] = bumped!
    expect(await manifestDigest('act/demo-flask-app', tag)).toBe(digest)
    const repo = /GitOps repository (\S+)/.exec(out)![1]
    expect(git(['rev-parse', 'main'], repo)).toBe(commit)
    expect(git(['show', 'main:helm/demo-flask-app/values.yaml'], repo)).toContain(`"${tag}"`)

    // Post ran as post: main saved isPost in state, so post did its cleanup and not a second bump
    for (const [job, step] of [
      ['build', './build-push'],
      ['gitops', './gitops-bump']
    ]) {
      const post = stepLog(out, job, `Post ${step}`)
      expect(post).toContain(`Success - Post ${step}`)
      expect(post).not.toMatch(/Fetch main|Build and push/)
    }

    // the secrets file's values appear nowhere in act's log
    expect(out).not.toContain(infra.REGISTRY_PASSWORD)
    for (const line of fs.readFileSync(infra.SSH_KEY, 'utf8').trim().split('\n').slice(1, -1))
      expect(out).not.toContain(line)
    fs.rmSync(repo, { recursive: true, force: true })
  })

  test('a failing test fails its job, and the jobs that need it never start', async () => {
    const { code, out } = await act('--input', 'app-directory=__tests__/fixtures/pytest-mixed')
    expect(code).not.toBe(0)
    expect(stepLog(out, 'test', 'Main ./unit-test')).toContain('❌  Failure - Main ./unit-test')
    expect(out).toContain("Error: Job 'test' failed")
    expect(out).not.toContain('[pipeline (act)/build]')
    expect(out).not.toContain('[pipeline (act)/gitops]')
    const repo = /GitOps repository (\S+)/.exec(out)![1]
    expect(git(['rev-list', '--count', 'main'], repo)).toBe('1')
    fs.rmSync(repo, { recursive: true, force: true })
  })
})
