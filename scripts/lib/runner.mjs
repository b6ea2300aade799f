// Runs a committed bundle the way the GitHub runner does: INPUT_* variables (upper-cased, spaces to '_',
// hyphens kept) with action.yml defaults applied, fresh GITHUB_OUTPUT / GITHUB_STATE / GITHUB_STEP_SUMMARY
// files, RUNNER_TEMP, and the post step given main's state as STATE_*. Used by the integration tests,
// the local pipeline and the benchmarks.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import YAML from 'yaml'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

/** @type {string[]} */
const scratch = []
/**
 * A new folder for a test, a benchmark or the local pipeline, as the runner gives RUNNER_TEMP: under
 * $DEMO_ACTIONS_SCRATCH when the test run made one (jest's globalSetup; its globalTeardown removes it,
 * since jest ends its workers without their exit handlers), else in the temp folder, removed when this
 * process exits. Either way nothing is left behind.
 * @param {string} prefix @returns {string}
 */
export function tempDir(prefix) {
  const root = process.env.DEMO_ACTIONS_SCRATCH && fs.existsSync(process.env.DEMO_ACTIONS_SCRATCH)
  const dir = fs.mkdtempSync(path.join(root ? process.env.DEMO_ACTIONS_SCRATCH : os.tmpdir(), `${prefix}-`))
  if (root) return dir
  if (scratch.length === 0)
    process.on('exit', () => {
      for (const d of scratch) fs.rmSync(d, { recursive: true, force: true })
    })
  scratch.push(dir)
  return dir
}

/** @param {string} stage */
export function actionMetadata(stage) {
  const file = path.join(ROOT, stage, 'action.yml')
  return YAML.parse(fs.readFileSync(file, 'utf8'))
}

/** Default expressions the runner would evaluate, from the step's context. */
function evaluateDefault(value, context) {
  return String(value ?? '').replace(/\$\{\{\s*([\w.]+)\s*\}\}/g, (_, expr) => context[expr] ?? '')
}

/** Parses a file-command file: `name<<DELIM` heredocs and `name=value` lines; the last value wins. */
/** @param {string} text @returns {Record<string, string>} */
export function parseFileCommands(text) {
  /** @type {Record<string, string>} */
  const out = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line)
    if (heredoc) {
      const [, name, delim] = heredoc
      const value = []
      while (++i < lines.length && lines[i] !== delim) value.push(lines[i])
      out[name] = value.join('\n')
    } else if (line.includes('=')) {
      const eq = line.indexOf('=')
      out[line.slice(0, eq)] = line.slice(eq + 1)
    }
  }
  return out
}

/**
 * The workflow commands a runner would act on in a step's stdout: `::name props::message` lines outside
 * `::stop-commands::TOKEN` ... `::TOKEN::` blocks.
 */
/** @param {string} stdout @returns {{command: string, properties: Record<string, string>, message: string}[]} */
export function parseWorkflowCommands(stdout) {
  /** @type {{command: string, properties: Record<string, string>, message: string}[]} */
  const commands = []
  let stopToken = null
  for (const line of stdout.split('\n')) {
    if (stopToken) {
      if (line === `::${stopToken}::`) stopToken = null
      continue
    }
    const m = /^::([\w-]+)(?: ([^:]*))?::(.*)$/.exec(line)
    if (!m) continue
    const [, command, props = '', message] = m
    if (command === 'stop-commands') {
      stopToken = message
      continue
    }
    /** @type {Record<string, string>} */
    const properties = {}
    for (const p of props.split(',').filter(Boolean)) {
      const eq = p.indexOf('=')
      properties[p.slice(0, eq)] = decodeURIComponent(
        p
          .slice(eq + 1)
          .replace(/%2C/g, ',')
          .replace(/%3A/g, ':')
      )
    }
    commands.push({
      command,
      properties,
      message: message.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%')
    })
  }
  return commands
}

/**
 * The log as the runner shows it: `::add-mask::` commands (which carry the secret to the runner) are
 * consumed, not printed; inside a stop-commands block they are just text and stay.
 * @param {string} stdout @returns {string}
 */
export function visibleLog(stdout) {
  let stopToken = null
  const kept = []
  for (const line of stdout.split('\n')) {
    if (stopToken) {
      if (line === `::${stopToken}::`) stopToken = null
      kept.push(line)
      continue
    }
    const stop = /^::stop-commands::(.+)$/.exec(line)
    if (stop) stopToken = stop[1]
    if (!line.startsWith('::add-mask::')) kept.push(line)
  }
  return kept.join('\n')
}

/**
 * @typedef {object} StepOptions
 * @property {Record<string, string | undefined>} [env]   extra environment (wins over the defaults)
 * @property {string} [workspace]   GITHUB_WORKSPACE and the working directory (default: the repository root)
 * @property {string} [runnerTemp]  RUNNER_TEMP (default: a new folder)
 * @property {number} [timeoutMs]
 * @property {'20' | '24'} [node]  the Node.js major to run on (default: the one action.yml's `runs.using` names, as the runner does)
 * @property {(child: import('node:child_process').ChildProcess) => void} [onSpawn]
 */

/**
 * @typedef {object} StepResult
 * @property {number | null} exitCode
 * @property {string | null} signal
 * @property {string} stdout
 * @property {string} stderr
 * @property {Record<string, string>} outputs
 * @property {Record<string, string>} state
 * @property {string} summary
 * @property {{command: string, properties: Record<string,string>, message: string}[]} commands
 * @property {string} runnerTemp
 * @property {Record<string, string>} env
 * @property {number} ms
 */

/**
 * The run every step here belongs to (the bundles run by tests, the local pipeline and the benchmarks,
 * and the units that read settings in-process): a push to main of the example app, run 17.
 */
export const RUN = Object.freeze({
  actor: 'octocat',
  repository: 'banicr/demo_app',
  ref: 'refs/heads/main',
  refName: 'main',
  eventName: 'push',
  serverUrl: 'https://github.com',
  sha: '3f1c2d4e5b6a79880123456789abcdef01234567',
  runNumber: '17',
  runId: '9000000017',
  runAttempt: '1',
  job: 'pipeline'
})

/**
 * The runner's GITHUB_* variables of that run (without the file-command files), the workspace given.
 * @param {string} workspace @returns {Record<string, string>}
 */
export function githubEnv(workspace) {
  return {
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_ACTOR: RUN.actor,
    GITHUB_REPOSITORY: RUN.repository,
    GITHUB_REF: RUN.ref,
    GITHUB_REF_NAME: RUN.refName,
    GITHUB_EVENT_NAME: RUN.eventName,
    GITHUB_SERVER_URL: RUN.serverUrl,
    GITHUB_SHA: RUN.sha,
    GITHUB_RUN_NUMBER: RUN.runNumber,
    GITHUB_RUN_ID: RUN.runId,
    GITHUB_RUN_ATTEMPT: RUN.runAttempt,
    GITHUB_JOB: RUN.job,
    GITHUB_WORKSPACE: workspace,
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64'
  }
}

/**
 * A step's INPUT_* variables as the runner sets them: the given inputs, and action.yml's defaults (their
 * `${{ github.* }}` expressions evaluated) for the rest. An input action.yml does not declare is refused.
 * @param {string} stage @param {Record<string, string>} given
 * @param {{ actor?: string, token?: string, workspace: string }} context @returns {Record<string, string>}
 */
export function inputsEnv(stage, given, context) {
  const declared = actionMetadata(stage).inputs ?? {}
  const expressions = {
    'github.actor': context.actor ?? RUN.actor,
    'github.token': context.token ?? '',
    'github.workspace': context.workspace
  }
  /** @type {Record<string, string>} */
  const env = {}
  for (const [name, spec] of Object.entries(declared)) {
    const value =
      name in given
        ? given[name]
        : spec.default !== undefined
          ? evaluateDefault(spec.default, expressions)
          : undefined
    if (value !== undefined) env[inputEnvName(name)] = value
  }
  for (const name of Object.keys(given))
    if (!(name in declared)) throw new Error(`${stage}/action.yml declares no input '${name}'`)
  return env
}

/**
 * Runs the main step of a stage's bundle.
 * @param {string} stage @param {Record<string, string>} [inputs] @param {StepOptions} [opts] @returns {Promise<StepResult>}
 */
export async function runMain(stage, inputs = {}, opts = {}) {
  const meta = actionMetadata(stage)
  const runnerTemp = opts.runnerTemp ?? tempDir(`runner-${stage}`)
  const env = baseEnv(runnerTemp, opts)
  Object.assign(
    env,
    inputsEnv(stage, inputs, {
      actor: env.GITHUB_ACTOR,
      token: env.GITHUB_TOKEN,
      workspace: env.GITHUB_WORKSPACE
    })
  )
  return runStep(stage, meta.runs.main, env, { ...opts, node: opts.node ?? runtimeOf(meta) })
}

/**
 * Runs the post step with the state main saved.
 * @param {string} stage @param {StepResult} main @param {StepOptions} [opts] @returns {Promise<StepResult>}
 */
export async function runPost(stage, main, opts = {}) {
  const meta = actionMetadata(stage)
  if (!meta.runs.post) throw new Error(`${stage} has no post step`)
  const env = baseEnv(main.runnerTemp, opts)
  for (const [k, v] of Object.entries(main.env)) if (k.startsWith('INPUT_')) env[k] = v
  for (const [k, v] of Object.entries(main.state)) env[`STATE_${k}`] = v
  return runStep(stage, meta.runs.post, env, { ...opts, node: opts.node ?? runtimeOf(meta) })
}

/** `using: node24` -> '24', as the runner picks its bundled Node from that field. */
function runtimeOf(meta) {
  const m = /^node(\d+)$/.exec(String(meta.runs?.using ?? ''))
  if (!m) throw new Error(`runs.using '${meta.runs?.using}' is not a node runtime`)
  return m[1]
}

/**
 * The node binary of a major version: the pinned one scripts/infra.sh installed (NODE24, NODE20 in its
 * env). DEMO_ACTIONS_NODE<major> overrides it (a laptop with its own Node 24).
 * @param {string} major @returns {string}
 */
export function nodeBinary(major) {
  const override = process.env[`DEMO_ACTIONS_NODE${major}`]
  if (override) return override
  const env = infraEnv()
  const bin = env[`NODE${major}`]
  if (!bin || !fs.existsSync(bin))
    throw new Error(`Node.js ${major} is not installed: run scripts/infra.sh (npm test does)`)
  return bin
}

export function inputEnvName(name) {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`
}

function baseEnv(runnerTemp, opts) {
  const env = {}
  for (const [k, v] of Object.entries(process.env))
    if (
      !k.startsWith('INPUT_') &&
      !k.startsWith('STATE_') &&
      !k.startsWith('GITHUB_') &&
      !k.startsWith('RUNNER_') &&
      // the test run's own kubectl cache (__tests__/scratch.mjs): a runner has none to give
      k !== 'KUBECACHEDIR'
    )
      env[k] = v
  const files = tempDir('runner-files')
  Object.assign(env, githubEnv(opts.workspace ?? ROOT), {
    GITHUB_OUTPUT: path.join(files, 'output'),
    GITHUB_STATE: path.join(files, 'state'),
    GITHUB_STEP_SUMMARY: path.join(files, 'summary.md'),
    GITHUB_ENV: path.join(files, 'env'),
    GITHUB_PATH: path.join(files, 'path'),
    RUNNER_TEMP: runnerTemp
  })
  for (const f of ['output', 'state', 'summary.md', 'env', 'path']) fs.writeFileSync(path.join(files, f), '')
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k]
    else env[k] = v
  }
  return env
}

function runStep(stage, entry, env, opts) {
  const script = path.resolve(ROOT, stage, entry)
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const child = spawn(nodeBinary(opts.node), [script], {
      cwd: env.GITHUB_WORKSPACE,
      env,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    opts.onSpawn?.(child)
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', d => (stdout += d))
    child.stderr.on('data', d => (stderr += d))
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : undefined
    child.on('error', reject)
    child.on('close', (exitCode, signal) => {
      if (timer) clearTimeout(timer)
      const read = f => fs.readFileSync(f, 'utf8')
      const result = {
        exitCode,
        signal,
        stdout,
        stderr,
        outputs: parseFileCommands(read(env.GITHUB_OUTPUT)),
        state: parseFileCommands(read(env.GITHUB_STATE)),
        summary: read(env.GITHUB_STEP_SUMMARY),
        commands: parseWorkflowCommands(stdout),
        runnerTemp: env.RUNNER_TEMP,
        env,
        ms: Date.now() - started
      }
      resolve(result)
    })
  })
}

/**
 * Main, then post (as the runner does with post-if: always()).
 * @param {string} stage @param {Record<string, string>} [inputs] @param {StepOptions} [opts]
 */
export async function runMainAndPost(stage, inputs = {}, opts = {}) {
  const main = await runMain(stage, inputs, opts)
  const post = await runPost(stage, main, opts)
  return { main, post }
}

/** What infra.sh wrote: registry, SSH git host, helm, python. Throws a clear error when it has not run. @returns {Record<string, string>} */
export function infraEnv() {
  const dir = process.env.DEMO_ACTIONS_INFRA || '/tmp/demo-actions-infra'
  const file = path.join(dir, 'env')
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run scripts/infra.sh first (npm test does)`)
  return parseFileCommands(fs.readFileSync(file, 'utf8'))
}

export function uniqueName(prefix) {
  return `${prefix}-${randomBytes(4).toString('hex')}`
}
