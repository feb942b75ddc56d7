/** Runs `f` and gives its value with the milliseconds it took (the one stage timer of the service). */
export async function timed<T>(f: () => Promise<T> | T): Promise<[T, number]> {
  const t0 = performance.now();
  const v = await f();
  return [v, performance.now() - t0];
}
