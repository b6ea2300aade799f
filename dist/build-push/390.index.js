export const id = 390;
export const ids = [390,132];
export const modules = {

/***/ 390:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   OCI_MANIFEST: () => (/* binding */ OCI_MANIFEST),
/* harmony export */   buildxDriver: () => (/* binding */ buildxDriver),
/* harmony export */   manifestAnnotations: () => (/* binding */ manifestAnnotations),
/* harmony export */   pushFromEngine: () => (/* binding */ pushFromEngine)
/* harmony export */ });
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(24);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(455);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_2___default = /*#__PURE__*/__webpack_require__.n(node_fs_promises__WEBPACK_IMPORTED_MODULE_2__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_3___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_3__);
/* harmony import */ var node_stream__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(75);
/* harmony import */ var node_stream__WEBPACK_IMPORTED_MODULE_4___default = /*#__PURE__*/__webpack_require__.n(node_stream__WEBPACK_IMPORTED_MODULE_4__);
/* harmony import */ var node_stream_promises__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(466);
/* harmony import */ var node_stream_promises__WEBPACK_IMPORTED_MODULE_5___default = /*#__PURE__*/__webpack_require__.n(node_stream_promises__WEBPACK_IMPORTED_MODULE_5__);
/* harmony import */ var node_zlib__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(522);
/* harmony import */ var node_zlib__WEBPACK_IMPORTED_MODULE_6___default = /*#__PURE__*/__webpack_require__.n(node_zlib__WEBPACK_IMPORTED_MODULE_6__);
/* harmony import */ var _actions_core__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(426);
/* harmony import */ var _common_exec_js__WEBPACK_IMPORTED_MODULE_8__ = __webpack_require__(92);
/* harmony import */ var _registry_js__WEBPACK_IMPORTED_MODULE_9__ = __webpack_require__(132);
// push-by-digest where the builder cannot: buildx's default `docker` driver refuses it ("push-by-digest is
// currently not implemented for docker driver"), and that is the builder a GitHub-hosted runner has unless a
// workflow creates another. Then the leg is built into the engine (untagged) and pushed by digest here:
// `docker save` of the image, each layer gzipped (a layer the registry already holds is not uploaded),
// the engine's own image config, and an OCI manifest put under its digest, so no tag is ever made.
// The result is what BuildKit's push-by-digest gives: a manifest by digest that `mode: merge` indexes.










const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
/** The current buildx builder's driver (`docker`, `docker-container`, `remote`, ...), per `buildx inspect`. */
async function buildxDriver(buildx) {
    const r = await buildx(['inspect'], { silent: true, ignoreReturnCode: true });
    return /^Driver:\s*(\S+)/m.exec(r.stdout)?.[1] ?? '';
}
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
/** Gzips a layer tar into `dest`, hashing what is written; a layer that is already gzip is taken as is. */
async function compress(file, dest) {
    const handle = await node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.open(file, 'r');
    const magic = Buffer.alloc(2);
    await handle.read(magic, 0, 2, 0);
    await handle.close();
    if (magic[0] === 0x1f && magic[1] === 0x8b) {
        const hash = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('sha256');
        await (0,node_stream_promises__WEBPACK_IMPORTED_MODULE_5__.pipeline)((0,node_fs__WEBPACK_IMPORTED_MODULE_1__.createReadStream)(file), hash);
        return { digest: `sha256:${hash.digest('hex')}`, size: (await node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.stat(file)).size, file };
    }
    const hash = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('sha256');
    let size = 0;
    const tee = new node_stream__WEBPACK_IMPORTED_MODULE_4__.Transform({
        transform(chunk, _enc, done) {
            hash.update(chunk);
            size += chunk.length;
            done(null, chunk);
        }
    });
    await (0,node_stream_promises__WEBPACK_IMPORTED_MODULE_5__.pipeline)((0,node_fs__WEBPACK_IMPORTED_MODULE_1__.createReadStream)(file), (0,node_zlib__WEBPACK_IMPORTED_MODULE_6__.createGzip)(), tee, (0,node_fs__WEBPACK_IMPORTED_MODULE_1__.createWriteStream)(dest, { mode: 0o600 }));
    return { digest: `sha256:${hash.digest('hex')}`, size, file: dest };
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
    await (0,_common_exec_js__WEBPACK_IMPORTED_MODULE_8__/* .tool */ .z6)('tar')(['-x', '-f', archive, '-C', unpacked], { silent: true, label: 'unpack the saved image' });
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
    const configDigest = (0,_registry_js__WEBPACK_IMPORTED_MODULE_9__/* .sha256 */ .sc)(config);
    if (imageId.startsWith('sha256:') && configDigest !== imageId)
        throw new Error(`docker save of ${imageId} gave a config whose digest is ${configDigest}`);
    const layers = new Array(index[0].Layers.length);
    let uploaded = 0;
    let bytes = 0;
    await limited(index[0].Layers, 3, async (name, i) => {
        const blob = await compress(inside(name), node_path__WEBPACK_IMPORTED_MODULE_3__.join(work, `layer-${i}.tar.gz`));
        layers[i] = blob;
        if (await client.hasBlob(repository, blob.digest))
            return;
        await client.putBlob(repository, blob.digest, {
            open: () => (0,node_fs__WEBPACK_IMPORTED_MODULE_1__.createReadStream)(blob.file),
            size: blob.size
        });
        uploaded++;
        bytes += blob.size;
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
    const digest = (0,_registry_js__WEBPACK_IMPORTED_MODULE_9__/* .sha256 */ .sc)(manifest);
    const reported = await client.putManifest(repository, digest, manifest, OCI_MANIFEST);
    if (reported !== digest)
        throw new Error(`The registry stored the manifest as ${reported}, not ${digest}`);
    _actions_core__WEBPACK_IMPORTED_MODULE_7__/* .info */ .pq(`Pushed ${client.registry}/${repository}@${digest}: ${layers.length} layers, ${uploaded} uploaded (${(bytes / 1024 / 1024).toFixed(1)} MiB)`);
    return digest;
}


/***/ }),

/***/ 132:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   RegistryClient: () => (/* binding */ RegistryClient),
/* harmony export */   repositoryOf: () => (/* binding */ repositoryOf),
/* harmony export */   sc: () => (/* binding */ sha256)
/* harmony export */ });
/* unused harmony exports MANIFEST_TYPES, DOCKER_CERTS_DIR */
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(24);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var node_https__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(708);
/* harmony import */ var node_https__WEBPACK_IMPORTED_MODULE_2___default = /*#__PURE__*/__webpack_require__.n(node_https__WEBPACK_IMPORTED_MODULE_2__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_3___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_3__);
/* harmony import */ var node_tls__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(311);
/* harmony import */ var node_tls__WEBPACK_IMPORTED_MODULE_4___default = /*#__PURE__*/__webpack_require__.n(node_tls__WEBPACK_IMPORTED_MODULE_4__);
/* harmony import */ var _common_validate_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(987);
// The few calls of the OCI distribution API that the matrix needs: read a manifest or a blob, upload a blob,
// put a manifest under a tag or a digest. Authentication as registries ask for it in their 401: Basic with
// the step's credentials, or Bearer (GHCR, Docker Hub) with a token fetched from the realm the challenge
// names, scoped to the repository. The password is never in a URL, a log line or an error.
// A registry with a private CA is trusted the way the docker engine trusts it: the CA files in
// /etc/docker/certs.d/<host[:port]>/ (*.crt), on top of Node's roots and NODE_EXTRA_CA_CERTS.






const MANIFEST_TYPES = [
    'application/vnd.oci.image.index.v1+json',
    'application/vnd.oci.image.manifest.v1+json',
    'application/vnd.docker.distribution.manifest.list.v2+json',
    'application/vnd.docker.distribution.manifest.v2+json'
];
/** Where the docker engine looks for a registry's CA (its documented certs.d layout). */
const DOCKER_CERTS_DIR = '/etc/docker/certs.d';
/**
 * The registry host and repository path of an image without tag: its own host, else `fallback` (the
 * registry input, docker.io by default); a one-part Docker Hub name is under library/.
 */
function repositoryOf(image, fallback) {
    const { registry, repository } = (0,_common_validate_js__WEBPACK_IMPORTED_MODULE_5__/* .parseImage */ .zZ)('image', image);
    if (registry)
        return { registry, repository: repository.slice(registry.length + 1) };
    const hub = fallback === 'docker.io' && !repository.includes('/');
    return { registry: fallback, repository: hub ? `library/${repository}` : repository };
}
const sha256 = (data) => `sha256:${(0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('sha256').update(data).digest('hex')}`;
class RegistryClient {
    registry;
    username;
    password;
    certsDir;
    token;
    agent;
    constructor(
    /** host[:port]; docker.io means registry-1.docker.io. */
    registry, username, password, certsDir = DOCKER_CERTS_DIR) {
        this.registry = registry;
        this.username = username;
        this.password = password;
        this.certsDir = certsDir;
    }
    get host() {
        return this.registry === 'docker.io' ? 'registry-1.docker.io' : this.registry;
    }
    /** Node's roots, NODE_EXTRA_CA_CERTS (Node adds it to the default agent only), and docker's certs.d. */
    getAgent() {
        if (this.agent)
            return this.agent;
        const extra = [];
        const dir = node_path__WEBPACK_IMPORTED_MODULE_3__.join(this.certsDir, this.registry);
        for (const name of node_fs__WEBPACK_IMPORTED_MODULE_1__.existsSync(dir) ? node_fs__WEBPACK_IMPORTED_MODULE_1__.readdirSync(dir) : [])
            if (name.endsWith('.crt'))
                extra.push(node_fs__WEBPACK_IMPORTED_MODULE_1__.readFileSync(node_path__WEBPACK_IMPORTED_MODULE_3__.join(dir, name), 'utf8'));
        if (process.env.NODE_EXTRA_CA_CERTS && node_fs__WEBPACK_IMPORTED_MODULE_1__.existsSync(process.env.NODE_EXTRA_CA_CERTS))
            extra.push(node_fs__WEBPACK_IMPORTED_MODULE_1__.readFileSync(process.env.NODE_EXTRA_CA_CERTS, 'utf8'));
        this.agent = new node_https__WEBPACK_IMPORTED_MODULE_2__.Agent({
            keepAlive: true,
            ...(extra.length ? { ca: [...node_tls__WEBPACK_IMPORTED_MODULE_4__.rootCertificates, ...extra] } : {})
        });
        return this.agent;
    }
    send(method, url, headers, body) {
        return new Promise((resolve, reject) => {
            const size = body === undefined ? 0 : Buffer.isBuffer(body) ? body.length : body.size;
            const req = node_https__WEBPACK_IMPORTED_MODULE_2__.request(url, {
                method,
                agent: url.host === this.host ? this.getAgent() : undefined,
                headers: { ...headers, ...(body !== undefined ? { 'content-length': String(size) } : {}) },
                timeout: 300_000
            }, res => {
                const chunks = [];
                res.on('data', (d) => chunks.push(d));
                res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
                res.on('error', reject);
            });
            req.on('timeout', () => req.destroy(new Error(`${url.host} did not answer within 5 minutes`)));
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
    basic() {
        return `Basic ${Buffer.from(`${this.username}:${this.password}`).toString('base64')}`;
    }
    /** Answers a 401 challenge; returns the Authorization header to retry with. */
    async authorize(challenge, repository) {
        if (/^Basic/i.test(challenge))
            return this.password ? this.basic() : undefined;
        const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map(m => [m[1], m[2]]));
        if (!params.realm)
            return undefined;
        const url = new URL(params.realm);
        if (url.protocol !== 'https:')
            throw new Error(`The registry's token service is not HTTPS: ${url.host}`);
        if (params.service)
            url.searchParams.set('service', params.service);
        url.searchParams.set('scope', `repository:${repository}:pull,push`);
        const r = await this.send('GET', url, this.password ? { authorization: this.basic() } : {});
        if (r.status !== 200)
            throw new Error(`The registry's token service (${url.host}) refused: HTTP ${r.status}`);
        const body = JSON.parse(r.body.toString('utf8'));
        this.token = body.token ?? body.access_token;
        return this.token ? `Bearer ${this.token}` : undefined;
    }
    async request(method, repository, target, headers = {}, body) {
        const url = target instanceof URL ? target : new URL(`https://${this.host}/v2/${repository}/${target}`);
        // credentials go to the registry's own host only (an upload location may point elsewhere)
        const auth = (a) => a && url.host === this.host ? { authorization: a } : {};
        let r = await this.send(method, url, { ...headers, ...auth(this.token && `Bearer ${this.token}`) }, body);
        if (r.status === 401 && url.host === this.host) {
            const a = await this.authorize(String(r.headers['www-authenticate'] ?? ''), repository);
            if (a)
                r = await this.send(method, url, { ...headers, ...auth(a) }, body);
        }
        return r;
    }
    fail(what, r) {
        if (r.status === 401 || r.status === 403)
            throw new Error(`${what} failed: ${this.registry} refused ${this.password ? `the credentials of '${this.username}'` : 'access without credentials'} (HTTP ${r.status}); check username/password or logins`);
        const text = r.body.toString('utf8').slice(0, 300).trim();
        throw new Error(`${what} failed: HTTP ${r.status}${text ? ` ${text}` : ''}`);
    }
    async manifest(repository, reference) {
        const r = await this.request('GET', repository, `manifests/${reference}`, {
            accept: MANIFEST_TYPES.join(', ')
        });
        if (r.status !== 200)
            this.fail(`Reading ${repository}@${reference} from ${this.registry}`, r);
        const json = JSON.parse(r.body.toString('utf8'));
        return {
            mediaType: String(json.mediaType ?? r.headers['content-type'] ?? ''),
            digest: sha256(r.body),
            size: r.body.length,
            json,
            raw: r.body
        };
    }
    async blob(repository, digest) {
        const r = await this.request('GET', repository, `blobs/${digest}`);
        if (r.status !== 200)
            this.fail(`Reading blob ${digest} of ${repository}`, r);
        return JSON.parse(r.body.toString('utf8'));
    }
    async hasBlob(repository, digest) {
        const r = await this.request('HEAD', repository, `blobs/${digest}`);
        return r.status === 200;
    }
    /** Uploads a blob (a monolithic upload: POST for a session, PUT of the whole body with its digest). */
    async putBlob(repository, digest, body) {
        const what = `Uploading blob ${digest} to ${this.registry}/${repository}`;
        const start = await this.request('POST', repository, 'blobs/uploads/');
        if (start.status !== 202 || !start.headers.location)
            this.fail(what, start);
        const url = new URL(String(start.headers.location), `https://${this.host}/`);
        if (url.protocol !== 'https:')
            throw new Error(`${what}: the upload location is not HTTPS`);
        url.searchParams.set('digest', digest);
        const r = await this.request('PUT', repository, url, { 'content-type': 'application/octet-stream' }, body);
        if (r.status !== 201)
            this.fail(what, r);
    }
    /** Puts a manifest under a tag or its own digest; returns the digest the registry reports. */
    async putManifest(repository, reference, body, mediaType) {
        const r = await this.request('PUT', repository, `manifests/${reference}`, { 'content-type': mediaType }, body);
        if (r.status !== 201 && r.status !== 200)
            this.fail(`Pushing ${repository}${reference.startsWith('sha256:') ? '@' : ':'}${reference} to ${this.registry}`, r);
        return String(r.headers['docker-content-digest'] ?? sha256(body));
    }
}


/***/ })

};
