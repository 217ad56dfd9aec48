import { Gauge, Registry } from 'prom-client';

/** A gauge sampled when metrics are read: name in Consul's dotted form, and how to read it. */
export interface GaugeSource {
  name: string;
  help: string;
  read: () => number;
}

/**
 * `/v1/agent/metrics`: the same gauges as Consul's JSON (`{Timestamp, Gauges, Points, Counters,
 * Samples}`) and, with `?format=prometheus`, the Prometheus text format through prom-client.
 * Gauges are read on demand, so keeping them costs nothing between scrapes.
 */
export class AgentMetrics {
  private readonly registry = new Registry();

  constructor(
    private readonly sources: GaugeSource[],
    private readonly wallMs: () => number,
  ) {
    for (const source of sources) {
      new Gauge({
        name: source.name.replaceAll('.', '_'),
        help: source.help,
        registers: [this.registry],
        collect() {
          this.set(source.read());
        },
      });
    }
  }

  async render(): Promise<{ json: unknown; prometheus: string; contentType: string }> {
    const timestamp = new Date(this.wallMs())
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, ' +0000 UTC');
    return {
      json: {
        Timestamp: timestamp,
        Gauges: this.sources.map((source) => ({ Name: source.name, Value: source.read(), Labels: {} })),
        Points: [],
        Counters: [],
        Samples: [],
      },
      prometheus: await this.registry.metrics(),
      contentType: this.registry.contentType,
    };
  }
}
