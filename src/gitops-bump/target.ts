// What a bump edits: one file of the GitOps repository and the folder that validates it. Two kinds: Helm
// values (validated with `helm lint --strict` and `helm template` of its chart) and a Kustomize
// kustomization.yaml (its `images:` entry, validated with `kubectl kustomize`). A step bumps one or
// several targets in one commit, all or nothing.
import type { PrivateDir } from '../common/temp.js'
import type { Change } from './values.js'

export interface Edit {
  /** The file's new text. */
  text: string
  changes: Change[]
  /** The image tag the file held, for the no-downgrade guard and the previous-tag output. */
  previous: unknown
  /** The new tag, when the edit sets one. */
  tag?: string
}

export interface Target {
  readonly kind: 'helm' | 'kustomize'
  /** The file edited, relative to the repository. */
  readonly file: string
  /** The folder validated and rendered (chart, kustomization folder), relative to the repository. */
  readonly dir: string
  /** The edit of the file's text (pure; throws ValuesError when the file cannot take it). */
  edit(text: string): Edit
  /**
   * Renders the target as it was, for the summary's diff. Called before the new text is written; what
   * it returns may settle later (Helm renders a copy of the old values while the new ones are validated).
   */
  renderBefore(repoDir: string, before: string, priv: PrivateDir, attempt: number): Promise<string>
  /** Validates the target after the new text is written; returns its rendered manifests. */
  validate(repoDir: string): Promise<string>
}

/** The name a target goes by in messages and the summary. */
export function describe(t: Target): string {
  return t.kind === 'helm' ? `${t.file} (chart ${t.dir})` : `${t.file} (kustomize)`
}
