import { InputError } from './inputs.js'

/**
 * Splits a command line into arguments the way a POSIX shell would split words, with single and double
 * quotes and backslash escapes, but nothing else: no variables, globs, pipes or substitutions. The result
 * is run as an argument array, so `$(...)` or `;` in an input is just text.
 */
export function splitArgs(input: string, value: string): string[] {
  const args: string[] = []
  let current = ''
  let inWord = false
  let quote: '"' | "'" | null = null
  for (let i = 0; i < value.length; i++) {
    const c = value[i]
    if (quote) {
      if (c === quote) quote = null
      else if (c === '\\' && quote === '"' && (value[i + 1] === '"' || value[i + 1] === '\\'))
        current += value[++i]
      else current += c
    } else if (c === "'" || c === '"') {
      quote = c
      inWord = true
    } else if (c === '\\' && i + 1 < value.length) {
      current += value[++i]
      inWord = true
    } else if (/\s/.test(c)) {
      if (inWord) args.push(current)
      current = ''
      inWord = false
    } else {
      current += c
      inWord = true
    }
  }
  if (quote) throw new InputError(input, `has an unclosed ${quote} quote: ${value}`)
  if (inWord) args.push(current)
  return args
}
