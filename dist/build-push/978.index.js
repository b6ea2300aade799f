export const id = 978;
export const ids = [978];
export const modules = {

/***/ 5978:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   githubContext: () => (/* binding */ githubContext)
/* harmony export */ });
/* unused harmony exports eventPayload, pullRequestOf */
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_0__);
// The run's GitHub context: the one reader of the runner's GITHUB_* variables and of the event payload, so
// that every stage names the commit, the branch, the pull request and the run the same way.

function githubContext(env = process.env) {
    const e = (name, fallback = '') => env[name] ?? fallback;
    return {
        sha: e('GITHUB_SHA'),
        ref: e('GITHUB_REF'),
        refName: e('GITHUB_REF_NAME'),
        eventName: e('GITHUB_EVENT_NAME'),
        baseRef: e('GITHUB_BASE_REF'),
        headRef: e('GITHUB_HEAD_REF'),
        repository: e('GITHUB_REPOSITORY'),
        serverUrl: e('GITHUB_SERVER_URL', 'https://github.com'),
        apiUrl: e('GITHUB_API_URL', 'https://api.github.com'),
        runId: e('GITHUB_RUN_ID'),
        runAttempt: e('GITHUB_RUN_ATTEMPT', '1'),
        runNumber: e('GITHUB_RUN_NUMBER'),
        job: e('GITHUB_JOB'),
        actor: e('GITHUB_ACTOR'),
        workspace: e('GITHUB_WORKSPACE') || process.cwd()
    };
}
/** The event's payload (GITHUB_EVENT_PATH), or {} when there is none or it cannot be read. */
function eventPayload(env = process.env) {
    try {
        const doc = JSON.parse(fs.readFileSync(env.GITHUB_EVENT_PATH ?? '', 'utf8'));
        return doc && typeof doc === 'object' ? doc : {};
    }
    catch {
        return {};
    }
}
/** The pull request of a pull_request(_target) run: its number, and whether its head is another repository. */
function pullRequestOf(ctx, payload = eventPayload()) {
    const pr = payload.pull_request;
    const number = pr?.number ?? Number(/^refs\/pull\/(\d+)\//.exec(ctx.ref)?.[1] ?? NaN);
    if (!ctx.eventName.startsWith('pull_request') || !Number.isSafeInteger(number))
        return undefined;
    const head = pr?.head?.repo?.full_name;
    return { number, fromFork: !!head && head !== (pr?.base?.repo?.full_name ?? ctx.repository) };
}


/***/ })

};
