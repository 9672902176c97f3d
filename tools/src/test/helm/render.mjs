// Renders a Helm chart's templates the way `helm template` does for charts that use only Go's
// text/template built-ins (deploy/helm/mooring does): each file of templates/ in name order with
// {Values, Release, Chart}, through Go's own text/template compiled to WebAssembly.
//   node render.mjs CHART_DIR VALUES_JSON_FILE RELEASE_NAMESPACE
import { parse } from '@evertdespiegeleer/go-template';
import fs from 'node:fs/promises';
import path from 'node:path';

const [chartDir, valuesFile, namespace] = process.argv.slice(2);
const values = JSON.parse(await fs.readFile(valuesFile, 'utf8'));
const data = {
  Values: values,
  Release: { Name: 'mooring', Namespace: namespace, Service: 'Helm', IsInstall: true },
  Chart: { Name: 'mooring' },
};
const dir = path.join(chartDir, 'templates');
for (const name of (await fs.readdir(dir)).filter((n) => n.endsWith('.yaml')).sort()) {
  const out = await parse(await fs.readFile(path.join(dir, name), 'utf8'), data);
  process.stdout.write(`---\n# Source: ${name}\n${out}\n`);
}
