// The matrix flow through the committed build-push bundle and the real TLS registry: two
// push-by-digest legs, linux/amd64 and linux/arm64 (the arm64 leg is FROM scratch with a COPY: it needs
// nothing run to build on this amd64 machine), and a merge job that makes the multi-platform index from
// their digests. The builder here is buildx's default docker driver, which cannot push by digest itself
// ("not implemented for docker driver"), as on a GitHub-hosted runner without setup-buildx-action: the
// legs go through engine-push.ts (built into the engine, pushed by digest through the registry API). The
// registry's CA is trusted as the engine trusts it, from /etc/docker/certs.d (scripts/infra.sh puts it
// there): no NODE_EXTRA_CA_CERTS.
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { runMain, uniqueName, tempDir } from '../../scripts/lib/runner.mjs'
import { imageConfig, infra, loggedInDockerConfig, manifestDigest } from './registry.js'
import { expectNowhere } from './secrets.js'

const login = () => ({ username: infra.REGISTRY_USER, password: infra.REGISTRY_PASSWORD })

function context(text: string): string {
  const dir = tempDir('leg')
  fs.writeFileSync(
    path.join(dir, 'Dockerfile'),
    `FROM ${infra.BUSYBOX_IMAGE}\nRUN echo ${text} > /leg\nCOPY Dockerfile /Dockerfile.${text}\n`
  )
  return dir
}

/** A leg for another platform that runs nothing while it builds. */
function scratchContext(text: string): string {
  const dir = tempDir('leg')
  fs.writeFileSync(path.join(dir, 'leg'), `${text}\n`)
  fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM scratch\nCOPY leg /leg\n')
  return dir
}

const curl = (args: string[]) =>
  execFileSync(
    'curl',
    [
      '-sf',
      '--cacert',
      infra.REGISTRY_CA,
      '-u',
      `${infra.REGISTRY_USER}:${infra.REGISTRY_PASSWORD}`,
      ...args
    ],
    { encoding: 'utf8' }
  )

test('two push-by-digest legs merged into one index whose manifest lists both digests, pushed under every tag', async () => {
  const repository = `itg/${uniqueName('matrix')}`
  const image = `${infra.REGISTRY}/${repository}`
  const legs: string[] = []
  const specs = [
    { leg: 'amd64-leg', context: context('amd64-leg'), platforms: '', pushed: '3 layers, 3 uploaded' },
    {
      leg: 'arm64-leg',
      context: scratchContext('arm64-leg'),
      platforms: 'linux/arm64',
      pushed: '1 layer, 1 uploaded'
    }
  ]
  for (const { leg, context: dir, platforms, pushed } of specs) {
    const r = await runMain('build-push', {
      image,
      context: dir,
      platforms,
      mode: 'push-by-digest',
      annotations: `org.opencontainers.image.title=${leg}`,
      ...login()
    })
    expect(r.commands.filter(c => c.command === 'error')).toEqual([])
    expect(r.exitCode).toBe(0)
    expect(r.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(r.stdout).toContain(`Pushed ${image}@${r.outputs.digest}: ${pushed}`)
    expect(r.summary).toContain(`${image}@${r.outputs.digest} by digest (a matrix leg: no tag)`)
    // a leg's outputs name no tag: its reference is by digest
    expect(r.outputs.image).toBe(`${image}@${r.outputs.digest}`)
    expect(r.outputs.tags).toBe('')
    expect(JSON.parse(r.outputs.metadata)).toMatchObject({ tags: [], digest: r.outputs.digest })
    expectNowhere(infra.REGISTRY_PASSWORD, r)
    // the leg is in the registry by digest, as an OCI manifest with its annotation, and under no tag
    const manifest = JSON.parse(
      curl([
        '-H',
        'Accept: application/vnd.oci.image.manifest.v1+json',
        `https://${image.replace(/\/.*/, '')}/v2/${repository}/manifests/${r.outputs.digest}`
      ])
    )
    expect(manifest.annotations).toEqual({ 'org.opencontainers.image.title': leg })
    // (this registry answers NAME_UNKNOWN for a repository that has no tag)
    const list = execFileSync(
      'curl',
      [
        '-s',
        '--cacert',
        infra.REGISTRY_CA,
        '-u',
        `${infra.REGISTRY_USER}:${infra.REGISTRY_PASSWORD}`,
        `https://${infra.REGISTRY}/v2/${repository}/tags/list`
      ],
      { encoding: 'utf8' }
    )
    expect(JSON.parse(list).tags ?? []).toEqual([])
    legs.push(r.outputs.digest)
  }
  // a leg pulled by digest runs as it was built
  const config = loggedInDockerConfig()
  execFileSync('docker', ['--config', config, 'pull', '-q', `${image}@${legs[0]}`], { stdio: 'ignore' })
  const out = execFileSync('docker', ['run', '--rm', `${image}@${legs[0]}`, 'cat', '/leg'], {
    encoding: 'utf8'
  })
  expect(out.trim()).toBe('amd64-leg')
  fs.rmSync(config, { recursive: true, force: true })
  // the arm64 leg cannot run here: its config in the registry says what it is
  const arm = (await imageConfig(repository, legs[1])) as unknown as { architecture: string; os: string }
  expect([arm.os, arm.architecture]).toEqual(['linux', 'arm64'])
  // a second run of the same leg uploads no layer again (the label with the build time makes a new config)
  const again = await runMain('build-push', {
    image,
    context: context('amd64-leg'),
    mode: 'push-by-digest',
    annotations: 'org.opencontainers.image.title=amd64-leg\nindex:org.example.y=2',
    ...login()
  })
  expect(again.exitCode).toBe(0)
  // an index annotation has no index to go on here: named, not silently dropped
  expect(again.commands.filter(c => c.command === 'warning').map(c => c.message)).toEqual([
    'Pushed by digest through the engine: only manifest annotations apply, not index:org.example.y=2'
  ])
  expect(again.stdout).toMatch(/: 3 layers, 0 uploaded/)
  const merged = await runMain(
    'build-push',
    {
      image,
      mode: 'merge',
      digests: legs.join('\n'),
      tags: 'type=semver,pattern={{version}}\ntype=raw,value=latest',
      ...login()
    },
    { env: { GITHUB_REF: 'refs/tags/v1.4.0' } }
  )
  expect(merged.commands.filter(c => c.command === 'error')).toEqual([])
  expect(merged.exitCode).toBe(0)
  expect(merged.commands.filter(c => c.command === 'warning')).toEqual([])
  expect(JSON.parse(merged.outputs.metadata).platforms).toEqual(['linux/amd64', 'linux/arm64'])
  const digest = merged.outputs.digest
  expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/)
  for (const tag of ['1.4.0', 'latest']) expect(await manifestDigest(repository, tag)).toBe(digest)
  // the index as the registry serves it
  const index = JSON.parse(
    curl([
      '-H',
      'Accept: application/vnd.oci.image.index.v1+json',
      `https://${infra.REGISTRY}/v2/${repository}/manifests/1.4.0`
    ])
  )
  expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json')
  expect(index.manifests.map((m: { digest: string }) => m.digest)).toEqual(legs)
  expect(index.manifests.map((m: { platform: unknown }) => m.platform)).toEqual([
    { os: 'linux', architecture: 'amd64' },
    { os: 'linux', architecture: 'arm64' }
  ])
  expect(JSON.parse(merged.outputs.metadata)).toMatchObject({ digest, manifests: legs })
  expect(merged.summary).toContain('Merged 2 images')
  expectNowhere(infra.REGISTRY_PASSWORD, merged)
  // two legs of one platform (a matrix that built amd64 twice): merged, with a warning
  const twice = await runMain('build-push', {
    image,
    mode: 'merge',
    digests: `${legs[0]},${again.outputs.digest}`,
    tag: 'twice',
    ...login()
  })
  expect(twice.exitCode).toBe(0)
  expect(twice.commands.filter(c => c.command === 'warning').map(c => c.message)).toEqual([
    'More than one leg is linux/amd64: a client pulling that platform gets the first (did two matrix legs build the same platform?)'
  ])
})

test('merge needs digests; push-by-digest needs buildx', async () => {
  const image = `${infra.REGISTRY}/itg/${uniqueName('pbd')}`
  const none = await runMain('build-push', { image, mode: 'merge', ...login() })
  expect(none.commands.find(c => c.command === 'error')?.message).toMatch(
    /Input 'digests' is required with mode: merge/
  )
  const classic = await runMain('build-push', {
    image,
    context: context('x'),
    mode: 'push-by-digest',
    builder: 'classic',
    ...login()
  })
  expect(classic.exitCode).toBe(1)
  const two = await runMain('build-push', {
    image,
    context: scratchContext('x'),
    mode: 'push-by-digest',
    platforms: 'linux/amd64,linux/arm64',
    ...login()
  })
  expect(two.exitCode).toBe(1)
  expect(two.commands.filter(c => c.command === 'error').at(-1)?.message).toBe(
    "Input 'platforms' must name one platform per leg with mode: push-by-digest on buildx's docker driver (the engine holds one platform of an image), got 'linux/amd64,linux/arm64'"
  )
  const wrong = await runMain('build-push', {
    image,
    context: context('x'),
    mode: 'push-by-digest',
    username: infra.REGISTRY_USER,
    password: 'not-the-password'
  })
  expect(wrong.exitCode).toBe(1)
  expect(wrong.commands.filter(c => c.command === 'error').at(-1)?.message).toMatch(
    /refused the credentials of 'ci' \(HTTP 401\); check username\/password or logins/
  )
  expectNowhere('not-the-password', wrong)
  expect(classic.commands.filter(c => c.command === 'error').at(-1)?.message).toMatch(
    /Input 'mode' push-by-digest needs buildx/
  )
})
