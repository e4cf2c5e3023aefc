// A node:test reporter used by run-tests.mjs: sums the durations of each file's top-level tests
// and writes them as one JSON object, { "<absolute file path>": milliseconds }, when the run ends.
// run-tests.mjs starts the slowest files first next time.
// biome-ignore lint/style/noDefaultExport: node's --test-reporter loads the module's default export.
export default async function* durations(source) {
  const totals = {};
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { file, nesting, details } = event.data;
    if (file === undefined || nesting !== 0) continue;
    totals[file] = (totals[file] ?? 0) + (details?.duration_ms ?? 0);
  }
  yield JSON.stringify(totals);
}
