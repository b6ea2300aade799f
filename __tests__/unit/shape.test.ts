// The shape that keeps the code easy to change: short functions, each stage a room of its own (no stage
// imports another; shared ideas live in src/common, which imports no stage), and no import circle.
import * as fs from 'node:fs'
import * as path from 'node:path'
import ts from 'typescript'
import { ROOT } from '../../scripts/lib/runner.mjs'

const MAX_LINES = 80
const SRC = path.join(ROOT, 'src')
const files = fs
  .readdirSync(SRC, { recursive: true, encoding: 'utf8' })
  .filter(f => f.endsWith('.ts'))
  .map(f => path.join(SRC, f))

const parse = (file: string) =>
  ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true)

/** Every function-like node with a body, as `file:line name (lines)`. */
function functions(file: string): { where: string; lines: number }[] {
  const src = parse(file)
  const out: { where: string; lines: number }[] = []
  const visit = (n: ts.Node) => {
    if (ts.isFunctionLike(n) && (n as ts.FunctionLikeDeclaration).body) {
      const start = src.getLineAndCharacterOfPosition(n.getStart()).line
      const end = src.getLineAndCharacterOfPosition(n.end).line
      const name = (n as ts.FunctionLikeDeclaration).name?.getText(src) ?? '(anonymous)'
      out.push({ where: `${path.relative(ROOT, file)}:${start + 1} ${name}`, lines: end - start + 1 })
    }
    ts.forEachChild(n, visit)
  }
  visit(src)
  return out
}

/** The src/ files a file imports (static and dynamic), resolved from their .js names. */
function imports(file: string): string[] {
  const found: string[] = []
  const visit = (n: ts.Node) => {
    const spec =
      ts.isImportDeclaration(n) || ts.isExportDeclaration(n)
        ? n.moduleSpecifier
        : ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword
          ? n.arguments[0]
          : undefined
    if (spec && ts.isStringLiteral(spec) && spec.text.startsWith('.'))
      found.push(path.resolve(path.dirname(file), spec.text.replace(/\.js$/, '.ts')))
    ts.forEachChild(n, visit)
  }
  visit(parse(file))
  return found.filter(f => f.startsWith(SRC + path.sep))
}

const room = (file: string) => path.relative(SRC, file).split(path.sep)[0]

test(`no function in src/ is over ${MAX_LINES} lines`, () => {
  const long = files.flatMap(functions).filter(f => f.lines > MAX_LINES)
  expect(long.map(f => `${f.where} (${f.lines} lines)`)).toEqual([])
})

test('no stage imports another; src/common imports no stage', () => {
  const crossing = files.flatMap(f =>
    imports(f)
      .filter(to => room(to) !== room(f) && room(to) !== 'common')
      .map(to => `${path.relative(ROOT, f)} -> ${path.relative(ROOT, to)}`)
  )
  expect(crossing).toEqual([])
})

test('no import circle', () => {
  const graph = new Map(files.map(f => [f, imports(f)]))
  const circles: string[] = []
  const state = new Map<string, 'open' | 'done'>()
  const walk = (f: string, trail: string[]) => {
    if (state.get(f) === 'done') return
    if (state.get(f) === 'open') {
      circles.push([...trail.slice(trail.indexOf(f)), f].map(x => path.relative(SRC, x)).join(' -> '))
      return
    }
    state.set(f, 'open')
    for (const to of graph.get(f) ?? []) walk(to, [...trail, f])
    state.set(f, 'done')
  }
  for (const f of files) walk(f, [])
  expect(circles).toEqual([])
})

test("the run's GITHUB_* variables are read in one place, src/common/github.ts", () => {
  // the file-command files and the summary are @actions/core's and summary.ts's business
  const own = new Set(['GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_ENV', 'GITHUB_PATH', 'GITHUB_STEP_SUMMARY'])
  const reads = files
    .filter(f => f !== path.join(SRC, 'common', 'github.ts'))
    .flatMap(f => {
      const src = parse(f)
      const found: string[] = []
      const visit = (n: ts.Node) => {
        const name = ts.isStringLiteral(n)
          ? n.text
          : ts.isPropertyAccessExpression(n) && /\benv$/.test(n.expression.getText(src))
            ? n.name.text
            : ''
        const variable =
          /^(GITHUB_[A-Z_]+|RUNNER_ENVIRONMENT)$/.test(name) &&
          !own.has(name) &&
          !ts.isImportDeclaration(n.parent)
        if (variable && !(ts.isStringLiteral(n) && ts.isArrayLiteralExpression(n.parent)))
          found.push(
            `${path.relative(ROOT, f)}:${src.getLineAndCharacterOfPosition(n.getStart()).line + 1} ${name}`
          )
        ts.forEachChild(n, visit)
      }
      visit(src)
      return found
    })
  expect(reads).toEqual([])
})
