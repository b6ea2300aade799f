// Job summary helpers. A stage adds blocks as it goes and calls writeSummary() once, at the end (in
// `finally`, so a failed step still explains itself). Two rules hold here for every stage: no secret of
// the step is written (each block is redacted), and GitHub's limit is kept (it drops a step summary over
// 1 MiB whole): each collapsed block is cut to a share of it, and when the blocks still do not fit, the
// last ones are left out and the summary says so.
import * as fs from 'node:fs/promises'
import * as core from '@actions/core'
import { redact } from './secrets.js'

export type Cell = string | number

/** GitHub's limit for one step's summary (docs: "Adding a job summary"); over it, nothing is shown. */
export const SUMMARY_LIMIT = 1024 * 1024
/** What one collapsed block (a traceback, a diff) may take. */
export const BLOCK_LIMIT = 128 * 1024
/** Kept free for the closing line that says what was left out. */
const RESERVE = 2 * 1024

const blocks: string[] = []

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!
  )
}

/** A fenced block whose fence is longer than any backtick run inside, so the content cannot close it. */
export function fence(text: string, lang = ''): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map(m => m[0].length))
  const f = '`'.repeat(longest + 1)
  return `${f}${lang}\n${text.replace(/\n$/, '')}\n${f}\n`
}

/** Cuts text to at most `bytes` UTF-8 bytes at a line end, saying how much was cut. */
export function cut(text: string, bytes: number, where = 'the log'): string {
  if (Buffer.byteLength(text) <= bytes) return text
  let kept = Buffer.from(text).subarray(0, bytes).toString('utf8')
  // A character split by the byte cut decodes as U+FFFD: drop it, and end at a whole line.
  kept = kept.replace(/\uFFFD$/, '')
  const nl = kept.lastIndexOf('\n')
  if (nl > 0) kept = kept.slice(0, nl)
  const left = text.slice(kept.length).split('\n').length - (nl > 0 ? 1 : 0)
  return `${kept}\n… ${left} more lines cut (GitHub shows at most 1 MiB of summary; the rest is in ${where})\n`
}

export function table(headers: string[], rows: Cell[][]): void {
  const tr = (cells: string[], tag: string) =>
    `<tr>${cells.map(c => `<${tag}>${escapeHtml(c)}</${tag}>`).join('')}</tr>`
  blocks.push(`<table>${tr(headers, 'th')}${rows.map(r => tr(r.map(String), 'td')).join('')}</table>\n`)
}

/** A collapsed section holding a code block (a log, a traceback, a diff), cut to BLOCK_LIMIT. */
export function details(label: string, text: string, lang = '', limit = BLOCK_LIMIT): void {
  blocks.push(
    `<details><summary>${escapeHtml(label)}</summary>\n\n${fence(cut(text, limit), lang)}\n</details>\n`
  )
}

export function heading(text: string, level = 3): void {
  blocks.push(`<h${level}>${escapeHtml(text)}</h${level}>\n`)
}

export function paragraph(markdown: string): void {
  blocks.push(`${markdown}\n`)
}

export function code(text: string): string {
  return `<code>${escapeHtml(text)}</code>`
}

/** The blocks that fit in GitHub's limit, and a closing line when some did not. */
export function render(limit = SUMMARY_LIMIT): string {
  let out = ''
  let size = 0
  let left = 0
  for (const block of blocks) {
    // every secret of the step is kept out of the summary, whatever a block quotes
    const b = redact(block)
    const n = Buffer.byteLength(b)
    if (left === 0 && size + n <= limit - RESERVE) {
      out += b
      size += n
    } else left++
  }
  if (left)
    out += `\n> ⚠️ ${left} more section${left === 1 ? '' : 's'} left out: GitHub drops a step summary over 1 MiB whole. The log has everything.\n`
  return out
}

/** Writes the summary once; outside a runner (no GITHUB_STEP_SUMMARY) it is only logged at debug. */
export async function writeSummary(): Promise<void> {
  const file = process.env.GITHUB_STEP_SUMMARY
  const text = render()
  blocks.length = 0
  if (!file) {
    core.debug('GITHUB_STEP_SUMMARY is not set; summary not written')
    return
  }
  await fs.appendFile(file, text)
}
