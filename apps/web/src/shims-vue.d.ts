// For tools that read .ts files with plain TypeScript (ESLint's type-aware rules); vue-tsc
// resolves the real .vue files and never needs this.
declare module '*.vue' {
  import type { DefineComponent } from 'vue';

  const component: DefineComponent;
  export default component;
}
