// Builds dist/<stage>/index.js for every stage with ncc. The output is deterministic, so a clean clone
// reproduces the committed dist/ byte for byte (ci.yml and the tests check it).
import { execFileSync } from 'node:child_process'
import { rmSync } from 'node:fs'

export const STAGES = ['unit-test', 'build-push', 'kind-e2e', 'gitops-bump']
const only = process.argv.slice(2)
for (const stage of only.length ? only : STAGES) {
  rmSync(`dist/${stage}`, { recursive: true, force: true })
  execFileSync(
    process.execPath,
    [
      'node_modules/@vercel/ncc/dist/ncc/cli.js',
      'build',
      `src/${stage}/index.ts`,
      '-o',
      `dist/${stage}`,
      '--license',
      'licenses.txt',
      '--quiet',
      '--minify',
      '--target',
      'es2022'
    ],
    { stdio: 'inherit' }
  )
}
