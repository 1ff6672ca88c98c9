// One lint setup for the whole workspace: type-aware TypeScript rules, Vue for apps/web,
// Prettier owns formatting (eslint-config-prettier switches the stylistic rules off).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import vue from 'eslint-plugin-vue';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// The dependency rule (ARCHITECTURE.md), enforced with ESLint's own `no-restricted-imports`: each
// pattern is a regex over the import specifier as written, so nothing has to resolve `.js` specifiers
// to `.ts` sources and no plugin or resolver is needed. In a flat config the last block that sets a
// rule for a file wins, so every block below repeats the whole list that applies to its files.
const rule = (regex, message) => ({ regex, message });
const appsImport = rule(
  String.raw`(^|/)apps/|^@atelier/(api|web)(/|$)`,
  'Packages never import the apps: they are shared by both, and the apps depend on them, not the reverse.',
);
const comfyClient = String.raw`^@atelier/comfy-client(/|$)|(^|/)packages/comfy-client(/|$)`;
const comfyClientImport = rule(
  comfyClient,
  'Only the API folders that talk to ComfyUI (apps/api/src/comfy/, apps/api/src/comfy-managed/) use ' +
    '@atelier/comfy-client; take shared shapes such as ObjectInfo from @atelier/contract or @atelier/workflow.',
);
const webClientImport = rule(
  comfyClient,
  'The browser talks only to our API, never to ComfyUI: the web app never imports @atelier/comfy-client.',
);
const apiFromWeb = rule(
  String.raw`(^|/)apps/api/|^@atelier/api(/|$)`,
  'The web app shares types with the API through @atelier/contract, never by importing the API.',
);
const configReachingOut = rule(
  String.raw`^\.\./(?!(common|events)/)`,
  'config/ is read by every feature, so it imports none: only common/ and events/ (and packages) from here.',
);
const restrictImports = (files, patterns, ignores = []) => ({
  files,
  ignores,
  rules: { 'no-restricted-imports': ['error', { patterns }] },
});

// Only config/ reads the environment: it parses it once at boot into AppConfig. Tests, benches and
// e2e harnesses pass their own settings through it and are exempt below.
const processEnvMessage = 'Only apps/api/src/config/ reads the environment; inject AppConfig instead.';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/coverage/**',
      '**/node_modules/**',
      'generated/**',
      '**/test-results/**',
      '**/playwright-report/**',
      '**/*.config.ts',
      '**/*.config.js',
      'eslint.config.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.ts', '**/*.vue', '**/*.mjs', '**/*.js'],
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
        extraFileExtensions: ['.vue'],
        parser: tseslint.parser,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Nest controllers and class-validator DTOs use empty/decorated classes by design.
      '@typescript-eslint/no-extraneous-class': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['apps/web/src/**/*.{ts,vue}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Tests may poke at loosely-typed bodies; keep the safety rules that catch real bugs.
    files: ['**/*.spec.ts', '**/test/**/*.ts', '**/e2e/**/*.ts', '**/bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  restrictImports(['packages/**'], [appsImport]),
  // The shared packages stay free of the ComfyUI client, so the web app never gets it through them;
  // the simulator is an independent implementation of the protocol (its tests may drive the client).
  restrictImports(['packages/{contract,workflow,comfy-sim}/src/**'], [appsImport, comfyClientImport]),
  restrictImports(['apps/web/**'], [webClientImport, apiFromWeb]),
  restrictImports(
    ['apps/api/**'],
    [comfyClientImport],
    // The folders that talk to ComfyUI (managed mode's warm-up queues a prompt), and the tests and
    // benches that drive a simulator through the client.
    ['apps/api/src/comfy/**', 'apps/api/src/comfy-managed/**', 'apps/api/test/**', 'apps/api/bench/**'],
  ),
  restrictImports(['apps/api/src/config/**'], [comfyClientImport, configReachingOut]),
  {
    files: ['**/*.{ts,vue,js,mjs}'],
    ignores: [
      'apps/api/src/config/**',
      '**/*.spec.ts',
      '**/test/**',
      '**/bench/**',
      '**/e2e/**',
      'scripts/**',
    ],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: processEnvMessage },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: String.raw`ImportDeclaration[source.value=/^(node:)?process$/] > ImportSpecifier[imported.name='env']`,
          message: processEnvMessage,
        },
        {
          selector: "MemberExpression[object.property.name='process'][property.name='env']",
          message: processEnvMessage,
        },
      ],
    },
  },
  {
    // Plain Node scripts (build helpers, the test summary) are not part of a TS project.
    files: ['**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { parserOptions: { projectService: false, project: null } },
  },
  prettier,
);
