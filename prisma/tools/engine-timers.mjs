// The 6.19 WebAssembly schema engine arms a 10 s setTimeout guard (around its advisory lock) and
// never clears it, and the CLI ends a successful command without process.exit, so every
// `migrate deploy` idled 10 s before exiting. Timers armed from inside the engine are guards: work
// they guard keeps the process alive through its own socket. So they are unref'd, in the
// migration CLI's process only (this module is loaded by its config).
const LONG_TIMER_MS = 1000;
const originalSetTimeout = globalThis.setTimeout;

function setTimeoutUnrefFromEngine(callback, delay, ...args) {
  const timer = originalSetTimeout(callback, delay, ...args);
  if (delay >= LONG_TIMER_MS && new Error().stack?.includes('wasm://')) timer.unref();
  return timer;
}

export function unrefEngineTimers() {
  if (globalThis.setTimeout !== originalSetTimeout) return;
  globalThis.setTimeout = Object.assign(setTimeoutUnrefFromEngine, originalSetTimeout);
}
