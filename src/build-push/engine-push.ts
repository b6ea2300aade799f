// push-by-digest where the builder cannot: buildx's default `docker` driver on the classic image store
// refuses it ("push-by-digest is currently not implemented for docker driver"), and that is the builder a
// GitHub-hosted runner has unless a workflow creates another. Then the leg is built into the engine
// (untagged) and pushed by digest here:
// `docker save` of the image, each layer gzipped (a layer the registry already holds is not uploaded),
// the engine's own image config, and an OCI manifest put under its digest, so no tag is ever made.
// The result is what BuildKit's push-by-digest gives: a manifest by digest that `mode: merge` indexes.
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import * as fs from 'node:fs/promises'
import * as path from 'node:path'
import { pipeline } from 'node:stream/promises'
import * as os from 'node:os'
import { promisify } from 'node:util'
import * as zlib from 'node:zlib'
import * as core from '@actions/core'
import type { Docker } from '../common/docker.js'
import { tool } from '../common/exec.js'
import type { PrivateDir } from '../common/temp.js'
import { digestOf } from '../common/digest.js'
import type { RegistryClient } from '../common/registry.js'

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json'
const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip'

interface Blob {
  digest: string
  size: number
  file: string
}

/**
 * Annotations as `--annotation` takes them; on this path only the image manifest's own apply
 * (`key=value` or `manifest:key=value`): the others are returned as `skipped`, for a warning.
 */
export function manifestAnnotations(annotations: string[]): {
  applied: Record<string, string>
  skipped: string[]
} {
  const applied: Record<string, string> = {}
  const skipped: string[] = []
  for (const a of annotations) {
    const m = /^(?:manifest:)?([^=:[\]]+)=(.*)$/s.exec(a)
    if (m) applied[m[1]] = m[2]
    else skipped.push(a)
  }
  return { applied, skipped }
}

/** How much of a layer one gzip member holds; deflate's window is 32 KiB, so a cut costs next to nothing. */
export const GZIP_PIECE = 1024 * 1024

/**
 * Gzips a layer tar into `dest`, hashing what is written; a layer that is already gzip is taken as is.
 * The layer is cut into 1 MiB pieces compressed side by side on libuv's thread pool, written in order as
 * one gzip member each: a multi-member gzip file is one valid gzip stream (RFC 1952 §2.2), which Go's
 * gzip reader (docker, containerd, registries) and pigz read as a whole. A single-threaded stream took
 * 5.8 s for a 185 MB base layer here; a layer's pieces use every core.
 */
export async function compress(
  file: string,
  dest: string,
  level = zlib.constants.Z_DEFAULT_COMPRESSION
): Promise<Blob> {
  const input = await fs.open(file, 'r')
  try {
    const magic = Buffer.alloc(2)
    await input.read(magic, 0, 2, 0)
    if (magic[0] === 0x1f && magic[1] === 0x8b) {
      const hash = createHash('sha256')
      await pipeline(createReadStream(file), hash)
      return { digest: `sha256:${hash.digest('hex')}`, size: (await fs.stat(file)).size, file }
    }
    const total = (await input.stat()).size
    const output = await fs.open(dest, 'wx', 0o600)
    try {
      const hash = createHash('sha256')
      let size = 0
      const gzip = promisify(zlib.gzip)
      const piece = async (offset: number): Promise<Buffer> => {
        const buf = Buffer.alloc(Math.min(GZIP_PIECE, total - offset))
        const { bytesRead } = await input.read(buf, 0, buf.length, offset)
        return gzip(buf.subarray(0, bytesRead), { level })
      }
      // pieces in flight at once: the thread pool's size (libuv's default 4), as many as there are cores
      const width = Math.max(1, Math.min(os.availableParallelism(), 4))
      const pending: Promise<Buffer>[] = []
      let next = 0
      // an empty layer is still one (empty) member
      const offsets =
        total === 0 ? [0] : Array.from({ length: Math.ceil(total / GZIP_PIECE) }, (_, k) => k * GZIP_PIECE)
      while (next < offsets.length || pending.length) {
        while (next < offsets.length && pending.length < width) {
          const p = piece(offsets[next++])
          p.catch(() => {}) // observed when its turn comes; a failure then must not be "unhandled" before it
          pending.push(p)
        }
        const out = await pending.shift()!
        hash.update(out)
        size += out.length
        await output.write(out)
      }
      return { digest: `sha256:${hash.digest('hex')}`, size, file: dest }
    } finally {
      await output.close()
    }
  } finally {
    await input.close()
  }
}

/** At most `limit` of the tasks at a time, results in order. */
async function limited<T>(
  items: T[],
  limit: number,
  task: (item: T, i: number) => Promise<void>
): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      await task(items[i], i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
}

/**
 * Pushes the engine's image `imageId` to `repository` by digest; returns the manifest's digest.
 * The image is saved and unpacked in the step's private folder (removed with it).
 */
export async function pushFromEngine(
  docker: Docker,
  imageId: string,
  client: RegistryClient,
  repository: string,
  dir: PrivateDir,
  annotations: Record<string, string>
): Promise<string> {
  const work = path.join(dir.path, 'engine-image')
  await fs.mkdir(work, { mode: 0o700 })
  const archive = path.join(work, 'image.tar')
  await docker(['save', `--output=${archive}`, imageId], { silent: true, label: 'docker save' })
  const unpacked = path.join(work, 'image')
  await fs.mkdir(unpacked)
  // GNU tar keeps members inside the folder (it skips names with `..` and strips a leading /)
  await tool('tar')(['-x', '-f', archive, '-C', unpacked], { silent: true, label: 'unpack the saved image' })
  await fs.rm(archive)

  const index = JSON.parse(await fs.readFile(path.join(unpacked, 'manifest.json'), 'utf8')) as {
    Config: string
    Layers: string[]
  }[]
  if (index.length !== 1) throw new Error(`docker save of ${imageId} held ${index.length} images, not 1`)
  const inside = (name: string) => {
    const file = path.resolve(unpacked, name)
    if (!file.startsWith(unpacked + path.sep)) throw new Error(`docker save named a file outside: ${name}`)
    return file
  }
  const config = await fs.readFile(inside(index[0].Config))
  const configDigest = digestOf(config)
  if (imageId.startsWith('sha256:') && configDigest !== imageId)
    throw new Error(`docker save of ${imageId} gave a config whose digest is ${configDigest}`)

  const layers: Blob[] = new Array(index[0].Layers.length)
  let uploaded = 0
  let bytes = 0
  // each layer's files go as soon as they are used: the disk holds little more than the saved image
  await limited(index[0].Layers, 3, async (name, i) => {
    const source = inside(name)
    const blob = await compress(source, path.join(work, `layer-${i}.tar.gz`))
    if (blob.file !== source) await fs.rm(source)
    layers[i] = blob
    if (!(await client.hasBlob(repository, blob.digest))) {
      await client.putBlob(repository, blob.digest, {
        open: () => createReadStream(blob.file),
        size: blob.size
      })
      uploaded++
      bytes += blob.size
    }
    await fs.rm(blob.file)
  })
  if (!(await client.hasBlob(repository, configDigest)))
    await client.putBlob(repository, configDigest, config)

  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: configDigest, size: config.length },
      layers: layers.map(l => ({ mediaType: OCI_LAYER_GZIP, digest: l.digest, size: l.size })),
      ...(Object.keys(annotations).length ? { annotations } : {})
    })
  )
  const digest = digestOf(manifest)
  const reported = await client.putManifest(repository, digest, manifest, OCI_MANIFEST)
  if (reported !== digest) throw new Error(`The registry stored the manifest as ${reported}, not ${digest}`)
  core.info(
    `Pushed ${client.registry}/${repository}@${digest}: ${layers.length} layer${layers.length === 1 ? '' : 's'}, ${uploaded} uploaded (${(bytes / 1024 / 1024).toFixed(1)} MiB)`
  )
  return digest
}
