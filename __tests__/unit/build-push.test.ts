import {
  buildxArgs,
  cacheBackend,
  cacheEnv,
  classicArgs,
  computeTag,
  imageLabels,
  type RunContext,
  type Settings
} from '../../src/build-push/settings.js'
import { failedLine, failureReason, instructions } from '../../src/build-push/dockerfile.js'
import { tagsFromRules } from '../../src/build-push/tags.js'
import { compress, GZIP_PIECE, manifestAnnotations } from '../../src/build-push/engine-push.js'
import { containerdStore } from '../../src/build-push/builder.js'
import { repositoryOf } from '../../src/common/registry.js'

const ctx: RunContext = {
  sha: '3F1C2D4E5B6A79880123456789ABCDEF01234567',
  runNumber: '17',
  repositoryUrl: 'https://github.com/banicr/demo_app',
  now: new Date('2026-01-02T03:04:05Z')
}
const settings: Settings = {
  image: 'ghcr.io/banicr/demo-flask-app',
  registry: 'ghcr.io',
  context: 'app',
  file: 'app/Dockerfile',
  tag: 'v2.0.0-3f1c2d4-17',
  refs: ['ghcr.io/banicr/demo-flask-app:v2.0.0-3f1c2d4-17', 'ghcr.io/banicr/demo-flask-app:latest'],
  push: true,
  username: 'octocat',
  password: 'secret',
  buildArgs: [
    ['APP_VERSION', 'ignored'],
    ['PIP_INDEX', 'x']
  ],
  labels: [['org.opencontainers.image.title', 'mine']],
  platforms: [],
  cache: 'auto',
  builder: 'auto',
  builderName: '',
  pull: false,
  provenance: '',
  secrets: { values: [], files: [], envs: [], ssh: [] },
  target: '',
  buildContexts: [],
  annotations: [],
  sbom: '',
  noCache: false,
  cacheRef: '',
  summary: true,
  mode: 'build',
  digests: [],
  images: [],
  logins: [],
  signing: {
    mode: 'false',
    key: '',
    attestations: [],
    sbomFile: '',
    fulcioUrl: 'https://fulcio.sigstore.dev',
    rekorUrl: '',
    rekorApiVersion: 1,
    tsaUrl: '',
    githubToken: ''
  }
}

test('the tag is <version>-<sha7>-<run>', () => {
  expect(computeTag('v2.0.0', ctx)).toBe('v2.0.0-3f1c2d4-17')
  expect(() => computeTag('v2.0.0', { ...ctx, sha: undefined })).toThrow(
    "Input 'tag' is needed when GITHUB_SHA is not a commit sha"
  )
  expect(() => computeTag('v2.0.0', { ...ctx, runNumber: 'x' })).toThrow(/GITHUB_RUN_NUMBER/)
})

test('OCI labels, the user winning on conflict', () => {
  expect(imageLabels(settings, ctx)).toEqual([
    ['org.opencontainers.image.version', 'v2.0.0-3f1c2d4-17'],
    ['org.opencontainers.image.created', '2026-01-02T03:04:05.000Z'],
    ['org.opencontainers.image.source', 'https://github.com/banicr/demo_app'],
    ['org.opencontainers.image.revision', '3F1C2D4E5B6A79880123456789ABCDEF01234567'],
    ['org.opencontainers.image.title', 'mine']
  ])
})

test('buildx arguments', () => {
  const args = buildxArgs(
    { ...settings, platforms: ['linux/amd64', 'linux/arm64'], provenance: 'false' },
    ctx,
    '/tmp/m.json',
    'gha'
  )
  expect(args.slice(0, 6)).toEqual([
    'build',
    '--file=app/Dockerfile',
    '--tag',
    settings.refs[0],
    '--tag',
    settings.refs[1]
  ])
  expect(args).toContain('APP_VERSION=v2.0.0-3f1c2d4-17')
  expect(args).not.toContain('APP_VERSION=ignored')
  expect(args).toContain('PIP_INDEX=x')
  expect(args.join(' ')).toContain('--platform linux/amd64,linux/arm64')
  expect(args.join(' ')).toContain(
    '--cache-from type=gha,scope=ghcr.io/banicr/demo-flask-app --cache-to type=gha,mode=max,scope=ghcr.io/banicr/demo-flask-app,ignore-error=true'
  )
  expect(args).toContain('--provenance=false')
  expect(args.slice(-4)).toEqual(['--metadata-file', '/tmp/m.json', '--push', 'app'])
  expect(buildxArgs({ ...settings, push: false }, ctx, '/m', 'none').slice(-2)).toEqual(['--load', 'app'])
})

test('pull: --pull for buildx and the classic builder', () => {
  expect(buildxArgs({ ...settings, pull: true }, ctx, '/m', 'none')).toContain('--pull')
  expect(classicArgs({ ...settings, pull: true }, ctx)).toContain('--pull')
  expect(buildxArgs(settings, ctx, '/m', 'none')).not.toContain('--pull')
})

test('classic arguments: a failed step leaves no container (--force-rm)', () => {
  expect(classicArgs(settings, ctx).slice(0, 5)).toEqual([
    'build',
    '--force-rm',
    '--file=app/Dockerfile',
    '--tag',
    settings.refs[0]
  ])
  expect(classicArgs(settings, ctx).at(-1)).toBe('app')
})

test('cache auto uses the Actions cache only with buildx and the cache service', () => {
  expect(cacheBackend('auto', 'buildx', {})).toBe('none')
  expect(cacheBackend('auto', 'buildx', { ACTIONS_RESULTS_URL: 'https://x' })).toBe('gha')
  expect(cacheBackend('gha', 'classic', {})).toBe('none')
  expect(cacheBackend('inline', 'buildx', {})).toBe('inline')
  // a builder that exports no cache but inline (buildx's docker driver on the classic image store)
  expect(cacheBackend('auto', 'buildx', { ACTIONS_RESULTS_URL: 'https://x' }, false)).toBe('inline')
  expect(cacheBackend('auto', 'buildx', { ACTIONS_RESULTS_URL: 'https://x' }, true)).toBe('gha')
})

test('a gha or registry cache on a builder that cannot export one is imported, not exported', () => {
  const join = (cache: 'gha' | 'registry', exportsCache: boolean) =>
    buildxArgs({ ...settings, cacheRef: 'ghcr.io/o/cache:x' }, ctx, '/m', cache, {
      exportsCache,
      pushesByDigest: true
    }).join(' ')
  expect(join('gha', false)).toContain('--cache-from type=gha,scope=ghcr.io/banicr/demo-flask-app')
  expect(join('gha', false)).not.toContain('--cache-to')
  expect(join('registry', false)).toContain('--cache-from type=registry,ref=ghcr.io/o/cache:x')
  expect(join('registry', false)).not.toContain('--cache-to')
  expect(join('registry', true)).toContain(
    '--cache-to type=registry,ref=ghcr.io/o/cache:x,mode=max,ignore-error=true'
  )
})

test('the cache service token goes to buildx only for a gha cache its builder can export', () => {
  const env = {
    ACTIONS_RESULTS_URL: 'https://results',
    ACTIONS_RUNTIME_TOKEN: 'tok',
    ACTIONS_CACHE_URL: undefined
  }
  expect(cacheEnv('gha', true, env)).toEqual({
    ACTIONS_CACHE_URL: undefined,
    ACTIONS_RESULTS_URL: 'https://results',
    ACTIONS_RUNTIME_TOKEN: 'tok'
  })
  expect(cacheEnv('gha', false, env)).toEqual({})
  expect(cacheEnv('inline', true, env)).toEqual({})
  expect(cacheEnv('registry', true, env)).toEqual({})
})

describe('Dockerfile failure location', () => {
  const dockerfile =
    'ARG BASE=x\nFROM ${BASE}\n\n# comment\nRUN apt-get update && \\\n    # inner comment\n    apt-get install -y make\nCOPY . .\nRUN make\n'

  test('instructions with continuations', () => {
    expect(instructions(dockerfile)).toEqual([
      { line: 1, text: 'ARG BASE=x' },
      { line: 2, text: 'FROM ${BASE}' },
      { line: 5, text: 'RUN apt-get update && apt-get install -y make' },
      { line: 8, text: 'COPY . .' },
      { line: 9, text: 'RUN make' }
    ])
  })

  test('buildx ">>>" excerpt, buildx step header, classic Step N/M', () => {
    expect(
      failedLine(
        '--------------------\n   8 |     COPY . .\n   9 | >>> RUN make\n--------------------',
        dockerfile
      )
    ).toBe(9)
    expect(
      failedLine('------\n > [3/4] RUN apt-get update &&     apt-get install -y make:\n------', dockerfile)
    ).toBe(5)
    expect(failedLine('------\n > [builder 4/4] RUN make:\n------', dockerfile)).toBe(9)
    expect(failedLine('Step 5/5 : RUN make\n ---> Running in 1\nThe command', dockerfile)).toBe(9)
    expect(failedLine('nothing useful', dockerfile)).toBeUndefined()
  })

  test('the reason', () => {
    expect(
      failureReason(
        '#7 ERROR: process "/bin/sh -c make" did not complete successfully: exit code: 2\n------\nERROR: failed to solve: process "/bin/sh -c make" did not complete successfully: exit code: 2'
      )
    ).toBe('process "/bin/sh -c make" did not complete successfully: exit code: 2')
    expect(failureReason("The command '/bin/sh -c make' returned a non-zero code: 2")).toBe(
      "The command '/bin/sh -c make' returned a non-zero code: 2"
    )
  })
})

describe('tag rules', () => {
  const ctx = (ref: string, defaultBranch = 'main') => ({
    ref,
    sha: '3f1c2d4e5b6a79880123456789abcdef01234567',
    runNumber: '17',
    defaultBranch
  })
  const seed = () => 'v2.0.0-3f1c2d4-17'
  const rules = [
    'type=semver,pattern={{version}}',
    'type=semver,pattern={{major}}.{{minor}}',
    'type=semver,pattern={{major}}',
    'type=ref,event=branch',
    'type=ref,event=pr',
    'type=sha',
    'type=raw,value=latest,enable={{is_default_branch}}'
  ]
  test('a release tag v1.2.3: 1.2.3, 1.2, 1 and the sha', () => {
    expect(tagsFromRules(rules, ctx('refs/tags/v1.2.3'), seed)).toEqual(['1.2.3', '1.2', '1', 'sha-3f1c2d4'])
  })
  test('a pre-release moves neither 1 nor 1.2', () => {
    expect(tagsFromRules(rules, ctx('refs/tags/v1.3.0-rc.1'), seed)).toEqual(['1.3.0-rc.1', 'sha-3f1c2d4'])
  })
  test('the default branch gets its name and latest; another branch only its (sanitised) name', () => {
    expect(tagsFromRules(rules, ctx('refs/heads/main'), seed)).toEqual(['main', 'sha-3f1c2d4', 'latest'])
    expect(tagsFromRules(rules, ctx('refs/heads/feature/x'), seed)).toEqual(['feature-x', 'sha-3f1c2d4'])
  })
  test('a pull request: pr-<number>', () => {
    expect(tagsFromRules(rules, ctx('refs/pull/42/merge'), seed)).toEqual(['pr-42', 'sha-3f1c2d4'])
  })
  test('the run tag, prefixes and suffixes; bad rules name the input', () => {
    expect(
      tagsFromRules(
        ['type=version-sha-run', 'type=sha,prefix=', 'type=raw,value=edge,suffix=-amd64'],
        ctx('refs/heads/dev'),
        seed
      )
    ).toEqual(['v2.0.0-3f1c2d4-17', '3f1c2d4', 'edge-amd64'])
    // type=seed: the rule's first name, kept as an alias
    expect(tagsFromRules(['type=seed,suffix=-x'], ctx('refs/heads/dev'), seed)).toEqual([
      'v2.0.0-3f1c2d4-17-x'
    ])
    expect(() => tagsFromRules(['type=nope'], ctx('refs/heads/dev'), seed)).toThrow(
      /^Input 'tags' line 1 needs type=/
    )
    expect(() => tagsFromRules(['type=raw,value=a b'], ctx('refs/heads/dev'), seed)).toThrow(
      /^Input 'tags' must be a valid image tag/
    )
  })
})

test('push-by-digest: no tags, an image output pushed by digest', () => {
  const args = buildxArgs({ ...settings, mode: 'push-by-digest' }, ctx, '/m', 'none')
  expect(args).not.toContain('--tag')
  expect(args).not.toContain('--push')
  expect(args.slice(-3)).toEqual([
    '--output',
    'type=image,name=ghcr.io/banicr/demo-flask-app,push-by-digest=true,name-canonical=true,push=true',
    'app'
  ])
})

test('push-by-digest where the builder cannot: built into the engine untagged, annotations left to the manifest', () => {
  const args = buildxArgs(
    { ...settings, mode: 'push-by-digest', annotations: ['org.opencontainers.image.title=x'] },
    ctx,
    '/m',
    'none',
    { pushesByDigest: false, exportsCache: false }
  )
  expect(args).not.toContain('--tag')
  expect(args).not.toContain('--annotation')
  expect(args.slice(-3)).toEqual(['--output', 'type=docker', 'app'])
})

test('manifest annotations: unprefixed and manifest: apply, the other kinds are named in a warning', () => {
  expect(
    manifestAnnotations([
      'org.opencontainers.image.title=a=b',
      'manifest:org.example.x=1',
      'index:org.example.y=2',
      'manifest[linux/amd64]:org.example.z=3'
    ])
  ).toEqual({
    applied: { 'org.opencontainers.image.title': 'a=b', 'org.example.x': '1' },
    skipped: ['index:org.example.y=2', 'manifest[linux/amd64]:org.example.z=3']
  })
})

test('repository of an image: its own host, else the registry input; Docker Hub names under library/', () => {
  expect(repositoryOf('ghcr.io/owner/app', 'docker.io')).toEqual({
    registry: 'ghcr.io',
    repository: 'owner/app'
  })
  expect(repositoryOf('127.0.0.1:5443/itg/x', 'docker.io')).toEqual({
    registry: '127.0.0.1:5443',
    repository: 'itg/x'
  })
  expect(repositoryOf('owner/app', 'docker.io')).toEqual({ registry: 'docker.io', repository: 'owner/app' })
  expect(repositoryOf('nginx', 'docker.io')).toEqual({ registry: 'docker.io', repository: 'library/nginx' })
})

test('a layer gzipped in 1 MiB members reads back whole with gunzip; its digest and size are the file written', async () => {
  const fs = await import('node:fs')
  const os = await import('node:os')
  const path = await import('node:path')
  const { createHash, randomBytes } = await import('node:crypto')
  const { gunzipSync } = await import('node:zlib')
  const { execFileSync } = await import('node:child_process')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gzip-'))
  // compressible text and incompressible bytes, 3.5 pieces long
  const data = Buffer.concat([Buffer.from('layer '.repeat(300_000)), randomBytes(1_900_000)])
  expect(data.length / GZIP_PIECE).toBeCloseTo(3.53, 1)
  fs.writeFileSync(path.join(dir, 'layer.tar'), data)
  const blob = await compress(path.join(dir, 'layer.tar'), path.join(dir, 'layer.tar.gz'))
  const written = fs.readFileSync(blob.file)
  expect(blob.size).toBe(written.length)
  expect(blob.digest).toBe(`sha256:${createHash('sha256').update(written).digest('hex')}`)
  expect(gunzipSync(written).equals(data)).toBe(true)
  expect(execFileSync('gzip', ['-dc', blob.file], { maxBuffer: 16 << 20 }).equals(data)).toBe(true)
  // the same bytes give the same blob (a rerun finds its layers in the registry)
  const again = await compress(path.join(dir, 'layer.tar'), path.join(dir, 'again.tar.gz'))
  expect(again.digest).toBe(blob.digest)
  // an already gzipped layer is taken as it is; an empty one is one empty member
  expect((await compress(blob.file, path.join(dir, 'x.gz'))).file).toBe(blob.file)
  fs.writeFileSync(path.join(dir, 'empty.tar'), '')
  const empty = await compress(path.join(dir, 'empty.tar'), path.join(dir, 'empty.tar.gz'))
  expect(gunzipSync(fs.readFileSync(empty.file)).length).toBe(0)
  fs.rmSync(dir, { recursive: true, force: true })
})

test('the containerd image store is read from the Engine API /info', () => {
  expect(containerdStore({ DriverStatus: [['driver-type', 'io.containerd.snapshotter.v1']] })).toBe(true)
  expect(
    containerdStore({
      DriverStatus: [
        ['Backing Filesystem', 'extfs'],
        ['Supports d_type', 'true']
      ]
    })
  ).toBe(false)
  expect(containerdStore(undefined)).toBe(false)
})

test('merge: OCI legs make an OCI index, Docker-typed legs a Docker manifest list; platforms from each config', async () => {
  const { mergeDigests } = await import('../../src/build-push/merge.js')
  const put: { tag: string; type: string; body: string }[] = []
  const client = (legType: string) =>
    ({
      manifest: async (_repo: string, digest: string) => ({
        mediaType: legType,
        digest,
        size: 100,
        json: { mediaType: legType, config: { digest: `cfg-${digest}` } },
        raw: Buffer.from('')
      }),
      blob: async (_repo: string, digest: string) => ({
        os: 'linux',
        architecture: digest.endsWith('b') ? 'arm64' : 'amd64'
      }),
      putManifest: async (_repo: string, tag: string, body: Buffer, type: string) => {
        put.push({ tag, type, body: body.toString() })
        return ''
      }
    }) as unknown as import('../../src/common/registry.js').RegistryClient
  const legs = [`sha256:${'a'.repeat(64)}`, `sha256:${'b'.repeat(64)}`]
  const oci = await mergeDigests(client('application/vnd.oci.image.manifest.v1+json'), 'o/app', legs, ['1'])
  expect(oci.platforms).toEqual(['linux/amd64', 'linux/arm64'])
  expect(put[0].type).toBe('application/vnd.oci.image.index.v1+json')
  await mergeDigests(client('application/vnd.docker.distribution.manifest.v2+json'), 'o/app', legs, ['1'])
  expect(put[1].type).toBe('application/vnd.docker.distribution.manifest.list.v2+json')
  expect(JSON.parse(put[1].body).mediaType).toBe(put[1].type)
})

describe('a bundle signed with image-signing-key, as DSSE verifiers read it', () => {
  test('the envelope names no key id (cosign and gh skip a signature whose key id is not their fingerprint); the hint is sigstore-go’s', async () => {
    const crypto = await import('node:crypto')
    const { keySigner, keyHint, withoutKeyId } = await import('../../src/build-push/sign.js')
    const { DSSEBundleBuilder } = await import('@sigstore/sign')
    const { bundleToJSON } = await import('@sigstore/bundle')
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
    const builder = new DSSEBundleBuilder({ signer: keySigner(pem), witnesses: [] })
    const bundle = await builder.create({ data: Buffer.from('{}'), type: 'application/vnd.in-toto+json' })
    const json = bundleToJSON(withoutKeyId(bundle)) as {
      dsseEnvelope: { signatures: { keyid: string; sig: string }[] }
      verificationMaterial: { publicKey: { hint: string } }
    }
    expect(json.dsseEnvelope.signatures.map(s => s.keyid ?? '')).toEqual([''])
    const der = publicKey.export({ type: 'spki', format: 'der' })
    const hint = crypto.createHash('sha256').update(der).digest('base64')
    expect(json.verificationMaterial.publicKey.hint).toBe(hint)
    expect(keyHint(publicKey.export({ type: 'spki', format: 'pem' }).toString())).toBe(hint)
  })
})

describe('Rekor v2 entries: the hashedrekord of the envelope’s PAE, as rekor-tiles v2.3 and sigstore-go take it', () => {
  test('PAE as the DSSE specification spells it', async () => {
    const { pae } = await import('../../src/build-push/rekor-v2.js')
    expect(pae('http://example.com/HelloWorld', Buffer.from('hello world')).toString()).toBe(
      'DSSEv1 29 http://example.com/HelloWorld 11 hello world'
    )
  })

  test('the request: SHA-256 of the PAE, the one signature, the certificate or the public key with its algorithm', async () => {
    const crypto = await import('node:crypto')
    const { hashedRekordRequest, pae } = await import('../../src/build-push/rekor-v2.js')
    const { publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
    const env = {
      payloadType: 'application/vnd.in-toto+json',
      payload: Buffer.from('{}'),
      signatures: [{ keyid: '', sig: Buffer.from('sig') }]
    }
    const req = hashedRekordRequest({ $case: 'dsseEnvelope', dsseEnvelope: env }, pem) as {
      hashedRekordRequestV002: {
        digest: string
        signature: { content: string; verifier: Record<string, unknown> }
      }
    }
    const digest = crypto.createHash('sha256').update(pae(env.payloadType, env.payload)).digest('base64')
    expect(req.hashedRekordRequestV002.digest).toBe(digest)
    expect(req.hashedRekordRequestV002.signature.content).toBe(Buffer.from('sig').toString('base64'))
    expect(req.hashedRekordRequestV002.signature.verifier).toEqual({
      keyDetails: 'PKIX_ECDSA_P256_SHA_256',
      publicKey: { rawBytes: publicKey.export({ type: 'spki', format: 'der' }).toString('base64') }
    })
    // two signatures: refused (a bundle carries one)
    expect(() =>
      hashedRekordRequest(
        {
          $case: 'dsseEnvelope',
          dsseEnvelope: { ...env, signatures: [env.signatures[0], env.signatures[0]] }
        },
        pem
      )
    ).toThrow(/exactly one signature/)
  })

  test('key details: P-256 and RSA taken; Ed25519 and P-384 refused with what to do', async () => {
    const crypto = await import('node:crypto')
    const { keyDetails } = await import('../../src/build-push/rekor-v2.js')
    expect(keyDetails(crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey)).toBe(
      'PKIX_ECDSA_P256_SHA_256'
    )
    expect(keyDetails(crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey)).toBe(
      'PKIX_RSA_PKCS1V15_2048_SHA256'
    )
    expect(() => keyDetails(crypto.generateKeyPairSync('ed25519').publicKey)).toThrow(
      /ECDSA P-256 and RSA keys only \(this one is ed25519\).*rekor-api-version: 1/
    )
    expect(() => keyDetails(crypto.generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey)).toThrow(
      /this one is ec secp384r1/
    )
  })
})
