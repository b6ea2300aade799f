export const id = 407;
export const ids = [407];
export const modules = {

/***/ 775:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   o: () => (/* binding */ digestOf)
/* harmony export */ });
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_0__);
// The content digest the OCI distribution API names blobs and manifests by.

const digestOf = (data) => `sha256:${(0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('sha256').update(data).digest('hex')}`;


/***/ }),

/***/ 407:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   mergeDigests: () => (/* binding */ mergeDigests)
/* harmony export */ });
/* unused harmony export INDEX_TYPE */
/* harmony import */ var _digest_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(775);
// The matrix's last job: the legs each built one platform and pushed it by digest; `mode: merge` makes the
// multi-platform index from their digests and pushes it under every tag (what `docker buildx imagetools
// create` does, through the registry's API, so it needs no builder). A leg that is itself an index (built
// with several platforms, or with attestations) contributes its entries as they are.

const INDEX_TYPE = 'application/vnd.oci.image.index.v1+json';
const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
async function mergeDigests(client, repository, digests, tags) {
    const manifests = [];
    const platforms = [];
    for (const d of digests) {
        const m = await client.manifest(repository, d);
        if (Array.isArray(m.json.manifests)) {
            for (const entry of m.json.manifests) {
                manifests.push(entry);
                const p = entry.platform;
                if (p?.os && p.os !== 'unknown')
                    platforms.push(`${p.os}/${p.architecture}`);
            }
            continue;
        }
        const config = await client.blob(repository, String(m.json.config.digest));
        const platform = {
            architecture: String(config.architecture),
            os: String(config.os)
        };
        if (config.variant)
            platform.variant = String(config.variant);
        manifests.push({ mediaType: m.mediaType, digest: m.digest, size: m.size, platform });
        platforms.push(`${platform.os}/${platform.architecture}${platform.variant ? `/${platform.variant}` : ''}`);
    }
    // legs in Docker's media types get a Docker manifest list, as `imagetools create` makes one; else OCI
    const type = manifests.every(m => m.mediaType === DOCKER_MANIFEST) ? DOCKER_LIST : INDEX_TYPE;
    const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: type, manifests }));
    for (const tag of tags)
        await client.putManifest(repository, tag, body, type);
    return { digest: (0,_digest_js__WEBPACK_IMPORTED_MODULE_0__/* .digestOf */ .o)(body), platforms };
}


/***/ })

};
