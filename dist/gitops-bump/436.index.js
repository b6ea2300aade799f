export const id = 436;
export const ids = [436];
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

/***/ 2436:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  verifyImage: () => (/* binding */ verifyImage)
});

// UNUSED EXPORTS: VerificationError

// EXTERNAL MODULE: ./node_modules/@actions/core/lib/core.js + 8 modules
var core = __webpack_require__(6058);
// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: ./src/common/digest.ts
var digest = __webpack_require__(1573);
;// CONCATENATED MODULE: ./src/common/attestations.ts
// Signatures and attestations in the registry, as build-push writes them and gitops-bump reads them. Each is a
// Sigstore bundle (v0.3: a DSSE envelope around an in-toto statement, with the signer's certificate or key
// hint and a timestamp or transparency-log entry) stored as an OCI 1.1 artifact whose subject is the image's
// digest: artifactType and the one layer are application/vnd.dev.sigstore.bundle.v0.3+json, and annotations
// name the predicate type — the layout GitHub's attest actions push (`push-to-registry`) and that
// `gh attestation verify --bundle-from-oci` and `cosign verify-attestation --new-bundle-format` read. It is
// found through the registry's referrers API, or the referrers tag schema (`sha256-<hex>`) where there is none.

const BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const IN_TOTO_PAYLOAD = 'application/vnd.in-toto+json';
const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
const EMPTY_CONFIG = { mediaType: 'application/vnd.oci.empty.v1+json', data: Buffer.from('{}') };
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const PREDICATE_ANNOTATION = 'dev.sigstore.bundle.predicateType';
/** The predicate types build-push attests and gitops-bump looks for. */
const Predicate = {
    /** A signature of the digest: cosign's predicate for a signed image in the bundle format. */
    Signature: 'https://sigstore.dev/cosign/sign/v1',
    Provenance: 'https://slsa.dev/provenance/v1',
    Spdx: 'https://spdx.dev/Document/v2.3'
};
/** An in-toto statement about one image digest. */
function statement(name, digest, predicateType, predicate) {
    const [alg, hex] = digest.split(':');
    return { _type: STATEMENT_TYPE, subject: [{ name, digest: { [alg]: hex } }], predicateType, predicate };
}
/** Attaches a bundle (its JSON) to `subject` in `repository`; returns the artifact's digest. */
async function attachBundle(client, repository, subject, bundle, predicateType) {
    const layer = Buffer.from(JSON.stringify(bundle));
    const layerDigest = digestOf(layer);
    const configDigest = digestOf(EMPTY_CONFIG.data);
    for (const [digest, body] of [
        [configDigest, EMPTY_CONFIG.data],
        [layerDigest, layer]
    ])
        if (!(await client.hasBlob(repository, digest)))
            await client.putBlob(repository, digest, body);
    const annotations = {
        'dev.sigstore.bundle.content': 'dsse-envelope',
        [PREDICATE_ANNOTATION]: predicateType
    };
    const manifest = Buffer.from(JSON.stringify({
        schemaVersion: 2,
        mediaType: MANIFEST,
        artifactType: BUNDLE_MEDIA_TYPE,
        config: { mediaType: EMPTY_CONFIG.mediaType, digest: configDigest, size: EMPTY_CONFIG.data.length },
        layers: [{ mediaType: BUNDLE_MEDIA_TYPE, digest: layerDigest, size: layer.length }],
        subject,
        annotations
    }));
    const descriptor = {
        mediaType: MANIFEST,
        digest: digestOf(manifest),
        size: manifest.length,
        artifactType: BUNDLE_MEDIA_TYPE,
        annotations
    };
    return client.putReferrer(repository, manifest, descriptor, subject.digest);
}
/** At most this many bundles are read per image (a registry could list thousands). */
const MAX_BUNDLES = 50;
/** The Sigstore bundles attached to `digest`, read and parsed (nothing verified yet). */
async function listBundles(client, repository, digest) {
    const found = (await client.referrers(repository, digest)).filter(d => d.artifactType === BUNDLE_MEDIA_TYPE);
    const out = [];
    for (const d of found.slice(-MAX_BUNDLES)) {
        const manifest = await client.manifest(repository, d.digest);
        const subject = manifest.json.subject;
        const layers = Array.isArray(manifest.json.layers) ? manifest.json.layers : [];
        const layer = layers.find(l => l.mediaType === BUNDLE_MEDIA_TYPE);
        // an index entry naming a manifest about another digest is not this image's
        if (subject?.digest !== digest || !layer)
            continue;
        let bundle;
        try {
            bundle = JSON.parse((await client.blobBytes(repository, layer.digest)).toString('utf8'));
        }
        catch {
            continue;
        }
        const annotations = (manifest.json.annotations ?? {});
        out.push({ digest: d.digest, predicateType: String(annotations[PREDICATE_ANNOTATION] ?? ''), bundle });
    }
    return out;
}

;// CONCATENATED MODULE: ./src/gitops-bump/verify.ts
// Verify before the bump: the tag's digest is resolved from the registry, the Sigstore bundles attached to
// that digest (common/attestations.ts) are verified against the trusted root — the public Sigstore's, fetched
// by TUF, or a private one's (trusted-root) — and the expected signer, and only then does the bump go on.
// What must hold: a signature statement about exactly this digest, from the expected workflow (certificate
// identity and OIDC issuer) or key; with provenance-builder / provenance-source-repository also a verified
// SLSA provenance naming them. Each refusal names what did not match; nothing has been fetched or pushed
// yet. sigstore-js's verifier (@sigstore/verify, what GitHub's attest tooling uses) loads only when
// verifying, so start-up stays bare.



class VerificationError extends Error {
}
/** The Sigstore verifier for the settings' trusted root and key, with the thresholds that root allows. */
async function makeVerifier(v) {
    const { Verifier, toTrustMaterial } = await Promise.all(/* import() */[__webpack_require__.e(654), __webpack_require__.e(187)]).then(__webpack_require__.bind(__webpack_require__, 4187));
    const { TrustedRoot } = await __webpack_require__.e(/* import() */ 654).then(__webpack_require__.t.bind(__webpack_require__, 9654, 23));
    const { getTrustedRoot } = await Promise.all(/* import() */[__webpack_require__.e(654), __webpack_require__.e(88), __webpack_require__.e(694)]).then(__webpack_require__.bind(__webpack_require__, 4423));
    const rootJson = v.key
        ? v.trustedRoot
            ? JSON.parse(v.trustedRoot)
            : { mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1' }
        : v.trustedRoot
            ? JSON.parse(v.trustedRoot)
            : undefined;
    const root = rootJson
        ? TrustedRoot.fromJSON(rootJson)
        : await getTrustedRoot().catch((err) => {
            throw new Error(`The public Sigstore's trusted root could not be fetched (TUF): ${err.message}`);
        });
    const publicKey = v.key ? external_node_crypto_.createPublicKey(v.key) : undefined;
    // every key hint resolves to verify-key: a bundle signed with another key fails its signature check
    const keys = publicKey ? () => ({ publicKey, validFor: () => true }) : undefined;
    const verifier = new Verifier(toTrustMaterial(root, keys), {
        tlogThreshold: root.tlogs.length ? 1 : 0,
        ctlogThreshold: root.ctlogs.length && !v.key ? 1 : 0,
        // a certificate is only good at a proven time; a key signature needs none
        timestampThreshold: v.key ? 0 : 1
    });
    return verifier;
}
/** The in-toto statement a DSSE bundle carries (undefined for another payload). */
function statementOf(bundle) {
    const envelope = bundle.dsseEnvelope;
    if (envelope?.payloadType !== 'application/vnd.in-toto+json' || !envelope.payload)
        return undefined;
    try {
        return JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8'));
    }
    catch {
        return undefined;
    }
}
const verify_short = (d) => `${d.slice(0, 19)}…`;
/** Checks one bundle; returns what passed, or the reason it did not. */
async function checkBundle(v, verifier, stored, digest) {
    const { bundleFromJSON } = await Promise.all(/* import() */[__webpack_require__.e(654), __webpack_require__.e(40)]).then(__webpack_require__.bind(__webpack_require__, 1040));
    const { toSignedEntity } = await Promise.all(/* import() */[__webpack_require__.e(654), __webpack_require__.e(187)]).then(__webpack_require__.bind(__webpack_require__, 4187));
    let signer;
    try {
        signer = verifier.verify(toSignedEntity(bundleFromJSON(stored.bundle)));
    }
    catch (err) {
        const why = err.message;
        return v.key && /signature/i.test(why) ? 'not signed by verify-key' : `did not verify: ${why}`;
    }
    const statement = statementOf(stored.bundle);
    if (!statement)
        return 'is not an in-toto statement';
    const hex = digest.slice('sha256:'.length);
    const subjects = Array.isArray(statement.subject) ? statement.subject : [];
    if (!subjects.some(s => s?.digest?.sha256 === hex))
        return `is an attestation for another digest (${subjects.map(s => `sha256:${s?.digest?.sha256 ?? '?'}`).join(', ') || 'none'}), not ${digest}`;
    if (v.key)
        return {
            statement,
            signer: `key ${external_node_crypto_.createHash('sha256')
                .update(external_node_crypto_.createPublicKey(v.key).export({ type: 'spki', format: 'der' }))
                .digest('hex')
                .slice(0, 16)}`
        };
    const san = signer.identity?.subjectAlternativeName ?? '';
    const issuer = signer.identity?.extensions?.issuer ?? '';
    const want = v.identity;
    const sanOk = typeof want.san === 'string' ? san === want.san : want.san.test(san);
    if (!sanOk)
        return `is signed by ${san || 'a certificate without an identity'}, not ${String(want.san)}`;
    if (issuer !== want.issuer)
        return `has a certificate from OIDC issuer ${issuer || '(none)'}, not ${want.issuer}`;
    return { statement, signer: san };
}
/** The provenance's builder and source repository, as attest-build-provenance's buildType names them. */
function provenanceFacts(p) {
    const pred = p;
    return {
        builder: pred?.runDetails?.builder?.id ?? '',
        source: (pred?.buildDefinition?.externalParameters?.workflow?.repository ?? '').replace(/\/+$/, '')
    };
}
/**
 * Resolves `tag` (or the expected digest) to the digest the registry holds and verifies it. `expected`:
 * the digest the pipeline built (build-push's output), which the tag must still point to.
 */
async function verifyImage(v, client, tag, expected) {
    const reference = tag ?? expected;
    if (!reference)
        throw new VerificationError('verify-image needs tag or digest: the image to verify');
    const manifest = await client.manifest(v.repository, reference);
    const digest = manifest.digest;
    if (expected && digest !== expected)
        throw new VerificationError(`${v.image}:${tag} is ${digest} in the registry, not ${expected} (digest): the tag moved, so what would be deployed is not what was built`);
    core/* info */.pq(`${v.image}${tag ? `:${tag}` : ''} is ${digest}`);
    const stored = await listBundles(client, v.repository, digest);
    if (!stored.length)
        throw new VerificationError(`${v.image}@${digest} is not signed: no Sigstore bundle is attached to it in ${v.registry} (build-push signs when sign is on)`);
    const verifier = await makeVerifier(v);
    const passed = [];
    const refused = [];
    for (const s of stored) {
        const r = await checkBundle(v, verifier, s, digest);
        if (typeof r === 'string')
            refused.push(`${s.predicateType || 'bundle'} ${verify_short(s.digest)} ${r}`);
        else
            passed.push(r);
    }
    for (const r of refused)
        core/* info */.pq(`refused: ${r}`);
    const of = (type) => passed.filter(p => p.statement.predicateType === type);
    const signatures = of(Predicate.Signature);
    if (!signatures.length)
        throw new VerificationError(`${v.image}@${digest} has no valid signature from ${v.key ? 'verify-key' : String(v.identity.san)}: ${refused.join('; ') || 'only attestations, no signature'}`);
    if (v.builder || v.sourceRepository) {
        const provenances = of(Predicate.Provenance).map(p => provenanceFacts(p.statement.predicate));
        if (!provenances.length)
            throw new VerificationError(`${v.image}@${digest} has no verified SLSA provenance (provenance-builder / provenance-source-repository need one)${refused.length ? `: ${refused.join('; ')}` : ''}`);
        const ok = provenances.find(p => (!v.builder || p.builder === v.builder) && (!v.sourceRepository || p.source === v.sourceRepository));
        if (!ok) {
            const p = provenances[0];
            throw new VerificationError(v.builder && p.builder !== v.builder
                ? `${v.image}@${digest}'s provenance names builder ${p.builder || '(none)'}, not ${v.builder} (provenance-builder)`
                : `${v.image}@${digest}'s provenance names source repository ${p.source || '(none)'}, not ${v.sourceRepository} (provenance-source-repository)`);
        }
    }
    return {
        image: v.image,
        digest,
        signer: signatures[0].signer,
        predicates: [...new Set(passed.map(p => p.statement.predicateType))]
    };
}


/***/ })

};
