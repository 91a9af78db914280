// When tracing is on, and where its spans go, from the OTel SDK's own variables.
import { describe, expect, it } from 'vitest';
import { baseConfigSchema, ConfigError, parseConfig } from '../config/config.js';
import { tracesUrl } from './tracing-config.js';

const urlFor = (env: Record<string, string>) => tracesUrl(parseConfig(baseConfigSchema, env));

describe('tracing configuration', () => {
  it('is off by default', () => {
    expect(urlFor({})).toBeNull();
  });

  it.each([
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, 'http://collector:4318/v1/traces'],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/base/' }, 'http://collector:4318/base/v1/traces'],
    [
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/in',
      },
      'https://traces.example/in',
    ],
    [{ OTEL_TRACES_EXPORTER: 'otlp' }, 'http://localhost:4318/v1/traces'],
  ])('%j sends to %s', (env, url) => {
    expect(urlFor(env)).toBe(url);
  });

  it.each([
    { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' },
    { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' },
  ])('%j is off', (env) => {
    expect(urlFor(env)).toBeNull();
  });

  it.each([
    ['OTEL_EXPORTER_OTLP_PROTOCOL', 'http/protobuf'],
    ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'grpc'],
    ['OTEL_TRACES_EXPORTER', 'zipkin'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318'],
  ])('refuses %s=%s, naming it', (variable, value) => {
    expect(() => parseConfig(baseConfigSchema, { [variable]: value })).toThrow(ConfigError);
    try {
      parseConfig(baseConfigSchema, { [variable]: value });
    } catch (error) {
      expect((error as ConfigError).issues.map((i) => i.variable)).toEqual([variable]);
    }
  });
});
