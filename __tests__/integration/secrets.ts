import { expect } from '@jest/globals'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { visibleLog, type StepResult } from '../../scripts/lib/runner.mjs'

/**
 * The forms a leaked secret takes: plain, URL-encoded, base64 (standard and URL-safe, at each of the three
 * alignments it can have inside a longer encoded text), and each long line of a multi-line secret (a key).
 * Texts are searched with white space removed too, so a secret split across lines is still found.
 */
export function leakForms(secret: string): string[] {
  const forms = new Set<string>([secret, encodeURIComponent(secret)])
  for (const line of secret.split(/\r?\n/)) if (line.trim().length >= 16) forms.add(line.trim())
  for (let offset = 0; offset < 3; offset++) {
    const b64 = Buffer.from(secret.slice(offset)).toString('base64')
    // the first and last groups depend on what stands around the secret: keep the middle
    const middle = b64.slice(4, -4)
    if (middle.length >= 12) {
      forms.add(middle)
      forms.add(middle.replace(/\+/g, '-').replace(/\//g, '_'))
    }
  }
  return [...forms].map(f => f.replace(/\s+/g, '')).filter(f => f.length >= 8)
}

/** Where in `text` any form of `secret` appears (empty when nowhere). */
export function leaksIn(text: string, secret: string): string[] {
  const flat = text.replace(/\s+/g, '')
  return leakForms(secret).filter(f => text.includes(f) || flat.includes(f))
}

/** The secret appears nowhere a person or a later step could read it: log (as the runner shows it), stderr, outputs, state, summary. */
export function expectNowhere(secret: string, ...steps: StepResult[]): void {
  for (const step of steps)
    for (const [where, text] of Object.entries({
      log: visibleLog(step.stdout),
      stderr: step.stderr,
      summary: step.summary,
      outputs: JSON.stringify(step.outputs),
      state: JSON.stringify(step.state)
    }))
      expect({ where, leaked: leaksIn(text, secret) }).toEqual({ where, leaked: [] })
}

/** Every file below `dir` (following no links) in which any form of `secret` appears. */
export function filesLeaking(dir: string, secret: string): string[] {
  const hits: string[] = []
  if (!fs.existsSync(dir)) return hits
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name)
    if (entry.isDirectory() && entry.name !== 'node_modules') hits.push(...filesLeaking(file, secret))
    else if (entry.isFile() && leaksIn(fs.readFileSync(file, 'latin1'), secret).length) hits.push(file)
  }
  return hits
}
