// The committed build-push bundle against the real Docker engine and a real registry (TLS + password).
import * as fs from 'node:fs'
import * as path from 'node:path'
import { expectNowhere } from './secrets.js'
import { runMain, runMainAndPost, uniqueName, tempDir } from '../../scripts/lib/runner.mjs'
import { imageConfig, infra, manifestDigest, tagList } from './registry.js'

const TAG = 'v2.0.0-3f1c2d4-17'

/** A HOME with a docker config of its own, to prove the action never touches it. */
function userHome(): { home: string; config: string; before: string } {
  const home = tempDir('home')
  const config = path.join(home, '.docker', 'config.json')
  fs.mkdirSync(path.dirname(config))
  const before = JSON.stringify({
    auths: { 'registry.example.test': { auth: 'dXNlcjpwYXNz' } },
    psFormat: 'table {{.ID}}'
  })
  fs.writeFileSync(config, before)
  return { home, config, before }
}

const login = () => ({ username: infra.REGISTRY_USER, password: infra.REGISTRY_PASSWORD })

describe('build-push bundle', () => {
  test.each(['buildx', 'classic'])(
    '%s: builds, tags and pushes; every tag at the output digest; password nowhere',
    async builder => {
      const repository = `itg/${uniqueName(builder)}`
      const { home, config, before } = userHome()
      const { main, post } = await runMainAndPost(
        'build-push',
        {
          image: `${infra.REGISTRY}/${repository}`,
          context: '__tests__/fixtures/docker/tiny',
          version: 'v2.0.0',
          builder,
          labels: 'org.opencontainers.image.title=custom-title\ncom.example.team=platform',
          ...login()
        },
        { env: { HOME: home, DOCKER_CONFIG: undefined } }
      )
      expect(main.exitCode).toBe(0)
      expect(post.exitCode).toBe(0)
      expect(main.outputs.tag).toBe(TAG)
      expect(main.outputs.image).toBe(`${infra.REGISTRY}/${repository}:${TAG}`)
      expect(main.outputs.tags.split('\n')).toEqual([
        `${infra.REGISTRY}/${repository}:${TAG}`,
        `${infra.REGISTRY}/${repository}:latest`
      ])
      expect(main.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
      expect(await manifestDigest(repository, TAG)).toBe(main.outputs.digest)
      expect(await manifestDigest(repository, 'latest')).toBe(main.outputs.digest)

      const { config: image } = await imageConfig(repository, TAG)
      expect(image.Env).toContain(`APP_VERSION=${TAG}`)
      expect(image.Labels).toMatchObject({
        'org.opencontainers.image.title': 'custom-title',
        'org.opencontainers.image.version': TAG,
        'org.opencontainers.image.revision': '3f1c2d4e5b6a79880123456789abcdef01234567',
        'org.opencontainers.image.source': 'https://github.com/banicr/demo_app',
        'com.example.team': 'platform'
      })
      expect(image.Labels?.['org.opencontainers.image.created']).toMatch(/^\d{4}-\d\d-\d\dT/)

      expect(main.summary).toContain(main.outputs.digest)
      // the image's size, asked of the engine (with buildx: while the push runs)
      expect(main.summary).toMatch(/<td>\d+\.\d MiB<\/td>/)
      expectNowhere(infra.REGISTRY_PASSWORD, main, post)
      expect(fs.readFileSync(config, 'utf8')).toBe(before)
      expect(fs.readdirSync(path.dirname(config))).toEqual(['config.json'])
      expect(fs.existsSync(main.state.privateDir)).toBe(false)
    }
  )

  test('builds the example app on the local base image', async () => {
    const repository = `itg/${uniqueName('demo-app')}`
    const r = await runMain('build-push', {
      image: `${infra.REGISTRY}/${repository}`,
      context: 'example/demo-app',
      version: 'v2.0.0',
      'build-args': `BASE_IMAGE=${infra.PYTHON_IMAGE}`,
      ...login()
    })
    expect(r.exitCode).toBe(0)
    expect(await manifestDigest(repository, TAG)).toBe(r.outputs.digest)
    const { config: image } = await imageConfig(repository, TAG)
    expect(image.Env).toContain(`APP_VERSION=${TAG}`)
  })

  test('a wrong password is a clear error, and nothing is pushed', async () => {
    const repository = `itg/${uniqueName('denied')}`
    const r = await runMain('build-push', {
      image: `${infra.REGISTRY}/${repository}`,
      context: '__tests__/fixtures/docker/tiny',
      username: infra.REGISTRY_USER,
      password: 'not-the-password'
    })
    expect(r.exitCode).toBe(1)
    const error = r.commands.find(c => c.command === 'error')!.message
    expect(error).toMatch(
      new RegExp(
        `The registry refused the push: check the credentials for ${infra.REGISTRY.replace(/\./g, '\\.')} as 'ci'`
      )
    )
    expect(error).not.toContain('not-the-password')
    expect(await tagList(repository)).toEqual([])
  })

  test.each(['buildx', 'classic'])(
    '%s: a failing build is annotated at its Dockerfile line, and nothing is pushed',
    async builder => {
      const repository = `itg/${uniqueName('failing')}`
      const r = await runMain('build-push', {
        image: `${infra.REGISTRY}/${repository}`,
        context: '__tests__/fixtures/docker/failing',
        builder,
        ...login()
      })
      expect(r.exitCode).toBe(1)
      const annotation = r.commands.find(c => c.command === 'error' && c.properties.file)
      expect(annotation?.properties).toMatchObject({
        file: '__tests__/fixtures/docker/failing/Dockerfile',
        line: '3'
      })
      expect(await tagList(repository)).toEqual([])
    }
  )

  // every input check is table-tested in __tests__/unit/settings.test.ts; the bundle keeps two
  test.each([
    [{ image: 'ghcr.io/owner/app;rm' }, /Input 'image' must be an image reference/],
    [{ builder: 'a b' }, /Input 'builder' must be auto, buildx, classic or the name of a buildx builder/]
  ])('bad input %o: a clear error before any docker call', async (bad, message) => {
    const r = await runMain('build-push', {
      image: `${infra.REGISTRY}/itg/never`,
      context: '__tests__/fixtures/docker/tiny',
      ...login(),
      ...bad
    })
    expect(r.exitCode).toBe(1)
    expect(r.commands.find(c => c.command === 'error')?.message).toMatch(message)
    expect(r.stdout).not.toContain('[command]')
  })
})
