// @middy/* is ESM-only; resolve it through its "import" condition so that @swc/jest can
// transform it (CONTRIBUTING.md, "Tests").
module.exports = (request, options) =>
  request.startsWith('@middy/')
    ? options.defaultResolver(request, { ...options, conditions: ['import', 'node', 'default'] })
    : options.defaultResolver(request, options);
