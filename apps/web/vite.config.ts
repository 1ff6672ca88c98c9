import vue from '@vitejs/plugin-vue';
import { defaultClientConditions, defineConfig } from 'vite';

// '@atelier/source' lets Vite compile workspace packages (the contract) straight from TypeScript.
export default defineConfig({
  plugins: [vue()],
  resolve: { conditions: ['@atelier/source', ...defaultClientConditions] },
  server: {
    proxy: { '/api': { target: 'http://127.0.0.1:3000', changeOrigin: false, ws: true } },
  },
  build: {
    target: 'es2022',
    // Print raw and gzip sizes of every chunk so growth shows up in build logs.
    reportCompressedSize: true,
    // scripts/report-size.mjs reads it to sum the initial JavaScript (entry + static imports).
    manifest: true,
    chunkSizeWarningLimit: 250,
    sourcemap: true,
  },
});
