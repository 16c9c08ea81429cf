// The registry's metrics in CloudWatch embedded metric format (EMF): one JSON line per
// metric and label set, written to standard output every interval. On ECS the awslogs driver
// ships the lines to CloudWatch Logs, which turns them into metrics; no agent, no API call,
// no extra IAM. Counters and gauges go as they are; histograms as `<name>_count` and
// `<name>_sum` (CloudWatch takes averages from the two; the buckets stay on /metrics).
import type { Registry } from 'prom-client';

export interface EmfOptions {
  readonly registry: Registry;
  readonly namespace: string;
  readonly intervalMs: number;
  /** Default: standard output, one line per document. */
  readonly write?: (line: string) => void;
  readonly now?: () => number;
}

interface MetricJson {
  readonly name: string;
  readonly type: string;
  readonly values: readonly {
    readonly value: number;
    readonly labels: Readonly<Record<string, string | number>>;
    readonly metricName?: string;
  }[];
}

/** The EMF documents for one scrape of the registry. */
export async function emfDocuments(
  registry: Registry,
  namespace: string,
  at: number,
): Promise<Record<string, unknown>[]> {
  const metrics = (await registry.getMetricsAsJSON()) as unknown as MetricJson[];
  const documents: Record<string, unknown>[] = [];
  for (const metric of metrics) {
    for (const sample of metric.values) {
      const name = sample.metricName ?? metric.name;
      // Histogram buckets are for Prometheus; CloudWatch gets the count and the sum.
      if (metric.type === 'histogram' && !/_(count|sum)$/.test(name)) continue;
      if (!Number.isFinite(sample.value)) continue;
      const dimensions = Object.keys(sample.labels).filter((k) => k !== 'le');
      documents.push({
        _aws: {
          Timestamp: at,
          CloudWatchMetrics: [
            {
              Namespace: namespace,
              Dimensions: [dimensions],
              Metrics: [{ Name: name, Unit: unitOf(name) }],
            },
          ],
        },
        ...Object.fromEntries(dimensions.map((k) => [k, String(sample.labels[k])])),
        [name]: sample.value,
      });
    }
  }
  return documents;
}

/** Writes the documents every interval until stopped (the timer does not hold the process). */
export function startEmfWriter(options: EmfOptions): { stop(): Promise<void> } {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const now = options.now ?? Date.now;
  let writing = Promise.resolve();
  const flush = (): Promise<void> => {
    writing = writing.then(async () => {
      try {
        for (const document of await emfDocuments(options.registry, options.namespace, now()))
          write(JSON.stringify(document));
      } catch {
        // A collect that failed (the store unreachable) skips one interval; /metrics says why.
      }
    });
    return writing;
  };
  const timer = setInterval(() => void flush(), options.intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await flush();
    },
  };
}

function unitOf(name: string): string {
  if (name.endsWith('_seconds_sum') || name.endsWith('_seconds')) return 'Seconds';
  if (name.endsWith('_bytes')) return 'Bytes';
  return name.endsWith('_count') || name.endsWith('_total') ? 'Count' : 'None';
}
