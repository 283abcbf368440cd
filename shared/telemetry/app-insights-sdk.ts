import { metrics, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type Attributes } from '@opentelemetry/api';
import { useAzureMonitor } from 'applicationinsights';
import { parseTraceparent } from './trace-context.js';
import { redactValue } from './redaction.js';

/** A dependency span as the SDK records it: the ids it was given, ended once the call is over. */
export interface SinkSpan {
  traceId: string;
  spanId: string;
  end(outcome: { success: boolean; resultCode?: string; attributes?: Attributes }): void;
}

export interface SpanStart {
  name: string;
  kind: 'client' | 'producer';
  /** The traceparent this span continues (its parent); a new trace when absent. */
  parent: string | undefined;
  attributes: Attributes;
}

/** Where telemetry goes once the SDK runs. */
export interface TelemetrySink {
  trackMetric(metric: { name: string; value: number; properties: Record<string, string> }): void;
  startSpan(start: SpanStart): SinkSpan;
}

/**
 * Starts the Application Insights SDK (the Azure Monitor OpenTelemetry distro). The one place
 * `applicationinsights` and the OpenTelemetry API are imported, and only ever dynamically
 * (app-insights.ts), so the deployment package keeps the OpenTelemetry SDK in a module of its own
 * (dev/package/layout.ts DEFERRED_MODULES).
 *
 * What it sends, and why nothing else:
 * - custom metrics (customMetrics), as histograms aggregated per minute per dimension set;
 * - the dependencies the app tracks itself (dependencies): Service Bus sends, Cosmos DB operations
 *   and GOV.UK Notify calls, each a child of the invocation's span, so Application Insights joins
 *   them to the request the Functions host records. Automatic collection stays off: the http and
 *   Azure SDK instrumentations patch modules as they are required, and the bundled clients hold
 *   their own copies, which the patches never reach (tests/integration/telemetry.test.ts saw none
 *   arrive), while the host itself records requests and the invocation logs;
 * - uncaught exceptions.
 * Every log record it sends passes through the same redaction as the invocation logs.
 */
export function startAppInsights(connectionString: string): TelemetrySink {
  useAzureMonitor({
    azureMonitorExporterOptions: { connectionString },
    enableLiveMetrics: false,
    // Every span of every invocation (the default rate-limits to 5 traces a second, which drops the spans of busy invocations).
    samplingRatio: 1,
    tracesPerSecond: 0,
    instrumentationOptions: {
      http: { enabled: false },
      azureSdk: { enabled: false },
      mongoDb: { enabled: false },
      mySql: { enabled: false },
      postgreSql: { enabled: false },
      redis: { enabled: false },
      redis4: { enabled: false },
      bunyan: { enabled: false },
      winston: { enabled: false },
    },
    logRecordProcessors: [redactingLogProcessor],
    // An option of applicationinsights' own useAzureMonitor (not in the distro's typings).
    ...({ enableAutoCollectExceptions: true } as object),
  });
  const meter = metrics.getMeter('caseload');
  const tracer = trace.getTracer('caseload');
  const histograms = new Map<string, ReturnType<typeof meter.createHistogram>>();
  return {
    trackMetric({ name, value, properties }) {
      let histogram = histograms.get(name);
      if (!histogram) {
        histogram = meter.createHistogram(name);
        histograms.set(name, histogram);
      }
      histogram.record(value, properties);
    },
    startSpan({ name, kind, parent, attributes }) {
      const parsed = parseTraceparent(parent);
      const parentContext = parsed
        ? trace.setSpanContext(ROOT_CONTEXT, { traceId: parsed.traceId, spanId: parsed.spanId, traceFlags: parsed.flags === '00' ? TraceFlags.NONE : TraceFlags.SAMPLED, isRemote: true })
        : ROOT_CONTEXT;
      const span = tracer.startSpan(name, { kind: kind === 'producer' ? SpanKind.PRODUCER : SpanKind.CLIENT, attributes }, parentContext);
      const { traceId, spanId } = span.spanContext();
      return {
        traceId,
        spanId,
        end({ success, resultCode, attributes: more }) {
          if (more) span.setAttributes(more);
          if (resultCode !== undefined) span.setAttribute('caseload.resultCode', resultCode);
          span.setStatus({ code: success ? SpanStatusCode.OK : SpanStatusCode.ERROR });
          span.end();
        },
      };
    },
  };
}

/** Log records the SDK emits (uncaught exceptions): body and attributes redacted before export. */
const redactingLogProcessor = {
  onEmit(record: { body?: unknown; attributes?: Record<string, unknown>; setBody?(body: unknown): unknown; setAttributes?(attributes: Record<string, unknown>): unknown }) {
    if (record.body !== undefined) {
      const body = redactValue(record.body);
      if (record.setBody) record.setBody(body as never);
      else record.body = body;
    }
    if (record.attributes) {
      const attributes = redactValue(record.attributes) as Record<string, unknown>;
      if (record.setAttributes) record.setAttributes(attributes as never);
      else record.attributes = attributes;
    }
  },
  forceFlush: async () => undefined,
  shutdown: async () => undefined,
};
