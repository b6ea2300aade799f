// The message a person reads first, for an annotation and the summary: the failure element's `message`
// attribute as the writer put it, as mikepenz/action-junit-report shows it (its tests state the message of
// each of its fixtures, and ours are checked against them); the text inside stays the details, shown below
// it in the summary. An attribute that says only that the test failed (gotestsum's "Failed") or only where
// (nextest's "thread 'x' panicked at tests/live.rs:18:5") gives way to the text: what the test printed (go
// test's t.Error lines, a panic's message), up to the first stack frame. Without an attribute, the text up
// to its stack (an unindented Java frame, as Marathon writes them, is kept as the line that says where).
import type { Problem } from './junit.js'

/** An attribute that says only that the test failed. */
const SAYS_NOTHING = /^(failed|failure|error|test failed)\.?$/i
const RUST_PANIC = /^thread '[^']*' (?:\(\d+\) )?panicked at [^\n]*:\d+:\d+:?$/
/** The start of a stack or traceback: the message ends before it. */
const FRAME =
  /^\s+at |^\s*File "|^Traceback \(most recent call last\)|^stack backtrace:|^note: run with `RUST_BACKTRACE|^\s*❯ /
const MAX_LINES = 12

/**
 * go test's framing of a test's output: `=== RUN`, `--- FAIL: X (0.00s)`, `=== PAUSE`/`CONT`, and a
 * package's `FAIL\texample.com/pkg\t0.01s` (all gotestsum gives for a TestMain that failed).
 */
const GO_FRAMING =
  /^(=== (RUN|PAUSE|CONT|NAME)\s|--- (FAIL|PASS|SKIP): |FAIL(\t\S+\t[\d.]+s)?\s*$|exit status \d+$)/

function goOutput(text: string): string | undefined {
  if (!/^=== RUN\s|^FAIL\t\S+\t[\d.]+s$/m.test(text)) return undefined
  // (once: gotestsum's --rerun-fails repeats a package's output for each run)
  const lines = [...new Set(text.split('\n').filter(l => l.trim() && !GO_FRAMING.test(l)))]
  // t.Error's lines: `    file_test.go:20: first line`, continued with 8 spaces
  return lines
    .map(l => l.replace(/^ {4}[^\s:]+\.go:\d+: /, '').replace(/^ {8}/, ''))
    .slice(0, MAX_LINES)
    .join('\n')
}

function rustPanic(text: string): string | undefined {
  const lines = text.split('\n')
  const at = lines.findIndex(l => RUST_PANIC.test(l))
  if (at < 0) return undefined
  const rest = lines.slice(at + 1)
  const end = rest.findIndex(l => FRAME.test(l))
  return (end < 0 ? rest : rest.slice(0, end)).slice(0, MAX_LINES).join('\n').trim() || undefined
}

/** A Java frame written without its indentation (Marathon): `at a.B.c(B.java:12)`. */
const BARE_JAVA_FRAME = /^at \S+\(\S+:\d+\)$/

/** The first lines of a text, up to its stack (through the first frame, when the frames are not indented). */
function head(text: string): string {
  const lines = text.trim().split('\n')
  const end = lines.findIndex((l, i) => i > 0 && FRAME.test(l))
  const bare = lines.findIndex((l, i) => i > 0 && BARE_JAVA_FRAME.test(l.trim()))
  const cut = end >= 0 ? end : bare >= 0 ? bare + 1 : lines.length
  return lines.slice(0, cut).slice(0, MAX_LINES).join('\n').trimEnd()
}

export function messageOf(p: Problem | undefined): string | undefined {
  if (!p) return undefined
  const text = p.details ?? ''
  const message = p.message?.trim()
  const fromText = text ? (goOutput(text) ?? rustPanic(text) ?? head(text)) : ''
  if (!message || SAYS_NOTHING.test(message) || RUST_PANIC.test(message)) return fromText || message || p.type
  return message
}
