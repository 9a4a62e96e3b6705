// `npm run bench`: every benchmark suite that exists so far, side by side in one run.
//   npm run bench            quick mode: write path (200k events), read path and retention on 1M rows
//   npm run bench -- --full  full mode: write path (1M events), read path and retention on 1M and 10M rows
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const full = process.argv.includes('--full');
const sizes = full ? ['1M', '10M'] : ['1M'];
let failed = 0;
const write = spawnSync(process.execPath, [fileURLToPath(new URL('./write-path.mjs', import.meta.url)), '--events', full ? '1000000' : '200000'], { stdio: 'inherit' });
if (write.status !== 0) failed++;
for (const rows of sizes) {
	const result = spawnSync(process.execPath, [fileURLToPath(new URL('./read-path.mjs', import.meta.url)), '--rows', rows], { stdio: 'inherit' });
	if (result.status !== 0) failed++;
}
for (const rows of sizes) {
	const result = spawnSync(process.execPath, [fileURLToPath(new URL('./retention.mjs', import.meta.url)), '--rows', rows], { stdio: 'inherit' });
	if (result.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
