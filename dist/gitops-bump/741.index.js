export const id = 741;
export const ids = [741];
export const modules = {

/***/ 9741:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   applyValues: () => (/* binding */ applyValues),
/* harmony export */   chartNameOf: () => (/* binding */ chartNameOf),
/* harmony export */   readValue: () => (/* binding */ readValue)
/* harmony export */ });
/* unused harmony exports splitPath, renderScalar */
/* harmony import */ var yaml__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(8815);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(5712);
// Surgical edits of a YAML values file. The `yaml` document API finds each target scalar and its exact
// source range; only those characters are replaced, so comments, blank lines, quoting, anchors, aliases,
// block scalars and key order elsewhere stay byte for byte. The result is parsed again and checked.



function splitPath(dotted) {
    return dotted.split('.').map(k => (/^\d+$/.test(k) ? Number(k) : k));
}
function parse(text, file) {
    const docs = yaml__WEBPACK_IMPORTED_MODULE_0__/* .parseAllDocuments */ .hR(text);
    if (Array.isArray(docs) && docs.length > 1)
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ValuesError */ .l(`${file} holds ${docs.length} YAML documents; expected one`);
    const doc = Array.isArray(docs) ? docs[0] : undefined;
    if (!doc)
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ValuesError */ .l(`${file} is empty; expected a mapping`);
    if (doc.errors.length)
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ValuesError */ .l(`${file} is not valid YAML: ${doc.errors[0].message}`);
    if (!yaml__WEBPACK_IMPORTED_MODULE_0__/* .isMap */ .jh(doc.contents))
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ValuesError */ .l(`${file} is not a YAML mapping`);
    return doc;
}
/**
 * How a string is written so that YAML reads it back as the same string: in the node's own quoting
 * style, plain only when plain text reads back as that string (so `1.10` or `true` get quotes).
 */
function renderScalar(value, style) {
    if (style === 'QUOTE_SINGLE' && !/[\n\r]/.test(value))
        return `'${value.replace(/'/g, "''")}'`;
    if (style === 'PLAIN' && safeParse(value) === value && !/^\s|\s$|[\n\r]/.test(value))
        return value;
    return JSON.stringify(value);
}
function safeParse(text) {
    try {
        return yaml__WEBPACK_IMPORTED_MODULE_0__/* .parse */ .qg(text);
    }
    catch {
        return undefined;
    }
}
/**
 * Applies `dotted.path=value` settings to the text of a values file. Every path must exist and name a
 * scalar; nothing is created. Returns the new text and what changed (settings that were already so are
 * left out).
 */
function applyValues(text, settings, file = 'values file', optional = []) {
    const doc = parse(text, file);
    const edits = [];
    const changes = [];
    for (const [dotted, value] of settings) {
        const path = splitPath(dotted);
        const node = doc.getIn(path, true);
        if (node === undefined && optional.includes(dotted))
            continue;
        if (node === undefined)
            throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ValuesError */ .l(`${file} has no key '${dotted}' (missing keys are never created)`);
        if (yaml__WEBPACK_IMPORTED_MODULE_0__/* .isAlias */ .Vj(node))
            throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ValuesError */ .l(`'${dotted}' in ${file} is an alias (*${node.source}); set the anchored value instead`);
        if (!yaml__WEBPACK_IMPORTED_MODULE_0__/* .isScalar */ .jn(node) || !node.range)
            throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ValuesError */ .l(`'${dotted}' in ${file} is not a single value (found a ${yaml__WEBPACK_IMPORTED_MODULE_0__/* .isMap */ .jh(node) ? 'mapping' : 'list'})`);
        if (node.value !== null && typeof node.value === 'object')
            throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ValuesError */ .l(`'${dotted}' in ${file} is not a single value`);
        if (node.value === value)
            continue;
        if (edits.some(e => e.start === node.range[0]))
            throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ValuesError */ .l(`'${dotted}' is set twice`);
        const style = node.type === 'BLOCK_FOLDED' || node.type === 'BLOCK_LITERAL' ? 'QUOTE_DOUBLE' : node.type;
        edits.push({
            start: node.range[0],
            end: node.range[1],
            replacement: renderScalar(value, style),
            node
        });
        changes.push({ path: dotted, before: node.value, after: value });
    }
    let out = text;
    for (const e of [...edits].sort((x, y) => y.start - x.start))
        out = out.slice(0, e.start) + e.replacement + out.slice(e.end);
    // What was written must read back as intended, and nothing else may have moved.
    if (changes.length) {
        const check = parse(out, file);
        for (const c of changes)
            if (check.getIn(splitPath(c.path)) !== c.after)
                throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ValuesError */ .l(`Internal error: '${c.path}' did not read back as '${c.after}'`);
        // The original document with the target nodes set (aliases of them follow) must equal the new one.
        edits.forEach((e, i) => (e.node.value = check.getIn(splitPath(changes[i].path))));
        if (JSON.stringify(check.toJS()) !== JSON.stringify(doc.toJS()))
            throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ValuesError */ .l('Internal error: the edit changed other values');
    }
    return { text: out, changes };
}
function readValue(text, dotted, file = 'values file') {
    const v = parse(text, file).getIn(splitPath(dotted));
    return v;
}
/** The `name` of a Chart.yaml, if it has one. */
function chartNameOf(text) {
    const name = yaml__WEBPACK_IMPORTED_MODULE_0__/* .parse */ .qg(text)?.name;
    return typeof name === 'string' && name ? name : undefined;
}


/***/ })

};
