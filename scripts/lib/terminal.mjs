// Job summaries (the markdown + HTML that @actions/core writes) rendered for a terminal.

const decode = s =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')

function renderTable(html) {
  const rows = [...html.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map(r =>
    [...r[1].matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map(c => decode(c[1].replace(/<[^>]+>/g, '')))
  )
  if (!rows.length) return ''
  const widths = rows[0].map((_, i) => Math.max(...rows.map(r => (r[i] ?? '').length)))
  const line = r =>
    '  ' +
    r
      .map((c, i) => (c ?? '').padEnd(widths[i]))
      .join('  ')
      .trimEnd()
  return (
    [line(rows[0]), '  ' + widths.map(w => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n') +
    '\n'
  )
}

/** @param {string} summary @param {{details?: boolean}} [opts] @returns {string} */
export function renderSummary(summary, opts = {}) {
  let text = summary
  text = text.replace(/<table>[\s\S]*?<\/table>/g, t => '\n' + renderTable(t))
  text = text.replace(/<details><summary>([\s\S]*?)<\/summary>([\s\S]*?)<\/details>/g, (_, label, body) =>
    opts.details === false
      ? `  ▸ ${decode(label)} (in the summary file)\n`
      : `  ▾ ${decode(label)}\n${body
          .trim()
          .replace(/^`{3,}\w*$/gm, '')
          .trim()
          .replace(/^/gm, '    ')}\n\n`
  )
  text = text.replace(
    /<h(\d)>([\s\S]*?)<\/h\d>/g,
    (_, level, title) => `\n${'#'.repeat(Number(level))} ${decode(title)}\n`
  )
  text = text.replace(/<code>([\s\S]*?)<\/code>/g, (_, c) => `\`${decode(c)}\``)
  text = text.replace(/<[^>]+>/g, '')
  return (
    decode(text)
      .replace(/\n{3,}/g, '\n\n')
      .trim() + '\n'
  )
}
