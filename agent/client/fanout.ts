// Run one job per agent, at most `parallel` at a time; a failing node never stops the others.
// Results come back in the order the operator listed the nodes.

export async function fanOut<T, R>(items: readonly T[], parallel: number, job: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      results[i] = await job(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, items.length)) }, worker));
  return results;
}
