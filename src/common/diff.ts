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
  const { head, tail } = commonEnds(a, b)
  const [midA, midB] = intern([a.slice(head, a.length - tail), b.slice(head, b.length - tail)])
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
  const ops = new Uint8Array(head + middle.length + tail)
  ops.set(middle, head)
  return [...header, ...hunks(ops, a, b, context)].join('\n') + '\n'
}

/** How many lines the two texts share at their start, and then at their end. */
function commonEnds(a: string[], b: string[]): { head: number; tail: number } {
  let head = 0
  while (head < a.length && head < b.length && a[head] === b[head]) head++
  let tail = 0
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  )
    tail++
  return { head, tail }
}

/** Each text's lines as numbers, one per distinct line across all of them. */
function intern(texts: string[][]): Int32Array[] {
  const ids = new Map<string, number>()
  return texts.map(lines => {
    const out = new Int32Array(lines.length)
    for (const [i, line] of lines.entries()) {
      let id = ids.get(line)
      if (id === undefined) ids.set(line, (id = ids.size))
      out[i] = id
    }
    return out
  })
}

/** The hunks of an edit script: each change with `context` lines around it, changes close together joined. */
function hunks(ops: Uint8Array, a: string[], b: string[], context: number): string[] {
  const out: string[] = []
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
    out.push(
      `@@ -${countA ? startA + 1 : startA},${countA} +${countB ? startB + 1 : startB},${countB} @@`,
      ...body
    )
    lineA = xa
    lineB = xb
    i = end
  }
  return out
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
