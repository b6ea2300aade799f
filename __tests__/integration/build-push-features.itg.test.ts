// Through the committed build-push bundle, the real Docker engine (buildx, docker driver) and the
// TLS registry with a password: build secrets that end up nowhere, tag rules from git, the metadata
// output, target, and the summary switch.
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { runMain, runMainAndPost, uniqueName, tempDir } from '../../scripts/lib/runner.mjs'
import { imageConfig, infra, loggedInDockerConfig, manifestDigest } from './registry.js'
import { expectNowhere, filesLeaking, leaksIn } from './secrets.js'

const login = () => ({ username: infra.REGISTRY_USER, password: infra.REGISTRY_PASSWORD })

function context(dockerfile: string): string {
  const dir = tempDir('bp-ctx')
  fs.writeFileSync(path.join(dir, 'Dockerfile'), dockerfile)
  return dir
}

describe('build-push: build secrets', () => {
  test('secrets, secret-files and secret-envs reach RUN --mount and appear in no layer, history, cache export, log, output or summary', async () => {
    const value = `s3cr3t-${randomBytes(12).toString('hex')}`
    const fileValue = `f1le-${randomBytes(12).toString('hex')}`
    const envValue = `env-${randomBytes(12).toString('hex')}`
    const secretFile = path.join(tempDir('secret-file'), 'token')
    fs.writeFileSync(secretFile, fileValue)
    const ctx = context(
      [
        `FROM ${infra.BUSYBOX_IMAGE}`,
        // the build proves it read each secret by writing only a hash of it
        'RUN --mount=type=secret,id=token --mount=type=secret,id=file --mount=type=secret,id=env \\',
        '    cat /run/secrets/token /run/secrets/file /run/secrets/env | sha256sum > /secrets.sha',
        ''
      ].join('\n')
    )
    const repository = `itg/${uniqueName('secrets')}`
    const image = `${infra.REGISTRY}/${repository}`
    const { main, post } = await runMainAndPost(
      'build-push',
      {
        image,
        context: ctx,
        ...login(),
        secrets: `token=${value}`,
        'secret-files': `file=${secretFile}`,
        'secret-envs': 'env=BUILD_ENV_SECRET',
        // BuildKit does not key its cache on a secret's content: an earlier run's layer would be reused
        'no-cache': 'true',
        // a cache export the docker driver can make: the cache's metadata goes into the pushed image config
        cache: 'inline'
      },
      { env: { BUILD_ENV_SECRET: envValue } }
    )
    expect(main.commands.filter(c => c.command === 'error')).toEqual([])
    expect(main.exitCode).toBe(0)
    expect(post.exitCode).toBe(0)
    const ref = main.outputs.image
    // the build did read them
    const hash = execFileSync('docker', ['run', '--rm', ref, 'cat', '/secrets.sha'], {
      encoding: 'utf8'
    }).split(' ')[0]
    const expected = execFileSync('sha256sum', {
      input: value + fileValue + envValue,
      encoding: 'utf8'
    }).split(' ')[0]
    expect(hash).toBe(expected)
    // and they are nowhere
    const history = execFileSync('docker', ['history', '--no-trunc', ref], { encoding: 'utf8' })
    const saved = execFileSync('docker', ['save', ref], { maxBuffer: 1 << 28 }).toString('latin1')
    // the inline cache export is in the image config the registry holds
    const pushed = JSON.stringify(await imageConfig(repository, main.outputs.tag))
    expect(pushed).toContain('moby.buildkit.cache.v0')
    for (const v of [value, fileValue, envValue]) {
      expect(leaksIn(history, v)).toEqual([])
      expect(leaksIn(saved, v)).toEqual([])
      expect(leaksIn(pushed, v)).toEqual([])
      expectNowhere(v, main, post)
      expect(filesLeaking(main.runnerTemp, v)).toEqual([])
    }
    expect(main.commands.some(c => c.command === 'add-mask' && c.message === value)).toBe(true)
  })

  test('a secret with the classic builder is refused by name; a secret-envs variable that is not set too', async () => {
    const ctx = context(`FROM ${infra.BUSYBOX_IMAGE}\n`)
    const r = await runMain('build-push', {
      image: `${infra.REGISTRY}/itg/x`,
      context: ctx,
      builder: 'classic',
      push: 'false',
      secrets: 'a=b'
    })
    expect(r.exitCode).toBe(1)
    expect(r.commands.find(c => c.command === 'error')?.message).toMatch(/Input 'secrets' needs BuildKit/)
    const e = await runMain('build-push', {
      image: `${infra.REGISTRY}/itg/x`,
      context: ctx,
      push: 'false',
      'secret-envs': 'a=NOT_SET_ANYWHERE'
    })
    expect(e.commands.find(c => c.command === 'error')?.message).toMatch(
      /Input 'secret-envs' 'a' must name a variable/
    )
  })
})

describe('build-push: tags from git, metadata, target, switches', () => {
  test('a release tag v1.2.3 pushes 1.2.3, 1.2, 1 and sha-<sha7>, all one digest; metadata says so', async () => {
    const repository = `itg/${uniqueName('semver')}`
    const image = `${infra.REGISTRY}/${repository}`
    const r = await runMain(
      'build-push',
      {
        image,
        context: context(`FROM ${infra.BUSYBOX_IMAGE}\nRUN echo hi > /hi\n`),
        ...login(),
        tags: 'type=semver,pattern={{version}}\ntype=semver,pattern={{major}}.{{minor}}\ntype=semver,pattern={{major}}\ntype=sha\ntype=raw,value=latest,enable={{is_default_branch}}'
      },
      { env: { GITHUB_REF: 'refs/tags/v1.2.3', GITHUB_REF_NAME: 'v1.2.3' } }
    )
    expect(r.commands.filter(c => c.command === 'error')).toEqual([])
    expect(r.exitCode).toBe(0)
    const tags = ['1.2.3', '1.2', '1', 'sha-3f1c2d4']
    expect(r.outputs.tags.split('\n')).toEqual(tags.map(t => `${image}:${t}`))
    for (const t of tags) expect(await manifestDigest(repository, t)).toBe(r.outputs.digest)
    expect(await manifestDigest(repository, 'latest')).toBeUndefined()
    const meta = JSON.parse(r.outputs.metadata)
    expect(meta).toMatchObject({ image, tags: tags.map(t => `${image}:${t}`), digest: r.outputs.digest })
    expect(meta.labels['org.opencontainers.image.version']).toBe('1.2.3')
    expect(meta.imageId).toMatch(/^sha256:[0-9a-f]{64}$/)
  })

  test('latest only on the default branch: a feature branch pushes the run tag alone', async () => {
    const repository = `itg/${uniqueName('branch')}`
    const r = await runMain(
      'build-push',
      {
        image: `${infra.REGISTRY}/${repository}`,
        context: context(`FROM ${infra.BUSYBOX_IMAGE}\n`),
        ...login()
      },
      { env: { GITHUB_REF: 'refs/heads/feature/x' } }
    )
    expect(r.exitCode).toBe(0)
    expect(r.outputs.tags.split('\n')).toEqual([`${infra.REGISTRY}/${repository}:v1.0.0-3f1c2d4-17`])
  })

  test('target builds one stage; no-cache; summary: false writes nothing', async () => {
    const ctx = context(
      `FROM ${infra.BUSYBOX_IMAGE} AS first\nRUN echo first > /stage\nFROM ${infra.BUSYBOX_IMAGE} AS second\nRUN echo second > /stage\n`
    )
    const image = `${infra.REGISTRY}/itg/${uniqueName('target')}`
    const r = await runMain('build-push', {
      image,
      context: ctx,
      push: 'false',
      target: 'first',
      'no-cache': 'true',
      summary: 'false'
    })
    expect(r.commands.filter(c => c.command === 'error')).toEqual([])
    expect(r.exitCode).toBe(0)
    expect(
      execFileSync('docker', ['run', '--rm', r.outputs.image, 'cat', '/stage'], { encoding: 'utf8' }).trim()
    ).toBe('first')
    expect(r.summary).toBe('')
    const bad = await runMain('build-push', { image, context: ctx, push: 'false', target: '--help' })
    expect(bad.commands.find(c => c.command === 'error')?.message).toMatch(/Input 'target' must be a name/)
  })
})

describe('build-push: several images and registries', () => {
  test('one build pushed to two registries, one login each, the same digest everywhere, no password anywhere', async () => {
    const name = `itg/${uniqueName('two')}`
    const { main, post } = await runMainAndPost('build-push', {
      image: `${infra.REGISTRY}/${name}`,
      images: `${infra.REGISTRY2}/${name}`,
      context: context(`FROM ${infra.BUSYBOX_IMAGE}\nRUN echo two > /two\n`),
      ...login(),
      logins: `${infra.REGISTRY2} ${infra.REGISTRY2_USER} ${infra.REGISTRY2_PASSWORD}`
    })
    expect(main.commands.filter(c => c.command === 'error')).toEqual([])
    expect(main.exitCode).toBe(0)
    expect(post.exitCode).toBe(0)
    const tags = ['v1.0.0-3f1c2d4-17', 'latest']
    expect(main.outputs.tags.split('\n')).toEqual([
      ...tags.map(t => `${infra.REGISTRY}/${name}:${t}`),
      ...tags.map(t => `${infra.REGISTRY2}/${name}:${t}`)
    ])
    for (const t of tags) expect(await manifestDigest(name, t)).toBe(main.outputs.digest)
    const second = execFileSync(
      'curl',
      [
        '-sfI',
        '--cacert',
        infra.REGISTRY2_CA,
        '-u',
        `${infra.REGISTRY2_USER}:${infra.REGISTRY2_PASSWORD}`,
        '-H',
        'Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json',
        `https://${infra.REGISTRY2}/v2/${name}/manifests/latest`
      ],
      { encoding: 'utf8' }
    )
    expect(second.toLowerCase()).toContain(`docker-content-digest: ${main.outputs.digest}`)
    for (const p of [infra.REGISTRY_PASSWORD, infra.REGISTRY2_PASSWORD]) {
      expectNowhere(p, main, post)
      expect(filesLeaking(main.runnerTemp, p)).toEqual([])
    }
  })

  test('a logins line that is not three fields is refused without showing it', async () => {
    const r = await runMain('build-push', {
      image: `${infra.REGISTRY}/itg/x`,
      context: context(`FROM ${infra.BUSYBOX_IMAGE}\n`),
      push: 'false',
      logins: 'only-two secretvalue-123'
    })
    expect(r.exitCode).toBe(1)
    const error = r.commands.find(c => c.command === 'error')?.message ?? ''
    expect(error).toMatch(/Input 'logins' line 1 must be '<registry> <username> <password>'/)
    expect(error).not.toContain('secretvalue')
  })
})

describe("build-push: the user's docker setup", () => {
  test('the current docker context (docker context use) stays in force in the per-step config; its credentials do not', async () => {
    const user = tempDir('user-docker')
    const docker = (...args: string[]) =>
      execFileSync('docker', ['--config', user, ...args], { stdio: 'ignore' })
    docker('context', 'create', 'ci-other', '--docker', 'host=unix:///var/run/docker.sock')
    docker('context', 'use', 'ci-other')
    const before = fs.readFileSync(path.join(user, 'config.json'), 'utf8')
    const image = `${infra.REGISTRY}/itg/${uniqueName('context')}`
    const { main, post } = await runMainAndPost(
      'build-push',
      {
        image,
        context: context('FROM ' + infra.BUSYBOX_IMAGE + '\nRUN echo ctx > /ctx\n'),
        tag: 'ctx',
        ...login()
      },
      { env: { DOCKER_CONFIG: user } }
    )
    expect(main.commands.filter(c => c.command === 'error')).toEqual([])
    expect(main.exitCode).toBe(0)
    expect(post.exitCode).toBe(0)
    // buildx's default builder of a context is named after it
    expect(main.stdout).toContain('building with "ci-other" instance using docker driver')
    expect(main.summary).toMatch(/<td>\d+\.\d MiB<\/td>/)
    expect(fs.readFileSync(path.join(user, 'config.json'), 'utf8')).toBe(before)
    fs.rmSync(user, { recursive: true, force: true })
  })
})

describe('build-push: pull', () => {
  // With the classic builder: the engine's own BuildKit (20.10 here) speaks plain HTTP to a 127.0.0.0/8
  // registry (dockerd counts those insecure), so it cannot pull a base from this TLS registry at all;
  // the classic builder pulls as `docker pull` does (HTTPS first, CA from certs.d). buildx gets the same
  // --pull (unit test).
  test("pull: true builds on the registry's newer base image; without it the engine's own copy is used", async () => {
    const base = `${infra.REGISTRY}/itg/${uniqueName('base')}:1`
    const config = loggedInDockerConfig()
    const docker = (...args: string[]) =>
      execFileSync('docker', ['--config', config, ...args], { stdio: ['pipe', 'ignore', 'ignore'] })
    // the registry holds a newer base:1 than the engine's
    docker('build', '-t', base, context(`FROM ${infra.BUSYBOX_IMAGE}\nRUN echo new > /base-version\n`))
    docker('push', base)
    docker('tag', infra.BUSYBOX_IMAGE, base)
    const dockerfile = `FROM ${base}\nRUN cat /base-version > /seen 2>/dev/null || echo old > /seen\n`
    const seen = async (pull: string) => {
      const r = await runMain('build-push', {
        image: `${infra.REGISTRY}/itg/${uniqueName('pulled')}`,
        context: context(dockerfile),
        tag: 'x',
        pull,
        builder: 'classic',
        ...login()
      })
      expect(r.commands.filter(c => c.command === 'error')).toEqual([])
      return execFileSync('docker', ['run', '--rm', r.outputs.image, 'cat', '/seen'], {
        encoding: 'utf8'
      }).trim()
    }
    expect(await seen('false')).toBe('old')
    expect(await seen('true')).toBe('new')
    fs.rmSync(config, { recursive: true, force: true })
  })
})

describe('build-push: a named builder', () => {
  test('builder: <name> goes to every buildx call as BUILDX_BUILDER; an unknown builder and a name that is an option are refused by name', async () => {
    // No named builder can be made here (a docker-container builder needs the moby/buildkit image): a
    // wrapper of the buildx plugin records the builder each call asks for, then runs the real plugin on
    // the default builder (buildx documents BUILDX_BUILDER as the same as --builder)
    const user = tempDir('user-docker')
    fs.mkdirSync(path.join(user, 'cli-plugins'))
    const log = path.join(user, 'builders.log')
    fs.writeFileSync(
      path.join(user, 'cli-plugins', 'docker-buildx'),
      `#!/bin/sh\necho "$BUILDX_BUILDER $1" >> '${log}'\nexec env -u BUILDX_BUILDER /usr/libexec/docker/cli-plugins/docker-buildx "$@"\n`,
      { mode: 0o755 }
    )
    const image = `${infra.REGISTRY}/itg/${uniqueName('named')}`
    const named = await runMain(
      'build-push',
      {
        image,
        context: context(`FROM ${infra.BUSYBOX_IMAGE}\n`),
        tag: 'named',
        builder: 'builder-7f3a',
        mode: 'push-by-digest',
        ...login()
      },
      { env: { DOCKER_CONFIG: user } }
    )
    expect(named.commands.filter(c => c.command === 'error')).toEqual([])
    expect(named.exitCode).toBe(0)
    expect(fs.readFileSync(log, 'utf8').trim().split('\n')).toEqual([
      'builder-7f3a inspect',
      'builder-7f3a build'
    ])
    // the real buildx, asked for a builder it does not have
    const unknown = await runMain('build-push', {
      image,
      context: context(`FROM ${infra.BUSYBOX_IMAGE}\n`),
      builder: 'no-such-builder',
      ...login()
    })
    expect(unknown.exitCode).toBe(1)
    expect(unknown.commands.filter(c => c.command === 'error').at(-1)?.message).toBe(
      `Input 'builder' names a builder buildx cannot use here: no builder "no-such-builder" found`
    )
    const bad = await runMain('build-push', {
      image,
      context: context(`FROM ${infra.BUSYBOX_IMAGE}\n`),
      builder: '--help'
    })
    expect(bad.exitCode).toBe(1)
    expect(bad.commands.find(c => c.command === 'error')?.message).toBe(
      "Input 'builder' must be auto, buildx, classic or the name of a buildx builder, got '--help'"
    )
    fs.rmSync(user, { recursive: true, force: true })
  })
})

describe('build-push: the build cache on the docker driver', () => {
  test('cache auto with the cache service takes the inline cache; an explicit gha cache is imported only, with a warning; the runtime token shows nowhere', async () => {
    const token = `runtime-${randomBytes(12).toString('hex')}`
    const service = { ACTIONS_RESULTS_URL: 'https://127.0.0.1:1/', ACTIONS_RUNTIME_TOKEN: token }
    const image = `${infra.REGISTRY}/itg/${uniqueName('cache')}`
    const dockerfile = `FROM ${infra.BUSYBOX_IMAGE}\nRUN echo cached > /c\n`
    const auto = await runMain(
      'build-push',
      { image, context: context(dockerfile), ...login() },
      { env: service }
    )
    expect(auto.commands.filter(c => c.command === 'error' || c.command === 'warning')).toEqual([])
    expect(auto.exitCode).toBe(0)
    expect(auto.stdout).toContain('Build cache: inline (auto)')
    expect(auto.stdout).toContain('preparing build cache for export')
    const gha = await runMain(
      'build-push',
      { image, context: context(dockerfile), cache: 'gha', ...login() },
      { env: service }
    )
    expect(gha.exitCode).toBe(0)
    expect(gha.commands.filter(c => c.command === 'warning').map(c => c.message)).toEqual([
      "cache: gha is imported but not exported: buildx's docker driver cannot export a build cache here; create a docker-container builder (docker/setup-buildx-action) or turn on the engine's containerd image store to export it"
    ])
    expectNowhere(token, auto, gha)
  })
})
