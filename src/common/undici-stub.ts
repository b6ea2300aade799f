// Stands in for `undici` in the bundles (tsconfig "paths"). @actions/http-client imports undici only for
// ProxyAgent, which it constructs only for fetch-based clients behind an HTTP(S) proxy; no stage uses one
// (tool downloads go through http-client's own agents, which honour proxies). Bundling undici would add
// 440 KB and most of the start-up time to every stage, so this stub takes its place and says so if reached.
export class ProxyAgent {
  constructor() {
    throw new Error(
      'demo-actions bundles do not include undici: a fetch client behind an HTTP(S) proxy is not supported'
    )
  }
}

/** Node's own fetch (undici inside Node): what @actions/github's proxy-less fetch resolves to. */
export const fetch: typeof globalThis.fetch = (input, init) => globalThis.fetch(input, init)
