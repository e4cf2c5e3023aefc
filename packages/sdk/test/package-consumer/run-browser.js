// Browser entry: runs the flow with the settings in the page and writes the result into it.
import { runFlow } from './flow.js';

const { serverURL, managementKey } = globalThis.TOLLGATE;
runFlow(serverURL, managementKey, 'packed-browser').then(
  (result) => {
    document.body.dataset.result = JSON.stringify(result);
  },
  (error) => {
    document.body.dataset.result = JSON.stringify({ error: `${error.name}: ${error.message}` });
  },
);
