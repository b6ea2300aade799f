#!/usr/bin/env node
// All benchmarks (npm run bench). Each prints its own figures; rerun one with `node bench/<name>.mjs`.
import * as startup from './startup.mjs'
import * as unitTest from './unit-test.mjs'
import * as baseline from './baseline.mjs'
import * as buildPush from './build-push.mjs'
import * as gitops from './gitops.mjs'
import * as scale from './scale.mjs'
import * as argocd from './argocd.mjs'
import * as kindE2e from './kind-e2e.mjs'
import * as rehearsal from './rehearsal.mjs'
import * as pipeline from './pipeline.mjs'
import * as promotion from './promotion.mjs'
import * as supplyChain from './supply-chain.mjs'

console.log(`# demo-actions benchmarks — ${new Date().toISOString()}`)
startup.run()
await unitTest.run()
await baseline.run()
await buildPush.run()
await gitops.run()
await scale.run()
await argocd.run()
await kindE2e.run()
await rehearsal.run(2)
await pipeline.run()
// after the pipeline: staging then runs a digest to promote
await promotion.run()
await supplyChain.run()
