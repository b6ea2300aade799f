// A unified line diff for summaries (values before/after, rendered manifests before/after).
// Myers' O((N+M)·D) algorithm over interned lines, after cutting the common head and tail. Only the
// frontier of each step is kept (O(D²) memory), and D is capped, as is the time: two 100,000-line texts
// that differ in a few lines diff in milliseconds, and texts too different to diff say so instead of
// taking the runner's memory. A summary never costs a step its result.

export interface DiffLimits {
  /** The most changed lines (insertions plus deletions) worth showing. */
  maxEdits?: number
  /** Wall-clock budget, ms. */
  timeoutMs?: number
}

const SAME = 0
const DEL = 1
const INS = 2

export function unifiedDiff(
  before: string,
  after: string,
  nameA = 'before',
  nameB = 'after',
  context = 3,
  limits: DiffLimits = {}
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
  const ids = new Map<string, number>()
  const intern = (lines: string[], from: number, to: number) => {
    const out = new Int32Array(to - from)
    for (let i = from; i < to; i++) {
      let id = ids.get(lines[i])
      if (id === undefined) ids.set(lines[i], (id = ids.size))
      out[i - from] = id
    }
    return out
  }
  const midA = intern(a, head, a.length - tailLen)
  const midB = intern(b, head, b.length - tailLen)
  const middle = myers(midA, midB, limits.maxEdits ?? 4000, Date.now() + (limits.timeoutMs ?? 2000))
  const header = [`--- ${nameA}`, `+++ ${nameB}`]
  if (!middle)
    return (
      [
        ...header,
        `@@ -${head + 1},${midA.length} +${head + 1},${midB.length} @@`,
        `# ${midA.length} lines became ${midB.length} lines here: too many changes to show line by line`
      ].join('\n') + '\n'
    )

  // The whole edit script as op codes: the common head, the middle, the common tail.
  const ops = new Uint8Array(head + middle.length + tailLen)
  ops.set(middle, head)
  const out = header
  let i = 0
  let lineA = 0
  let lineB = 0
  while (i < ops.length) {
    if (ops[i] === SAME) {
      i++
      lineA++
      lineB++
      continue
    }
    // a hunk: back up `context` lines, then run until more than 2*context unchanged lines in a row
    const start = Math.max(0, i - context)
    const startA = lineA - (i - start)
    const startB = lineB - (i - start)
    let end = i
    let same = 0
    while (end < ops.length && same <= 2 * context) {
      same = ops[end] === SAME ? same + 1 : 0
      end++
    }
    end = Math.min(ops.length, end - Math.max(0, same - context))
    const body: string[] = []
    let xa = startA
    let xb = startB
    for (let j = start; j < end; j++) {
      if (ops[j] === SAME) {
        body.push(' ' + a[xa++])
        xb++
      } else if (ops[j] === DEL) body.push('-' + a[xa++])
      else body.push('+' + b[xb++])
    }
    const countA = xa - startA
    const countB = xb - startB
    out.push(`@@ -${countA ? startA + 1 : startA},${countA} +${countB ? startB + 1 : startB},${countB} @@`)
    for (const l of body) out.push(l)
    lineA = xa
    lineB = xb
    i = end
  }
  return out.join('\n') + '\n'
}

/** The shortest edit script from a to b as op codes, or undefined past maxEdits or the deadline. */
function myers(a: Int32Array, b: Int32Array, maxEdits: number, deadline: number): Uint8Array | undefined {
  const n = a.length
  const m = b.length
  const maxD = Math.min(n + m, maxEdits)
  const offset = maxD + 1
  const v = new Int32Array(2 * maxD + 3)
  // trace[d] holds v[-d..d] after step d: all the backtrack needs, O(D²) in all.
  const trace: Int32Array[] = []
  for (let d = 0; d <= maxD; d++) {
    if ((d & 63) === 63 && Date.now() > deadline) return undefined
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1])
          ? v[offset + k + 1]
          : v[offset + k - 1] + 1
      let y = x - k
      while (x < n && y < m && a[x] === b[y]) {
        x++
        y++
      }
      v[offset + k] = x
      if (x >= n && y >= m) {
        trace.push(v.slice(offset - d, offset + d + 1))
        return backtrack(trace, n, m)
      }
    }
    trace.push(v.slice(offset - d, offset + d + 1))
  }
  return undefined
}

function backtrack(trace: Int32Array[], n: number, m: number): Uint8Array {
  const ops: number[] = []
  let x = n
  let y = m
  for (let d = trace.length - 1; d > 0; d--) {
    const prev = trace[d - 1]
    const at = (k: number) => prev[k + d - 1]
    const k = x - y
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1
    const prevX = at(prevK)
    const prevY = prevX - prevK
    for (; x > prevX && y > prevY; x--, y--) ops.push(SAME)
    ops.push(x === prevX ? INS : DEL)
    x = prevX
    y = prevY
  }
  for (; x > 0 && y > 0; x--, y--) ops.push(SAME)
  return Uint8Array.from(ops.reverse())
}
