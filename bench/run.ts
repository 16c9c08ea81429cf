// `npm run bench`: runs every benchmark and prints one JSON document (also written to
// .bench/results.json). Set BENCH_ONLY=api|controller|identity-center|entra-pim|audit|replicas
// to run one; BENCH_DATABASE_URL adds PostgreSQL (audit appends, and the replicas bench).
import { mkdirSync, writeFileSync } from 'node:fs';
import { apiBench } from './api-bench.js';
import { auditBench } from './audit-bench.js';
import { controllerBench } from './controller-bench.js';
import { entraPimBench } from './entra-pim-bench.js';
import { identityCenterBench } from './identity-center-bench.js';
import { replicasBench } from './replicas-bench.js';

const only = process.env['BENCH_ONLY'];
const results: Record<string, unknown>[] = [];
const started = new Date().toISOString();

if (!only || only === 'api') results.push(await apiBench());
if (!only || only === 'controller') results.push(await controllerBench());
if (!only || only === 'identity-center') results.push(await identityCenterBench());
if (!only || only === 'entra-pim') results.push(await entraPimBench());
const postgresUrl = process.env['BENCH_DATABASE_URL'];
if (!only || only === 'audit') {
  results.push(await auditBench(postgresUrl ? { postgresUrl } : {}));
}
// Two replicas on PostgreSQL: load at fixed rates, then leader failover.
if ((!only || only === 'replicas') && postgresUrl) {
  results.push(await replicasBench({ postgresUrl }));
}

const report = {
  started,
  node: process.version,
  platform: `${process.platform}/${process.arch}`,
  cpus: (await import('node:os')).cpus().length,
  results,
};
mkdirSync('.bench', { recursive: true });
writeFileSync('.bench/results.json', `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
