// Stands in for `@actions/exec` in the bundles (tsconfig "paths"). Our own processes start in
// common/exec.ts (Node's spawn, an argument array, stdin closed); @actions/exec is only imported by
// @actions/core (platform details, asked for by no stage) and tool-cache (archive extractors, which we do
// not use). Both functions are async, so the real module, with @actions/io and Node's assert behind it,
// is imported on the first call instead of at every stage's start-up.
import type * as RealModule from '../../node_modules/@actions/exec/lib/exec.js'

type Real = typeof RealModule

const load = (): Promise<Real> => import('../../node_modules/@actions/exec/lib/exec.js')

export const exec: Real['exec'] = async (...args) => (await load()).exec(...args)
export const getExecOutput: Real['getExecOutput'] = async (...args) => (await load()).getExecOutput(...args)
