// Build or pull (scripts/lib/prebuilt.mjs): on a GitHub-hosted runner an image is pulled only when its
// pinned source names it by digest, with the pinned version in its tag; everywhere else it is built.
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { argocdImage, choose, kindDefaultImage } from '../../scripts/lib/prebuilt.mjs'

const hosted = { GITHUB_ACTIONS: 'true', RUNNER_ENVIRONMENT: 'github-hosted' }
const digest = `sha256:${'7'.repeat(64)}`
const node = { name: "kind's node image", reference: `kindest/node:v1.34.0@${digest}`, version: 'v1.34.0' }

describe('build or pull', () => {
  test('a GitHub-hosted runner pulls what its source pins by digest', () => {
    expect(choose(node, hosted)).toEqual({ source: 'pull', reference: node.reference })
  })
  test.each([
    ['this machine (no runner)', {}, /not a GitHub-hosted runner/],
    ['a self-hosted runner', { ...hosted, RUNNER_ENVIRONMENT: 'self-hosted' }, /not a GitHub-hosted runner/],
    ['act (no RUNNER_ENVIRONMENT)', { GITHUB_ACTIONS: 'true' }, /not a GitHub-hosted runner/],
    ['act, whatever it sets', { ...hosted, ACT: 'true' }, /not a GitHub-hosted runner/],
    ['asked to build', { ...hosted, DEMO_ACTIONS_BUILD_FROM_SOURCE: '1' }, /DEMO_ACTIONS_BUILD_FROM_SOURCE/]
  ])('%s builds', (_, env, why) => {
    const choice = choose(node, env)
    expect(choice.source).toBe('build')
    expect(choice.source === 'build' && choice.why).toMatch(why)
  })
  test.each([
    ['no published image', { ...node, reference: undefined }, /names no published image/],
    [
      'a tag without digest',
      { ...node, reference: 'quay.io/argoproj/argocd:v3.2.11' },
      /not pinned by digest/
    ],
    ['a short digest', { ...node, reference: 'kindest/node:v1.34.0@sha256:abc' }, /not pinned by digest/],
    ['another version', { ...node, version: 'v1.35.0' }, /is v1.34.0, the pin is v1.35.0/],
    ['no tag', { ...node, reference: `kindest/node@${digest}` }, /is untagged/]
  ])('%s: built even on a GitHub-hosted runner, saying why', (_, published, why) => {
    const choice = choose(published, hosted)
    expect(choice).toEqual({ source: 'build', why: expect.stringMatching(why) })
  })
})

describe("the pins read from the components' own sources", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prebuilt-'))
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))
  test("kind's default node image from its defaults/image.go; none when the file does not say", () => {
    const file = path.join(dir, 'kind', 'pkg', 'apis', 'config', 'defaults', 'image.go')
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(file, `package defaults\n\n// Image ...\nconst Image = "${node.reference}"\n`)
    expect(kindDefaultImage(path.join(dir, 'kind'))).toBe(node.reference)
    expect(kindDefaultImage(path.join(dir, 'nothing'))).toBeUndefined()
  })
  test("Argo CD's image and version from install.yaml: a tag, so it is built", () => {
    const file = path.join(dir, 'argocd', 'manifests', 'install.yaml')
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(file, 'spec:\n  containers:\n  - image: quay.io/argoproj/argocd:v3.2.11\n')
    const published = argocdImage(path.join(dir, 'argocd'))
    expect(published).toEqual({ reference: 'quay.io/argoproj/argocd:v3.2.11', version: 'v3.2.11' })
    expect(choose({ name: 'argocd', ...published }, hosted)).toMatchObject({ source: 'build' })
  })
})
