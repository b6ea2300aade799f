// The stand-ins for kind, kubectl and helm (__tests__/fixtures/standins/standin.py), each test in a
// sandbox of its own: clusters, releases and the calls they recorded.
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { ROOT, type StepOptions } from '../../scripts/lib/runner.mjs'
import { infra } from './registry.js'

export const STANDINS = path.join(ROOT, '__tests__/fixtures/standins')
export const CHART = 'example/gitops/helm/demo-flask-app'
export const IMAGE = `${infra.REGISTRY}/e2e/demo:v2.0.0-3f1c2d4-17`

export interface Call {
  tool: string
  args: string[]
  kubeconfig: string
}

export function sandbox(env: Record<string, string> = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'standins-'))
  const log = path.join(dir, 'calls.jsonl')
  const opts: StepOptions = {
    env: {
      PATH: `${STANDINS}:${process.env.PATH}`,
      STANDIN_DIR: dir,
      STANDIN_LOG: log,
      STANDIN_APP_DIR: path.join(ROOT, 'example/demo-app'),
      ...env
    }
  }
  const calls = (): Call[] =>
    fs.existsSync(log)
      ? fs
          .readFileSync(log, 'utf8')
          .trim()
          .split('\n')
          .filter(Boolean)
          .map(l => JSON.parse(l))
      : []
  const clusters = () => fs.readdirSync(path.join(dir, 'clusters'))
  return {
    dir,
    opts,
    calls,
    clusters,
    of: (tool: string, sub: string) =>
      calls().filter(c => c.tool === tool && c.args.join(' ').startsWith(sub))
  }
}

/** The example app's real image, built on the local base image (nothing can be pulled here). */
export function buildExampleApp(ref: string): void {
  execFileSync(
    'docker',
    [
      'build',
      '-q',
      '--build-arg',
      `BASE_IMAGE=${infra.PYTHON_IMAGE}`,
      '-t',
      ref,
      path.join(ROOT, 'example/demo-app')
    ],
    { stdio: 'ignore' }
  )
}

/** The image the stand-in cluster loads: the local busybox image under the registry's name. */
export function tagImage(): void {
  execFileSync('docker', ['tag', infra.BUSYBOX_IMAGE, IMAGE])
}
