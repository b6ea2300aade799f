// Reports the step did not write: globs of JUnit files (several files, each with several suites), as a
// tox, nox, make, Maven or Gradle run leaves them, or as a merge job downloads the reports of matrix jobs.
// Globs: `*` and `?` within a folder name, `**` for any number of folders; relative to working-directory.
import * as fs from 'node:fs/promises'
import * as path from 'node:path'
import { InputError } from '../common/inputs.js'
import { Inputs } from './constants.js'
import { parseJunit, type TestCase } from './junit.js'

export function globToRegExp(glob: string): RegExp {
  let re = ''
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` matches zero or more folders; a trailing `**` anything below
      if (glob[i + 2] === '/') {
        re += '(?:[^/]*/)*'
        i += 2
      } else {
        re += '.*'
        i++
      }
    } else if (c === '*') re += '[^/]*'
    else if (c === '?') re += '[^/]'
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&')
  }
  return new RegExp(`^${re}$`)
}

/** Files below `cwd` matching any of the globs, sorted, each once. */
export async function expandGlobs(cwd: string, globs: string[]): Promise<string[]> {
  const found = new Set<string>()
  for (const g of globs) {
    const norm = g.replace(/\\/g, '/')
    if (path.posix.isAbsolute(norm) && !/[*?]/.test(norm)) {
      if ((await fs.stat(norm).catch(() => undefined))?.isFile()) found.add(norm)
      continue
    }
    // the part before the first wildcard is a folder to start from
    const parts = norm.split('/')
    const firstWild = parts.findIndex(p => /[*?]/.test(p))
    if (firstWild === -1) {
      const file = path.resolve(cwd, norm)
      if ((await fs.stat(file).catch(() => undefined))?.isFile()) found.add(file)
      continue
    }
    const base = path.resolve(cwd, parts.slice(0, firstWild).join('/') || '.')
    const re = globToRegExp(parts.slice(firstWild).join('/'))
    const deep = parts.slice(firstWild).some(p => p.includes('**')) || parts.length - firstWild > 1
    const walk = async (dir: string, rel: string): Promise<void> => {
      for (const e of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
        if (e.name === '.git' || e.name === 'node_modules') continue
        const r = rel ? `${rel}/${e.name}` : e.name
        if (e.isDirectory() && deep) await walk(path.join(dir, e.name), r)
        else if (e.isFile() && re.test(r)) found.add(path.join(dir, e.name))
      }
    }
    await walk(base, '')
  }
  return [...found].sort()
}

/** Reads and parses each report; a file that is not JUnit is an error naming it. */
export async function readReports(files: string[], workspace: string): Promise<TestCase[]> {
  const all: TestCase[] = []
  for (const file of files) {
    const name = path.relative(workspace, file).split(path.sep).join('/') || file
    // one at a time: spreading a report's cases into push() overflows the stack past ~100,000 of them
    for (const c of await parseJunit(await fs.readFile(file, 'utf8'), name)) all.push(c)
  }
  return all
}

export async function reportFiles(cwd: string, globs: string[]): Promise<string[]> {
  const files = await expandGlobs(cwd, globs)
  if (files.length === 0)
    throw new InputError(Inputs.Reports, `matched no file in ${cwd}: ${globs.join(', ')}`)
  return files
}
