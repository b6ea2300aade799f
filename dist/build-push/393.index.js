export const id = 393;
export const ids = [393];
export const modules = {

/***/ 3393:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  recordAttestations: () => (/* binding */ recordAttestations)
});

// EXTERNAL MODULE: ./node_modules/@actions/core/lib/core.js + 8 modules
var core = __webpack_require__(6058);
;// CONCATENATED MODULE: ./src/common/deadline.ts
// Every wait of a step ends by a deadline that holds the process open. Node ends a process whose
// event loop is empty, even inside an unsettled top-level await (exit code 13, no message): an unref'd
// timer such as AbortSignal.timeout does not count. Node 20's fetch can wait for ever on a connection
// the peer closed without an answer (kubectl port-forward at a forwarding error), and then nothing is
// left but that timer. Here the deadline is a plain (ref'd) setTimeout that rejects by itself, whether
// or not the work ever notices its abort signal.
class DeadlineError extends Error {
}
/**
 * Runs `work` with an abort signal; settles with its result, or rejects with a DeadlineError naming
 * `what` after `ms` (and aborts the signal). `giveUp`, when it settles first, ends the wait at once
 * with its own reason (the port-forward the request goes through has ended).
 */
function withDeadline(what, ms, work, giveUp) {
    const controller = new AbortController();
    return new Promise((resolve, reject) => {
        const stop = (err) => {
            clearTimeout(timer);
            controller.abort(err);
            reject(err);
        };
        const timer = setTimeout(() => stop(new DeadlineError(`${what}: no answer within ${formatMs(ms)}`)), ms);
        giveUp?.then(why => stop(new Error(`${what}: ${why}`)), () => undefined);
        work(controller.signal).then(v => {
            clearTimeout(timer);
            resolve(v);
        }, (err) => {
            clearTimeout(timer);
            reject(err instanceof Error ? err : new Error(String(err)));
        });
    });
}
/** fetch with a deadline over the whole exchange (headers and body). The body is read as text. */
async function fetchText(url, init, ms, giveUp) {
    const where = new URL(url);
    return withDeadline(`${init.method ?? 'GET'} ${where.origin}${where.pathname}`, ms, async (signal) => {
        const res = await fetch(url, { ...init, signal });
        return { status: res.status, headers: res.headers, body: await res.text() };
    }, giveUp);
}
/**
 * A fetch for clients that take one (Octokit's request.fetch): each call has its answer's headers by
 * `ms` or rejects. The caller's own signal still aborts it.
 */
function fetchWithDeadline(ms) {
    return (input, init) => {
        const url = input instanceof Request ? input.url : String(input);
        const where = new URL(url);
        return withDeadline(`${init?.method ?? 'GET'} ${where.origin}${where.pathname}`, ms, signal => {
            return fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal });
        });
    };
}
function formatMs(ms) {
    return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

// EXTERNAL MODULE: ./src/common/http-client.ts
var http_client = __webpack_require__(8853);
;// CONCATENATED MODULE: ./src/common/octokit.ts
// Octokit for the stages that call GitHub's API, loaded only when one does (it is a chunk of its own).
// Every request has a deadline (common/deadline.ts): a connection that is never answered cannot hold
// the step.


/** One API request: its answer's headers arrive by then, or the call fails (and is not left hanging). */
const API_REQUEST_MS = 60_000;
async function octokit(token) {
    // @actions/github asks http-client for its proxy agent while it loads, synchronously
    await (0,http_client/* loadHttpClient */.w)();
    const { getOctokit } = await Promise.all(/* import() */[__webpack_require__.e(413), __webpack_require__.e(198)]).then(__webpack_require__.bind(__webpack_require__, 2413));
    // GITHUB_API_URL (set by the runner; GitHub Enterprise Server too) is the API's address.
    return getOctokit(token, { request: { fetch: fetchWithDeadline(API_REQUEST_MS) } });
}

;// CONCATENATED MODULE: ./src/build-push/attest-api.ts
// The attestations in GitHub too: each bundle build-push attached to the digest is recorded through GitHub's
// attestations API (`POST /repos/{owner}/{repo}/attestations` with the bundle, as actions/attest-build-
// provenance does), so the repository's Attestations page and `gh attestation verify --owner` find them.
// It needs `permissions: attestations: write`; without it (a fork, act, another forge) GitHub refuses, and
// the step says so in a notice: the bundles in the registry are what verification reads anyway.


/** Records each bundle; how many GitHub took. Never fails the step. */
async function recordAttestations(token, github, bundles) {
    if (!token || !github.repository || !bundles.length)
        return 0;
    const [owner, repo] = github.repository.split('/');
    let recorded = 0;
    try {
        const gh = await octokit(token);
        for (const b of bundles) {
            const r = await gh.request('POST /repos/{owner}/{repo}/attestations', {
                owner,
                repo,
                bundle: b.bundle
            });
            recorded++;
            core/* info */.pq(`Recorded in GitHub: ${b.predicateType} of ${b.digest} (attestation ${r.data.id ?? '?'})`);
        }
    }
    catch (err) {
        const status = err.status;
        core/* notice */.lm(status === 401 || status === 403 || status === 404
            ? `The attestations are in the registry, not in GitHub's attestations API: GitHub refused them (HTTP ${status}; the job needs permissions: attestations: write, which forks and other forges do not give)`
            : `The attestations are in the registry; recording them in GitHub failed: ${err.message}`);
    }
    return recorded;
}


/***/ })

};
