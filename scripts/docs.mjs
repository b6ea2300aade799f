#!/usr/bin/env node
// Writes the inputs/outputs tables of each <stage>/README.md from its action.yml (between the
// <!-- inputs --> and <!-- /outputs --> markers). `--check` fails when a README has drifted instead.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { pathToFileURL } from 'node:url'
import { actionMetadata, ROOT } from './lib/runner.mjs'

export const STAGES = ['unit-test', 'build-push', 'kind-e2e', 'gitops-bump']
/** Each action's folder ('.' is the all-in-one root action). */
export const ACTIONS = [...STAGES, '.']
/** Where an action's reference lives: a stage's README, or docs/all-in-one.md for the root action. */
export const referenceOf = stage => (stage === '.' ? 'docs/all-in-one.md' : `${stage}/README.md`)
const START = '<!-- inputs -->'
const END = '<!-- /outputs -->'

const cell = s =>
  String(s ?? '')
    .trim()
    .replace(/\|/g, '\\|')
    .replace(/\n+/g, '<br>')

/** @param {string} stage @returns {string} */
export function tables(stage) {
  const meta = actionMetadata(stage)
  const rows = ['### Inputs', '', '| Input | Required | Default | Description |', '| --- | --- | --- | --- |']
  for (const [name, spec] of Object.entries(meta.inputs ?? {})) {
    const def =
      spec.default === undefined || spec.default === ''
        ? ''
        : `\`${cell(spec.default).replace(/<br>/g, '`<br>`')}\``
    rows.push(`| \`${name}\` | ${spec.required ? 'yes' : 'no'} | ${def} | ${cell(spec.description)} |`)
  }
  rows.push('', '### Outputs', '', '| Output | Description |', '| --- | --- |')
  for (const [name, spec] of Object.entries(meta.outputs ?? {}))
    rows.push(`| \`${name}\` | ${cell(spec.description)} |`)
  return `${START}\n${rows.join('\n')}\n${END}`
}

/** @param {string} text @param {string} stage */
export function withTables(text, stage) {
  const start = text.indexOf(START)
  const end = text.indexOf(END)
  if (start < 0 || end < 0) throw new Error(`${referenceOf(stage)} has no ${START} ... ${END} markers`)
  return text.slice(0, start) + tables(stage) + text.slice(end + END.length)
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const check = process.argv.includes('--check')
  let stale = 0
  for (const stage of ACTIONS) {
    const file = path.join(ROOT, referenceOf(stage))
    const text = fs.readFileSync(file, 'utf8')
    const next = withTables(text, stage)
    if (next === text) continue
    if (check) {
      console.error(`${referenceOf(stage)}: inputs/outputs tables differ from action.yml (npm run docs)`)
      stale++
    } else fs.writeFileSync(file, next)
  }
  process.exit(stale ? 1 : 0)
}
