// image-source: load. The image under test goes from the local store into the nodes' containerd.
import * as fs from 'node:fs/promises'
import * as path from 'node:path'
import * as core from '@actions/core'
import { writeDockerAuths } from '../common/docker.js'
import type { Tool } from '../common/exec.js'
import { parseImage } from '../common/validate.js'
import type { Loaded } from './image.js'
import type { KindCluster } from './lifecycle.js'
import type { Settings } from './settings.js'

const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64' }

/** An image to load: its reference as given, and the name it is loaded under. */
export interface ToLoad {
  image: string
  loaded: Loaded
}

/** One of the images could not be had (pulled, or found to be the digest asked for); names which. */
export class ImageNotHad extends Error {
  constructor(
    readonly image: string,
    cause: Error
  ) {
    super(cause.message)
  }
}

/**
 * The images in the local store, each pulled with the step's credentials when it is not there, before any
 * cluster is made: one that cannot be had is said in seconds, and no cluster is made for nothing.
 */
export async function haveImages(
  docker: Tool,
  s: Pick<Settings, 'username' | 'password'>,
  images: ToLoad[],
  privDir: string
): Promise<void> {
  // two images under one local name would load one of them twice: refused before anything is pulled
  images.forEach(({ image, loaded }, i) => {
    const taken = images.slice(0, i).find(o => o.loaded.ref === loaded.ref && o.image !== image)
    if (taken)
      throw new ImageNotHad(
        image,
        new Error(`it would be loaded as ${loaded.ref}, the name ${taken.image} is loaded under`)
      )
  })
  const had: string[] = []
  for (const { image, loaded } of images) {
    if (had.includes(loaded.ref)) continue
    await have(docker, s, image, loaded, privDir).catch(err => {
      throw new ImageNotHad(image, err as Error)
    })
    had.push(loaded.ref)
  }
}

/**
 * The images (in the local store: haveImages) go in as one one-platform archive, their shared layers once:
 * `kind load docker-image` of a pulled multi-platform image fails with Docker's containerd image store
 * (Docker 29; kind #3795, #4224), `docker save --platform` and `kind load image-archive` do not. A docker
 * older than the --platform flag saves what it has.
 */
export async function loadImages(
  docker: Tool,
  cluster: Pick<KindCluster, 'loadArchive'>,
  images: ToLoad[],
  privDir: string
): Promise<void> {
  const refs = [...new Set(images.map(i => i.loaded.ref))]
  const archive = path.join(privDir, 'images.tar')
  const platform = `linux/${ARCH[process.arch] ?? process.arch}`
  let saved = await docker(['save', '--platform', platform, '-o', archive, ...refs], {
    silent: true,
    ignoreReturnCode: true
  })
  if (saved.exitCode !== 0 && /platform/i.test(saved.stderr)) {
    core.info(
      `docker save --platform is not supported here (${saved.stderr.trim().split('\n').pop()}); saving without it`
    )
    saved = await docker(['save', '-o', archive, ...refs], { silent: true, ignoreReturnCode: true })
  }
  if (saved.exitCode !== 0)
    throw new Error(
      `docker save ${refs.join(' ')} failed with exit code ${saved.exitCode}:\n${saved.stderr.trim()}`
    )
  await cluster.loadArchive(archive)
  await fs.rm(archive, { force: true })
}

/** The image in the local store (pulled if it is not), under the name it is loaded as. */
async function have(
  docker: Tool,
  s: Pick<Settings, 'username' | 'password'>,
  image: string,
  loaded: Loaded,
  privDir: string
): Promise<void> {
  const ref = parseImage('image', image)
  const inspect = () =>
    docker(['image', 'inspect', '--format', '{{json .RepoDigests}}', image], {
      silent: true,
      ignoreReturnCode: true
    })
  let present = await inspect()
  if (present.exitCode !== 0) {
    // the credentials go into the step's own docker config (its DOCKER_CONFIG is the private folder)
    if (s.password)
      await writeDockerAuths(privDir, [
        { registry: ref.registry || 'docker.io', username: s.username, password: s.password }
      ])
    await docker(['pull', image], { label: `docker pull ${image}` })
    present = await inspect()
  }
  if (ref.digest) {
    // the local image must be the digest asked for; then it gets the tag it is loaded under
    if (!present.stdout.includes(`@${ref.digest}`))
      throw new Error(`The local image ${image} is not ${ref.digest} (it has ${present.stdout.trim()})`)
    await docker(['tag', image, loaded.ref], { silent: true })
  }
}
