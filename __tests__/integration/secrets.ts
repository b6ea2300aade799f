import { expect } from '@jest/globals'
import { visibleLog, type StepResult } from '../../scripts/lib/runner.mjs'

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
      expect({ where, leaked: text.includes(secret) }).toEqual({ where, leaked: false })
}
