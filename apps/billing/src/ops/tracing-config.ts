// OpenTelemetry's part of the configuration, under the OTel SDK's own variable names. Tracing is off
// unless an OTLP endpoint is given or OTEL_TRACES_EXPORTER=otlp asks for the default one; only
// OTLP over HTTP with JSON bodies is built in, so any other protocol is refused by name.
import { z } from 'zod';

const otlpUrl = z.url({ protocol: /^https?$/ });
const protocol = z.enum(['http/json'], { message: 'only http/json is supported' });

export const tracingConfigShape = {
  /** `true` turns tracing off whatever else is set (the OTel convention). */
  OTEL_SDK_DISABLED: z.enum(['true', 'false']).default('false'),
  /** `otlp` turns tracing on (at the default endpoint when none is given); `none` keeps it off. */
  OTEL_TRACES_EXPORTER: z.enum(['otlp', 'none']).optional(),
  /** The collector's base URL; traces go to `<it>/v1/traces`. */
  OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl.optional(),
  /** The full traces URL, used as it is; wins over OTEL_EXPORTER_OTLP_ENDPOINT. */
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: otlpUrl.optional(),
  OTEL_EXPORTER_OTLP_PROTOCOL: protocol.optional(),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: protocol.optional(),
} as const;

export type TracingConfig = z.infer<z.ZodObject<typeof tracingConfigShape>>;

/** The OTel specification's default for OTLP/HTTP traces. */
const DEFAULT_TRACES_URL = 'http://localhost:4318/v1/traces';

/** Where this process sends its spans, or null when tracing is off. */
export function tracesUrl(config: TracingConfig): string | null {
  if (config.OTEL_SDK_DISABLED === 'true' || config.OTEL_TRACES_EXPORTER === 'none') return null;
  const base = config.OTEL_EXPORTER_OTLP_ENDPOINT;
  const url =
    config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
    (base === undefined ? undefined : `${base.replace(/\/+$/, '')}/v1/traces`);
  if (url !== undefined) return url;
  return config.OTEL_TRACES_EXPORTER === 'otlp' ? DEFAULT_TRACES_URL : null;
}
