// kind-e2e's image values: a kind cluster gets the loaded image (pull policy Never, local tag for a
// digest); a cluster of your own (kubeconfig) pulls the image by its own reference.
import { imageValues, loadedRef, pulledRef } from '../../src/kind-e2e/image.js'
import { parseImageKeys } from '../../src/kind-e2e/settings.js'
import { parseImage } from '../../src/common/validate.js'

const keys = parseImageKeys(['repository=image.repository', 'tag=image.tag', 'pullPolicy=image.pullPolicy'])
const withDigest = parseImageKeys([
  'repository=image.repository',
  'tag=image.tag',
  'pullPolicy=image.pullPolicy',
  'digest=image.digest'
])
const digest = `sha256:${'a'.repeat(64)}`

test('kind: the loaded image, never pulled', () => {
  const ref = parseImage('image', 'ghcr.io/o/app:v1', { requireTag: true })
  expect(imageValues(loadedRef(ref), ref, keys)).toEqual([
    'image.repository=ghcr.io/o/app',
    'image.tag=v1',
    'image.pullPolicy=Never'
  ])
})

test("a cluster of your own: the image's own reference, under the chart's pull policy", () => {
  const ref = parseImage('image', 'ghcr.io/o/app:v1', { requireTag: true })
  expect(imageValues(pulledRef(ref, 'ghcr.io/o/app:v1'), ref, keys, true)).toEqual([
    'image.repository=ghcr.io/o/app',
    'image.tag=v1'
  ])
  const pinned = parseImage('image', `ghcr.io/o/app:v1@${digest}`, { requireTag: true })
  expect(imageValues(pulledRef(pinned, `ghcr.io/o/app:v1@${digest}`), pinned, withDigest, true)).toEqual([
    'image.repository=ghcr.io/o/app',
    'image.tag=v1',
    `image.digest=${digest}`
  ])
  // kind: the digest key stays empty (the loaded image has no repo digest)
  expect(imageValues(loadedRef(pinned), pinned, withDigest)).toContain('image.digest=')
})
