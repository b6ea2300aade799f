// Every stage's settings, table-tested: the step's inputs as the runner gives them (INPUT_* with
// action.yml's defaults filled in), then getSettings. Each row is either a valid set of inputs and what the
// settings hold, or bad inputs and the error, which names the input and says what was expected. Nothing
// here needs Docker, a network or a built tool.
import * as path from 'node:path'
import { ROOT } from '../../scripts/lib/runner.mjs'
import { withStep } from './step.js'
import { getSettings as unitTest } from '../../src/unit-test/settings.js'
import { getSettings as buildPush } from '../../src/build-push/settings.js'
import { getSettings as kindE2e } from '../../src/kind-e2e/settings.js'
import { getSettings as gitopsBump } from '../../src/gitops-bump/settings.js'

type Inputs = Record<string, string>
type Row<S> = [string, Inputs, RegExp | ((s: S) => void)]

const CHART = 'example/gitops/helm/demo-flask-app'
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'
const KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----\n'
const DIGEST = `sha256:${'a'.repeat(64)}`

function table<S>(stage: string, read: () => S, rows: Row<S>[]): void {
  describe(`${stage} settings`, () => {
    test.each(rows)('%s', (_, given, expected) => {
      if (expected instanceof RegExp) {
        expect(() => withStep(stage, given, read)).toThrow(expected)
        // every error names an input, as the reader of the log needs
        expect(() => withStep(stage, given, read)).toThrow(/^Input '[a-z-]+' /)
      } else expected(withStep(stage, given, read))
    })
  })
}

table('unit-test', unitTest, [
  [
    'defaults: pytest in the workspace, requirements installed',
    {},
    s => {
      expect(s.command).toEqual(['python3', '-m', 'pytest'])
      expect(s.workingDirectory).toBe(ROOT)
      expect(s).toMatchObject({ install: true, isPytest: true, failOnFailure: true, maxAnnotations: 10 })
    }
  ],
  [
    'reports without a command: report only, nothing installed',
    { reports: 'out/*.xml' },
    s => expect(s).toMatchObject({ command: [], install: false, reports: ['out/*.xml'] })
  ],
  [
    'a command with arguments, quoted',
    { command: 'npx jest --ci', args: '"a b"' },
    s =>
      expect(s).toMatchObject({
        command: ['npx', 'jest', '--ci', 'a b'],
        isPytest: false,
        customCommand: true
      })
  ],
  ['a shard of pytest', { shard: '2/4' }, s => expect(s.shard).toEqual({ index: 2, count: 4 })],
  [
    'working-directory that does not exist',
    { 'working-directory': 'nope' },
    /'working-directory' must be an existing directory, got 'nope'/
  ],
  ['working-directory empty', { 'working-directory': '' }, /'working-directory' is required/],
  [
    'a report line with a control character',
    { reports: 'a\u0007b' },
    /'reports' has a line that is not a path or glob/
  ],
  ['a command of only quotes', { command: '""' }, /'command' must name a program/],
  ['a command with an unclosed quote', { command: 'pytest "-k x' }, /'command' has an unclosed " quote/],
  ['a shard out of range', { shard: '5/4' }, /'shard' must be K\/N with 1 <= K <= N <= 1000/],
  [
    'a shard of a command that is not pytest',
    { shard: '1/2', command: 'npx jest' },
    /'shard' works with pytest only/
  ],
  [
    'source-prefix outside the repository',
    { 'source-prefix': '../x' },
    /'source-prefix' must be a path inside the repository/
  ],
  [
    'max-annotations over 50 (GitHub shows 10 of a kind per step, 50 per job)',
    { 'max-annotations': '51' },
    /'max-annotations' must be a whole number from 0 to 50, got '51'/
  ],
  [
    'a boolean that is not one',
    { 'fail-on-failure': 'yes' },
    /'fail-on-failure' must be true or false, got 'yes'/
  ],
  ['pip-args with an unclosed quote', { 'pip-args': "'x" }, /'pip-args' has an unclosed ' quote/]
])

table('build-push', () => buildPush(), [
  [
    'signing: auto by default, provenance and sbom, the public Sigstore',
    { image: 'ghcr.io/o/app', context: 'example/demo-app' },
    s =>
      expect(s.signing).toEqual({
        mode: 'auto',
        key: '',
        attestations: ['provenance', 'sbom'],
        sbomFile: '',
        fulcioUrl: 'https://fulcio.sigstore.dev',
        rekorUrl: 'https://rekor.sigstore.dev',
        rekorApiVersion: 1,
        tsaUrl: '',
        // the runner's github.token, which the unit layer leaves empty
        githubToken: ''
      })
  ],
  [
    'signing: Rekor v2 (rekor-tiles)',
    {
      image: 'ghcr.io/o/app',
      context: 'example/demo-app',
      'rekor-api-version': '2',
      'rekor-url': 'https://log2025-1.rekor.sigstore.dev'
    },
    s =>
      expect(s.signing).toMatchObject({
        rekorApiVersion: 2,
        rekorUrl: 'https://log2025-1.rekor.sigstore.dev'
      })
  ],
  [
    'signing: a private Sigstore on this machine, no Rekor, signature only',
    {
      image: 'ghcr.io/o/app',
      context: 'example/demo-app',
      sign: 'true',
      'fulcio-url': 'http://127.0.0.1:5602/',
      'rekor-url': 'none',
      'tsa-url': 'https://tsa.example.com',
      attestations: 'none'
    },
    s =>
      expect(s.signing).toMatchObject({
        mode: 'true',
        fulcioUrl: 'http://127.0.0.1:5602',
        rekorUrl: '',
        tsaUrl: 'https://tsa.example.com',
        attestations: []
      })
  ],
  [
    'signing: plain http to another host',
    { image: 'ghcr.io/o/app', context: 'example/demo-app', 'fulcio-url': 'http://fulcio.example.com' },
    /'fulcio-url' must be https:\/\//
  ],
  [
    'signing: a URL with credentials',
    { image: 'ghcr.io/o/app', context: 'example/demo-app', 'tsa-url': 'https://u:p@tsa.example.com' },
    /'tsa-url' must not carry credentials/
  ],
  [
    'signing: keyless without Rekor or a timestamp authority',
    { image: 'ghcr.io/o/app', context: 'example/demo-app', 'rekor-url': 'none' },
    /'rekor-url' is none and tsa-url empty/
  ],
  [
    'signing: an unknown attestation',
    { image: 'ghcr.io/o/app', context: 'example/demo-app', attestations: 'provenance, vex' },
    /'attestations' must list provenance and\/or sbom/
  ],
  [
    'signing: required but nothing is pushed',
    { image: 'ghcr.io/o/app', context: 'example/demo-app', sign: 'true', push: 'false' },
    /'sign' is true but push is false/
  ],
  [
    'signing: an sbom-file that is not there',
    { image: 'ghcr.io/o/app', context: 'example/demo-app', 'sbom-file': 'no/such.spdx.json' },
    /'sbom-file' no\/such.spdx.json does not exist/
  ],
  [
    "defaults: the seed's tag, and latest on the default branch",
    { image: 'ghcr.io/Banicr/App', context: 'example/demo-app' },
    s => {
      expect(s.image).toBe('ghcr.io/banicr/app')
      expect(s.tag).toBe('v1.0.0-3f1c2d4-17')
      expect(s.refs).toEqual(['ghcr.io/banicr/app:v1.0.0-3f1c2d4-17', 'ghcr.io/banicr/app:latest'])
      expect(s).toMatchObject({
        registry: 'ghcr.io',
        push: true,
        mode: 'build',
        file: 'example/demo-app/Dockerfile'
      })
    }
  ],
  [
    'images get every tag; logins one per registry, passwords kept',
    {
      image: 'ghcr.io/o/app',
      context: 'example/demo-app',
      tag: 'v1',
      images: 'quay.io/o/app',
      logins: 'quay.io bot s3cret'
    },
    s => {
      expect(s.refs).toEqual([
        'ghcr.io/o/app:v1',
        'ghcr.io/o/app:latest',
        'quay.io/o/app:v1',
        'quay.io/o/app:latest'
      ])
      expect(s.logins).toEqual([{ registry: 'quay.io', username: 'bot', password: 's3cret' }])
    }
  ],
  [
    'a merge reads no context',
    { image: 'ghcr.io/o/app', mode: 'merge', digests: DIGEST, context: 'nope' },
    s => expect(s).toMatchObject({ mode: 'merge', digests: [DIGEST], file: '' })
  ],
  [
    'a named buildx builder',
    { image: 'ghcr.io/o/app', context: 'example/demo-app', builder: 'ci-builder' },
    s => expect(s).toMatchObject({ builder: 'buildx', builderName: 'ci-builder' })
  ],
  ['image missing', { image: '' }, /'image' is required/],
  [
    'image with a tag',
    { image: 'ghcr.io/o/app:v1' },
    /'image' must be a repository without tag or digest \(use the 'tag' input\)/
  ],
  ['image that is not a reference', { image: 'ghcr.io//x' }, /'image' must be an image reference/],
  [
    'version that is not a tag',
    { image: 'ghcr.io/o/app', version: '-v2' },
    /'version' must be a valid image tag/
  ],
  ['tag that is not a tag', { image: 'ghcr.io/o/app', tag: 'a b' }, /'tag' must be a valid image tag/],
  [
    'extra-tags with a bad tag',
    { image: 'ghcr.io/o/app', 'extra-tags': 'ok,.bad' },
    /'extra-tags' must be a valid image tag/
  ],
  [
    'tags rules that give nothing for this event',
    { image: 'ghcr.io/o/app', tags: 'type=ref,event=pr' },
    /'tags' gives no tag for this event \(refs\/heads\/main\)/
  ],
  [
    'images with a tag',
    { image: 'ghcr.io/o/app', context: 'example/demo-app', images: 'quay.io/o/app:v1' },
    /'images' must be repositories without tag or digest/
  ],
  [
    'images outside mode: build',
    { image: 'ghcr.io/o/app', images: 'quay.io/o/app', mode: 'push-by-digest' },
    /'images' is not used with mode: push-by-digest/
  ],
  [
    'mode unknown',
    { image: 'ghcr.io/o/app', mode: 'fast' },
    /'mode' must be one of build, push-by-digest, merge, got 'fast'/
  ],
  [
    'digests that are not digests',
    { image: 'ghcr.io/o/app', mode: 'merge', digests: 'sha256:xyz' },
    /'digests' must be sha256:<64 hex> digests/
  ],
  [
    'merge without digests',
    { image: 'ghcr.io/o/app', mode: 'merge' },
    /'digests' is required with mode: merge/
  ],
  [
    'digests outside merge',
    { image: 'ghcr.io/o/app', context: 'example/demo-app', digests: DIGEST },
    /'digests' applies to mode: merge only/
  ],
  [
    'context that does not exist',
    { image: 'ghcr.io/o/app', context: 'nope' },
    /'context' must name an existing folder, got 'nope'/
  ],
  [
    'context read as an option',
    { image: 'ghcr.io/o/app', context: '--help' },
    /'context' must be a path, not '--help'/
  ],
  [
    'no Dockerfile in the context',
    { image: 'ghcr.io/o/app', context: 'example' },
    /'file' must name an existing file \(no Dockerfile in context 'example'; set 'file'\)/
  ],
  [
    'registry that is not a host',
    { image: 'ghcr.io/o/app', context: 'example/demo-app', registry: 'https://ghcr.io' },
    /'registry' must be a registry host such as ghcr.io/
  ],
  [
    'cache: registry without cache-ref',
    { image: 'ghcr.io/o/app', context: 'example/demo-app', cache: 'registry' },
    /'cache-ref' is required with cache: registry/
  ],
  [
    'cache unknown',
    { image: 'ghcr.io/o/app', context: 'example/demo-app', cache: 's3' },
    /'cache' must be one of/
  ],
  [
    'builder that is not a name',
    { image: 'ghcr.io/o/app', context: 'example/demo-app', builder: '-x' },
    /'builder' must be auto, buildx, classic or the name of a buildx builder/
  ],
  [
    'target read as an option',
    { image: 'ghcr.io/o/app', context: 'example/demo-app', target: '--x' },
    /'target' must be a name/
  ],
  [
    'build-contexts without a value',
    { image: 'ghcr.io/o/app', context: 'example/demo-app', 'build-contexts': 'base=' },
    /'build-contexts' 'base' needs a value that is not an option/
  ],
  [
    'annotations that are not key=value',
    { image: 'ghcr.io/o/app', context: 'example/demo-app', annotations: 'no value' },
    /'annotations' lines must look like key=value/
  ],
  [
    'labels with a bad key',
    { image: 'ghcr.io/o/app', context: 'example/demo-app', labels: '-x=1' },
    /'labels' line 1 must look like KEY=VALUE/
  ],
  [
    'build-args that are not KEY=VALUE',
    { image: 'ghcr.io/o/app', context: 'example/demo-app', 'build-args': 'JUSTKEY' },
    /'build-args' line 1 must look like KEY=VALUE/
  ],
  [
    'a login line of two words (the line is not shown: it holds a password)',
    { image: 'ghcr.io/o/app', context: 'example/demo-app', logins: 'quay.io s3cret' },
    /'logins' line 1 must be '<registry> <username> <password>' \(the line is not shown/
  ],
  [
    'push that is not a boolean',
    { image: 'ghcr.io/o/app', context: 'example/demo-app', push: 'maybe' },
    /'push' must be true or false/
  ]
])

describe('build-push settings: the seed tag needs the run', () => {
  test.each([
    ['GITHUB_SHA', 'not-a-sha', /'tag' is needed when GITHUB_SHA is not a commit sha \(got 'not-a-sha'\)/],
    ['GITHUB_RUN_NUMBER', 'x', /'tag' is needed when GITHUB_RUN_NUMBER is not a number \(got 'x'\)/]
  ])('%s=%s', (name, value, error) => {
    expect(() =>
      withStep('build-push', { image: 'ghcr.io/o/app', context: 'example/demo-app' }, () => {
        process.env[name] = value
        return buildPush()
      })
    ).toThrow(error)
  })
})

const e2e = { image: 'ghcr.io/o/app:v2', chart: CHART }
const VALUES = `${CHART}/values.yaml`
table('kind-e2e', kindE2e, [
  [
    'upgrade-from: the rehearsal, with the probe at the first smoke test path by default',
    { ...e2e, 'upgrade-from': VALUES },
    s =>
      expect(s.upgradeFrom).toEqual({
        given: VALUES,
        valuesFile: path.join(ROOT, VALUES),
        chart: undefined,
        probeRate: 20,
        probePath: '/healthz',
        maxFailedRequests: 0,
        rollback: false
      })
  ],
  [
    'upgrade-from with its chart, rate, path, limit and rollback',
    {
      ...e2e,
      'upgrade-from': VALUES,
      'upgrade-from-chart': CHART,
      'probe-rate': '50',
      'probe-path': '/',
      'max-failed-requests': '3',
      rollback: 'true'
    },
    s =>
      expect(s.upgradeFrom).toMatchObject({
        chart: path.join(ROOT, CHART),
        probeRate: 50,
        probePath: '/',
        maxFailedRequests: 3,
        rollback: true
      })
  ],
  ['no upgrade-from: no rehearsal', e2e, s => expect(s.upgradeFrom).toBeUndefined()],
  [
    'rollback without upgrade-from',
    { ...e2e, rollback: 'true' },
    /'rollback' applies only with upgrade-from/
  ],
  [
    'probe-path without upgrade-from',
    { ...e2e, 'probe-path': '/' },
    /'probe-path' applies only with upgrade-from/
  ],
  [
    'upgrade-from in a cluster of your own',
    { ...e2e, 'upgrade-from': VALUES, kubeconfig: 'package.json' },
    /'upgrade-from' rehearses the upgrade in a kind cluster of this step's/
  ],
  [
    'a probe-rate over 200',
    { ...e2e, 'upgrade-from': VALUES, 'probe-rate': '500' },
    /'probe-rate' must be a whole number from 1 to 200/
  ],
  [
    'a probe-path without its slash',
    { ...e2e, 'upgrade-from': VALUES, 'probe-path': 'healthz' },
    /'probe-path' must be a path starting with '\/'/
  ],
  [
    'upgrade-from-chart that is not a chart',
    { ...e2e, 'upgrade-from': VALUES, 'upgrade-from-chart': 'src' },
    /'upgrade-from-chart' must be a chart folder/
  ],
  [
    'digest: deployed as image@digest',
    { image: 'ghcr.io/o/app:v1', digest: DIGEST, chart: CHART },
    s => expect(s.image).toBe(`ghcr.io/o/app:v1@${DIGEST}`)
  ],
  [
    'digest other than the one the image names',
    { image: `ghcr.io/o/app:v1@sha256:${'b'.repeat(64)}`, digest: DIGEST, chart: CHART },
    /'digest' is sha256:a+, but image names another digest/
  ],
  [
    'digest that is not one',
    { image: 'ghcr.io/o/app:v1', digest: 'sha256:12', chart: CHART },
    /'digest' must be sha256:<64 hex digits>/
  ],
  [
    'a chart: the release from Chart.yaml, a unique cluster name, the default smoke test',
    { image: 'ghcr.io/o/app:v1', chart: CHART },
    s => {
      expect(s.release).toBe('demo-flask-app')
      expect(s.chart).toBe(path.join(ROOT, CHART))
      expect(s.clusterName).toMatch(/^e2e-9000000017-1-pipeline-[0-9a-f]{6}$/)
      expect(s.smokeTests).toEqual([
        { path: '/healthz', status: 200, contains: 'ok' },
        { path: '/', status: 200, contains: undefined }
      ])
      expect(s).toMatchObject({
        namespace: 'e2e',
        imageSource: 'load',
        service: 'demo-flask-app',
        port: 80
      })
    }
  ],
  [
    'image-source registry with the endpoint and CA the nodes use',
    {
      image: 'registry.internal:5000/o/app:v1',
      chart: CHART,
      'image-source': 'registry',
      'registry-endpoint': 'https://registry.internal:5000/',
      'registry-ca': PEM
    },
    s =>
      expect(s).toMatchObject({ imageSource: 'registry', registryEndpoint: 'https://registry.internal:5000' })
  ],
  [
    'image without a tag',
    { image: 'ghcr.io/o/app', chart: CHART },
    /'image' must include a tag \(image:tag\)/
  ],
  ['image upper-case', { image: 'Ghcr/app:v1', chart: CHART }, /'image' must be lower-case/],
  [
    'image with a bad digest',
    { image: 'ghcr.io/o/app@sha256:12', chart: CHART },
    /'image' has an invalid digest/
  ],
  [
    'image-source unknown',
    { image: 'ghcr.io/o/app:v1', chart: CHART, 'image-source': 'pull' },
    /'image-source' must be one of load, registry/
  ],
  [
    'registry-endpoint that is not an address',
    {
      image: 'ghcr.io/o/app:v1',
      chart: CHART,
      'image-source': 'registry',
      'registry-endpoint': 'registry:5000'
    },
    /'registry-endpoint' must be the registry's address as the nodes reach it/
  ],
  [
    'registry-ca that is not PEM',
    { image: 'ghcr.io/o/app:v1', chart: CHART, 'image-source': 'registry', 'registry-ca': '/etc/ca.pem' },
    /'registry-ca' must be a PEM certificate/
  ],
  [
    'registry-endpoint with image-source load',
    { image: 'ghcr.io/o/app:v1', chart: CHART, 'registry-endpoint': 'http://r:5000' },
    /'registry-endpoint' applies to image-source: registry/
  ],
  [
    'image-keys not part=key',
    { image: 'ghcr.io/o/app:v1', chart: CHART, 'image-keys': 'repo=image.repository' },
    /'image-keys' lines must look like <part>=<values.key>/
  ],
  [
    'image-keys without tag',
    {
      image: 'ghcr.io/o/app:v1',
      chart: CHART,
      'image-keys': 'repository=image.repository\npullPolicy=image.pullPolicy'
    },
    /'image-keys' must map tag to a values key/
  ],
  [
    'nothing to deploy',
    { image: 'ghcr.io/o/app:v1' },
    /'chart' or 'manifests' is required: what should be deployed\?/
  ],
  [
    'a chart and manifests',
    { image: 'ghcr.io/o/app:v1', chart: CHART, manifests: 'k8s/' },
    /'chart' and 'manifests' cannot both be given/
  ],
  [
    'a chart folder without Chart.yaml',
    { image: 'ghcr.io/o/app:v1', chart: 'example' },
    /'chart' must be a chart folder with a Chart.yaml, got 'example'/
  ],
  [
    'manifests that do not exist',
    { image: 'ghcr.io/o/app:v1', manifests: 'nope.yaml' },
    /'manifests' names 'nope.yaml', which does not exist/
  ],
  [
    'namespace not a DNS label',
    { image: 'ghcr.io/o/app:v1', chart: CHART, namespace: 'Prod' },
    /'namespace' must be a DNS label, got 'Prod'/
  ],
  [
    'release not a DNS label',
    { image: 'ghcr.io/o/app:v1', chart: CHART, release: 'a_b' },
    /'release' must be a DNS label/
  ],
  [
    'set not key=value',
    { image: 'ghcr.io/o/app:v1', chart: CHART, set: 'replicaCount' },
    /'set' lines must look like key=value/
  ],
  [
    'values-files with manifests',
    { image: 'ghcr.io/o/app:v1', manifests: CHART, 'values-files': `${CHART}/values.yaml` },
    /'values-files' applies to a chart only/
  ],
  [
    'values-files that are not files',
    { image: 'ghcr.io/o/app:v1', chart: CHART, 'values-files': CHART },
    /'values-files' names '.*', which is not a file/
  ],
  [
    'config that does not exist',
    { image: 'ghcr.io/o/app:v1', chart: CHART, config: 'kind.yaml' },
    /'config' names 'kind.yaml', which does not exist/
  ],
  [
    'kubeconfig that is not a file',
    { image: 'ghcr.io/o/app:v1', chart: CHART, kubeconfig: 'example' },
    /'kubeconfig' must be the path of a kubeconfig file/
  ],
  [
    'a digest in a cluster of your own without digest=',
    { image: `ghcr.io/o/app:v1@${DIGEST}`, chart: CHART, kubeconfig: 'package.json' },
    /'image-keys' needs digest= for a digest reference in a cluster of your own/
  ],
  [
    'registry-endpoint with a cluster of your own',
    {
      image: 'ghcr.io/o/app:v1',
      chart: CHART,
      kubeconfig: 'package.json',
      'image-source': 'registry',
      'registry-endpoint': 'http://r:5000'
    },
    /'registry-endpoint' configures the nodes of a kind cluster this step creates/
  ],
  [
    'cluster-name too long',
    { image: 'ghcr.io/o/app:v1', chart: CHART, 'cluster-name': 'a'.repeat(41) },
    /'cluster-name' must be lower-case letters, digits and '-', at most 40/
  ],
  [
    'kind-version not a release',
    { image: 'ghcr.io/o/app:v1', chart: CHART, 'kind-version': '0.30' },
    /'kind-version' must be a release such as v0.30.0, got '0.30'/
  ],
  [
    'node-image not an image',
    { image: 'ghcr.io/o/app:v1', chart: CHART, 'node-image': 'Kind/Node' },
    /'node-image' must be/
  ],
  [
    'service not a DNS label',
    { image: 'ghcr.io/o/app:v1', chart: CHART, service: 'Web' },
    /'service' must be a DNS label, got 'Web'/
  ],
  [
    'wait-timeout over 6h',
    { image: 'ghcr.io/o/app:v1', chart: CHART, 'wait-timeout': '7h' },
    /'wait-timeout' must be from 1s to 6h \(the longest a job runs\), got '7h'/
  ],
  [
    'wait-timeout not a duration',
    { image: 'ghcr.io/o/app:v1', chart: CHART, 'wait-timeout': 'soon' },
    /'wait-timeout' must be a duration such as 180s, 3m or 1m30s/
  ],
  [
    'port out of range',
    { image: 'ghcr.io/o/app:v1', chart: CHART, port: '70000' },
    /'port' must be a whole number from 1 to 65535/
  ],
  [
    'a smoke test without a path',
    { image: 'ghcr.io/o/app:v1', chart: CHART, 'smoke-tests': 'healthz 200' },
    /'smoke-tests' line 1 must look like '<path> \[<status>\] \[<text>\]'/
  ],
  [
    'test-command with an unclosed quote',
    { image: 'ghcr.io/o/app:v1', chart: CHART, 'test-command': 'curl "x' },
    /'test-command' has an unclosed " quote/
  ]
])

const bump = {
  repository: 'ssh://git@git.example.com/ops/gitops.git',
  'ssh-key': KEY,
  'values-file': 'helm/demo-flask-app/values.yaml',
  tag: 'v2.0.0-3f1c2d4-17'
}
const promote: Inputs = { ...bump, tag: '', 'promote-from': 'envs/staging/values.yaml' }
const argo = {
  ...bump,
  'argocd-server': 'https://argocd.example.com',
  'argocd-token': 'tok',
  'argocd-application': 'demo'
}
table('gitops-bump', gitopsBump, [
  [
    'no values-file and no targets: the values file is not guessed',
    { ...bump, 'values-file': '' },
    /Input 'values-file' is required \(the values file to bump/
  ],
  [
    'promote-from: no tag needed, the assignments made once the source is read',
    promote,
    s => {
      expect(s.promote).toEqual({ from: 'envs/staging/values.yaml', application: undefined, afterMs: 0 })
      expect(s.tag).toBeUndefined()
      expect(s.set).toEqual([])
    }
  ],
  [
    'promote-from with its application and a soak time',
    { ...promote, ...argo, tag: '', 'promote-from-application': 'staging/demo', 'promote-after': '10m' },
    s =>
      expect(s.promote).toMatchObject({
        application: { namespace: 'staging', name: 'demo' },
        afterMs: 600_000
      })
  ],
  ['promote-from with a tag', { ...promote, tag: 'v1' }, /Input 'tag' comes from promote-from/],
  ['promote-from with a digest', { ...promote, digest: DIGEST }, /Input 'digest' comes from promote-from/],
  [
    'promote-from-application without promote-from',
    { ...bump, 'promote-from-application': 'demo' },
    /Input 'promote-from-application' applies only with promote-from/
  ],
  [
    'promote-from-application without argocd-server',
    { ...promote, 'promote-from-application': 'demo' },
    /Input 'promote-from-application' needs argocd-server/
  ],
  [
    'promote-after without the application that tells how long',
    { ...promote, 'promote-after': '5m' },
    /Input 'promote-after' needs promote-from-application/
  ],
  [
    'promote-from outside the repository',
    { ...promote, 'promote-from': '../x.yaml' },
    /Input 'promote-from' must be a path inside/
  ],
  [
    'verify-image: keyless, the workflow in its short form, the public Sigstore',
    {
      ...bump,
      'verify-image': 'ghcr.io/o/app',
      'certificate-identity': 'o/app/.github/workflows/release.yml@refs/heads/main',
      'provenance-source-repository': 'o/app',
      'pin-digest': 'key'
    },
    s =>
      expect(s.verify).toMatchObject({
        image: 'ghcr.io/o/app',
        registry: 'ghcr.io',
        repository: 'o/app',
        identity: {
          san: 'https://github.com/o/app/.github/workflows/release.yml@refs/heads/main',
          issuer: 'https://token.actions.githubusercontent.com'
        },
        trustedRoot: '',
        sourceRepository: 'https://github.com/o/app',
        pin: 'key'
      })
  ],
  ['no verification by default', bump, s => expect(s.verify).toBeUndefined()],
  [
    'a signer without verify-image',
    { ...bump, 'certificate-identity': 'o/app/.github/workflows/x.yml@refs/heads/main' },
    /'certificate-identity' needs verify-image/
  ],
  [
    'verify-image without a signer',
    { ...bump, 'verify-image': 'ghcr.io/o/app' },
    /'certificate-identity' or certificate-identity-regexp .* or verify-key .*: exactly one/
  ],
  [
    'verify-image with a tag',
    {
      ...bump,
      'verify-image': 'ghcr.io/o/app:v1',
      'verify-key': '-----BEGIN PUBLIC KEY-----\nx\n-----END PUBLIC KEY-----'
    },
    /'verify-image' must be registry\/repository without tag or digest/
  ],
  [
    'a signer regexp that is not one',
    { ...bump, 'verify-image': 'ghcr.io/o/app', 'certificate-identity-regexp': '(' },
    /'certificate-identity-regexp' is not a regular expression/
  ],
  [
    'verify-key that is not a public key',
    { ...bump, 'verify-image': 'ghcr.io/o/app', 'verify-key': KEY },
    /'verify-key' must be a PEM public key/
  ],
  [
    'a trusted-root that is not there',
    {
      ...bump,
      'verify-image': 'ghcr.io/o/app',
      'verify-key': '-----BEGIN PUBLIC KEY-----\nx\n-----END PUBLIC KEY-----',
      'trusted-root': 'nope.json'
    },
    /'trusted-root' must be a trusted_root.json file or its JSON/
  ],
  ['pin-digest without verify-image', { ...bump, 'pin-digest': 'tag' }, /'pin-digest' needs verify-image/],
  [
    'a tag: image.tag and env.appVersion where the file has it, pushed to main over ssh',
    bump,
    s => {
      expect(s.set).toEqual([
        { path: 'image.tag', value: 'v2.0.0-3f1c2d4-17', type: 'str' },
        { path: 'env.appVersion', value: 'v2.0.0-3f1c2d4-17', type: 'str', optional: true },
        { path: 'image.digest', value: '', type: 'str', optional: true }
      ])
      expect(s.remote).toMatchObject({ transport: 'ssh', host: 'git.example.com' })
      expect(s).toMatchObject({
        branch: 'main',
        mode: 'push',
        validate: true,
        apiRepo: 'ops/gitops',
        prBranch: 'gitops-bump/v2.0.0-3f1c2d4-17'
      })
      expect(s.targets).toEqual([
        { kind: 'helm', file: 'helm/demo-flask-app/values.yaml', dir: 'helm/demo-flask-app' }
      ])
    }
  ],
  [
    'owner/name with a token: https to GitHub',
    { repository: 'ops/gitops', token: 'ghs_x', tag: 'v1', 'values-file': 'values.yaml' },
    s =>
      expect(s.remote).toEqual({
        url: 'https://github.com/ops/gitops.git',
        host: 'github.com',
        transport: 'https',
        githubRepo: 'ops/gitops'
      })
  ],
  [
    'targets: a kustomization and a values file; set with a type',
    {
      ...bump,
      targets: 'apps/a/kustomization.yaml\napps/b/values.yaml charts/b',
      image: 'ghcr.io/o/app',
      set: 'replicaCount:int=3'
    },
    s => {
      expect(s.targets.map(t => t.kind)).toEqual(['kustomize', 'helm'])
      expect(s.set).toEqual([{ path: 'replicaCount', value: '3', type: 'int' }])
    }
  ],
  [
    'Argo CD: applications, a CA, a probe',
    {
      ...argo,
      'argocd-application': 'argocd/demo\nother',
      'argocd-ca': PEM,
      'probe-url': 'http://127.0.0.1:8080/healthz'
    },
    s => {
      expect(s.argocd?.applications).toEqual([{ namespace: 'argocd', name: 'demo' }, { name: 'other' }])
      expect(s.argocd?.probe?.rate).toBe(20)
    }
  ],
  ['repository missing', { ...bump, repository: '' }, /'repository' is required/],
  [
    'repository read as an option',
    { ...bump, repository: '--upload-pack=x' },
    /'repository' has characters a repository address cannot have/
  ],
  [
    'repository that is no address',
    { ...bump, repository: 'http://x/y' },
    /'repository' is not a repository address; expected owner\/name or an ssh:\/\//
  ],
  ['ssh without a key or an agent', { ...bump, 'ssh-key': '' }, /'ssh-key' is required for the ssh address/],
  [
    'signing-key that is not an SSH key',
    { ...bump, 'signing-key': 'gpg' },
    /'signing-key' must be an SSH private key/
  ],
  [
    'values-file outside the repository',
    { ...bump, 'values-file': '../values.yaml' },
    /'values-file' must be a path inside the repository/
  ],
  [
    'values-file read as an option',
    { ...bump, 'values-file': '-v.yaml' },
    /'values-file' must not start with '-'/
  ],
  [
    'a target line of three words',
    { ...bump, targets: 'a.yaml b c' },
    /'targets' lines are '<file> \[<folder>\]'/
  ],
  ['a target twice', { ...bump, targets: 'a.yaml\na.yaml' }, /'targets' names a.yaml twice/],
  ['digest that is not one', { ...bump, digest: 'sha256:1' }, /'digest' must be sha256:<64 hex digits>/],
  [
    'a kustomization without image',
    { ...bump, targets: 'k/kustomization.yaml' },
    /'image' is required for a kustomization target/
  ],
  [
    'new-name that is not an image',
    { ...bump, image: 'app', 'new-name': 'ghcr.io//x' },
    /'new-name' must be an image reference/
  ],
  ['tag that is not a tag', { ...bump, tag: 'v1 2' }, /'tag' must be a valid image tag/],
  ['neither tag nor set', { ...bump, tag: '' }, /'tag' is required when set is empty/],
  ['set with a bad key', { ...bump, set: 'image..tag=1' }, /'set' line 1 must look like KEY=VALUE/],
  [
    'set value with a backtick',
    { ...bump, set: 'image.tag=`id`' },
    /'set' value of 'image.tag' has characters that do not belong in a value/
  ],
  ['mode unknown', { ...bump, mode: 'merge' }, /'mode' must be one of push, pull-request/],
  [
    'sign-commits without a token',
    { ...bump, 'sign-commits': 'true' },
    /'token' is required with sign-commits: true/
  ],
  [
    'sign-commits and a signing key',
    { ...bump, token: 't', 'sign-commits': 'true', 'signing-key': KEY },
    /'signing-key' and sign-commits cannot both be given/
  ],
  [
    'reviewers that are not names',
    { ...bump, mode: 'pull-request', token: 't', reviewers: 'a b!' },
    /'reviewers' must be user names or org\/team slugs/
  ],
  [
    'labels outside pull-request mode',
    { ...bump, labels: 'deploy' },
    /'labels' applies to mode: pull-request only/
  ],
  [
    'draft outside pull-request mode',
    { ...bump, draft: 'true' },
    /'draft' applies to mode: pull-request only/
  ],
  [
    'auto-merge unknown',
    { ...bump, mode: 'pull-request', token: 't', 'auto-merge': 'fast' },
    /'auto-merge' must be one of , merge, squash, rebase/
  ],
  [
    'pull-request mode without a token',
    { ...bump, mode: 'pull-request' },
    /'token' is required in pull-request mode/
  ],
  [
    'branch that is not a branch name',
    { ...bump, branch: 'a..b' },
    /'branch' must be a valid git branch name/
  ],
  ['timeout over 6h', { ...bump, timeout: '7h' }, /'timeout' must be from 1s to 6h/],
  [
    'max-attempts 0',
    { ...bump, 'max-attempts': '0' },
    /'max-attempts' must be a whole number from 1 to 1000/
  ],
  [
    'Argo CD settings without argocd-server',
    { ...bump, 'argocd-application': 'demo' },
    /'argocd-application' is given but 'argocd-server' is empty/
  ],
  [
    'argocd-server over http',
    { ...argo, 'argocd-server': 'http://argocd' },
    /'argocd-server' must be a plain https:\/\/ URL/
  ],
  [
    'argocd-server not a URL',
    { ...argo, 'argocd-server': 'argocd' },
    /'argocd-server' must be the https:\/\/ URL of the Argo CD API server/
  ],
  [
    'argocd-server without a token',
    { ...argo, 'argocd-token': '' },
    /'argocd-token' is required with argocd-server/
  ],
  ['an argocd-token of two lines', { ...argo, 'argocd-token': 'a\nb' }, /'argocd-token' must be one token/],
  [
    'argocd-application not a name',
    { ...argo, 'argocd-application': 'a/b/c' },
    /'argocd-application' lines must be application names/
  ],
  [
    'argocd-server without an application',
    { ...argo, 'argocd-application': '' },
    /'argocd-application' is required with argocd-server/
  ],
  ['argocd-timeout under 1s', { ...argo, 'argocd-timeout': '0s' }, /'argocd-timeout' must be from 1s to 6h/],
  ['argocd-ca a path', { ...argo, 'argocd-ca': '/etc/ca.pem' }, /'argocd-ca' must be PEM text/],
  ['argocd-refresh unknown', { ...argo, 'argocd-refresh': 'soft' }, /'argocd-refresh' must be one of/],
  ['on-degraded unknown', { ...argo, 'on-degraded': 'ignore' }, /'on-degraded' must be one of/],
  [
    'probe-url with credentials',
    { ...argo, 'probe-url': 'http://u:p@app/' },
    /'probe-url' must be an http:\/\/ or https:\/\/ URL without credentials/
  ],
  [
    'probe-url not a URL',
    { ...argo, 'probe-url': 'app' },
    /'probe-url' must be an http:\/\/ or https:\/\/ URL of the app/
  ],
  [
    'probe-rate over 100',
    { ...argo, 'probe-url': 'http://app/', 'probe-rate': '101' },
    /'probe-rate' must be a whole number from 1 to 100/
  ],
  [
    'Argo CD in pull-request mode',
    { ...argo, mode: 'pull-request', token: 't' },
    /'argocd-server' applies to mode: push only/
  ]
])
