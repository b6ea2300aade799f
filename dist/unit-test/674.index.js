export const id = 674;
export const ids = [674];
export const modules = {

/***/ 6674:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   m: () => (/* binding */ exec)
/* harmony export */ });
/* unused harmony export getExecOutput */
const load = () => __webpack_require__.e(/* import() */ 955).then(__webpack_require__.bind(__webpack_require__, 1955));
const exec = async (...args) => (await load()).exec(...args);
const getExecOutput = async (...args) => (await load()).getExecOutput(...args);


/***/ })

};
