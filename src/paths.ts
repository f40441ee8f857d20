/**
 * The package root (package.json, schema/, dist/). This module sits one level below it in
 * src/ and, compiled or bundled, in dist/, so every file the process reads at run time is
 * found from here whatever the layout of the build.
 */
export const PACKAGE_ROOT = new URL('../', import.meta.url);

/** The generated schema validators (`npm run build`), next to the bundle. */
export const STANDALONE_VALIDATORS_URL = new URL('dist/standaloneValidators.cjs', PACKAGE_ROOT);
