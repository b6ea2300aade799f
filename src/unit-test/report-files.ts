// Reports the step did not write: globs of JUnit files (several files, each with several suites), as a
// tox, nox, make, Maven or Gradle run leaves them, or as a merge job downloads the reports of matrix jobs.
// Globs: @actions/glob's, relative to working-directory.
import * as fs from 'node:fs/promises'
import * as path from 'node:path'
import { InputError } from '../common/inputs.js'
import { Inputs } from './constants.js'
import { parseJunit, type TestCase } from './junit.js'

/**
 * Files matching any of the globs (relative to `cwd`, or absolute), sorted, each once: @actions/glob's
 * patterns (`*`, `?`, `[...]`, `**`; a leading `!` excludes). Folders named node_modules or .git are not
 * searched unless a glob names one; symbolic links are not followed.
 */
export async function expandGlobs(cwd: string, globs: string[]): Promise<string[]> {
  const { create } = await import('@actions/glob')
  const patterns = globs
    .map(g => g.trim().replace(/\\/g, '/'))
    .filter(Boolean)
    .map(g => {
      const negated = g.startsWith('!')
      const body = negated ? g.slice(1) : g
      const abs = path.posix.isAbsolute(body) ? body : path.posix.join(cwd.split(path.sep).join('/'), body)
      return `${negated ? '!' : ''}${abs}`
    })
  const skipped = ['node_modules', '.git']
    .filter(dir => !globs.some(g => g.includes(dir)))
    .map(dir => `!${cwd.split(path.sep).join('/')}/**/${dir}/**`)
  const globber = await create([...patterns, ...skipped].join('\n'), {
    matchDirectories: false,
    implicitDescendants: false,
    followSymbolicLinks: false
  })
  // regular files only: a link in a hostile checkout could point a report glob at any file of the runner
  const files: string[] = []
  for (const f of new Set(await globber.glob()))
    if ((await fs.lstat(f).catch(() => undefined))?.isFile()) files.push(f)
  return files.sort()
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
