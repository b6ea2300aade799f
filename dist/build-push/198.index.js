export const id = 198;
export const ids = [198];
export const modules = {

/***/ 1198:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   h: () => (/* binding */ fetch),
/* harmony export */   k: () => (/* binding */ ProxyAgent)
/* harmony export */ });
// Stands in for `undici` in the bundles (tsconfig "paths"). @actions/http-client imports undici only for
// ProxyAgent, which it constructs only for fetch-based clients behind an HTTP(S) proxy; no stage uses one
// (tool downloads go through http-client's own agents, which honour proxies). Bundling undici would add
// 440 KB and most of the start-up time to every stage, so this stub takes its place and says so if reached.
class ProxyAgent {
    constructor() {
        throw new Error('demo-actions bundles do not include undici: a fetch client behind an HTTP(S) proxy is not supported');
    }
}
/** Node's own fetch (undici inside Node): what @actions/github's proxy-less fetch resolves to. */
const fetch = (input, init) => globalThis.fetch(input, init);


/***/ })

};
