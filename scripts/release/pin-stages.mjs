#!/usr/bin/env node
// At a release, the root composite action's own stage references (`uses: banicr/demo-actions/<stage>@v1`)
// are pinned to the released commit, so an organisation that requires full-SHA pins, and checks the
// `uses:` inside composite actions too, can allow `banicr/demo-actions@<release commit>`.
//   node scripts/release/pin-stages.mjs SHA TAG [action.yml]   rewrites the file
//   node scripts/release/pin-stages.mjs --check [action.yml]    fails if a stage reference is not a full SHA
import * as fs from 'node:fs'
import { pathToFileURL } from 'node:url'

const STAGE_USES = /^(\s*(?:-\s+)?uses:\s*)(banicr\/demo-actions\/[A-Za-z0-9._-]+)@([^\s#]+)(\s*#.*)?$/gm
const SHA = /^[0-9a-f]{40}$/

/** The action.yml text with every stage reference at `sha`, its tag in a comment. */
export function pinStages(text, sha, tag) {
  if (!SHA.test(sha)) throw new Error(`not a full commit SHA: ${sha}`)
  let n = 0
  const out = text.replace(STAGE_USES, (_, lead, name) => {
    n++
    return `${lead}${name}@${sha} # ${tag}`
  })
  if (!n) throw new Error('no banicr/demo-actions/<stage> reference found')
  return out
}

/** The stage references that are not full SHAs ("name@ref"). */
export function unpinned(text) {
  return [...text.matchAll(STAGE_USES)].filter(m => !SHA.test(m[3])).map(m => `${m[2]}@${m[3]}`)
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2)
  if (args[0] === '--check') {
    const file = args[1] ?? 'action.yml'
    const bad = unpinned(fs.readFileSync(file, 'utf8'))
    if (bad.length) {
      console.error(`${file} has stage references that are not full SHAs: ${bad.join(', ')}`)
      process.exit(1)
    }
    console.log(`${file}: every stage reference is a full SHA`)
  } else {
    const [sha, tag, file = 'action.yml'] = args
    if (!sha || !tag) {
      console.error('usage: pin-stages.mjs SHA TAG [action.yml] | --check [action.yml]')
      process.exit(2)
    }
    const text = pinStages(fs.readFileSync(file, 'utf8'), sha, tag)
    fs.writeFileSync(`${file}.tmp`, text)
    fs.renameSync(`${file}.tmp`, file)
    console.log(`${file}: stage references pinned to ${sha} (${tag})`)
  }
}
