// The example app's real image (example/demo-app), built on the local base image (nothing can be pulled
// here), and variants of it that fail as broken releases do.
import { execFileSync } from 'node:child_process'
import * as path from 'node:path'
import { ROOT } from '../../scripts/lib/runner.mjs'
import { infra, loggedInDockerConfig } from './registry.js'

export const CHART = 'example/gitops/helm/demo-flask-app'

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

/** The app built so that it exits at start (a missing setting), as a broken release does. */
export function buildCrashingApp(ref: string, from: string): void {
  execFileSync('docker', ['build', '-q', '-t', ref, '-'], {
    input: `FROM ${from}\nCMD ["python3", "-c", "import sys; sys.exit('DATABASE_URL is not set: cannot start')"]\n`,
    stdio: ['pipe', 'ignore', 'ignore']
  })
}

/** Pushes local images to the test registry (a docker config of their own, logged in). */
export function push(...refs: string[]): void {
  const config = loggedInDockerConfig()
  for (const ref of refs) execFileSync('docker', ['--config', config, 'push', '-q', ref], { stdio: 'ignore' })
}
