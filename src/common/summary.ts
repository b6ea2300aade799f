// Job summary helpers. A stage adds to core.summary as it goes and calls writeSummary() once, at the end
// (in `finally`, so a failed step still explains itself).
import * as core from '@actions/core'

export type Cell = string | number

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

export function table(headers: string[], rows: Cell[][]): void {
  core.summary.addTable([
    headers.map(h => ({ data: escapeHtml(h), header: true })),
    ...rows.map(r => r.map(c => escapeHtml(String(c))))
  ])
}

/** A collapsed section holding a code block (a log, a traceback, a diff). */
export function details(label: string, text: string, lang = ''): void {
  core.summary.addRaw(
    `<details><summary>${escapeHtml(label)}</summary>\n\n${fence(text, lang)}\n</details>\n`,
    true
  )
}

export function heading(text: string, level = 3): void {
  core.summary.addHeading(escapeHtml(text), level)
}

export function paragraph(markdown: string): void {
  core.summary.addRaw(`${markdown}\n`, true)
}

export function code(text: string): string {
  return `<code>${escapeHtml(text)}</code>`
}

/** Writes the buffered summary once; outside a runner (no GITHUB_STEP_SUMMARY) it is only logged at debug. */
export async function writeSummary(): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) {
    core.debug('GITHUB_STEP_SUMMARY is not set; summary not written')
    return
  }
  await core.summary.write()
}
