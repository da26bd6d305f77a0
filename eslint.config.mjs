// ESLint (flat config), run by `npm run lint` and the lint phase of `npm test`.
// The import layering is not here: .dependency-cruiser.cjs owns it (npm run lint runs both).
//
// ESLint stays on 9: eslint-config-next bundles eslint-plugin-react 7.37, which crashes on ESLint 10
// (it calls context.getFilename(), removed there).
import { defineConfig, globalIgnores } from "eslint/config";
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import nextVitals from "eslint-config-next/core-web-vitals";
import prettier from "eslint-config-prettier/flat";
import comments from "@eslint-community/eslint-plugin-eslint-comments/configs";
import { createRequire } from "node:module";

const reactVersion = createRequire(import.meta.url)("react/package.json").version;

const TESTS = ["**/*.test.ts", "**/*.test.tsx", "tests/**", "e2e/**", "**/__fixtures__/**"];

export default defineConfig([
  globalIgnores([
    ".next/**",
    "dist/**",
    "lib/generated/**",
    "test-results/**",
    "playwright-report/**",
    ".stack/**",
    "data/**",
    "secrets/**",
    "next-env.d.ts",
  ]),

  js.configs.recommended,
  // eslint-config-next: react, react-hooks, jsx-a11y, import and @next/next rules (core-web-vitals as errors),
  // plus its TypeScript parser for every file.
  ...nextVitals,
  { settings: { react: { version: reactVersion } } },
  ...tseslint.configs.recommended,

  // Type-aware rules for code that runs on the server: a promise nobody awaits or catches is an
  // unhandled rejection (the process dies) or an action whose failure nobody sees.
  {
    files: ["lib/**/*.ts", "server.ts", "app/api/**/*.ts", "scripts/**/*.ts"],
    ignores: TESTS,
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      // Also an async callback handed to something that ignores its promise (an EventEmitter listener).
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/await-thenable": "error",
    },
  },

  {
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_", ignoreRestSiblings: true },
      ],
      "@typescript-eslint/no-unused-expressions": ["error", { allowShortCircuit: true, allowTernary: true }],
      // `catch {}` is how the code says "best effort" (closing, unlinking); any other empty block is a slip.
      "no-empty": ["error", { allowEmptyCatch: true }],
      // The code matches control characters on purpose (refusing them in names, stdin, file contents).
      "no-control-regex": "off",
      // React Compiler rules of eslint-plugin-react-hooks 7; the app is not compiled by it, and loading data
      // from an effect and the "latest props in a ref" idiom are what they flag. rules-of-hooks and
      // exhaustive-deps stay errors.
      "react-hooks/set-state-in-effect": "off",
      "react-hooks/refs": "off",
    },
  },

  // Tests and fixtures poke at internals.
  {
    files: TESTS,
    rules: {
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-this-alias": "off",
    },
  },

  // An eslint-disable comment says why: `// eslint-disable-next-line max-lines-per-function -- <reason>`.
  comments.recommended,
  {
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      "@eslint-community/eslint-comments/require-description": ["error", { ignore: ["eslint-enable"] }],
      "@eslint-community/eslint-comments/disable-enable-pair": ["error", { allowWholeFile: true }],
    },
  },

  // Size limits for lib/ (README "Layers"). An exception needs an eslint-disable comment that says why; a
  // whole file: `/* eslint-disable max-lines -- <reason> */` at its top.
  {
    files: ["lib/**/*.ts", "lib/**/*.tsx"],
    ignores: TESTS,
    rules: {
      "max-lines": ["error", { max: 350, skipBlankLines: true, skipComments: true }],
      "max-lines-per-function": ["error", { max: 80, skipBlankLines: true, skipComments: true, IIFEs: true }],
    },
  },

  // Plain Node scripts and configs.
  {
    files: ["**/*.mjs", "**/*.cjs", "**/*.js"],
    languageOptions: { globals: { process: "readonly", console: "readonly", require: "readonly", module: "writable" } },
  },

  // Formatting is Prettier's: turn off every rule that would fight it.
  prettier,
]);
