// helm lint --strict and helm template with the new values: a chart that does not render is never pushed.
import { tool, type RunResult } from '../common/exec.js'
import { HELM } from '../common/pinned.js'
import { ensureTool } from '../common/tools.js'

export class ValidationError extends Error {
  constructor(
    readonly step: string,
    readonly output: string
  ) {
    super(`${step} failed, so nothing was committed or pushed:\n${output}`)
    this.name = 'ValidationError'
  }
}

export class Helm {
  private constructor(private readonly helm: ReturnType<typeof tool>) {}

  /** helm from PATH, else the pinned release (common/pinned.ts), installed and verified once. */
  static async find(): Promise<Helm> {
    const bin = await ensureTool(HELM).catch((err: Error) => {
      throw new Error(
        `helm is needed to validate the chart: it is not on PATH and helm ${HELM.version} could not be installed (${err.message}); install it (for example with azure/setup-helm) or set 'validate: false'`
      )
    })
    return new Helm(tool(bin))
  }

  private async check(step: string, args: string[], cwd: string): Promise<RunResult> {
    const r = await this.helm(args, { cwd, silent: true, ignoreReturnCode: true })
    if (r.exitCode !== 0) {
      const text = `${r.stdout}\n${r.stderr}`
        .split('\n')
        .filter(l => !/^==> |^\[INFO\]|^Use --debug|^\s*$/.test(l))
        .join('\n')
      throw new ValidationError(step, text.trim() || r.stderr.trim() || r.stdout.trim())
    }
    return r
  }

  async lint(cwd: string, chart: string, values: string): Promise<void> {
    // Paths go after `--`: a chart named like an option (--post-renderer=…) stays a path.
    await this.check('helm lint --strict', ['lint', '--strict', `--values=${values}`, '--', chart], cwd)
  }

  async template(cwd: string, release: string, chart: string, values: string): Promise<string> {
    return (await this.check('helm template', ['template', `--values=${values}`, '--', release, chart], cwd))
      .stdout
  }
}
