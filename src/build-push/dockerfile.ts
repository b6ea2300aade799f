// Where a failed build failed: the Dockerfile line of the failing step, from buildx's
// ">>>" excerpt or from the classic builder's "Step N/M" counter.

/** 1-based start line of each instruction, with continuation lines, comments and parser directives skipped. */
export function instructionLines(dockerfile: string): number[] {
  const lines = dockerfile.split(/\r?\n/)
  const starts: number[] = []
  let continuing = false
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i].trim()
    if (!continuing && (t === '' || t.startsWith('#'))) continue
    if (!continuing) starts.push(i + 1)
    continuing = t.endsWith('\\') || (continuing && (t === '' || t.startsWith('#')))
  }
  return starts
}

export function failedLine(output: string, dockerfile: string): number | undefined {
  // buildx:  "  12 | >>> RUN make"  (the last excerpt is the failing one)
  const marks = [...output.matchAll(/^\s*(\d+)\s*\|\s*>>>/gm)]
  if (marks.length) return Number(marks.at(-1)![1])
  // classic: "Step 5/9 : RUN make" followed by "The command ... returned a non-zero code"
  const steps = [...output.matchAll(/^Step (\d+)\/\d+ :/gm)]
  if (steps.length) return instructionLines(dockerfile)[Number(steps.at(-1)![1]) - 1]
  return undefined
}

/** The first line that says why: buildx's "ERROR: ..." or the classic builder's "returned a non-zero code". */
export function failureReason(output: string): string | undefined {
  const m =
    /^(?:#\d+ )?ERROR: (.+)$/m.exec(output) ??
    /^(The command .+ returned a non-zero code: \d+)$/m.exec(output) ??
    /^(?:Error response from daemon|ERROR): (.+)$/m.exec(output)
  return m?.[1]
}
