export const id = 573;
export const ids = [573];
export const modules = {

/***/ 3573:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  ArgoClient: () => (/* reexport */ argocd/* ArgoClient */.T0),
  checkApplications: () => (/* reexport */ argocd/* checkApplications */.qs),
  checkSource: () => (/* reexport */ promote/* checkSource */.As),
  confirmDeploy: () => (/* binding */ confirmDeploy),
  deployError: () => (/* binding */ deployError)
});

// EXTERNAL MODULE: ./node_modules/@actions/core/lib/core.js + 8 modules
var core = __webpack_require__(6058);
// EXTERNAL MODULE: ./src/gitops-bump/argocd-settings.ts
var argocd_settings = __webpack_require__(9791);
// EXTERNAL MODULE: ./src/gitops-bump/argocd.ts
var argocd = __webpack_require__(6581);
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

;// CONCATENATED MODULE: ./src/gitops-bump/argocd-confirm.ts
// The Argo CD part of a bump, loaded by main as one lazy chunk: the check before the push (argocd.ts),
// the wait after it, its outputs, and on-degraded: revert (revert.ts).








async function confirmDeploy(settings, client, repo, priv, outcome, pushedAt) {
    const s = settings.argocd;
    const names = s.applications.map(argocd_settings/* appLabel */._$).join(', ');
    const probe = s.probe && new Probe(s.probe.url, s.probe.rate);
    probe?.start();
    const results = await core/* group */.Os(`Wait for Argo CD: ${names} Synced and Healthy at ${outcome.commit.slice(0, 12)}`, () => (0,argocd/* waitForDeploy */.En)(client, s, outcome.commit, pushedAt, rev => repo.contains(rev, outcome.commit)));
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
