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

function branchOf(ctx: GitContext): string | undefined {
  return ctx.ref.startsWith('refs/heads/') ? ctx.ref.slice('refs/heads/'.length) : undefined
}
function tagOf(ctx: GitContext): string | undefined {
  return ctx.ref.startsWith('refs/tags/') ? ctx.ref.slice('refs/tags/'.length) : undefined
}
/** Docker tags allow [A-Za-z0-9_.-]: anything else (a '/' in feature/x) becomes '-'. */
function sanitize(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[.-]+/, '')
}

export function isDefaultBranch(ctx: GitContext): boolean {
  return branchOf(ctx) === ctx.defaultBranch
}

function expand(value: string, ctx: GitContext): string {
  return value
    .replace(/\{\{\s*is_default_branch\s*\}\}/g, String(isDefaultBranch(ctx)))
    .replace(/\{\{\s*branch\s*\}\}/g, sanitize(branchOf(ctx) ?? ''))
    .replace(/\{\{\s*tag\s*\}\}/g, sanitize(tagOf(ctx) ?? ''))
    .replace(/\{\{\s*sha\s*\}\}/g, ctx.sha.slice(0, 7))
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
export function tagsFromRules(lines: string[], ctx: GitContext, runTag: () => string): string[] {
  const out: string[] = []
  lines.forEach((line, i) => {
    const rule = parseRule(line, i)
    const enable = expand(rule.enable ?? 'true', ctx)
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
        const m = SEMVER.exec(tagOf(ctx) ?? '')
        if (!m) break
        const [, major, minor, patch, pre] = m
        const pattern = rule.pattern ?? '{{version}}'
        // a pre-release only gets patterns that keep its pre-release part
        if (pre && !/\{\{\s*(version|raw)\s*\}\}/.test(pattern)) break
        values.push(
          pattern
            .replace(/\{\{\s*raw\s*\}\}/g, tagOf(ctx)!)
            .replace(/\{\{\s*version\s*\}\}/g, `${major}.${minor}.${patch}${pre ? `-${pre}` : ''}`)
            .replace(/\{\{\s*major\s*\}\}/g, major)
            .replace(/\{\{\s*minor\s*\}\}/g, minor)
            .replace(/\{\{\s*patch\s*\}\}/g, patch)
        )
        break
      }
      case 'ref': {
        const event = rule.event ?? 'branch'
        const pr = /^refs\/pull\/(\d+)\//.exec(ctx.ref)
        if (event === 'branch' && branchOf(ctx)) values.push(sanitize(branchOf(ctx)!))
        else if (event === 'tag' && tagOf(ctx)) values.push(sanitize(tagOf(ctx)!))
        else if (event === 'pr' && pr) values.push(`pr-${pr[1]}`)
        else if (!['branch', 'tag', 'pr'].includes(event))
          throw new InputError(Inputs.Tags, `line ${i + 1}: event must be branch, tag or pr, got '${event}'`)
        break
      }
      case 'sha':
        if (!/^[0-9a-f]{7,}$/i.test(ctx.sha)) break
        values.push(
          `${rule.prefix ?? 'sha-'}${rule.format === 'long' ? ctx.sha : ctx.sha.slice(0, 7)}`.toLowerCase()
        )
        break
      case 'raw':
        if (!rule.value) throw new InputError(Inputs.Tags, `line ${i + 1}: type=raw needs value=`)
        values.push(expand(rule.value, ctx))
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
