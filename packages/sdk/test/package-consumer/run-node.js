// Node entry: prints the flow's result as JSON.
import { runFlow } from './flow.js';

const [serverURL, managementKey] = process.argv.slice(2);
console.log(JSON.stringify(await runFlow(serverURL, managementKey, 'packed-node')));
