export const id = 390;
export const ids = [390];
export const modules = {

/***/ 6390:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   manifestAnnotations: () => (/* binding */ manifestAnnotations),
/* harmony export */   pushFromEngine: () => (/* binding */ pushFromEngine)
/* harmony export */ });
/* unused harmony exports GZIP_PIECE, compress */
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(1455);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_2___default = /*#__PURE__*/__webpack_require__.n(node_fs_promises__WEBPACK_IMPORTED_MODULE_2__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_3___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_3__);
/* harmony import */ var node_stream_promises__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(6466);
/* harmony import */ var node_stream_promises__WEBPACK_IMPORTED_MODULE_4___default = /*#__PURE__*/__webpack_require__.n(node_stream_promises__WEBPACK_IMPORTED_MODULE_4__);
/* harmony import */ var node_os__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(8161);
/* harmony import */ var node_os__WEBPACK_IMPORTED_MODULE_5___default = /*#__PURE__*/__webpack_require__.n(node_os__WEBPACK_IMPORTED_MODULE_5__);
/* harmony import */ var node_util__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(7975);
/* harmony import */ var node_util__WEBPACK_IMPORTED_MODULE_6___default = /*#__PURE__*/__webpack_require__.n(node_util__WEBPACK_IMPORTED_MODULE_6__);
/* harmony import */ var node_zlib__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(8522);
/* harmony import */ var node_zlib__WEBPACK_IMPORTED_MODULE_7___default = /*#__PURE__*/__webpack_require__.n(node_zlib__WEBPACK_IMPORTED_MODULE_7__);
/* harmony import */ var _actions_core__WEBPACK_IMPORTED_MODULE_8__ = __webpack_require__(6058);
/* harmony import */ var _common_exec_js__WEBPACK_IMPORTED_MODULE_9__ = __webpack_require__(2092);
/* harmony import */ var _common_digest_js__WEBPACK_IMPORTED_MODULE_10__ = __webpack_require__(1573);
// push-by-digest where the builder cannot: buildx's default `docker` driver on the classic image store
// refuses it ("push-by-digest is currently not implemented for docker driver"), and that is the builder a
// GitHub-hosted runner has unless a workflow creates another. Then the leg is built into the engine
// (untagged) and pushed by digest here:
// `docker save` of the image, each layer gzipped (a layer the registry already holds is not uploaded),
// the engine's own image config, and an OCI manifest put under its digest, so no tag is ever made.
// The result is what BuildKit's push-by-digest gives: a manifest by digest that `mode: merge` indexes.











const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
/**
 * Annotations as `--annotation` takes them; on this path only the image manifest's own apply
 * (`key=value` or `manifest:key=value`): the others are returned as `skipped`, for a warning.
 */
function manifestAnnotations(annotations) {
    const applied = {};
    const skipped = [];
    for (const a of annotations) {
        const m = /^(?:manifest:)?([^=:[\]]+)=(.*)$/s.exec(a);
        if (m)
            applied[m[1]] = m[2];
        else
            skipped.push(a);
    }
    return { applied, skipped };
}
/** How much of a layer one gzip member holds; deflate's window is 32 KiB, so a cut costs next to nothing. */
const GZIP_PIECE = 1024 * 1024;
/**
 * Gzips a layer tar into `dest`, hashing what is written; a layer that is already gzip is taken as is.
 * The layer is cut into 1 MiB pieces compressed side by side on libuv's thread pool, written in order as
 * one gzip member each: a multi-member gzip file is one valid gzip stream (RFC 1952 §2.2), which Go's
 * gzip reader (docker, containerd, registries) and pigz read as a whole. A single-threaded stream took
 * 5.8 s for a 185 MB base layer here; a layer's pieces use every core.
 */
async function compress(file, dest, level = node_zlib__WEBPACK_IMPORTED_MODULE_7__.constants.Z_DEFAULT_COMPRESSION) {
    const input = await node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.open(file, 'r');
    try {
        const magic = Buffer.alloc(2);
        await input.read(magic, 0, 2, 0);
        if (magic[0] === 0x1f && magic[1] === 0x8b) {
            const hash = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('sha256');
            await (0,node_stream_promises__WEBPACK_IMPORTED_MODULE_4__.pipeline)((0,node_fs__WEBPACK_IMPORTED_MODULE_1__.createReadStream)(file), hash);
            return { digest: `sha256:${hash.digest('hex')}`, size: (await node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.stat(file)).size, file };
        }
        const total = (await input.stat()).size;
        const output = await node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.open(dest, 'wx', 0o600);
        try {
            const hash = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('sha256');
            let size = 0;
            const gzip = (0,node_util__WEBPACK_IMPORTED_MODULE_6__.promisify)(node_zlib__WEBPACK_IMPORTED_MODULE_7__.gzip);
            const piece = async (offset) => {
                const buf = Buffer.alloc(Math.min(GZIP_PIECE, total - offset));
                const { bytesRead } = await input.read(buf, 0, buf.length, offset);
                return gzip(buf.subarray(0, bytesRead), { level });
            };
            // pieces in flight at once: the thread pool's size (libuv's default 4), as many as there are cores
            const width = Math.max(1, Math.min(node_os__WEBPACK_IMPORTED_MODULE_5__.availableParallelism(), 4));
            const pending = [];
            let next = 0;
            // an empty layer is still one (empty) member
            const offsets = total === 0 ? [0] : Array.from({ length: Math.ceil(total / GZIP_PIECE) }, (_, k) => k * GZIP_PIECE);
            while (next < offsets.length || pending.length) {
                while (next < offsets.length && pending.length < width) {
                    const p = piece(offsets[next++]);
                    p.catch(() => { }); // observed when its turn comes; a failure then must not be "unhandled" before it
                    pending.push(p);
                }
                const out = await pending.shift();
                hash.update(out);
                size += out.length;
                await output.write(out);
            }
            return { digest: `sha256:${hash.digest('hex')}`, size, file: dest };
        }
        finally {
            await output.close();
        }
    }
    finally {
        await input.close();
    }
}
/** At most `limit` of the tasks at a time, results in order. */
async function limited(items, limit, task) {
    let next = 0;
    const worker = async () => {
        while (next < items.length) {
            const i = next++;
            await task(items[i], i);
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
/**
 * Pushes the engine's image `imageId` to `repository` by digest; returns the manifest's digest.
 * The image is saved and unpacked in the step's private folder (removed with it).
 */
async function pushFromEngine(docker, imageId, client, repository, dir, annotations) {
    const work = node_path__WEBPACK_IMPORTED_MODULE_3__.join(dir.path, 'engine-image');
    await node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.mkdir(work, { mode: 0o700 });
    const archive = node_path__WEBPACK_IMPORTED_MODULE_3__.join(work, 'image.tar');
    await docker(['save', `--output=${archive}`, imageId], { silent: true, label: 'docker save' });
    const unpacked = node_path__WEBPACK_IMPORTED_MODULE_3__.join(work, 'image');
    await node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.mkdir(unpacked);
    // GNU tar keeps members inside the folder (it skips names with `..` and strips a leading /)
    await (0,_common_exec_js__WEBPACK_IMPORTED_MODULE_9__/* .tool */ .z6)('tar')(['-x', '-f', archive, '-C', unpacked], { silent: true, label: 'unpack the saved image' });
    await node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.rm(archive);
    const index = JSON.parse(await node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.readFile(node_path__WEBPACK_IMPORTED_MODULE_3__.join(unpacked, 'manifest.json'), 'utf8'));
    if (index.length !== 1)
        throw new Error(`docker save of ${imageId} held ${index.length} images, not 1`);
    const inside = (name) => {
        const file = node_path__WEBPACK_IMPORTED_MODULE_3__.resolve(unpacked, name);
        if (!file.startsWith(unpacked + node_path__WEBPACK_IMPORTED_MODULE_3__.sep))
            throw new Error(`docker save named a file outside: ${name}`);
        return file;
    };
    const config = await node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.readFile(inside(index[0].Config));
    const configDigest = (0,_common_digest_js__WEBPACK_IMPORTED_MODULE_10__/* .digestOf */ .o)(config);
    if (imageId.startsWith('sha256:') && configDigest !== imageId)
        throw new Error(`docker save of ${imageId} gave a config whose digest is ${configDigest}`);
    const layers = new Array(index[0].Layers.length);
    let uploaded = 0;
    let bytes = 0;
    // each layer's files go as soon as they are used: the disk holds little more than the saved image
    await limited(index[0].Layers, 3, async (name, i) => {
        const source = inside(name);
        const blob = await compress(source, node_path__WEBPACK_IMPORTED_MODULE_3__.join(work, `layer-${i}.tar.gz`));
        if (blob.file !== source)
            await node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.rm(source);
        layers[i] = blob;
        if (!(await client.hasBlob(repository, blob.digest))) {
            await client.putBlob(repository, blob.digest, {
                open: () => (0,node_fs__WEBPACK_IMPORTED_MODULE_1__.createReadStream)(blob.file),
                size: blob.size
            });
            uploaded++;
            bytes += blob.size;
        }
        await node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.rm(blob.file);
    });
    if (!(await client.hasBlob(repository, configDigest)))
        await client.putBlob(repository, configDigest, config);
    const manifest = Buffer.from(JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: OCI_CONFIG, digest: configDigest, size: config.length },
        layers: layers.map(l => ({ mediaType: OCI_LAYER_GZIP, digest: l.digest, size: l.size })),
        ...(Object.keys(annotations).length ? { annotations } : {})
    }));
    const digest = (0,_common_digest_js__WEBPACK_IMPORTED_MODULE_10__/* .digestOf */ .o)(manifest);
    const reported = await client.putManifest(repository, digest, manifest, OCI_MANIFEST);
    if (reported !== digest)
        throw new Error(`The registry stored the manifest as ${reported}, not ${digest}`);
    _actions_core__WEBPACK_IMPORTED_MODULE_8__/* .info */ .pq(`Pushed ${client.registry}/${repository}@${digest}: ${layers.length} layer${layers.length === 1 ? '' : 's'}, ${uploaded} uploaded (${(bytes / 1024 / 1024).toFixed(1)} MiB)`);
    return digest;
}


/***/ })

};
