// Issue #15's matrix flow through the committed build-push bundle and the real TLS registry: two legs
// (two images standing in for two platforms: only one can be built here) and a merge job that makes the
// multi-platform index from their digests. The default docker driver cannot push by digest ("not
// implemented for docker driver"; no BuildKit daemon can run here), so the legs are pushed as the driver
// can, and push-by-digest itself is checked to fail with a clear message on that driver.
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { runMain, uniqueName } from '../../scripts/lib/runner.mjs'
import { infra, manifestDigest } from './registry.js'
import { expectNowhere } from './secrets.js'

const login = () => ({ username: infra.REGISTRY_USER, password: infra.REGISTRY_PASSWORD })
// the registry's self-signed CA, for the step's own HTTPS calls (as a runner with a private CA would set it)
const tls = () => ({ env: { NODE_EXTRA_CA_CERTS: infra.REGISTRY_CA } })

function context(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leg-'))
  fs.writeFileSync(path.join(dir, 'Dockerfile'), `FROM ${infra.BUSYBOX_IMAGE}\nRUN echo ${text} > /leg\n`)
  return dir
}

test('two legs merged into one index whose manifest lists both digests, pushed under every tag', async () => {
  const repository = `itg/${uniqueName('matrix')}`
  const image = `${infra.REGISTRY}/${repository}`
  const legs: string[] = []
  for (const leg of ['amd64-leg', 'arm64-leg']) {
    const r = await runMain('build-push', { image, context: context(leg), tag: leg, ...login() })
    expect(r.exitCode).toBe(0)
    legs.push(r.outputs.digest)
  }
  const merged = await runMain(
    'build-push',
    {
      image,
      mode: 'merge',
      digests: legs.join('\n'),
      tags: 'type=semver,pattern={{version}}\ntype=raw,value=latest',
      ...login()
    },
    { env: { ...tls().env, GITHUB_REF: 'refs/tags/v1.4.0' } }
  )
  expect(merged.commands.filter(c => c.command === 'error')).toEqual([])
  expect(merged.exitCode).toBe(0)
  const digest = merged.outputs.digest
  expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/)
  for (const tag of ['1.4.0', 'latest']) expect(await manifestDigest(repository, tag)).toBe(digest)
  // the index as the registry serves it
  const index = JSON.parse(
    execFileSync(
      'curl',
      [
        '-sf',
        '--cacert',
        infra.REGISTRY_CA,
        '-u',
        `${infra.REGISTRY_USER}:${infra.REGISTRY_PASSWORD}`,
        '-H',
        'Accept: application/vnd.oci.image.index.v1+json',
        `https://${infra.REGISTRY}/v2/${repository}/manifests/1.4.0`
      ],
      { encoding: 'utf8' }
    )
  )
  expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json')
  expect(index.manifests.map((m: { digest: string }) => m.digest)).toEqual(legs)
  expect(index.manifests[0].platform).toMatchObject({ os: 'linux' })
  expect(JSON.parse(merged.outputs.metadata)).toMatchObject({ digest, manifests: legs })
  expect(merged.summary).toContain('Merged 2 images')
  expectNowhere(infra.REGISTRY_PASSWORD, merged)
})

test('merge needs digests; push-by-digest on the docker driver says what builder it needs', async () => {
  const image = `${infra.REGISTRY}/itg/${uniqueName('pbd')}`
  const none = await runMain('build-push', { image, mode: 'merge', ...login() })
  expect(none.commands.find(c => c.command === 'error')?.message).toMatch(
    /Input 'digests' is required with mode: merge/
  )
  const pbd = await runMain('build-push', {
    image,
    context: context('x'),
    mode: 'push-by-digest',
    ...login()
  })
  expect(pbd.exitCode).toBe(1)
  expect(pbd.commands.filter(c => c.command === 'error').at(-1)?.message).toMatch(
    /Input 'mode' push-by-digest needs a builder that can push by digest: the default docker driver cannot/
  )
})
