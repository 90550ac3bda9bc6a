// Vite: the package's browser entry loads its .wasm with new URL(..., import.meta.url), which Vite's
// dependency pre-bundling (dev server) would move away from the file: leave the package out of it.
export default {
  optimizeDeps: { exclude: ["altpay-oauth"] },
};
