// Build secrets and SSH for BuildKit: what private dependencies need at build time, without ever being in
// a layer, the image history, a cache export, the log or an output (build-args stay in the history:
// build-push-action #293, #915). `secrets` values are masked and written only as 0600 files in the step's
// private folder; `secret-files` name files; `secret-envs` name variables of the step's environment
// (passed to buildx, which reads them); `ssh` forwards the agent (`default`) or names keys. The Dockerfile
// reads them with RUN --mount=type=secret,id=… or --mount=type=ssh.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { InputError, maskSecret } from '../common/inputs.js'
import type { PrivateDir } from '../common/temp.js'
import { Inputs } from './constants.js'

const ID = /^[A-Za-z0-9_.-]+$/

export interface BuildSecrets {
  /** `id=value` pairs (values masked). */
  values: [string, string][]
  /** `id=path` pairs. */
  files: [string, string][]
  /** `id=ENVNAME` pairs. */
  envs: [string, string][]
  /** `default`, or `id=path` of keys. */
  ssh: string[]
}

function pairs(input: string, lines: string[], what: string): [string, string][] {
  return lines.map((line, i) => {
    const eq = line.indexOf('=')
    const id = eq > 0 ? line.slice(0, eq).trim() : ''
    if (!ID.test(id))
      throw new InputError(
        input,
        `line ${i + 1} must look like id=${what} (id: letters, digits, '_', '.', '-')`
      )
    return [id, line.slice(eq + 1)]
  })
}

/** Reads the four inputs; `lines` gives each input's raw lines (secret values are read unmodified). */
export function parseBuildSecrets(read: (name: string) => string[]): BuildSecrets {
  const values = pairs(Inputs.Secrets, read(Inputs.Secrets), 'value')
  for (const [, v] of values) maskSecret(v)
  const files = pairs(Inputs.SecretFiles, read(Inputs.SecretFiles), 'path').map(([id, p]) => {
    const file = p.trim()
    if (!file || file.startsWith('-') || !fs.statSync(file, { throwIfNoEntry: false })?.isFile())
      throw new InputError(Inputs.SecretFiles, `'${id}' must name an existing file, got '${file}'`)
    return [id, path.resolve(file)] as [string, string]
  })
  const envs = pairs(Inputs.SecretEnvs, read(Inputs.SecretEnvs), 'ENV_NAME').map(([id, name]) => {
    const n = name.trim()
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(n) || process.env[n] === undefined)
      throw new InputError(
        Inputs.SecretEnvs,
        `'${id}' must name a variable of the step's environment, got '${n}'`
      )
    maskSecret(process.env[n]!)
    return [id, n] as [string, string]
  })
  const ssh = read(Inputs.Ssh).map(l => l.trim())
  for (const s of ssh)
    if (s !== 'default' && !/^[A-Za-z0-9_.-]+=[^,\s-][^,\s]*$/.test(s))
      throw new InputError(
        Inputs.Ssh,
        `lines must be 'default' (the SSH agent) or id=<path of a key>, got '${s}'`
      )
  return { values, files, envs, ssh }
}

export function hasSecrets(s: BuildSecrets): boolean {
  return s.values.length + s.files.length + s.envs.length + s.ssh.length > 0
}

/** buildx arguments; secret values are written to 0600 files in the private folder first. */
export async function secretArgs(s: BuildSecrets, priv: PrivateDir): Promise<string[]> {
  const args: string[] = []
  for (const [id, value] of s.values)
    args.push('--secret', `id=${id},src=${await priv.write(`secret-${id}`, value)}`)
  for (const [id, file] of s.files) args.push('--secret', `id=${id},src=${file}`)
  for (const [id, env] of s.envs) args.push('--secret', `id=${id},env=${env}`)
  for (const ssh of s.ssh) args.push('--ssh', ssh)
  return args
}
