// The content digest the OCI distribution API names blobs and manifests by.
import { createHash } from 'node:crypto'

export const digestOf = (data: Buffer | string): string =>
  `sha256:${createHash('sha256').update(data).digest('hex')}`
