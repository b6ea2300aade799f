export const id = 407;
export const ids = [407];
export const modules = {

/***/ 7407:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   mergeDigests: () => (/* binding */ mergeDigests)
/* harmony export */ });
/* unused harmony export INDEX_TYPE */
/* harmony import */ var _common_digest_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(1573);
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
        const where = `${client.registry}/${repository}@${d}`;
        if (Array.isArray(m.json.manifests)) {
            for (const entry of m.json.manifests) {
                if (!isObject(entry) || typeof entry.digest !== 'string')
                    throw new Error(`${where} is an index whose entries are not manifests with a digest`);
                manifests.push(entry);
                const p = isObject(entry.platform) ? entry.platform : {};
                if (typeof p.os === 'string' && p.os !== 'unknown')
                    platforms.push(`${p.os}/${String(p.architecture)}`);
            }
            continue;
        }
        const digest = isObject(m.json.config) ? m.json.config.digest : undefined;
        // the OCI digest grammar: algorithm ':' encoded
        if (typeof digest !== 'string' || !/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(digest))
            throw new Error(`${where} is neither an image manifest with a config digest nor an index`);
        const config = await client.blob(repository, digest);
        if (typeof config.os !== 'string' || typeof config.architecture !== 'string')
            throw new Error(`the image config ${digest} of ${where} names no os and architecture`);
        const platform = { architecture: config.architecture, os: config.os };
        if (typeof config.variant === 'string' && config.variant)
            platform.variant = config.variant;
        manifests.push({ mediaType: m.mediaType, digest: m.digest, size: m.size, platform });
        platforms.push(`${platform.os}/${platform.architecture}${platform.variant ? `/${platform.variant}` : ''}`);
    }
    // legs in Docker's media types get a Docker manifest list, as `imagetools create` makes one; else OCI
    const type = manifests.every(m => m.mediaType === DOCKER_MANIFEST) ? DOCKER_LIST : INDEX_TYPE;
    const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: type, manifests }));
    for (const tag of tags)
        await client.putManifest(repository, tag, body, type);
    return { digest: (0,_common_digest_js__WEBPACK_IMPORTED_MODULE_0__/* .digestOf */ .o)(body), platforms };
}
function isObject(v) {
    return typeof v === 'object' && v !== null && !Array.isArray(v);
}


/***/ })

};
