// Where a failed build failed: the Dockerfile line of the failing step. Both builders print the failing
// instruction's text (buildx: "> [3/4] RUN make:", classic: "Step 3/4 : RUN make"), which is matched
// against the Dockerfile's instructions; buildx's ">>>" excerpt, when there is one, gives the line directly.

export interface Instruction {
  /** 1-based line where the instruction starts. */
  line: number
  /** The instruction with continuations joined and whitespace collapsed. */
  text: string
}

const squash = (s: string): string => s.replace(/\s+/g, ' ').trim()

export function instructions(dockerfile: string): Instruction[] {
  const lines = dockerfile.split(/\r?\n/)
  const out: Instruction[] = []
  let current: Instruction | undefined
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i].trim()
    if (!current) {
      if (t === '' || t.startsWith('#')) continue
      current = { line: i + 1, text: '' }
    } else if (t.startsWith('#')) continue
    const continued = t.endsWith('\\')
    current.text += ' ' + (continued ? lines[i].replace(/\\\s*$/, '') : lines[i])
    if (!continued) {
      out.push({ line: current.line, text: squash(current.text) })
      current = undefined
    }
  }
  if (current) out.push({ line: current.line, text: squash(current.text) })
  return out
}

export function failedLine(output: string, dockerfile: string): number | undefined {
  const marks = [...output.matchAll(/^\s*(\d+)\s*\|\s*>>>/gm)]
  if (marks.length) return Number(marks.at(-1)![1])
  const all = instructions(dockerfile)
  const byText = (text: string) => all.find(i => i.text === squash(text))?.line
  const buildx = [...output.matchAll(/^ > \[[^\]]*\d+\/\d+\] (.+):$/gm)].at(-1)
  if (buildx) return byText(buildx[1])
  const classic = [...output.matchAll(/^Step (\d+)\/\d+ : (.+)$/gm)].at(-1)
  if (classic) return byText(classic[2]) ?? all[Number(classic[1]) - 1]?.line
  return undefined
}

/** The line that says why: buildx's "ERROR: ..." or the classic builder's "returned a non-zero code". */
export function failureReason(output: string): string | undefined {
  const m =
    /^ERROR: (?:failed to solve: )?(.+)$/m.exec(output) ??
    /^(The command .+ returned a non-zero code: \d+)$/m.exec(output) ??
    /^#\d+ ERROR: (.+)$/m.exec(output)
  return m?.[1]
}
