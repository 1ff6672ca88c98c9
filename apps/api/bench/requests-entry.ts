/** Runs the `requests` group alone until `pnpm bench` wires it (node bench/dist/requests-entry.js). */
import { meets } from './figures.js';
import { requestsGroup } from './group-requests.js';

const figures = await requestsGroup.run();
for (const figure of figures) {
  const judged = figure.target ? (meets(figure) ? ' PASS' : ' MISS') : '';
  console.log(`${figure.name}: ${figure.value.toFixed(3)} ${figure.unit}${judged}`);
}
if (process.argv.includes('--json')) console.log(JSON.stringify(figures));
