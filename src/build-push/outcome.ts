// What a build (or a merge) produced, as the outputs and the summary read it.
import type { Built } from './build.js'
import type { Engine } from './engine.js'
import type { Signed } from './sign.js'

export interface Outcome {
  engine?: Engine
  built?: Built
  /** The image's size, for the summary. */
  size?: string
  merged?: { digest: string; platforms: string[] }
  signed: Signed[]
  /** What the metadata output adds for the mode: the image id, or the merged manifests. */
  extra?: Record<string, unknown>
  /** The pushed digest ('' when nothing was pushed); undefined until the build (or merge) succeeded. */
  digest?: string
}
