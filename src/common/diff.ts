// A unified line diff for summaries (values before/after, rendered manifests before/after). The common
// head and tail are cut first, so the LCS table covers only the changed middle.

export function unifiedDiff(
  before: string,
  after: string,
  nameA = 'before',
  nameB = 'after',
  context = 3
): string {
  if (before === after) return ''
  const a = before.split('\n')
  const b = after.split('\n')
  let head = 0
  while (head < a.length && head < b.length && a[head] === b[head]) head++
  let tailLen = 0
  while (
    tailLen < a.length - head &&
    tailLen < b.length - head &&
    a[a.length - 1 - tailLen] === b[b.length - 1 - tailLen]
  )
    tailLen++
  const midA = a.slice(head, a.length - tailLen)
  const midB = b.slice(head, b.length - tailLen)

  // ops over the whole files: ' ' same, '-' only in a, '+' only in b
  const ops: [string, string][] = a.slice(0, head).map(l => [' ', l])
  for (const op of lcsOps(midA, midB)) ops.push(op)
  for (const l of a.slice(a.length - tailLen)) ops.push([' ', l])

  const out = [`--- ${nameA}`, `+++ ${nameB}`]
  let i = 0
  let lineA = 1
  let lineB = 1
  while (i < ops.length) {
    if (ops[i][0] === ' ') {
      i++
      lineA++
      lineB++
      continue
    }
    // a hunk: back up `context` lines, then run until `2*context` unchanged lines in a row
    const start = Math.max(0, i - context)
    let startA = lineA - (i - start)
    let startB = lineB - (i - start)
    let end = i
    let same = 0
    while (end < ops.length && same <= 2 * context) {
      same = ops[end][0] === ' ' ? same + 1 : 0
      end++
    }
    end = Math.min(ops.length, end - Math.max(0, same - context))
    const hunk = ops.slice(start, end)
    const countA = hunk.filter(o => o[0] !== '+').length
    const countB = hunk.filter(o => o[0] !== '-').length
    if (countA === 0) startA--
    if (countB === 0) startB--
    out.push(`@@ -${startA},${countA} +${startB},${countB} @@`)
    for (const [op, line] of hunk) out.push(op + line)
    for (const [op] of ops.slice(i, end)) {
      if (op !== '+') lineA++
      if (op !== '-') lineB++
    }
    i = end
  }
  return out.join('\n') + '\n'
}

function lcsOps(a: string[], b: string[]): [string, string][] {
  const n = a.length
  const m = b.length
  const table = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1))
  for (let x = n - 1; x >= 0; x--)
    for (let y = m - 1; y >= 0; y--)
      table[x][y] = a[x] === b[y] ? table[x + 1][y + 1] + 1 : Math.max(table[x + 1][y], table[x][y + 1])
  const ops: [string, string][] = []
  let x = 0
  let y = 0
  while (x < n && y < m) {
    if (a[x] === b[y]) {
      ops.push([' ', a[x]])
      x++
      y++
    } else if (table[x + 1][y] >= table[x][y + 1]) ops.push(['-', a[x++]])
    else ops.push(['+', b[y++]])
  }
  while (x < n) ops.push(['-', a[x++]])
  while (y < m) ops.push(['+', b[y++]])
  return ops
}
