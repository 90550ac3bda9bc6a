// The test app of tests/toolchains/next.test.mjs: defaults only.
export default {};
