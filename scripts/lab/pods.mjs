#!/usr/bin/env node
// The lab's container runtime (issue #21, work in progress): kwok runs pods' lifecycles, not their
// containers, so this runs each lab pod's first container with Docker on loopback and tells kwok where it
// is: a PortForward (kubectl port-forward reaches the container) and a Logs (kubectl logs reads Docker's
// log file) named after the pod. A pod whose image is not in the local store gets no container, as a
// kind node has only what `kind load` put there. Containers of pods that are gone are removed.
// Polls once a second; ends when its parent (lab.sh's setsid) is stopped.
//   node scripts/lab/pods.mjs KUBECONFIG KUBECTL
import { execFile } from 'node:child_process'
import * as fs from 'node:fs'
import * as https from 'node:https'
import * as path from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
const [kubeconfig, kubectl] = process.argv.slice(2)
const LABEL = 'demo-actions-lab-pod'
const docker = (...args) => run('docker', args, { maxBuffer: 16 << 20 })

// The pod list comes straight from the API server (the lab's admin certificate), not from a kubectl
// process a second: that cost a core's worth of CPU while the tests ran.
const pki = path.join(path.dirname(kubeconfig), 'pki')
const agent = new https.Agent({
  ca: fs.readFileSync(path.join(pki, 'ca.crt')),
  cert: fs.readFileSync(path.join(pki, 'admin.crt')),
  key: fs.readFileSync(path.join(pki, 'admin.key')),
  keepAlive: true
})
const server = /server: (\S+)/.exec(fs.readFileSync(kubeconfig, 'utf8'))[1]
const listPods = () =>
  new Promise((resolve, reject) => {
    https
      .get(`${server}/api/v1/pods`, { agent }, res => {
        let body = ''
        res.on('data', d => (body += d))
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(JSON.parse(body).items)
            : reject(new Error(`GET pods: ${res.statusCode}`))
        )
      })
      .on('error', reject)
  })
/** Containers this runner made, by pod uid (read from Docker once, at start). */
let have

async function tick() {
  const pods = await listPods()
  const want = new Map(
    pods.filter(p => p.spec.nodeName && !p.metadata.deletionTimestamp).map(p => [p.metadata.uid, p])
  )
  have ??= new Map(
    (
      await docker('ps', '-a', '--filter', `label=${LABEL}`, '--format', `{{.ID}} {{.Label "${LABEL}"}}`)
    ).stdout
      .split('\n')
      .filter(Boolean)
      .map(l => l.split(' '))
      .map(([id, uid]) => [uid, id])
  )
  for (const [uid, id] of have)
    if (!want.has(uid)) {
      await docker('rm', '-f', id).catch(() => undefined)
      have.delete(uid)
    }
  for (const [uid, pod] of want) {
    if (have.has(uid)) continue
    const c = pod.spec.containers[0]
    if (
      !(await docker('image', 'inspect', c.image).then(
        () => true,
        () => false
      ))
    )
      continue
    const port = c.ports?.[0]?.containerPort
    const env = (c.env ?? [])
      .filter(e => typeof e.value === 'string')
      .flatMap(e => ['--env', `${e.name}=${e.value}`])
    const args = [
      'run',
      '-d',
      '--label',
      `${LABEL}=${uid}`,
      '--name',
      `lab-${pod.metadata.name}-${uid.slice(0, 6)}`,
      ...env
    ]
    if (port) args.push('--publish', `127.0.0.1::${port}`)
    if (c.command?.length) args.push('--entrypoint', c.command[0])
    args.push(c.image, ...(c.command?.slice(1) ?? []), ...(c.args ?? []))
    const id = (await docker(...args)).stdout.trim()
    have.set(uid, id)
    const inspect = JSON.parse((await docker('inspect', id)).stdout)[0]
    const bound = port ? inspect.NetworkSettings.Ports[`${port}/tcp`]?.[0]?.HostPort : undefined
    const meta = { name: pod.metadata.name, namespace: pod.metadata.namespace }
    const objects = [
      {
        apiVersion: 'kwok.x-k8s.io/v1alpha1',
        kind: 'Logs',
        metadata: meta,
        spec: { logs: [{ containers: [c.name], logsFile: inspect.LogPath, follow: true }] }
      }
    ]
    if (bound)
      objects.push({
        apiVersion: 'kwok.x-k8s.io/v1alpha1',
        kind: 'PortForward',
        metadata: meta,
        spec: { forwards: [{ target: { port: Number(bound), address: '127.0.0.1' } }] }
      })
    for (const o of objects) {
      const child = execFile(kubectl, ['--kubeconfig', kubeconfig, 'apply', '-f', '-'])
      child.stdin.end(JSON.stringify(o))
      await new Promise(resolve => child.on('close', resolve))
    }
  }
}

for (;;) {
  await tick().catch(err => process.stderr.write(`${new Date().toISOString()} ${err.message}\n`))
  await new Promise(r => setTimeout(r, 1000))
}
