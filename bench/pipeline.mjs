// The whole `npm run pipeline`, warm, stage by stage, against raw commands doing the same work in the same
// run (alternating), validation, signatures and probes included on both sides:
//   test        python3 -m pytest in example/demo-app, with a JUnit report (unit-test reads one)
//   build       docker build + docker push, then cosign sign and two cosign attest (provenance, SBOM) of the
//               digest with the job's OIDC token, each logged in the local Rekor v2 and timestamped
//   e2e         the upgrade rehearsal's raw commands (bench/rehearsal.mjs): kind create, kind load of
//               production's image and the new one, helm install, a curl loop in the cluster at 50/s,
//               helm upgrade, the old pods gone, kind delete
//   staging     cosign verify and verify-attestation (provenance) of the digest, git clone, edit (tag and
//               digest), helm lint --strict, helm template of the old and new values, commit, push,
//               GET ?refresh=normal, then polling Argo CD until Synced at the commit and Healthy
//               (`argocd app wait --sync --health`), requests at 20/s from the push to 10 s after Healthy
//   production  cosign verify again, staging's application read (Synced and Healthy at the head), the
//               production values edited to staging's tag and digest, the same checks, push and wait on
//               production's application, the same requests against production
// Goals (issue #39): the four stages before promotion within 1.10x of the raw commands; a warm run with
// both environments at most 3 minutes; push to Healthy in production at most 10 s.
//   node bench/pipeline.mjs [runs]      (default 2 of each)
import { execFileSync, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { setTimeout } from 'node:timers/promises'
import { parseFileCommands, tempDir } from '../scripts/lib/runner.mjs'
import {
  argoClient,
  fmt,
  git,
  imageOf,
  infra,
  median,
  probe,
  registryLogin,
  ROOT,
  table,
  rawDeploy,
  stagingProven
} from './lib.mjs'
import { raw as rawRehearsal, valuesFile } from './rehearsal.mjs'

const SEED = process.env.DEMO_ACTIONS_SEED || '/tmp/demo-actions-seed'
const KIND = process.env.DEMO_ACTIONS_KIND || '/tmp/demo-actions-kind'
const SIGSTORE = process.env.DEMO_ACTIONS_SIGSTORE || '/tmp/demo-actions-sigstore'
const ms = t0 => Number(process.hrtime.bigint() - t0) / 1e6

function pipelineRun() {
  const t0 = process.hrtime.bigint()
  const r = spawnSync('bash', [path.join(ROOT, 'scripts/pipeline.sh')], { encoding: 'utf8' })
  const total = ms(t0)
  if (r.status !== 0)
    throw new Error(`npm run pipeline failed:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-2000)}`)
  const stage = n => Number(new RegExp(`passed {3}${n}\\. [^(]+\\(([\\d.]+)s\\)`).exec(r.stdout)[1]) * 1000
  const healthy = [...r.stdout.matchAll(/([\d.]+) s from the push to Healthy/g)].map(m => Number(m[1]) * 1000)
  const probes = [...r.stdout.matchAll(/(\d+) requests to \S+ \(its public Service.*?: (\d+) failed/g)]
  const rehearsal = /: (\d+) of (\d+) requests failed \(50\/s/.exec(r.stdout)
  return {
    total,
    test: stage(1),
    build: stage(2),
    e2e: stage(3),
    staging: stage(4),
    production: stage(5),
    healthy: healthy[0],
    prodHealthy: healthy[1],
    failed: Number(rehearsal[1]),
    sent: Number(rehearsal[2]),
    probes: probes.map(m => `${m[2]} of ${m[1]}`).join(', ')
  }
}

const WORKFLOW = 'banicr/demo-flask-app/.github/workflows/pipeline.yml@refs/heads/main'
const STAGING = 'helm/demo-flask-app/values.yaml'
const PRODUCTION = 'helm/demo-flask-app/values-production.yaml'
// what the pipeline's probes do: 10 s after Healthy (PROBE_TAIL_MS), old pods stopping late count too
const TAIL_MS = 10000

/** cosign against the local Sigstore and the TLS registry (a docker config logged in), as a script runs it. */
function cosignRunner(env, sig, cfg) {
  const since = { start: '2020-01-01T00:00:00Z' }
  const config = path.join(tempDir('bench-signing'), 'signing_config.json')
  fs.writeFileSync(
    config,
    JSON.stringify({
      mediaType: 'application/vnd.dev.sigstore.signingconfig.v0.2+json',
      caUrls: [{ url: sig.FULCIO_URL, majorApiVersion: 1, validFor: since, operator: 'local' }],
      oidcUrls: [],
      rekorTlogUrls: [{ url: sig.REKOR_URL, majorApiVersion: 2, validFor: since, operator: 'local' }],
      rekorTlogConfig: { selector: 'ANY' },
      tsaUrls: [
        { url: `${sig.TSA_URL}/api/v1/timestamp`, majorApiVersion: 1, validFor: since, operator: 'local' }
      ],
      tsaConfig: { selector: 'ANY' }
    })
  )
  const dir = tempDir('bench-predicates')
  const provenance = path.join(dir, 'provenance.json')
  fs.writeFileSync(
    provenance,
    JSON.stringify({
      buildDefinition: {
        buildType: 'https://actions.github.io/buildtypes/workflow/v1',
        externalParameters: {}
      },
      runDetails: { builder: { id: `https://github.com/${WORKFLOW}` } }
    })
  )
  const sbom = path.join(dir, 'sbom.spdx.json')
  fs.writeFileSync(
    sbom,
    JSON.stringify({
      spdxVersion: 'SPDX-2.3',
      SPDXID: 'SPDXRef-DOCUMENT',
      name: 'demo-flask-app',
      packages: []
    })
  )
  const cosign = args =>
    execFileSync(sig.COSIGN, args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, DOCKER_CONFIG: cfg, SSL_CERT_FILE: env.REGISTRY_CA }
    })
  const keyless = [
    '--trusted-root',
    sig.TRUSTED_ROOT_REKOR,
    '--certificate-oidc-issuer',
    sig.OIDC_ISSUER,
    '--certificate-identity',
    `https://github.com/${WORKFLOW}`,
    // the local Fulcio has no certificate transparency log
    '--insecure-ignore-sct'
  ]
  return {
    sign(ref) {
      const token = JSON.parse(
        execFileSync(
          'curl',
          [
            '-fsS',
            '-H',
            `authorization: Bearer ${sig.ACTIONS_ID_TOKEN_REQUEST_TOKEN}`,
            `${sig.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=sigstore`
          ],
          { encoding: 'utf8' }
        )
      ).value
      const common = [
        '--yes',
        '--identity-token',
        token,
        '--signing-config',
        config,
        '--trusted-root',
        sig.TRUSTED_ROOT_REKOR
      ]
      cosign(['sign', ...common, ref])
      cosign(['attest', ...common, '--type', 'slsaprovenance1', '--predicate', provenance, ref])
      cosign(['attest', ...common, '--type', 'spdxjson', '--predicate', sbom, ref])
    },
    verify(ref, attestations = true) {
      cosign(['verify', ...keyless, ref])
      if (attestations) cosign(['verify-attestation', ...keyless, '--type', 'slsaprovenance1', ref])
    }
  }
}

async function rawRun(env, kind, seed, sig) {
  const out = {}
  const cfg = registryLogin(env)
  const cosign = cosignRunner(env, sig, cfg)
  const argo = argoClient(seed)
  const show = file => git(['--git-dir', seed.GITOPS_BARE, 'show', `main:${file}`])

  let t0 = process.hrtime.bigint()
  const junit = path.join(tempDir('bench-junit'), 'report.xml')
  execFileSync(env.PYTHON, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', `--junitxml=${junit}`], {
    cwd: path.join(ROOT, 'example/demo-app'),
    stdio: 'ignore'
  })
  out.test = ms(t0)

  // a run number as the pipeline takes one (it never rolls back to an older run)
  const counter = path.join(SEED, 'run-number')
  const run =
    Math.max(
      Number(fs.existsSync(counter) ? fs.readFileSync(counter, 'utf8') : 0),
      ...[STAGING, PRODUCTION].map(f => Number(/-(\d+)$/.exec(imageOf(show(f)).tag ?? '')?.[1] ?? 0))
    ) + 1
  fs.writeFileSync(counter, String(run))
  const tag = `v2.0.0-0000000-${run}`
  const image = `${seed.REPOSITORY}:${tag}`
  t0 = process.hrtime.bigint()
  execFileSync(
    'docker',
    [
      'build',
      '-q',
      '--build-arg',
      `BASE_IMAGE=${env.PYTHON_IMAGE}`,
      '--build-arg',
      `APP_VERSION=${tag}`,
      '-t',
      image,
      path.join(ROOT, 'example/demo-app')
    ],
    { stdio: 'ignore' }
  )
  execFileSync('docker', ['--config', cfg, 'push', '-q', image], { stdio: 'ignore' })
  const digest = execFileSync('docker', ['image', 'inspect', '--format', '{{index .RepoDigests 0}}', image], {
    encoding: 'utf8'
  })
    .trim()
    .split('@')[1]
  cosign.sign(`${seed.REPOSITORY}@${digest}`)
  out.build = ms(t0)

  // the rehearsal from what production runs (in the local store: the pipeline built or pulled it)
  const current = imageOf(show(PRODUCTION)).tag
  const values = valuesFile(seed.REPOSITORY, current)
  t0 = process.hrtime.bigint()
  const rehearsal = await rawRehearsal(env, kind, `${seed.REPOSITORY}:${current}`, image, values)
  out.e2e = ms(t0)
  out.sent = rehearsal.requests
  out.failed = rehearsal.failed

  // one environment's values moved to the tag and digest, checked, pushed, waited for under requests
  const deploy = async (file, app, url, pick) => {
    const done = await rawDeploy({
      env,
      url: seed.GITOPS_URL,
      argo,
      file,
      app,
      pick,
      onPushed: () => probe(`${url}/healthz`)
    })
    await setTimeout(TAIL_MS)
    return { healthy: done.healthyMs, ...(await done.started.stop()) }
  }

  t0 = process.hrtime.bigint()
  cosign.verify(`${seed.REPOSITORY}@${digest}`)
  const staging = await deploy(STAGING, seed.ARGOCD_APPLICATION, seed.APP_URL, () => ({ tag, digest }))
  out.staging = ms(t0)
  out.healthy = staging.healthy

  t0 = process.hrtime.bigint()
  cosign.verify(`${seed.REPOSITORY}@${digest}`)
  const production = await deploy(PRODUCTION, seed.PROD_ARGOCD_APPLICATION, seed.PROD_APP_URL, async work => {
    await stagingProven(argo, seed.ARGOCD_APPLICATION, work)
    return imageOf(fs.readFileSync(path.join(work, STAGING), 'utf8'))
  })
  out.production = ms(t0)
  out.prodHealthy = production.healthy
  out.probes = [staging, production].map(p => `${p.failed} of ${p.sent}`).join(', ')
  argo.destroy()
  fs.rmSync(cfg, { recursive: true, force: true })
  out.total = out.test + out.build + out.e2e + out.staging
  return out
}

export async function run(runs = 2) {
  const env = infra()
  for (const s of ['scripts/kind/kind.sh', 'scripts/seed/seed.sh', 'scripts/sigstore/sigstore.sh']) {
    const r = spawnSync('bash', [path.join(ROOT, s), 'up'], { stdio: ['ignore', 'ignore', 'inherit'] })
    if (r.status !== 0) throw new Error(`${s} up failed`)
  }
  const read = dir => parseFileCommands(fs.readFileSync(path.join(dir, 'env'), 'utf8'))
  const [seed, kind, sig] = [SEED, KIND, SIGSTORE].map(read)
  console.log(`\n## npm run pipeline (warm) against the raw commands, ${runs} runs each, alternating`)
  const ours = []
  const raws = []
  for (let i = 0; i < runs; i++) {
    ours.push(pipelineRun())
    raws.push(await rawRun(env, kind, seed, sig))
  }
  const m = (xs, k) => median(xs.map(x => x[k]))
  const row = (title, k) => [title, fmt(m(raws, k)), fmt(m(ours, k)), (m(ours, k) / m(raws, k)).toFixed(2)]
  const four = o => o.test + o.build + o.e2e + o.staging
  for (const o of [...ours, ...raws]) o.four = four(o)
  table(
    ['', 'raw commands', 'npm run pipeline', 'ratio'],
    [
      row('test', 'test'),
      row('build (signed, 2 attestations)', 'build'),
      row('e2e (the upgrade rehearsal)', 'e2e'),
      row('staging', 'staging'),
      row('the four stages before promotion', 'four'),
      row('promotion to production', 'production'),
      row('push to Healthy, staging', 'healthy'),
      row('push to Healthy, production', 'prodHealthy')
    ]
  )
  console.log(
    `  whole npm run pipeline (bringing up what is there, the stages, the closing lines): ${ours.map(o => fmt(o.total)).join(', ')}\n` +
      `  rehearsal requests failed: raw ${raws.map(o => `${o.failed} of ${o.sent}`).join(', ')}; pipeline ${ours.map(o => `${o.failed} of ${o.sent}`).join(', ')}\n` +
      `  staging, production requests failed: raw ${raws.map(o => o.probes).join('; ')}; pipeline ${ours.map(o => o.probes).join('; ')}`
  )
}

if (import.meta.url === `file://${process.argv[1]}`) await run(Number(process.argv[2] ?? 2))
