export const id = 132;
export const ids = [132];
export const modules = {

/***/ 132:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   RegistryClient: () => (/* binding */ RegistryClient)
/* harmony export */ });
/* unused harmony export MANIFEST_TYPES */
const MANIFEST_TYPES = [
    'application/vnd.oci.image.index.v1+json',
    'application/vnd.oci.image.manifest.v1+json',
    'application/vnd.docker.distribution.manifest.list.v2+json',
    'application/vnd.docker.distribution.manifest.v2+json'
];
class RegistryClient {
    registry;
    username;
    password;
    token;
    constructor(
    /** host[:port]; docker.io means registry-1.docker.io. */
    registry, username, password) {
        this.registry = registry;
        this.username = username;
        this.password = password;
    }
    get base() {
        const host = this.registry === 'docker.io' ? 'registry-1.docker.io' : this.registry;
        return `https://${host}`;
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
        if (params.service)
            url.searchParams.set('service', params.service);
        url.searchParams.set('scope', `repository:${repository}:pull,push`);
        const r = await fetch(url, { headers: this.password ? { authorization: this.basic() } : {} });
        if (!r.ok)
            throw new Error(`The registry's token service (${url.host}) refused: HTTP ${r.status}`);
        const body = (await r.json());
        this.token = body.token ?? body.access_token;
        return this.token ? `Bearer ${this.token}` : undefined;
    }
    async request(method, repository, path, headers = {}, body) {
        const url = `${this.base}/v2/${repository}/${path}`;
        const send = (auth) => fetch(url, {
            method,
            headers: { ...headers, ...(auth ? { authorization: auth } : {}) },
            body: body ? new Uint8Array(body) : undefined
        });
        let r = await send(this.token ? `Bearer ${this.token}` : undefined);
        if (r.status === 401) {
            const auth = await this.authorize(r.headers.get('www-authenticate') ?? '', repository);
            if (auth)
                r = await send(auth);
        }
        return r;
    }
    async fail(what, r) {
        const text = (await r.text().catch(() => '')).slice(0, 300);
        throw new Error(`${what} failed: HTTP ${r.status}${text ? ` ${text}` : ''}`);
    }
    async manifest(repository, reference) {
        const r = await this.request('GET', repository, `manifests/${reference}`, {
            accept: MANIFEST_TYPES.join(', ')
        });
        if (!r.ok)
            return this.fail(`Reading ${repository}@${reference} from ${this.registry}`, r);
        const raw = Buffer.from(await r.arrayBuffer());
        const { createHash } = await Promise.resolve(/* import() */).then(__webpack_require__.t.bind(__webpack_require__, 598, 23));
        const json = JSON.parse(raw.toString('utf8'));
        return {
            mediaType: String(json.mediaType ?? r.headers.get('content-type') ?? ''),
            digest: `sha256:${createHash('sha256').update(raw).digest('hex')}`,
            size: raw.length,
            json,
            raw
        };
    }
    async blob(repository, digest) {
        const r = await this.request('GET', repository, `blobs/${digest}`);
        if (!r.ok)
            return this.fail(`Reading blob ${digest} of ${repository}`, r);
        return (await r.json());
    }
    async putManifest(repository, tag, body, mediaType) {
        const r = await this.request('PUT', repository, `manifests/${tag}`, { 'content-type': mediaType }, body);
        if (!r.ok)
            return this.fail(`Pushing ${repository}:${tag} to ${this.registry}`, r);
    }
}


/***/ })

};
