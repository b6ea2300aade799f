export const id = 255;
export const ids = [255];
export const modules = {

/***/ 6788:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   z: () => (/* binding */ HttpsClient)
/* harmony export */ });
/* harmony import */ var node_https__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(4708);
/* harmony import */ var node_https__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_https__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_tls__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(1692);
/* harmony import */ var node_tls__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_tls__WEBPACK_IMPORTED_MODULE_1__);
// The one HTTPS client of the stages (the registry API for build-push, Argo CD's API for gitops-bump): TLS
// always verified, against Node's roots plus the CAs the caller trusts (a private CA); keep-alive; each
// request ends within its deadline, as an error naming who did not answer; bodies are streamed. Headers
// (where the credentials are) never appear in an error.


class HttpsClient {
    opts;
    agent;
    constructor(opts) {
        this.opts = opts;
        this.agent = new node_https__WEBPACK_IMPORTED_MODULE_0__.Agent({
            keepAlive: true,
            ...(opts.ca?.length ? { ca: [...node_tls__WEBPACK_IMPORTED_MODULE_1__.rootCertificates, ...opts.ca] } : {})
        });
    }
    request(method, url, headers = {}, body) {
        const max = this.opts.maxBody ?? 64 << 20;
        return new Promise((resolve, reject) => {
            const size = body === undefined ? 0 : Buffer.isBuffer(body) ? body.length : body.size;
            const req = node_https__WEBPACK_IMPORTED_MODULE_0__.request(url, {
                method,
                agent: this.agent,
                headers: { ...headers, ...(body !== undefined ? { 'content-length': String(size) } : {}) }
            }, res => {
                const chunks = [];
                let got = 0;
                res.on('data', (d) => {
                    got += d.length;
                    if (got <= max)
                        chunks.push(d);
                });
                res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
                res.on('error', reject);
            });
            const late = () => new Error(`${url.host} did not answer within ${this.opts.timeoutMs / 1000} s`);
            if (this.opts.idle)
                req.setTimeout(this.opts.timeoutMs, () => req.destroy(late()));
            else {
                // a deadline for the whole request that holds the process open (an unref'd timer would let Node
                // end the step with exit code 13 while it waits)
                const timer = setTimeout(() => req.destroy(late()), this.opts.timeoutMs);
                req.on('close', () => clearTimeout(timer));
            }
            req.on('error', reject);
            if (body === undefined)
                req.end();
            else if (Buffer.isBuffer(body))
                req.end(body);
            else {
                const stream = body.open();
                stream.on('error', err => req.destroy(err));
                stream.pipe(req);
            }
        });
    }
    close() {
        this.agent.destroy();
    }
}


/***/ }),

/***/ 255:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  ArgoClient: () => (/* reexport */ ArgoClient),
  checkApplications: () => (/* reexport */ checkApplications),
  checkSource: () => (/* reexport */ promote/* checkSource */.As),
  confirmDeploy: () => (/* binding */ confirmDeploy),
  deployError: () => (/* binding */ deployError)
});

// EXTERNAL MODULE: ./node_modules/@actions/core/lib/core.js + 8 modules
var core = __webpack_require__(6058);
// EXTERNAL MODULE: ./src/gitops-bump/argocd-settings.ts
var argocd_settings = __webpack_require__(9791);
// EXTERNAL MODULE: ./src/common/https.ts
var https = __webpack_require__(6788);
// EXTERNAL MODULE: ./src/common/inputs.ts
var inputs = __webpack_require__(9184);
// EXTERNAL MODULE: ./src/gitops-bump/constants.ts
var constants = __webpack_require__(9294);
;// CONCATENATED MODULE: ./src/gitops-bump/argocd.ts
// Confirming the deploy with Argo CD: its API server (GET /api/v1/applications/{name}, TLS always
// verified, the token in the Authorization header only), read before the push so that a wrong token or
// application fails with nothing pushed; after the push a refresh (a 403 falls back to Argo CD's own
// poll), a sync where asked (argocd-sync, for an application without automated sync), then a wait until
// every application is Synced at a revision that is the pushed commit or contains it, its last sync
// Succeeded and its health is Healthy; or until it is Degraded, its sync failed, or the deadline passed.
// Health counts only from a reconcile after the sync finished (reconciledAt not before the operation's
// finishedAt): read earlier, it is the health of what ran before. At most 2 requests a second in all.





/** Between two requests to Argo CD (2 a second at most). */
const REQUEST_GAP_MS = 500;
/** How often a refresh is asked for again while an application is not at the commit. */
const REFRESH_AGAIN_MS = 10_000;
/** How soon a refresh is asked for when the last comparison is not after the sync. */
const STALE_REFRESH_MS = 2_000;
/**
 * How long after its sync finished a Degraded health is not yet believed. Argo CD compares from its watch
 * cache, which a busy cluster updates late: a Deployment that had exceeded its progress deadline under the
 * previous release is still read so for a few seconds after the sync applied the next one (seen on 2 cores
 * under load), until the Deployment controller has created the new ReplicaSet and said Progressing again.
 * A real failure is still Degraded after it; a failed sync is judged at once.
 */
const DEGRADED_SETTLE_MS = 10_000;
const REQUEST_MS = 30_000;
class ArgoClient {
    s;
    http;
    last = 0;
    requests = 0;
    constructor(s) {
        this.s = s;
        this.http = new https/* HttpsClient */.z({ ca: s.ca ? [s.ca] : [], timeoutMs: REQUEST_MS });
    }
    /** GET an application (with `refresh`, Argo CD looks at the repository now instead of at its next poll). */
    async application(app, refresh) {
        const url = this.url(`api/v1/applications/${encodeURIComponent(app.name)}`, app);
        if (refresh)
            url.searchParams.set('refresh', refresh);
        const r = await this.request('GET', url, app);
        let body = {};
        let autoSync = false;
        try {
            if (r.status === 200) {
                const a = JSON.parse(r.text);
                body = a.status ?? {};
                autoSync = !!a.spec?.syncPolicy?.automated;
            }
        }
        catch {
            throw new Error(`Argo CD (${this.s.server.host}) about ${(0,argocd_settings/* appLabel */._$)(app)}: the answer is not JSON (HTTP ${r.status}): ${r.text.slice(0, 200)}`);
        }
        return { status: r.status, body, autoSync, text: r.text };
    }
    /**
     * The resources below the application's own (ReplicaSets, Pods) that are not healthy, in Argo CD's
     * words: a Deployment says only that it exceeded its progress deadline, its pods say why
     * ("Back-off pulling image ..."). Empty when Argo CD does not answer.
     */
    async unhealthyTree(app) {
        const r = await this.request('GET', this.url(`api/v1/applications/${encodeURIComponent(app.name)}/resource-tree`, app), app);
        if (r.status !== 200)
            return [];
        try {
            const tree = JSON.parse(r.text);
            return (tree.nodes ?? [])
                .filter(n => n.parentRefs?.length &&
                n.health?.status &&
                !['Healthy', 'Suspended', 'Progressing'].includes(n.health.status))
                .map(n => `${n.kind}/${n.name}: ${n.health.status}${n.health.message ? ` (${n.health.message})` : ''}`);
        }
        catch {
            return [];
        }
    }
    /** The application's resource tree (every object Argo CD knows below it); [] when it does not answer. */
    async resourceTree(app) {
        const url = this.url(`api/v1/applications/${encodeURIComponent(app.name)}/resource-tree`, app);
        const r = await this.request('GET', url, app);
        if (r.status !== 200)
            throw new Error(`Argo CD answered HTTP ${r.status} for the resources of ${(0,argocd_settings/* appLabel */._$)(app)}`);
        return (JSON.parse(r.text).nodes ?? []).filter(n => n && typeof n === 'object');
    }
    /** One live object of the application, as the cluster has it (Argo CD reads it from the cluster). */
    async liveObject(app, node) {
        const url = this.url(`api/v1/applications/${encodeURIComponent(app.name)}/resource`, app);
        url.searchParams.set('resourceName', node.name);
        url.searchParams.set('namespace', node.namespace ?? '');
        url.searchParams.set('kind', node.kind);
        url.searchParams.set('version', node.version ?? 'v1');
        url.searchParams.set('group', node.group ?? '');
        const r = await this.request('GET', url, app);
        if (r.status !== 200)
            throw new Error(`Argo CD answered HTTP ${r.status} for ${node.kind}/${node.name} of ${(0,argocd_settings/* appLabel */._$)(app)}`);
        return JSON.parse(JSON.parse(r.text).manifest ?? '{}');
    }
    /** POST a sync of the application to `revision` (the token needs 'applications, sync'). */
    async sync(app, revision) {
        const url = this.url(`api/v1/applications/${encodeURIComponent(app.name)}/sync`, app);
        return this.request('POST', url, app, JSON.stringify({ revision, prune: false }));
    }
    url(pathname, app) {
        const url = new URL(pathname, this.base());
        if (app.namespace)
            url.searchParams.set('appNamespace', app.namespace);
        return url;
    }
    async request(method, url, app, body) {
        const wait = this.last + REQUEST_GAP_MS - Date.now();
        if (wait > 0)
            await new Promise(r => setTimeout(r, wait));
        this.last = Date.now();
        this.requests++;
        const headers = {
            authorization: `Bearer ${this.s.token}`,
            accept: 'application/json',
            ...(body ? { 'content-type': 'application/json' } : {})
        };
        const r = await this.http
            .request(method, url, headers, body ? Buffer.from(body) : undefined)
            .catch((err) => {
            throw this.networkError(err, app);
        });
        return { status: r.status, text: r.body.toString('utf8') };
    }
    close() {
        this.http.close();
    }
    base() {
        const u = this.s.server.href;
        return u.endsWith('/') ? u : `${u}/`;
    }
    networkError(err, app) {
        const code = err.code ?? '';
        if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code))
            return new inputs/* InputError */.dz(constants/* Inputs */.G0.ArgocdCa, `does not verify ${this.s.server.host}'s certificate (${code}): give the PEM of the CA that signed it (TLS is always verified)`);
        return new Error(`Argo CD at ${this.s.server.host} cannot be reached: ${err.message} (asking about ${(0,argocd_settings/* appLabel */._$)(app)})`);
    }
}
/** Before the push: every application can be read with the token; else the input that is wrong. */
async function checkApplications(client, s) {
    for (const app of s.applications) {
        const r = await client.application(app);
        if (r.status === 200) {
            core/* info */.pq(`Argo CD application ${(0,argocd_settings/* appLabel */._$)(app)}: ${describeStatus(r.body)}`);
            continue;
        }
        if (r.status === 401)
            throw new inputs/* InputError */.dz(constants/* Inputs */.G0.ArgocdToken, `was refused by Argo CD at ${s.server.host} (HTTP 401: not a valid token, or it expired); nothing was pushed`);
        if (r.status === 403 || r.status === 404)
            throw new inputs/* InputError */.dz(constants/* Inputs */.G0.ArgocdApplication, `names '${(0,argocd_settings/* appLabel */._$)(app)}', which Argo CD at ${s.server.host} does not let this token read (HTTP ${r.status}, permission denied: Argo CD's answer when the application does not exist, too; the token needs 'applications, get' on it); nothing was pushed`);
        throw new Error(`Argo CD at ${s.server.host} answered HTTP ${r.status} about ${(0,argocd_settings/* appLabel */._$)(app)}: ${r.text.slice(0, 300)}; nothing was pushed`);
    }
}
/** One line of what Argo CD says of an application: sync, revision, operation, health, conditions. */
function describeStatus(st) {
    const parts = [
        `sync ${st.sync?.status ?? 'Unknown'}${revisionOf(st) ? ` at ${revisionOf(st).slice(0, 12)}` : ''}`,
        `health ${st.health?.status ?? 'Unknown'}${st.health?.message ? ` (${st.health.message})` : ''}`
    ];
    const op = st.operationState;
    if (op?.phase)
        parts.push(`last operation ${op.phase}${op.message ? `: ${op.message}` : ''}`);
    for (const c of st.conditions ?? [])
        parts.push(`${c.type}: ${c.message}`);
    return parts.join('; ');
}
const revisionOf = (st) => st.sync?.revision ?? st.sync?.revisions?.[0] ?? '';
/** The messages of the resources that are not healthy ("Deployment ... exceeded its progress deadline"). */
function unhealthy(st) {
    return (st.resources ?? [])
        .filter(r => r.health?.status && !['Healthy', 'Suspended'].includes(r.health.status))
        .map(r => `${r.kind}/${r.name}: ${r.health.status}${r.health.message ? ` (${r.health.message})` : ''}`);
}
/**
 * Waits until every application has the pushed commit Healthy. `contains(revision)`: whether a revision
 * Argo CD names is the pushed commit or descends from it (another pipeline may land on top first).
 */
async function waitForDeploy(client, s, commit, pushedAt, contains) {
    const w = new DeployWait(client, s, commit, pushedAt, contains);
    if (s.refresh !== 'none')
        for (const app of s.applications)
            await w.refresh(app);
    for (;;) {
        for (const app of s.applications)
            if (!w.results.has(app))
                await w.look(app);
        if (w.results.size === s.applications.length)
            return s.applications.map(a => w.results.get(a));
        if (Date.now() + REQUEST_GAP_MS > w.deadline)
            return s.applications.map(a => w.results.get(a) ?? w.timedOut(a));
    }
}
/** What the wait knows of each application so far, and the requests it makes about one. */
class DeployWait {
    client;
    s;
    commit;
    pushedAt;
    contains;
    deadline;
    results = new Map();
    last = new Map();
    atCommit = new Map();
    refreshed = new Map();
    autoSync = new Map();
    synced = new Set();
    /** false once Argo CD refused a refresh (403): its own poll then. */
    refreshing;
    constructor(client, s, commit, pushedAt, contains) {
        this.client = client;
        this.s = s;
        this.commit = commit;
        this.pushedAt = pushedAt;
        this.contains = contains;
        this.deadline = Date.now() + s.timeoutMs;
        this.refreshing = s.refresh !== 'none';
    }
    /** Asks Argo CD to look at the repository now; a 403 (a token that may read but not refresh) ends the asking. */
    async refresh(app) {
        if (!this.refreshing)
            return this.client.application(app);
        const r = await this.client.application(app, this.s.refresh);
        if (r.status === 403) {
            this.refreshing = false;
            core/* warning */.$e(`Argo CD refused to refresh ${(0,argocd_settings/* appLabel */._$)(app)} (HTTP 403: this token may read the application but not refresh it); waiting for Argo CD's own poll of the repository instead (every 3 minutes unless its timeout.reconciliation says otherwise)`);
            return this.client.application(app);
        }
        if (r.status !== 200)
            throw new Error(`Argo CD refused the refresh of ${(0,argocd_settings/* appLabel */._$)(app)}: HTTP ${r.status}`);
        this.refreshed.set(app, Date.now());
        return r;
    }
    /** One look at an application: asks for a refresh or a sync when due, and judges what Argo CD says. */
    async look(app) {
        // A refresh asked for while Argo CD is busy with another sync (a rival's push a moment earlier) can be
        // used up by that sync's comparison: while an application is not at the commit, it is asked again
        // every REFRESH_AGAIN_MS, instead of waiting for Argo CD's next poll.
        const again = this.refreshing &&
            !this.atCommit.get(app) &&
            Date.now() - (this.refreshed.get(app) ?? 0) > REFRESH_AGAIN_MS;
        const r = again ? await this.refresh(app) : await this.client.application(app);
        if (r.status !== 200)
            throw new Error(`Argo CD answered HTTP ${r.status} about ${(0,argocd_settings/* appLabel */._$)(app)}`);
        this.autoSync.set(app, r.autoSync);
        const st = r.body;
        this.atCommit.set(app, await revisionContains(st, this.commit, this.contains));
        this.last.set(app, st);
        if (this.s.sync && !r.autoSync && !this.synced.has(app))
            await this.sync(app);
        const verdict = await judge(st, this.commit, this.contains);
        // synced, but no comparison since: Argo CD is asked for one (a rollout's own events bring one soon;
        // a sync that changed nothing Argo CD watches would otherwise wait for its poll)
        if (verdict === 'stale' && Date.now() - (this.refreshed.get(app) ?? 0) > STALE_REFRESH_MS)
            await this.refresh(app);
        const base = {
            app,
            health: st.health?.status ?? 'Unknown',
            sync: st.sync?.status ?? 'Unknown',
            revision: revisionOf(st)
        };
        if (verdict === 'healthy') {
            const seconds = (Date.now() - this.pushedAt) / 1000;
            this.results.set(app, { ...base, seconds });
            core/* info */.pq(`${(0,argocd_settings/* appLabel */._$)(app)}: Synced at ${base.revision.slice(0, 12)} and Healthy, ${seconds.toFixed(1)} s after the push`);
        }
        else if (verdict === 'degraded' || verdict === 'failed') {
            const why = verdict === 'degraded' ? [...unhealthy(st), ...(await this.client.unhealthyTree(app))] : [];
            const problem = verdict === 'degraded'
                ? `Degraded at ${base.revision.slice(0, 12)}: ${why.join('; ') || st.health?.message || 'no message'}`
                : `its sync of ${this.commit.slice(0, 12)} ${st.operationState?.phase}: ${st.operationState?.message ?? ''}`;
            this.results.set(app, { ...base, problem, degraded: true });
            core/* info */.pq(`${(0,argocd_settings/* appLabel */._$)(app)}: ${problem}`);
        }
    }
    /** argocd-sync: an application without automated sync is synced to the commit, once Argo CD takes it. */
    async sync(app) {
        const r = await this.client.sync(app, this.commit);
        if (r.status === 200) {
            this.synced.add(app);
            core/* info */.pq(`${(0,argocd_settings/* appLabel */._$)(app)}: asked Argo CD to sync ${this.commit.slice(0, 12)} (auto-sync is off)`);
        }
        else if (r.status === 401 || r.status === 403)
            throw new inputs/* InputError */.dz(constants/* Inputs */.G0.ArgocdToken, `may not sync ${(0,argocd_settings/* appLabel */._$)(app)} (HTTP ${r.status}): argocd-sync needs 'applications, sync' on it in Argo CD's RBAC`);
        // anything else (another operation is running) is asked again at the next look
        else
            core/* info */.pq(`${(0,argocd_settings/* appLabel */._$)(app)}: Argo CD did not take the sync yet (HTTP ${r.status}: ${r.text.slice(0, 200)})`);
    }
    timedOut(app) {
        const last = this.last.get(app) ?? {};
        const hint = this.autoSync.get(app) === false && !this.s.sync
            ? `; its automated sync is off, so nothing syncs it: set argocd-sync: true to sync it from the step (its token needs 'applications, sync')`
            : '';
        return {
            app,
            health: last.health?.status ?? 'Unknown',
            sync: last.sync?.status ?? 'Unknown',
            revision: revisionOf(last),
            problem: `not deployed within argocd-timeout (${this.s.timeoutMs / 1000} s) of commit ${this.commit}; Argo CD last said: ${describeStatus(last)}${hint}`
        };
    }
}
async function revisionContains(st, commit, contains) {
    const revision = revisionOf(st);
    return !!revision && (revision === commit || (await contains(revision)));
}
async function judge(st, commit, contains) {
    const revision = revisionOf(st);
    const atCommit = !!revision && (revision === commit || (await contains(revision)));
    const op = st.operationState;
    const opRevision = op?.syncResult?.revision ?? op?.syncResult?.revisions?.[0] ?? op?.operation?.sync?.revision;
    const opForCommit = !!opRevision && (opRevision === commit || (await contains(opRevision)));
    if (opForCommit && (op?.phase === 'Failed' || op?.phase === 'Error'))
        return 'failed';
    if (!atCommit)
        return 'waiting';
    if (op?.phase === 'Running' || op?.phase === 'Terminating')
        return 'waiting';
    // the health of a reconcile from before the sync finished is the health of what ran before it
    if (opForCommit && !reconciledAfter(st))
        return 'stale';
    // Degraded once the sync of the commit is over (or without one: a health from before it is not ours),
    // and believed once Argo CD's cache had time to see what the sync applied
    // and only while the live objects are the commit's (Synced): OutOfSync, what is Degraded ran before it
    if (st.health?.status === 'Degraded' &&
        st.sync?.status === 'Synced' &&
        (!op || !opForCommit || op.phase === 'Succeeded')) {
        if (opForCommit && !settledAfter(st))
            return 'stale';
        return opForCommit || !op ? 'degraded' : 'waiting';
    }
    if (st.sync?.status === 'Synced' &&
        st.health?.status === 'Healthy' &&
        (!opForCommit || op?.phase === 'Succeeded'))
        return 'healthy';
    return 'waiting';
}
/**
 * Whether Argo CD compared the application with the cluster after its last operation finished. Strictly
 * after: both times are whole seconds, and a comparison in the same second as the end of the sync can
 * still read the live objects as they were before the sync applied them (seen here: a Deployment that
 * had exceeded its progress deadline under the previous release, judged Degraded again).
 */
function reconciledAfter(st) {
    return reconciledSince(st, 1_000);
}
/** Whether Argo CD compared the application DEGRADED_SETTLE_MS or more after its last operation finished. */
function settledAfter(st) {
    return reconciledSince(st, DEGRADED_SETTLE_MS);
}
function reconciledSince(st, ms) {
    const finished = Date.parse(st.operationState?.finishedAt ?? '');
    const reconciled = Date.parse(st.reconciledAt ?? '');
    return Number.isNaN(finished) || (!Number.isNaN(reconciled) && reconciled >= finished + ms);
}

// EXTERNAL MODULE: ./src/gitops-bump/promote.ts
var promote = __webpack_require__(4531);
// EXTERNAL MODULE: ./src/common/probe.ts
var common_probe = __webpack_require__(8183);
// EXTERNAL MODULE: external "node:http"
var external_node_http_ = __webpack_require__(7067);
// EXTERNAL MODULE: external "node:https"
var external_node_https_ = __webpack_require__(4708);
;// CONCATENATED MODULE: ./src/gitops-bump/probe.ts
// probe-url: requests to the app while Argo CD rolls the bump out, to show whether it was zero downtime.
// Each request is a GET on a connection of its own (as a new client arrives), with a 2 s limit; at most
// `rate` a second, never more than twice that many in flight. It runs from the push until the wait for
// Argo CD ends and PROBE_TAIL_MS after (a Deployment is rolled out once its old pods are terminating;
// they stop a little later, and requests meeting them then count too).



const PROBE_REQUEST_MS = 2000;
const PROBE_TAIL_MS = 10_000;
/** One request: '' when it got a 2xx or 3xx, else what it got. */
function get(url, timeoutMs = PROBE_REQUEST_MS) {
    const lib = url.protocol === 'https:' ? external_node_https_ : external_node_http_;
    return new Promise(resolve => {
        const req = lib.get(url, { agent: false, timeout: timeoutMs, headers: { 'user-agent': 'demo-actions-probe' } }, res => {
            res.resume();
            res.on('end', () => resolve((res.statusCode ?? 0) < 400 ? '' : `HTTP ${res.statusCode}`));
            res.on('error', err => resolve(err.code ?? err.message));
        });
        req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })));
        req.on('error', err => resolve(err.code ?? err.message));
    });
}
class Probe {
    url;
    rate;
    request;
    timer;
    inflight = new Set();
    started = 0;
    tally;
    constructor(url, rate, request = get) {
        this.url = url;
        this.rate = rate;
        this.request = request;
        this.tally = new common_probe/* Tally */.F0(url.href, rate);
    }
    start() {
        this.started = Date.now();
        this.timer = setInterval(() => this.tick(), 1000 / this.rate);
    }
    tick() {
        if (this.inflight.size >= this.rate * 2)
            return;
        this.tally.sent();
        const at = (Date.now() - this.started) / 1000;
        const p = this.request(this.url).then(problem => {
            if (problem)
                this.tally.failed(at, problem);
        });
        this.inflight.add(p);
        void p.finally(() => this.inflight.delete(p));
    }
    /** Stops sending, waits for the requests in flight, and says what came of them all. */
    async stop() {
        clearInterval(this.timer);
        await Promise.all(this.inflight);
        return this.tally.result((Date.now() - this.started) / 1000);
    }
}

// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(1455);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./src/common/retry.ts
var retry = __webpack_require__(9183);
// EXTERNAL MODULE: ./src/gitops-bump/api-commit.ts
var api_commit = __webpack_require__(549);
// EXTERNAL MODULE: ./src/gitops-bump/git.ts
var git = __webpack_require__(5879);
;// CONCATENATED MODULE: ./src/gitops-bump/revert.ts
// on-degraded: revert. A commit that puts the target files back as they were before the bump, on top of
// whatever the branch has now (another pipeline may have landed since): git reverts the bump's commit on
// the new tip, so only the bump's own lines go back. Pushed like the bump (never forced; a push that lost
// a race fetches the new tip and tries again, within the step's timeout); through the API when
// sign-commits. A revert that conflicts with what landed since is not pushed.






async function revertBump(settings, repo, priv, bump, files, why) {
    const subject = (await repo.run(['log', '-1', '--format=%s', bump])).stdout.trim();
    const message = `Revert "${subject}"\n\nThis reverts commit ${bump}: ${why}\n`;
    const messageFile = external_node_path_.join(priv.path, 'revert-message');
    await promises_.writeFile(messageFile, message);
    return (0,retry/* retry */.L5)(async (n) => {
        // enough history for the bump's parent (a tip at the bump itself would be cut there)
        let tip = await repo.fetch('--depth=200');
        if (!(await repo.contains(tip, bump)))
            tip = await repo.fetch('--unshallow');
        const conflict = await repo.revert(bump);
        if (conflict !== undefined)
            throw new Error(`The revert of ${bump.slice(0, 12)} conflicts with what ${settings.branch} has now (${tip.slice(0, 12)}); nothing was reverted:\n${conflict}`);
        let commit;
        if (settings.signCommits) {
            commit = await (0,api_commit/* commitThroughApi */.r)(settings, repo.dir, files, message, [tip], settings.branch, false);
        }
        else {
            commit = await repo.commit(files, messageFile);
            await core/* group */.Os(`Push the revert ${commit.slice(0, 7)} to ${settings.branch} (attempt ${n})`, () => repo.push(`HEAD:refs/heads/${settings.branch}`));
        }
        return commit;
    }, (0,git/* raceRetry */.Ik)(settings, repo, 'Revert attempt'));
}

;// CONCATENATED MODULE: ./src/gitops-bump/deploy.ts
// The Argo CD part of a bump, loaded by main as one lazy chunk: the check before the push (argocd.ts),
// the wait after it, its outputs, and on-degraded: revert (revert.ts).








async function confirmDeploy(settings, client, repo, priv, outcome, pushedAt) {
    const s = settings.argocd;
    const names = s.applications.map(argocd_settings/* appLabel */._$).join(', ');
    const probe = s.probe && new Probe(s.probe.url, s.probe.rate);
    probe?.start();
    const results = await core/* group */.Os(`Wait for Argo CD: ${names} Synced and Healthy at ${outcome.commit.slice(0, 12)}`, () => waitForDeploy(client, s, outcome.commit, pushedAt, rev => repo.contains(rev, outcome.commit)));
    const probed = probe && (await stopProbe(probe));
    const deployed = results.every(r => !r.problem);
    const deploy = { results, deployed, probe: probed };
    const degraded = results.filter(r => r.degraded);
    if (!deployed && s.onDegraded === 'revert' && degraded.length && outcome.changed) {
        const why = degraded.map(r => `Argo CD: ${(0,argocd_settings/* appLabel */._$)(r.app)} ${r.problem}`).join('; ');
        const files = outcome.results.filter(r => r.changes.length).map(r => r.target.file);
        try {
            deploy.reverted = await core/* group */.Os('on-degraded: revert the bump', () => revertBump(settings, repo, priv, outcome.commit, files, why));
            core/* info */.pq(`Reverted in ${deploy.reverted}`);
            // Argo CD looks now, rather than at its next poll, so the old version comes back at once
            if (s.refresh !== 'none')
                for (const app of s.applications)
                    await client
                        .application(app, s.refresh)
                        .catch(err => core/* warning */.$e(`Argo CD was not asked to refresh ${(0,argocd_settings/* appLabel */._$)(app)} after the revert: ${err}`));
        }
        catch (err) {
            deploy.revertError = err.message;
        }
    }
    return deploy;
}
/** The step's error when the deploy was not confirmed. */
function deployError(deploy, commit) {
    const lines = deploy.results
        .filter(r => r.problem)
        .map(r => `Argo CD application ${(0,argocd_settings/* appLabel */._$)(r.app)}: ${r.problem}`);
    if (deploy.reverted)
        lines.push(`on-degraded: revert: the bump was reverted in ${deploy.reverted}`);
    if (deploy.revertError)
        lines.push(`on-degraded: revert failed: ${deploy.revertError}`);
    return new Error(`The deploy of ${commit.slice(0, 12)} was not confirmed.\n${lines.join('\n')}`);
}
/** The probe goes on a little after Argo CD's verdict: old pods stop after the rollout is complete. */
async function stopProbe(probe) {
    await new Promise(r => setTimeout(r, PROBE_TAIL_MS));
    const r = await probe.stop();
    if (r.failed)
        core/* warning */.$e(`Not zero downtime: ${(0,common_probe/* describeProbe */.WH)(r)}; first: ${r.first.join('; ')}`);
    else
        core/* info */.pq((0,common_probe/* describeProbe */.WH)(r));
    return r;
}


/***/ })

};
