export const id = 634;
export const ids = [634];
export const modules = {

/***/ 1573:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   o: () => (/* binding */ digestOf)
/* harmony export */ });
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_0__);
// The content digest the OCI distribution API names blobs and manifests by.

const digestOf = (data) => `sha256:${(0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('sha256').update(data).digest('hex')}`;


/***/ }),

/***/ 9634:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   RegistryClient: () => (/* binding */ RegistryClient)
/* harmony export */ });
/* unused harmony exports MANIFEST_TYPES, repositoryOf, referrersTag, descriptors */
/* harmony import */ var _tag_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7045);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_2___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_2__);
/* harmony import */ var _https_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(286);
/* harmony import */ var _validate_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(1987);
/* harmony import */ var _digest_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(1573);
// The few calls of the OCI distribution API that build-push (the matrix, signatures) and gitops-bump (verification) need: read a manifest or a blob, upload a blob,
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
// (a body is sent once per try: a buffer, or a file whose stream is opened anew for a retry after a 401)
/**
 * The registry host and repository path of an image without tag: its own host, else `fallback` (the
 * registry input, docker.io by default); a one-part Docker Hub name is under library/.
 */
function repositoryOf(image, fallback) {
    const { registry, repository } = parseImage('image', image);
    if (registry)
        return { registry, repository: repository.slice(registry.length + 1) };
    const hub = fallback === 'docker.io' && !repository.includes('/');
    return { registry: fallback, repository: hub ? `library/${repository}` : repository };
}
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
class RegistryClient {
    registry;
    username;
    password;
    certsDir;
    /** The Authorization the registry's challenge asked for (Basic, or a Bearer token), reused once known. */
    authorization;
    http;
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
    /**
     * One client for the registry and the hosts it sends to (blob storage): Node's roots,
     * NODE_EXTRA_CA_CERTS (Node adds it to the default agent only) and docker's certs.d for the registry.
     */
    client() {
        if (this.http)
            return this.http;
        const extra = [];
        const dir = node_path__WEBPACK_IMPORTED_MODULE_2__.join(this.certsDir, this.registry);
        for (const name of node_fs__WEBPACK_IMPORTED_MODULE_1__.existsSync(dir) ? node_fs__WEBPACK_IMPORTED_MODULE_1__.readdirSync(dir) : [])
            if (name.endsWith('.crt'))
                extra.push(node_fs__WEBPACK_IMPORTED_MODULE_1__.readFileSync(node_path__WEBPACK_IMPORTED_MODULE_2__.join(dir, name), 'utf8'));
        if (process.env.NODE_EXTRA_CA_CERTS && node_fs__WEBPACK_IMPORTED_MODULE_1__.existsSync(process.env.NODE_EXTRA_CA_CERTS))
            extra.push(node_fs__WEBPACK_IMPORTED_MODULE_1__.readFileSync(process.env.NODE_EXTRA_CA_CERTS, 'utf8'));
        this.http = new _https_js__WEBPACK_IMPORTED_MODULE_3__/* .HttpsClient */ .z({ ca: extra, timeoutMs: 300_000, idle: true, maxBody: Infinity });
        return this.http;
    }
    send(method, url, headers, body) {
        return this.client().request(method, url, headers, body);
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
        const body = jsonObject(r.body, `The registry's token service (${url.host})`);
        const token = [body.token, body.access_token].find(t => typeof t === 'string' && t);
        return token ? `Bearer ${token}` : undefined;
    }
    async request(method, repository, target, headers = {}, body) {
        let url = target instanceof URL ? target : new URL(`https://${this.host}/v2/${repository}/${target}`);
        // credentials go to the registry's own host only (an upload location or a blob redirect may point
        // elsewhere, such as GHCR's and Docker Hub's blob storage)
        const auth = (a) => a && url.host === this.host ? { authorization: a } : {};
        let r = await this.send(method, url, { ...headers, ...auth(this.authorization) }, body);
        if (r.status === 401 && url.host === this.host) {
            this.authorization = await this.authorize(String(r.headers['www-authenticate'] ?? ''), repository);
            if (this.authorization)
                r = await this.send(method, url, { ...headers, ...auth(this.authorization) }, body);
        }
        // reads follow redirects (blobs are often served from storage on another host), at most 5
        for (let hop = 0; hop < 5 && REDIRECTS.has(r.status) && (method === 'GET' || method === 'HEAD'); hop++) {
            const location = r.headers.location;
            if (!location)
                break;
            url = new URL(String(location), url);
            if (url.protocol !== 'https:')
                throw new Error(`${this.registry} redirected to a URL that is not HTTPS`);
            r = await this.send(method, url, { ...headers, ...auth(this.authorization) });
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
        const json = jsonObject(r.body, `${this.registry}'s manifest ${repository}@${reference}`);
        if (reference.startsWith('sha256:') && (0,_digest_js__WEBPACK_IMPORTED_MODULE_5__/* .digestOf */ .o)(r.body) !== reference)
            throw new Error(`${this.registry} answered ${repository}@${reference} with a manifest of another digest (${(0,_digest_js__WEBPACK_IMPORTED_MODULE_5__/* .digestOf */ .o)(r.body)})`);
        const type = typeof json.mediaType === 'string' ? json.mediaType : r.headers['content-type'];
        return {
            mediaType: typeof type === 'string' ? type : '',
            digest: (0,_digest_js__WEBPACK_IMPORTED_MODULE_5__/* .digestOf */ .o)(r.body),
            size: r.body.length,
            json,
            raw: r.body
        };
    }
    async blob(repository, digest) {
        const r = await this.request('GET', repository, `blobs/${digest}`);
        if (r.status !== 200)
            this.fail(`Reading blob ${digest} of ${repository}`, r);
        return jsonObject(r.body, `${this.registry}'s blob ${digest} of ${repository}`);
    }
    /** A blob's bytes, checked against its digest (a registry cannot hand over other content). */
    async blobBytes(repository, digest, maxBytes = 16 << 20) {
        const r = await this.request('GET', repository, `blobs/${digest}`);
        if (r.status !== 200)
            this.fail(`Reading blob ${digest} of ${repository}`, r);
        if (r.body.length > maxBytes)
            throw new Error(`Blob ${digest} of ${repository} is ${r.body.length} bytes, more than the ${maxBytes} expected`);
        if ((0,_digest_js__WEBPACK_IMPORTED_MODULE_5__/* .digestOf */ .o)(r.body) !== digest)
            throw new Error(`${this.registry} answered blob ${digest} of ${repository} with other content (${(0,_digest_js__WEBPACK_IMPORTED_MODULE_5__/* .digestOf */ .o)(r.body)})`);
        return r.body;
    }
    /**
     * The manifests that name `digest` as their subject (OCI 1.1): the registry's referrers API, else the
     * referrers tag schema that registries without the API use (an index tagged sha256-<hex>).
     */
    async referrers(repository, digest) {
        const api = await this.request('GET', repository, `referrers/${digest}`, {
            accept: 'application/vnd.oci.image.index.v1+json'
        });
        if (api.status === 200 && /index/.test(String(api.headers['content-type'] ?? '')))
            return descriptors(jsonObject(api.body, `${this.registry}'s referrers of ${repository}@${digest}`));
        const index = await this.optionalManifest(repository, referrersTag(digest));
        return index ? descriptors(index.json) : [];
    }
    /** A manifest, or undefined when the registry has none under that reference (404). */
    async optionalManifest(repository, reference) {
        const r = await this.request('HEAD', repository, `manifests/${reference}`, {
            accept: MANIFEST_TYPES.join(', ')
        });
        if (r.status === 404)
            return undefined;
        return this.manifest(repository, reference);
    }
    /**
     * Pushes a manifest that names a subject (an OCI 1.1 artifact) and makes it findable: a registry with the
     * referrers API says so (OCI-Subject header); otherwise the referrers tag schema's index is updated, kept
     * free of an earlier entry of the same digest. Returns the artifact's digest.
     */
    async putReferrer(repository, body, descriptor, subject) {
        const r = await this.request('PUT', repository, `manifests/${descriptor.digest}`, { 'content-type': descriptor.mediaType }, body);
        if (r.status !== 201 && r.status !== 200)
            this.fail(`Pushing ${repository}@${descriptor.digest} to ${this.registry}`, r);
        if (r.headers['oci-subject'])
            return descriptor.digest;
        const tag = referrersTag(subject);
        const current = await this.optionalManifest(repository, tag);
        const kept = current ? descriptors(current.json).filter(d => d.digest !== descriptor.digest) : [];
        const index = Buffer.from(JSON.stringify({
            schemaVersion: 2,
            mediaType: 'application/vnd.oci.image.index.v1+json',
            manifests: [...kept, descriptor]
        }));
        await this.putManifest(repository, tag, index, 'application/vnd.oci.image.index.v1+json');
        return descriptor.digest;
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
        return String(r.headers['docker-content-digest'] ?? (0,_digest_js__WEBPACK_IMPORTED_MODULE_5__/* .digestOf */ .o)(body));
    }
}
/** The tag the OCI referrers tag schema keeps a digest's referrers under. */
const referrersTag = (digest) => digest.replace(':', '-');
/** The well-formed descriptors of an index (others are left out: the caller only reads what it knows). */
function descriptors(index) {
    const list = Array.isArray(index.manifests) ? index.manifests : [];
    return list.filter((d) => typeof d === 'object' &&
        d !== null &&
        typeof d.mediaType === 'string' &&
        (0,_tag_js__WEBPACK_IMPORTED_MODULE_0__/* .isDigest */ .Bc)(String(d.digest)) &&
        Number.isInteger(d.size));
}
/** A registry's JSON answer, which must be an object; anything else is an error naming what was read. */
function jsonObject(body, what) {
    let value;
    try {
        value = JSON.parse(body.toString('utf8'));
    }
    catch (err) {
        throw new Error(`${what} is not JSON (${body.length} bytes: ${err.message})`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
        throw new Error(`${what} is not a JSON object (got ${Array.isArray(value) ? 'a list' : String(value === null ? null : typeof value)})`);
    return value;
}


/***/ })

};
