/**
 * js-hcl-parser 1.0.1: HashiCorp's HCL v1 Go parser compiled to JS with GopherJS. A CommonJS
 * module without types; only its default export (module.exports) is reachable from ESM.
 */
declare module 'js-hcl-parser' {
  const hcl: {
    /** HCL text → JSON text of the generic decode, or `"unable to parse JSON: <error>"`. */
    parse(input: string): string;
    /** JSON text → HCL text, or `"unable to parse HCL: <error>"`. */
    stringify(input: string): string;
  };
  export default hcl;
}
