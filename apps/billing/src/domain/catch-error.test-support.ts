// Test helper: the error a call throws, so tests can assert on its type and fields.
export function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
