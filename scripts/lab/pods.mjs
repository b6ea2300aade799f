#!/usr/bin/env node
// The lab's kubelet. kwok keeps the node Ready, deletes pods and serves the kubelet API (port-forward,
// logs); this runs the pods' containers with Docker on loopback and writes their status as a kubelet
// does, so that what the API server says about a pod is what happened to its container:
// - a container whose image is not in the local store (a kind node has only what `kind load` put there)
//   waits with ErrImageNeverPull (imagePullPolicy Never) or ErrImagePull, then ImagePullBackOff;
// - a running container is Ready when its readinessProbe (httpGet or tcpSocket, through the published
//   port; after initialDelaySeconds, every periodSeconds, failureThreshold) passes, or at once without one;
// - a container that exits is restarted under restartPolicy Always/OnFailure after a back-off (10 s,
//   doubling, at most 300 s) while it waits in CrashLoopBackOff with its last termination (exit code,
//   reason Error/Completed); under Never (Jobs, helm test pods) the pod ends Succeeded or Failed;
// - the kubelet's events: Pulled, Created, Started, BackOff, Failed, Unhealthy, Killing.
// For each pod it writes kwok's PortForward (each containerPort to the container's published port) and
// Logs (Docker's json-file log, which kubelet's CRI log reader also reads) before the pod is Ready.
// Not copied: init containers are reported completed without running, liveness and exec probes are not
// run, volumes, security contexts and resource limits are not applied, and the containers share no pod
// network (a pod cannot reach a Service by its name).
//   node scripts/lab/pods.mjs KUBECONFIG
import * as fs from 'node:fs'
import * as http from 'node:http'
import * as https from 'node:https'
import * as net from 'node:net'
import * as path from 'node:path'

const [kubeconfig] = process.argv.slice(2)
const LABEL = 'demo-actions-lab-pod'
const NODE = 'kind-control-plane'
const TICK_MS = 500
// where a port-forward to a port nothing listens on leads: a loopback port nothing listens on either
// (tcpmux), so that kwok's dial is refused as a kubelet's is inside the pod
const CLOSED_PORT = 1

// --- the API server, with the lab's admin certificate (one keep-alive connection, no kubectl processes)
const pki = path.join(path.dirname(kubeconfig), 'pki')
const agent = new https.Agent({
  ca: fs.readFileSync(path.join(pki, 'ca.crt')),
  cert: fs.readFileSync(path.join(pki, 'admin.crt')),
  key: fs.readFileSync(path.join(pki, 'admin.key')),
  keepAlive: true
})
const server = new URL(/server: (\S+)/.exec(fs.readFileSync(kubeconfig, 'utf8'))[1])

function request(opts, body) {
  return new Promise((resolve, reject) => {
    const req = (opts.socketPath ? http : https).request(opts, res => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', d => (text += d))
      res.on('end', () => resolve({ status: res.statusCode, text }))
    })
    req.on('error', reject)
    req.end(body === undefined ? undefined : JSON.stringify(body))
  })
}

async function api(method, p, body, type = 'application/json') {
  const r = await request(
    {
      method,
      host: server.hostname,
      port: server.port,
      path: p,
      agent,
      headers: body === undefined ? {} : { 'content-type': type }
    },
    body
  )
  if (r.status >= 300 && r.status !== 404)
    throw new Error(`${method} ${p}: ${r.status} ${r.text.slice(0, 300)}`)
  return r.status === 404 ? undefined : JSON.parse(r.text || '{}')
}

// --- Docker's Engine API on its socket
async function dockerApi(method, p, body) {
  const r = await request(
    {
      method,
      socketPath: '/var/run/docker.sock',
      path: p,
      headers: body === undefined ? {} : { 'content-type': 'application/json' }
    },
    body
  )
  if (r.status >= 300 && r.status !== 404 && r.status !== 304)
    throw new Error(`docker ${method} ${p}: ${r.status} ${r.text.slice(0, 300)}`)
  return r.status === 404 ? undefined : r.text ? JSON.parse(r.text) : {}
}

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z')
const podKey = pod => `${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`

async function event(pod, type, reason, message, fieldPath) {
  const t = now()
  await api('POST', `/api/v1/namespaces/${pod.metadata.namespace}/events`, {
    metadata: { generateName: `${pod.metadata.name}.`, namespace: pod.metadata.namespace },
    involvedObject: {
      kind: 'Pod',
      apiVersion: 'v1',
      name: pod.metadata.name,
      namespace: pod.metadata.namespace,
      uid: pod.metadata.uid,
      ...(fieldPath ? { fieldPath } : {})
    },
    type,
    reason,
    message,
    source: { component: 'kubelet', host: NODE },
    firstTimestamp: t,
    lastTimestamp: t,
    count: 1
  }).catch(() => undefined)
}

/** What this kubelet knows of each pod, by uid. */
const pods = new Map()
let nextIp = 2
// (a runner that was restarted goes on after the pod IPs it gave before)

function portOf(c, port) {
  if (typeof port === 'number') return port
  return c.ports?.find(p => p.name === port)?.containerPort
}

async function probe(c, ctr) {
  const p = c.readinessProbe
  if (!p || (!p.httpGet && !p.tcpSocket)) return true
  const port = ctr.hostPorts[portOf(c, (p.httpGet ?? p.tcpSocket).port)]
  if (!port) return false
  const timeout = (p.timeoutSeconds ?? 1) * 1000
  ctr.probeSaid = 'no answer'
  if (p.tcpSocket)
    return new Promise(resolve => {
      const s = net.connect({ host: '127.0.0.1', port, timeout }, () => (s.destroy(), resolve(true)))
      s.on('error', () => resolve(false)).on('timeout', () => (s.destroy(), resolve(false)))
    })
  return new Promise(resolve => {
    const req = http.get({ host: '127.0.0.1', port, path: p.httpGet.path ?? '/', timeout }, res => {
      res.resume()
      ctr.probeSaid = `HTTP probe failed with statuscode: ${res.statusCode}`
      resolve(res.statusCode >= 200 && res.statusCode < 400)
    })
    req.on('error', err => {
      const where = `${ctr.podIp}:${portOf(c, p.httpGet.port)}`
      ctr.probeSaid = `Get "http://${where}${p.httpGet.path ?? '/'}": ${err.code === 'ECONNREFUSED' ? `dial tcp ${where}: connect: connection refused` : err.message}`
      resolve(false)
    })
    req.on('timeout', () => req.destroy(new Error('context deadline exceeded')))
  })
}

/** Starts a container of the pod with Docker: every containerPort published on a loopback port. */
async function runContainer(pod, c, st) {
  const exposed = {}
  const bindings = {}
  for (const p of c.ports ?? []) {
    const k = `${p.containerPort}/${(p.protocol ?? 'TCP').toLowerCase()}`
    exposed[k] = {}
    bindings[k] = [{ HostIp: '127.0.0.1', HostPort: '' }]
  }
  const env = (c.env ?? []).filter(e => typeof e.value === 'string').map(e => `${e.name}=${e.value}`)
  const name = `lab-${pod.metadata.namespace}-${pod.metadata.name}-${c.name}-${pod.metadata.uid.slice(0, 6)}`
  const created = await dockerApi(
    'POST',
    `/containers/create?name=${encodeURIComponent(name.slice(0, 200))}`,
    {
      Image: c.image,
      Env: env,
      ...(c.command?.length ? { Entrypoint: c.command } : {}),
      ...(c.args?.length ? { Cmd: c.args } : {}),
      ...(c.workingDir ? { WorkingDir: c.workingDir } : {}),
      Labels: { [LABEL]: pod.metadata.uid, 'demo-actions-lab-container': c.name },
      ExposedPorts: exposed,
      HostConfig: { PortBindings: bindings, LogConfig: { Type: 'json-file' } }
    }
  )
  await event(
    pod,
    'Normal',
    'Pulled',
    `Container image "${c.image}" already present on machine`,
    `spec.containers{${c.name}}`
  )
  await event(pod, 'Normal', 'Created', `Created container: ${c.name}`, `spec.containers{${c.name}}`)
  const ctr = { id: created.Id, restarts: 0, podIp: st.ip }
  await startContainer(pod, c, ctr)
  return ctr
}

async function startContainer(pod, c, ctr) {
  await dockerApi('POST', `/containers/${ctr.id}/start`)
  const info = await dockerApi('GET', `/containers/${ctr.id}/json`)
  ctr.startedAt = info.State.StartedAt.replace(/\.\d+Z$/, 'Z')
  ctr.hostPorts = {}
  for (const [k, v] of Object.entries(info.NetworkSettings.Ports ?? {}))
    if (v?.[0]) ctr.hostPorts[Number(k.split('/')[0])] = Number(v[0].HostPort)
  ctr.logPath = info.LogPath
  ctr.pid = info.State.Pid
  ctr.running = true
  ctr.ready = false
  ctr.failures = 0
  ctr.successes = 0
  ctr.nextProbe = Date.now() + (c.readinessProbe?.initialDelaySeconds ?? 0) * 1000
  ctr.waiting = undefined
  ctr.fresh = true
  await event(pod, 'Normal', 'Started', `Started container ${c.name}`, `spec.containers{${c.name}}`)
}

/**
 * The container's ports that something listens on, from its network namespace's socket tables
 * (/proc/<pid>/net/tcp, tcp6; state 0A is LISTEN). Docker's proxy accepts on the published port even when
 * nothing listens in the container; a kubelet's port-forward is refused then, and kubectl's ends.
 */
function listening(ctr) {
  const ports = new Set()
  for (const f of ['tcp', 'tcp6'])
    try {
      for (const line of fs.readFileSync(`/proc/${ctr.pid}/net/${f}`, 'utf8').split('\n').slice(1)) {
        const [, local, , state] = line.trim().split(/\s+/)
        if (state === '0A') ports.add(parseInt(local.split(':').pop(), 16))
      }
    } catch {
      // the container is gone
    }
  return ports
}

/** kwok's PortForward and Logs of the pod: where kubectl port-forward and kubectl logs lead. */
async function kwokObjects(pod, st) {
  const ns = pod.metadata.namespace
  const forwards = []
  const logs = []
  for (const c of pod.spec.containers) {
    const ctr = st.containers[c.name]
    if (!ctr) continue
    for (const [port, host] of Object.entries(ctr.hostPorts))
      forwards.push({
        ports: [Number(port)],
        target: { port: ctr.listening?.has(Number(port)) ? host : CLOSED_PORT, address: '127.0.0.1' }
      })
    if (ctr.logPath) logs.push({ containers: [c.name], logsFile: ctr.logPath, follow: true })
  }
  const apply = (plural, kind, spec) =>
    api(
      'PATCH',
      `/apis/kwok.x-k8s.io/v1alpha1/namespaces/${ns}/${plural}/${pod.metadata.name}?fieldManager=lab-kubelet&force=true`,
      {
        apiVersion: 'kwok.x-k8s.io/v1alpha1',
        kind,
        metadata: { name: pod.metadata.name, namespace: ns },
        spec
      },
      'application/apply-patch+yaml'
    )
  await apply('logs', 'Logs', { logs })
  if (forwards.length) await apply('portforwards', 'PortForward', { forwards })
}

function containerStatus(c, ctr) {
  const s = {
    name: c.name,
    image: c.image,
    imageID: ctr?.imageId ?? '',
    containerID: ctr?.id ? `docker://${ctr.id}` : undefined,
    ready: !!ctr?.ready,
    started: !!ctr?.running,
    restartCount: ctr?.restarts ?? 0
  }
  if (!ctr || ctr.waiting) s.state = { waiting: ctr?.waiting ?? { reason: 'ContainerCreating' } }
  else if (ctr.running) s.state = { running: { startedAt: ctr.startedAt } }
  else s.state = { terminated: ctr.terminated }
  if (ctr?.last) s.lastState = { terminated: ctr.last }
  return s
}

async function writeStatus(pod, st) {
  const statuses = pod.spec.containers.map(c => containerStatus(c, st.containers[c.name]))
  const all = Object.values(st.containers).filter(c => !c.pending)
  const done = pod.spec.containers.every(c => st.containers[c.name]?.terminated)
  let phase = 'Pending'
  if (done) phase = all.every(c => c.terminated.exitCode === 0) ? 'Succeeded' : 'Failed'
  else if (all.some(c => c.running || c.last || c.terminated)) phase = 'Running'
  const ready = statuses.length > 0 && statuses.every(s => s.ready)
  const cond = (type, ok, reason) => ({
    type,
    status: ok ? 'True' : 'False',
    lastTransitionTime:
      st.transitions[type]?.ok === ok
        ? st.transitions[type].at
        : (st.transitions[type] = { ok, at: now() }).at,
    ...(ok || !reason ? {} : { reason })
  })
  const status = {
    phase,
    hostIP: '127.0.0.1',
    hostIPs: [{ ip: '127.0.0.1' }],
    podIP: st.ip,
    // (a list the API merges by ip: sent once)
    ...(pod.status?.podIPs?.length ? {} : { podIPs: [{ ip: st.ip }] }),
    startTime: st.startTime,
    conditions: [
      cond('PodReadyToStartContainers', true),
      cond('Initialized', true),
      cond('Ready', ready, done ? 'PodCompleted' : 'ContainersNotReady'),
      cond('ContainersReady', ready, done ? 'PodCompleted' : 'ContainersNotReady')
    ],
    containerStatuses: statuses,
    ...(pod.spec.initContainers?.length
      ? {
          initContainerStatuses: pod.spec.initContainers.map(c => ({
            name: c.name,
            image: c.image,
            imageID: '',
            ready: true,
            restartCount: 0,
            state: {
              terminated: {
                exitCode: 0,
                reason: 'Completed',
                startedAt: st.startTime,
                finishedAt: st.startTime
              }
            }
          }))
        }
      : {}),
    qosClass: pod.status?.qosClass
  }
  const text = JSON.stringify(status)
  // written again when the API's conditions differ from it too: the node lifecycle controller sets a
  // pod's Ready to False while the node is NotReady, and a kubelet's status sync puts it back
  const differ = status.conditions.some(
    c => (pod.status?.conditions ?? []).find(x => x.type === c.type)?.status !== c.status
  )
  if (text === st.written && !differ) return
  await api(
    'PATCH',
    `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/status`,
    { status },
    'application/strategic-merge-patch+json'
  )
  st.written = text
}

async function syncPod(pod, states) {
  const uid = pod.metadata.uid
  let st = pods.get(uid)
  if (!st) {
    // a pod keeps its IP (one the runner gave before it was restarted, too): the API refuses another
    const n = nextIp++
    st = {
      containers: {},
      ip: pod.status?.podIP ?? `10.244.${Math.floor(n / 250)}.${(n % 250) + 2}`,
      startTime: now(),
      transitions: {}
    }
    pods.set(uid, st)
  }
  const policy = pod.spec.restartPolicy ?? 'Always'
  let started = false
  for (const c of pod.spec.containers) {
    const had = st.containers[c.name]
    if (had && !had.pending) continue
    const image = await dockerApi('GET', `/images/${encodeURIComponent(c.image)}/json`)
    if (!image) {
      const never = c.imagePullPolicy === 'Never'
      const reason = never ? 'ErrImageNeverPull' : had ? 'ImagePullBackOff' : 'ErrImagePull'
      const message = never
        ? `Container image "${c.image}" is not present with pull policy of Never`
        : had
          ? `Back-off pulling image "${c.image}"`
          : `failed to pull and unpack image "${c.image}": the lab pulls nothing (kind load it)`
      if (had?.waiting.reason !== reason)
        await event(
          pod,
          'Warning',
          never ? 'ErrImageNeverPull' : 'Failed',
          message,
          `spec.containers{${c.name}}`
        )
      st.containers[c.name] = { pending: true, waiting: { reason, message }, restarts: 0, hostPorts: {} }
      continue
    }
    const ctr = await runContainer(pod, c, st)
    ctr.imageId = image.Id
    st.containers[c.name] = ctr
    started = true
  }
  if (started) await kwokObjects(pod, st)
  for (const c of pod.spec.containers) {
    const ctr = st.containers[c.name]
    if (ctr.pending) continue
    // (the list was read before this tick started containers: a new one is checked from the next tick)
    if (ctr.running && !ctr.fresh && states.get(ctr.id) !== 'running') {
      // the container ended: restarted after a back-off, or the pod is done (restartPolicy)
      const info = await dockerApi('GET', `/containers/${ctr.id}/json`)
      ctr.running = false
      ctr.ready = false
      const code = info?.State.ExitCode ?? 137
      const term = {
        exitCode: code,
        reason: code === 0 ? 'Completed' : 'Error',
        startedAt: ctr.startedAt,
        finishedAt: (info?.State.FinishedAt ?? new Date().toISOString()).replace(/\.\d+Z$/, 'Z'),
        containerID: `docker://${ctr.id}`
      }
      if (policy === 'Always' || (policy === 'OnFailure' && code !== 0)) {
        ctr.last = term
        const backoff = Math.min(300, 10 * 2 ** Math.min(5, ctr.restarts))
        ctr.restartAt = Date.now() + backoff * 1000
        const said =
          backoff < 60
            ? `${backoff}s`
            : `${Math.floor(backoff / 60)}m${backoff % 60 ? `${backoff % 60}s` : '0s'}`
        ctr.waiting = {
          reason: 'CrashLoopBackOff',
          message: `back-off ${said} restarting failed container=${c.name} pod=${podKey(pod)}`
        }
        await event(
          pod,
          'Warning',
          'BackOff',
          `Back-off restarting failed container ${c.name} in pod ${podKey(pod)}`,
          `spec.containers{${c.name}}`
        )
      } else ctr.terminated = term
    } else if (ctr.running && Date.now() >= ctr.nextProbe) {
      const p = c.readinessProbe
      const ok = await probe(c, ctr)
      ctr.nextProbe = Date.now() + (p?.periodSeconds ?? 10) * 1000
      if (ok) {
        ctr.failures = 0
        if (++ctr.successes >= (ctr.ready ? 1 : (p?.successThreshold ?? 1))) ctr.ready = true
      } else {
        ctr.successes = 0
        if (ctr.ready && ++ctr.failures >= (p.failureThreshold ?? 3)) ctr.ready = false
        await event(
          pod,
          'Warning',
          'Unhealthy',
          `Readiness probe failed: ${ctr.probeSaid}`,
          `spec.containers{${c.name}}`
        )
        // not ready yet: tried again within a second rather than a whole period
        if (!ctr.ready) ctr.nextProbe = Date.now() + Math.min(1000, (p.periodSeconds ?? 10) * 1000)
      }
    } else if (ctr.waiting && ctr.restartAt && Date.now() >= ctr.restartAt) {
      ctr.restarts++
      ctr.restartAt = undefined
      await startContainer(pod, c, ctr)
      await kwokObjects(pod, st)
    }
  }
  // port-forward leads to a port only while something in the container listens on it
  let moved = false
  for (const ctr of Object.values(st.containers)) {
    ctr.fresh = false
    const now = ctr.running ? listening(ctr) : new Set()
    if ([...now].sort().join() !== [...(ctr.listening ?? [])].sort().join()) {
      ctr.listening = now
      moved = true
    }
  }
  if (moved) await kwokObjects(pod, st)
  await writeStatus(pod, st)
}

async function tick() {
  const list = (await api('GET', '/api/v1/pods')).items
  for (const p of list) {
    const m = /^10\.244\.(\d+)\.(\d+)$/.exec(p.status?.podIP ?? '')
    if (m) nextIp = Math.max(nextIp, Number(m[1]) * 250 + Number(m[2]) - 1)
  }
  const live = new Map(
    list.filter(p => p.spec.nodeName && !p.metadata.deletionTimestamp).map(p => [p.metadata.uid, p])
  )
  // containers of pods that are gone or being deleted (kwok deletes the pod objects)
  const containers = await dockerApi(
    'GET',
    `/containers/json?all=1&filters=${encodeURIComponent(JSON.stringify({ label: [LABEL] }))}`
  )
  for (const c of containers)
    if (!live.has(c.Labels[LABEL])) {
      const pod = list.find(p => p.metadata.uid === c.Labels[LABEL])
      if (pod && c.State === 'running')
        await event(pod, 'Normal', 'Killing', `Stopping container ${c.Labels['demo-actions-lab-container']}`)
      await dockerApi('DELETE', `/containers/${c.Id}?force=1`).catch(() => undefined)
    }
  for (const uid of pods.keys()) if (!live.has(uid)) pods.delete(uid)
  const states = new Map(containers.map(c => [c.Id, c.State]))
  for (const pod of live.values())
    await syncPod(pod, states).catch(err => {
      // each pod's error once, not every tick
      const st = pods.get(pod.metadata.uid)
      if (st?.error !== err.message) process.stderr.write(`${now()} pod ${podKey(pod)}: ${err.message}\n`)
      if (st) st.error = err.message
    })
}

// Containers of an earlier run of this runner are not adopted: removed, and their pods' containers made anew.
for (const c of (await dockerApi(
  'GET',
  `/containers/json?all=1&filters=${encodeURIComponent(JSON.stringify({ label: [LABEL] }))}`
)) ?? [])
  await dockerApi('DELETE', `/containers/${c.Id}?force=1`).catch(() => undefined)

for (;;) {
  await tick().catch(err => process.stderr.write(`${now()} ${err.message}\n`))
  await new Promise(r => setTimeout(r, TICK_MS))
}
