import { builtinModules } from 'node:module';

// Node's own modules, in the ES module bundles, are taken with process.getBuiltinModule rather than imported. An
// `import` of one makes Node build its ES module namespace, which reads every export, and reading some exports
// loads more modules: node:http's load Node's bundled fetch client on Node 24, node:fs's load its streams. A token
// refresh on Node 24 spent a quarter of its time on that. process.getBuiltinModule (Node 20.16+) hands back the
// module itself, as require does.

const BUILTINS = new Set(builtinModules);

export const builtinsWithoutNamespaces = {
  name: 'builtins-without-namespaces',
  setup(build) {
    build.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, ({ path, kind }) => {
      const name = path.replace(/^node:/, '');
      if (!BUILTINS.has(name)) return undefined;
      // Split off into a chunk of its own, the module would be its `default` alone.
      if (kind === 'dynamic-import') {
        return { errors: [{ text: `import("${path}"): use process.getBuiltinModule("node:${name}") instead` }] };
      }
      return { path: `node:${name}`, namespace: 'node-builtin' };
    });
    build.onLoad({ filter: /.*/, namespace: 'node-builtin' }, ({ path }) => ({
      contents: `module.exports = process.getBuiltinModule(${JSON.stringify(path)});`,
      loader: 'js',
    }));
  },
};
