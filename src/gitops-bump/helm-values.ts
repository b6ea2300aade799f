// A Helm values file as a target: the assignments (`set`, or `tag` and its defaults, and `digest`) are
// written surgically (values.ts), then the chart is validated with the new values.
import * as fs from 'node:fs/promises'
import * as path from 'node:path'
import type { PrivateDir } from '../common/temp.js'
import type { Helm } from './helm.js'
import type { Edit, Target } from './target.js'
import { applyValues, readValue, type Assignment } from './values.js'

export class HelmValuesTarget implements Target {
  readonly kind = 'helm' as const
  private chartName?: string

  constructor(
    readonly file: string,
    readonly dir: string,
    private readonly assignments: Assignment[],
    private readonly helm: Helm | undefined
  ) {}

  /** The assignment that carries the image tag: image.tag when set, else the first. */
  private get tagPath(): string {
    return (this.assignments.find(a => a.path === 'image.tag') ?? this.assignments[0]).path
  }

  edit(text: string): Edit {
    const previous = readValue(text, this.tagPath, this.file)
    const { text: out, changes } = applyValues(text, this.assignments, this.file)
    return { text: out, changes, previous, tag: this.assignments.find(a => a.path === this.tagPath)?.value }
  }

  private async release(repoDir: string): Promise<string> {
    if (this.chartName) return this.chartName
    const text = await fs.readFile(path.join(repoDir, this.dir, 'Chart.yaml'), 'utf8').catch(() => '')
    const { chartNameOf } = await import('./values.js')
    this.chartName = (text && chartNameOf(text)) || path.posix.basename(this.dir)
    return this.chartName
  }

  async renderBefore(repoDir: string, before: string, priv: PrivateDir, attempt: number): Promise<string> {
    if (!this.helm) return ''
    const file = await priv.write(`before-${attempt}-${this.file.replace(/[^\w.-]+/g, '_')}`, before)
    return this.helm.template(repoDir, await this.release(repoDir), this.dir, file)
  }

  async validate(repoDir: string): Promise<string> {
    if (!this.helm) return ''
    const release = await this.release(repoDir)
    const [, rendered] = await Promise.all([
      this.helm.lint(repoDir, this.dir, this.file),
      this.helm.template(repoDir, release, this.dir, this.file)
    ])
    return rendered
  }

  /** The chart's name (the release name for helm template), for the commit message. */
  name(repoDir: string): Promise<string> {
    return this.release(repoDir)
  }
}
