// Through the committed gitops-bump bundle, on the real SSH git host with real helm and kubectl:
// YAML 1.1 numbers, kept types against a values.schema.json, keys behind aliases, several targets (Helm
// values and Kustomize) in one commit all or nothing, and digest pinning.
import * as fs from 'node:fs'
import * as path from 'node:path'
import YAML from 'yaml'
import { ROOT, runMain, tempDir } from '../../scripts/lib/runner.mjs'
import { git, helmPath, hostedRepo, infra, sshInputs, withValuesFile } from './git-host.js'

const TAG = 'v2.0.0-3f1c2d4-17'
const DIGEST = `sha256:${'ab'.repeat(32)}`
const opts = () => ({ env: { PATH: `${helmPath()}:${path.dirname(infra.KUBECTL)}:${process.env.PATH}` } })

function dir(files: Record<string, string>): string {
  const d = tempDir('targets')
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(d, name)), { recursive: true })
    fs.writeFileSync(path.join(d, name), text)
  }
  return d
}

/** A chart whose template renders image.tag and replicaCount, with a schema that wants an integer. */
const chart = (values: string) =>
  dir({
    'Chart.yaml': 'apiVersion: v2\nname: app\nversion: 0.1.0\n',
    'values.yaml': values,
    'values.schema.json': JSON.stringify({
      type: 'object',
      properties: { replicaCount: { type: 'integer' }, image: { type: 'object' } }
    }),
    'templates/cm.yaml':
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  tag: {{ .Values.image.tag | toString | quote }}\n  replicas: {{ .Values.replicaCount | quote }}\n'
  })

const kustomizeTree = (images: string) =>
  dir({
    'base/deploy.yaml':
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  selector: {matchLabels: {app: x}}\n  template:\n    metadata: {labels: {app: x}}\n    spec:\n      containers:\n      - name: app\n        image: ghcr.io/banicr/demo-flask-app:v1\n',
    'base/kustomization.yaml': 'resources:\n- deploy.yaml\n',
    'overlays/prod/kustomization.yaml': `resources:\n- ../../base\nimages:\n${images}`
  })

async function bump(repo: ReturnType<typeof hostedRepo>, inputs: Record<string, string>) {
  return runMain('gitops-bump', withValuesFile({ repository: repo.url, ...sshInputs(), ...inputs }), opts())
}

describe('gitops-bump: values as Helm reads them', () => {
  test('a tag YAML 1.1 would read as a number is quoted; helm renders it as the same string', async () => {
    const repo = hostedRepo({ app: chart('replicaCount: 2\nimage:\n  tag: v1\n') })
    const r = await bump(repo, { 'values-file': 'app/values.yaml', set: 'image.tag=20240101_1200' })
    expect(r.exitCode).toBe(0)
    expect(repo.showBytes('app/values.yaml').toString()).toBe(
      'replicaCount: 2\nimage:\n  tag: "20240101_1200"\n'
    )
    expect(r.summary).toContain('+  tag: "20240101_1200"')
  })

  test('set keeps a number a number, so a chart whose schema wants an integer passes helm lint --strict', async () => {
    const repo = hostedRepo({ app: chart('replicaCount: 2\nimage:\n  tag: v1\n') })
    const r = await bump(repo, { 'values-file': 'app/values.yaml', set: 'replicaCount=3' })
    expect(r.commands.filter(c => c.command === 'error')).toEqual([])
    expect(r.exitCode).toBe(0)
    expect(repo.showBytes('app/values.yaml').toString()).toBe('replicaCount: 3\nimage:\n  tag: v1\n')
    // a null today takes the type the key states
    const empty = hostedRepo({ app: chart('replicaCount:\nimage:\n  tag: v1\n') })
    const typed = await bump(empty, { 'values-file': 'app/values.yaml', set: 'replicaCount:int=4' })
    expect(typed.exitCode).toBe(0)
    expect(empty.showBytes('app/values.yaml').toString()).toBe('replicaCount: 4\nimage:\n  tag: v1\n')
  })

  test('a key reached through an alias names the anchor to set instead; nothing is pushed', async () => {
    const repo = hostedRepo({
      app: chart('replicaCount: 2\ndefaults: &img\n  tag: v1\nimage: *img\n')
    })
    const head = repo.head()
    const r = await bump(repo, { 'values-file': 'app/values.yaml', tag: TAG })
    expect(r.exitCode).toBe(1)
    expect(r.commands.find(c => c.command === 'error')?.message).toMatch(
      /'image\.tag' in app\/values\.yaml is reached through the alias \*img at 'image'; set it where the anchor &img \(line 2\) is defined instead/
    )
    expect(repo.head()).toBe(head)
  })
})

describe('gitops-bump: several targets in one commit', () => {
  test('dev and prod values and a kustomization: one commit, each validated, the summary shows each', async () => {
    const repo = hostedRepo({
      'envs/dev': chart('replicaCount: 1\nimage:\n  tag: v1.0.0-0000000-1\n'),
      'envs/prod': chart('replicaCount: 3\nimage:\n  tag: v1.0.0-0000000-1\n'),
      kustomize: kustomizeTree('- name: ghcr.io/banicr/demo-flask-app\n  newTag: v1.0.0-0000000-1 # by CI\n')
    })
    const before = repo.count()
    const r = await bump(repo, {
      targets: 'envs/dev/values.yaml\nenvs/prod/values.yaml\nkustomize/overlays/prod/kustomization.yaml',
      image: 'ghcr.io/banicr/demo-flask-app',
      tag: TAG
    })
    expect(r.commands.filter(c => c.command === 'error')).toEqual([])
    expect(r.exitCode).toBe(0)
    expect(repo.count()).toBe(before + 1)
    expect(git(['show', '--name-only', '--format=', 'main'], repo.bare).split('\n').sort()).toEqual([
      'envs/dev/values.yaml',
      'envs/prod/values.yaml',
      'kustomize/overlays/prod/kustomization.yaml'
    ])
    expect(YAML.parse(repo.show('envs/prod/values.yaml')).image.tag).toBe(TAG)
    expect(repo.show('kustomize/overlays/prod/kustomization.yaml')).toContain(`  newTag: ${TAG} # by CI`)
    for (const f of [
      'envs/dev/values.yaml',
      'envs/prod/values.yaml',
      'kustomize/overlays/prod/kustomization.yaml'
    ])
      expect(r.summary).toContain(`${f}: diff`)
    expect(r.summary).toContain(`+      - image: ghcr.io/banicr/demo-flask-app:${TAG}`)
    expect(r.summary).toContain('Rendered manifests diff (kubectl kustomize)')
  })

  test('all or nothing: one target that does not validate stops every target', async () => {
    const repo = hostedRepo({
      'envs/dev': chart('replicaCount: 1\nimage:\n  tag: v1\n'),
      // prod's schema refuses a string replicaCount: the chart fails helm lint --strict
      'envs/prod': chart('replicaCount: "3"\nimage:\n  tag: v1\n')
    })
    const head = repo.head()
    const r = await bump(repo, { targets: 'envs/dev/values.yaml\nenvs/prod/values.yaml', tag: TAG })
    expect(r.exitCode).toBe(1)
    expect(
      r.commands.some(c => c.command === 'error' && /helm (lint|template)/.test(c.properties.title ?? ''))
    ).toBe(true)
    expect(repo.head()).toBe(head)
  })

  test('digest pinning: image.digest in values, digest in the kustomization (added when missing)', async () => {
    const repo = hostedRepo({
      app: chart('replicaCount: 1\nimage:\n  tag: v1\n  digest: ""\n'),
      kustomize: kustomizeTree('- name: ghcr.io/banicr/demo-flask-app\n  newTag: v1\n')
    })
    const r = await bump(repo, {
      targets: 'app/values.yaml\nkustomize/overlays/prod/kustomization.yaml',
      image: 'ghcr.io/banicr/demo-flask-app',
      tag: TAG,
      digest: DIGEST
    })
    expect(r.commands.filter(c => c.command === 'error')).toEqual([])
    expect(r.exitCode).toBe(0)
    expect(repo.showBytes('app/values.yaml').toString()).toBe(
      `replicaCount: 1\nimage:\n  tag: ${TAG}\n  digest: "${DIGEST}"\n`
    )
    expect(repo.showBytes('kustomize/overlays/prod/kustomization.yaml').toString()).toBe(
      `resources:\n- ../../base\nimages:\n- name: ghcr.io/banicr/demo-flask-app\n  newTag: ${TAG}\n  digest: "${DIGEST}"\n`
    )
    expect(r.summary).toContain(`+      - image: ghcr.io/banicr/demo-flask-app:${TAG}@${DIGEST}`)
  })

  test('a kustomization without the image, or a bad digest: a clear error naming the input', async () => {
    const repo = hostedRepo({ kustomize: kustomizeTree('- name: other/app\n  newTag: v1\n') })
    const r = await bump(repo, {
      targets: 'kustomize/overlays/prod/kustomization.yaml',
      image: 'ghcr.io/banicr/demo-flask-app',
      tag: TAG
    })
    expect(r.exitCode).toBe(1)
    expect(r.commands.find(c => c.command === 'error')?.message).toMatch(
      /Input 'targets' cannot be updated: .*has no images entry named 'ghcr.io\/banicr\/demo-flask-app' \(it has: other\/app\)/
    )
    const bad = await bump(repo, {
      targets: 'kustomize/overlays/prod/kustomization.yaml',
      image: 'x/y',
      tag: TAG,
      digest: 'md5:1'
    })
    expect(bad.commands.find(c => c.command === 'error')?.message).toMatch(/Input 'digest' must be sha256/)
    const noImage = await bump(repo, { targets: 'kustomize/overlays/prod/kustomization.yaml', tag: TAG })
    expect(noImage.commands.find(c => c.command === 'error')?.message).toMatch(/Input 'image' is required/)
  })
})

test('the example GitOps folder is what the tests seed from', () => {
  expect(fs.existsSync(path.join(ROOT, 'example/gitops/helm/demo-flask-app/values.yaml'))).toBe(true)
})
