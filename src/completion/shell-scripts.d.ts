// The completion scripts, imported as text: esbuild's text loader in the bundles (scripts/build.mjs), a plugin of the
// same effect under vitest (vitest.config.ts).
declare module '*.bash' {
  const text: string;
  export default text;
}
declare module '*.zsh' {
  const text: string;
  export default text;
}
declare module '*.fish' {
  const text: string;
  export default text;
}
