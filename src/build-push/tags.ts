// Tags from git, one rule per line, in the spirit of docker/metadata-action's `tags:` (its rule types and
// their documented behaviour are the reference; this is our own code):
//   type=version-sha-run               <version>-<sha7>-<run>, the run tag (the default without rules);
//                                      type=seed is the same rule under its first name, kept as an alias
//   type=semver,pattern={{version}}    on a pushed tag v1.2.3: 1.2.3; {{major}}.{{minor}}: 1.2; {{major}}: 1
//                                      ({{raw}}: v1.2.3). A pre-release (1.3.0-rc.1) gets only the patterns
//                                      that keep its pre-release part, so `1` and `1.2` never move to it.
//   type=ref,event=branch|tag|pr       the branch name (sanitised), the tag name, or pr-<number>
//   type=sha[,format=long]             sha-<first 7 hex> (prefix= overrides `sha-`)
//   type=raw,value=latest              a fixed value
// Every rule takes enable=true|false|{{is_default_branch}}, prefix= and suffix=. A rule that does not
// apply to this event (semver on a branch push) gives nothing. Values may use {{branch}}, {{tag}},
// {{sha}} and {{is_default_branch}}.
import { eventPayload, githubContext, type GitHubContext } from '../common/github.js'
import { InputError } from '../common/inputs.js'
import { checkTag } from '../common/validate.js'
import { Inputs } from './constants.js'

export interface GitContext {
  ref: string
  sha: string
  runNumber: string
  defaultBranch: string
}

/** The run's ref and commit, and the repository's default branch from the event (main without one: local runs). */
export function gitContext(github: GitHubContext = githubContext(), payload = eventPayload()): GitContext {
  const branch = (payload.repository as { default_branch?: unknown } | undefined)?.default_branch
  return {
    ref: github.ref,
    sha: github.sha,
    runNumber: github.runNumber,
    defaultBranch: typeof branch === 'string' && branch ? branch : 'main'
  }
}

const SEMVER = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/

function branchOf(git: GitContext): string | undefined {
  return git.ref.startsWith('refs/heads/') ? git.ref.slice('refs/heads/'.length) : undefined
}
function tagOf(git: GitContext): string | undefined {
  return git.ref.startsWith('refs/tags/') ? git.ref.slice('refs/tags/'.length) : undefined
}
/** Docker tags allow [A-Za-z0-9_.-]: anything else (a '/' in feature/x) becomes '-'. */
function sanitize(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[.-]+/, '')
}

export function isDefaultBranch(git: GitContext): boolean {
  return branchOf(git) === git.defaultBranch
}

function expand(value: string, git: GitContext): string {
  return value
    .replace(/\{\{\s*is_default_branch\s*\}\}/g, String(isDefaultBranch(git)))
    .replace(/\{\{\s*branch\s*\}\}/g, sanitize(branchOf(git) ?? ''))
    .replace(/\{\{\s*tag\s*\}\}/g, sanitize(tagOf(git) ?? ''))
    .replace(/\{\{\s*sha\s*\}\}/g, git.sha.slice(0, 7))
}

function parseRule(line: string, i: number): Record<string, string> {
  const rule: Record<string, string> = {}
  for (const part of line.split(/,(?![^{]*\}\})/)) {
    const eq = part.indexOf('=')
    if (eq < 1)
      throw new InputError(
        Inputs.Tags,
        `line ${i + 1} must be key=value pairs such as type=ref,event=branch, got '${line}'`
      )
    rule[part.slice(0, eq).trim()] = part.slice(eq + 1).trim()
  }
  if (rule.type === 'seed') rule.type = 'version-sha-run'
  if (!['version-sha-run', 'semver', 'ref', 'sha', 'raw'].includes(rule.type ?? ''))
    throw new InputError(
      Inputs.Tags,
      `line ${i + 1} needs type=version-sha-run, semver, ref, sha or raw, got '${line}'`
    )
  return rule
}

/** The tags the rules give for this run, in order, each once. */
export function tagsFromRules(lines: string[], git: GitContext, runTag: () => string): string[] {
  const out: string[] = []
  lines.forEach((line, i) => {
    const rule = parseRule(line, i)
    const enable = expand(rule.enable ?? 'true', git)
    if (enable !== 'true' && enable !== 'false')
      throw new InputError(
        Inputs.Tags,
        `line ${i + 1}: enable must be true, false or {{is_default_branch}}, got '${rule.enable}'`
      )
    if (enable === 'false') return
    const values: string[] = []
    switch (rule.type) {
      case 'version-sha-run':
        values.push(runTag())
        break
      case 'semver': {
        const m = SEMVER.exec(tagOf(git) ?? '')
        if (!m) break
        const [, major, minor, patch, pre] = m
        const pattern = rule.pattern ?? '{{version}}'
        // a pre-release only gets patterns that keep its pre-release part
        if (pre && !/\{\{\s*(version|raw)\s*\}\}/.test(pattern)) break
        values.push(
          pattern
            .replace(/\{\{\s*raw\s*\}\}/g, tagOf(git)!)
            .replace(/\{\{\s*version\s*\}\}/g, `${major}.${minor}.${patch}${pre ? `-${pre}` : ''}`)
            .replace(/\{\{\s*major\s*\}\}/g, major)
            .replace(/\{\{\s*minor\s*\}\}/g, minor)
            .replace(/\{\{\s*patch\s*\}\}/g, patch)
        )
        break
      }
      case 'ref': {
        const event = rule.event ?? 'branch'
        const pr = /^refs\/pull\/(\d+)\//.exec(git.ref)
        if (event === 'branch' && branchOf(git)) values.push(sanitize(branchOf(git)!))
        else if (event === 'tag' && tagOf(git)) values.push(sanitize(tagOf(git)!))
        else if (event === 'pr' && pr) values.push(`pr-${pr[1]}`)
        else if (!['branch', 'tag', 'pr'].includes(event))
          throw new InputError(Inputs.Tags, `line ${i + 1}: event must be branch, tag or pr, got '${event}'`)
        break
      }
      case 'sha':
        if (!/^[0-9a-f]{7,}$/i.test(git.sha)) break
        values.push(
          `${rule.prefix ?? 'sha-'}${rule.format === 'long' ? git.sha : git.sha.slice(0, 7)}`.toLowerCase()
        )
        break
      case 'raw':
        if (!rule.value) throw new InputError(Inputs.Tags, `line ${i + 1}: type=raw needs value=`)
        values.push(expand(rule.value, git))
        break
    }
    for (const v of values) {
      const tag = `${rule.type === 'sha' ? '' : (rule.prefix ?? '')}${v}${rule.suffix ?? ''}`
      checkTag(Inputs.Tags, tag)
      if (!out.includes(tag)) out.push(tag)
    }
  })
  return out
}
