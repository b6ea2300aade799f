// Typed input parsing. This is the only module that calls core.getInput; every error names the input
// and says what was expected, and is thrown before a stage changes anything.
import * as core from '@actions/core'
import { forgetEnv, maskSecret } from './secrets.js'

export { maskSecret }

export class InputError extends Error {
  constructor(
    readonly input: string,
    expected: string
  ) {
    super(`Input '${input}' ${expected}`)
    this.name = 'InputError'
  }
}

function raw(name: string): string {
  return core.getInput(name, { trimWhitespace: true })
}

/** A string input; `fallback` applies when the input is empty (the runner normally applies action.yml defaults). */
export function str(name: string, fallback = ''): string {
  return raw(name) || fallback
}

export function required(name: string): string {
  const value = raw(name)
  if (!value) throw new InputError(name, 'is required and was not supplied')
  return value
}

/**
 * A secret input: masked as soon as it is read, along with each of its lines, and removed from this
 * process's environment so that no child process (ours or a library's) can inherit it.
 */
export function secret(name: string): string {
  const value = core.getInput(name, { trimWhitespace: false })
  maskSecret(value)
  forgetEnv(`INPUT_${name.replace(/ /g, '_').toUpperCase()}`)
  return value
}

const TRUE = ['true', 'True', 'TRUE']
const FALSE = ['false', 'False', 'FALSE']

export function bool(name: string, fallback: boolean): boolean {
  const value = raw(name)
  if (!value) return fallback
  if (TRUE.includes(value)) return true
  if (FALSE.includes(value)) return false
  throw new InputError(name, `must be true or false, got '${value}'`)
}

export function int(name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const value = raw(name)
  if (!value) return fallback
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max)
    throw new InputError(name, `must be a whole number from ${min} to ${max}, got '${value}'`)
  return Number(value)
}

export function oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
  const value = raw(name)
  if (!value) return fallback
  if (!(allowed as readonly string[]).includes(value))
    throw new InputError(name, `must be one of ${allowed.join(', ')}, got '${value}'`)
  return value as T
}

/** Non-empty lines, trimmed; lines starting with '#' are comments. */
export function lines(name: string): string[] {
  return splitLines(raw(name))
}

export function splitLines(value: string): string[] {
  return value
    .split(/\r?\n/)
    .map(l => l.trim())
    .filter(l => l && !l.startsWith('#'))
}

/** A list given as lines or separated by commas. */
export function list(name: string): string[] {
  return lines(name)
    .flatMap(l => l.split(','))
    .map(s => s.trim())
    .filter(Boolean)
}

/** Lines of KEY=VALUE. The key must match `keyPattern`; the value may contain '=' and may be empty. */
export function keyValues(name: string, keyPattern = /^[A-Za-z_][A-Za-z0-9_.-]*$/): [string, string][] {
  return lines(name).map((line, i) => {
    const eq = line.indexOf('=')
    const key = eq > 0 ? line.slice(0, eq).trim() : ''
    if (!keyPattern.test(key))
      throw new InputError(name, `line ${i + 1} must look like KEY=VALUE, got '${line}'`)
    return [key, line.slice(eq + 1).trim()]
  })
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/** A duration such as `90s`, `3m`, `1m30s`, `500ms` or a plain number of seconds; returns milliseconds. */
export function duration(name: string, fallback: string): number {
  const value = raw(name) || fallback
  const ms = parseDuration(value)
  if (ms === undefined)
    throw new InputError(name, `must be a duration such as 180s, 3m or 1m30s, got '${value}'`)
  return ms
}

export function parseDuration(value: string): number | undefined {
  if (/^\d+$/.test(value)) return Number(value) * 1000
  if (!/^(\d+(ms|s|m|h))+$/.test(value)) return undefined
  let total = 0
  for (const [, n, unit] of value.matchAll(/(\d+)(ms|s|m|h)/g)) total += Number(n) * UNITS[unit]
  return total
}
