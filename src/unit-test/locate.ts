// Where a failure happened, as a file of the repository and a line. Reports name files in many ways: a
// path relative to where the tests ran, an absolute path from another checkout (another runner, a
// container, Windows), a bare file name (Surefire's `CalcUtilsTest.kt`), or only a class name. The
// location comes from, in order: the failure element's own file/line attributes (xunit, Catch2); a frame
// of the failure's stack in the test's own code (never a framework frame such as Android's
// ContentResolver.java, nor build output such as jest's build/); Rust's `panicked at file:line`; Go's
// `file_test.go:12:` (go test names the file only; the test's package, the report's class name, says
// which folder); the test case's own file/line. The file is then resolved to one in the workspace, by
// suffix, preferring test source folders; `source-prefix` names a monorepo folder to try first. A Go
// test with no line at all (a TestMain that failed before any test ran, a timeout) is found by its
// `func TestName(` in its package's _test.go files.
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { Problem, TestCase } from './junit.js'

export interface Location {
  file?: string
  line?: number
}

interface Frame {
  file: string
  line: number
}

/** Frames of code that is not the project's tests. */
const FOREIGN =
  /(^|[/\\])(node_modules|site-packages|dist-packages|\.pnpm|build|dist|out|target|__pycache__)[/\\]|^node:|^internal[/\\]|<frozen |^\/usr\/lib\//

function pythonFrames(details: string): Frame[] {
  const found = [
    ...details.matchAll(/^([^\s:"'()<>]+\.py):(\d+):/gm),
    ...details.matchAll(/File "([^"]+\.py)", line (\d+)/g)
  ].sort((a, b) => a.index! - b.index!)
  // innermost frame last in a Python traceback: reverse so the innermost comes first
  return found.reverse().map(m => ({ file: m[1], line: Number(m[2]) }))
}

function jsFrames(details: string): Frame[] {
  // (vitest's frames read ` ❯ test/live.test.js:11:55`)
  return [
    ...details.matchAll(
      /(?:\(|\bat |^\s*(?:❯\s*)?)((?:[A-Za-z]:)?[^\s():❯]*\.[cm]?[jt]sx?):(\d+)(?::\d+)?\)?/gm
    )
  ].map(m => ({ file: m[1].replace(/^file:\/\//, ''), line: Number(m[2]) }))
}

/** `at pkg.Class.method(File.java:12)` frames whose class is the test's class (or one nested in it). */
function jvmFrames(details: string, classname: string): Frame[] {
  const frames: Frame[] = []
  for (const m of details.matchAll(/\bat ([\w$.]+)\.[^.(\s]+(?: [^(\n]*)?\(([^():\n]+):(\d+)\)/g)) {
    const cls = m[1]
    if (classname && (cls === classname || cls.startsWith(classname + '$')))
      frames.push({ file: m[2], line: Number(m[3]) })
  }
  return frames
}

function rustFrame(details: string): Frame | undefined {
  const m = /panicked at (?:'[\s\S]*?', )?([^\s:'"]+\.rs):(\d+)(?::\d+)?/.exec(details)
  return m ? { file: m[1], line: Number(m[2]) } : undefined
}

/**
 * go test's `    live_test.go:20: message` lines (t.Error, t.Fatal) and panic traces' `\t/abs/x_test.go:12
 * +0x1d` frames; a frame in a _test.go file first.
 */
function goFrames(details: string): Frame[] {
  const frames = [...details.matchAll(/^\s*((?:[A-Za-z]:)?[^\s:]*\.go):(\d+)(?::\s| \+0x|$)/gm)].map(m => ({
    file: m[1],
    line: Number(m[2])
  }))
  return [
    ...frames.filter(f => f.file.endsWith('_test.go')),
    ...frames.filter(f => !f.file.endsWith('_test.go'))
  ]
}

/** A Go package's import path (`example.com/live/setup`): gotestsum's class and suite names. */
export function goPackage(tc: TestCase): string | undefined {
  const pkg = tc.classname || tc.suite
  return /^[\w.-]+(\/[\w.~-]+)*$/.test(pkg) &&
    (pkg.includes('/') || pkg.includes('.')) &&
    !/\.(py|java|kt)$/.test(pkg)
    ? pkg
    : undefined
}

function sameFile(a: string, b: string): boolean {
  const na = a.replace(/\\/g, '/').replace(/^\.\//, '')
  const nb = b.replace(/\\/g, '/').replace(/^\.\//, '')
  return na === nb || na.endsWith('/' + nb) || nb.endsWith('/' + na)
}

/** The file and line a problem points at, as the report says them (not yet resolved to the workspace). */
export function problemLocation(tc: TestCase, p: Problem | undefined): Location {
  if (p?.file || p?.line) return { file: p.file ?? tc.file, line: p.line }
  const details = `${p?.message ?? ''}\n${p?.details ?? ''}`
  const rust = rustFrame(details)
  if (rust) return rust
  const go = goFrames(details).filter(f => !FOREIGN.test(f.file))
  if (go.length) {
    const pkg = goPackage(tc)
    // a bare file name: in the test's package (resolve drops leading folders of the import path until
    // a suffix names a file of the workspace)
    return { file: pkg && !/[/\\]/.test(go[0].file) ? `${pkg}/${go[0].file}` : go[0].file, line: go[0].line }
  }
  const py = pythonFrames(details)
  if (py.length) {
    const own = tc.file ? py.find(f => sameFile(f.file, tc.file!)) : undefined
    const pick = own ?? py.find(f => !FOREIGN.test(f.file))
    if (pick) return { file: tc.file && own ? tc.file : pick.file, line: pick.line }
  }
  const jvm = jvmFrames(details, tc.classname.replace(/\$.*/, ''))
  // the last frame in the test's class is the test method itself (the outermost call in that class)
  if (jvm.length) return jvm[jvm.length - 1]
  if (!p?.details || !/\.java:|\.kt:/.test(p.details)) {
    const js = jsFrames(details).filter(f => !FOREIGN.test(f.file))
    const own = tc.file ? js.find(f => sameFile(f.file, tc.file!)) : undefined
    if (own) return { file: tc.file, line: own.line }
    if (!tc.file && js.length) return js[0]
  }
  return { file: tc.file, line: tc.line }
}

/** Candidate file names for a test that names no file: its class as a path (Java, Kotlin, Python). */
function fromClassname(classname: string): string[] {
  if (!classname || /[\s/\\:]/.test(classname)) return []
  const base = classname.replace(/\$.*/, '').replace(/\./g, '/')
  return [...['java', 'kt', 'scala', 'groovy'].map(e => `${base}.${e}`), `${base}.py`]
}

const TEST_DIR = /(^|\/)(tests?|__tests__|spec|src\/test|testing)\//

/** The files of the workspace, found once, and the lookups that map a report's names onto them. */
export class Workspace {
  private files?: string[]
  private byBase?: Map<string, string[]>
  /** The workspace's _test.go files by folder, made on the first Go test looked up. */
  private goTestFiles?: Map<string, string[]>

  constructor(
    readonly root: string,
    /** Where the tests ran, relative paths in reports are taken from there first. */
    readonly cwd: string,
    readonly prefix = ''
  ) {}

  private index(): void {
    if (this.files) return
    const files: string[] = []
    const byBase = new Map<string, string[]>()
    const walk = (dir: string, rel: string, depth: number) => {
      if (files.length > 200_000 || depth > 30) return
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        if (e.name === '.git' || e.name === 'node_modules' || e.name === '__pycache__') continue
        const r = rel ? `${rel}/${e.name}` : e.name
        if (e.isDirectory()) walk(path.join(dir, e.name), r, depth + 1)
        else if (e.isFile()) {
          files.push(r)
          const list = byBase.get(e.name)
          if (list) list.push(r)
          else byBase.set(e.name, [r])
        }
      }
    }
    try {
      walk(this.root, '', 0)
    } catch {
      // an unreadable folder: what was found so far is used
    }
    this.files = files
    this.byBase = byBase
  }

  /**
   * Where a Go test is declared: `func <name>(` in a _test.go file of its package's folder (the longest
   * suffix of the import path that names a folder of the workspace; the module's root folder need not
   * carry the module's name, so a folder holding the go.mod is tried too).
   */
  goTest(pkg: string, name: string): Location | undefined {
    const func = name.split('/')[0]
    if (!/^(Test|Benchmark|Example|Fuzz)\w*$/.test(func)) return undefined
    this.index()
    if (!this.goTestFiles) {
      this.goTestFiles = new Map()
      for (const f of this.files!)
        if (f.endsWith('_test.go')) {
          const d = path.posix.dirname(f)
          this.goTestFiles.set(d, [...(this.goTestFiles.get(d) ?? []), f])
        }
    }
    const dirs = [...this.goTestFiles.keys()]
    const parts = pkg.split('/')
    const candidates: string[] = []
    for (let i = 0; i < parts.length && !candidates.length; i++) {
      const suffix = parts.slice(i).join('/')
      for (const d of dirs) if (d === suffix || d.endsWith('/' + suffix)) candidates.push(d)
    }
    for (const d of dirs) if (this.exists(path.posix.join(d, 'go.mod'))) candidates.push(d)
    const decl = new RegExp(`^func ${func}\\(`, 'm')
    for (const d of candidates)
      for (const f of this.goTestFiles.get(d) ?? []) {
        const textOf = fs.readFileSync(path.join(this.root, f), 'utf8')
        const m = decl.exec(textOf)
        if (m) return { file: f, line: textOf.slice(0, m.index).split('\n').length }
      }
    return undefined
  }

  private exists(rel: string): boolean {
    const st = fs.statSync(path.join(this.root, rel), { throwIfNoEntry: false })
    return !!st?.isFile()
  }

  /** Files of the workspace whose path ends with `suffix` (whole components), best first. */
  private bySuffix(suffix: string): string[] {
    this.index()
    const base = suffix.split('/').pop()!
    const hits = (this.byBase!.get(base) ?? []).filter(f => f === suffix || f.endsWith('/' + suffix))
    const score = (f: string) =>
      (this.prefix && f.startsWith(this.prefix + '/') ? 0 : 2) + (TEST_DIR.test(f) ? 0 : 1)
    return hits.sort((a, b) => score(a) - score(b) || a.length - b.length || a.localeCompare(b))
  }

  /** A workspace-relative path for a file a report names, or undefined when no such file is there. */
  resolve(name: string | undefined, classname = ''): string | undefined {
    const candidates = name ? [name] : []
    if (!name || !/[./\\]/.test(name)) candidates.push(...fromClassname(classname))
    for (const candidate of candidates) {
      const found = this.resolveOne(candidate)
      if (found) return found
    }
    return undefined
  }

  private resolveOne(name: string): string | undefined {
    let n = name.replace(/^file:\/\//, '').replace(/\\/g, '/')
    n = n.replace(/^[A-Za-z]:\//, '/')
    if (path.posix.isAbsolute(n)) {
      const rel = path.relative(this.root, n)
      if (!rel.startsWith('..') && !path.isAbsolute(rel) && this.exists(rel))
        return rel.split(path.sep).join('/')
    } else {
      const tries = [
        this.prefix ? path.posix.join(this.prefix, n) : '',
        path.relative(this.root, path.resolve(this.cwd, n)).split(path.sep).join('/'),
        path.posix.normalize(n)
      ].filter(t => t && !t.startsWith('..'))
      for (const t of tries) if (this.exists(t)) return t
    }
    // from another checkout: drop leading folders until a suffix names a workspace file
    const parts = n.split('/').filter(p => p && p !== '.')
    for (let i = 0; i < parts.length; i++) {
      const hit = this.bySuffix(parts.slice(i).join('/'))[0]
      if (hit) return hit
    }
    return undefined
  }
}
