// The SimClock's pending timers: a binary min-heap by (dueAt, seq), so scheduling and firing cost
// O(log n) and a load test's thousands of payment-request expiries stay cheap. Cancelled timers
// are only marked, and swept out once they make up most of the heap.

export interface QueuedTimer {
  dueAt: number;
  seq: number;
  /** Set once the timer left the queue's care: cancelled, fired (popped) or cleared. */
  cancelled: boolean;
}

const before = (a: QueuedTimer, b: QueuedTimer): boolean =>
  a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.seq < b.seq);

export class TimerQueue<T extends QueuedTimer> {
  private heap: T[] = [];
  private cancelledCount = 0;

  get size(): number {
    return this.heap.length - this.cancelledCount;
  }

  push(timer: T): void {
    this.heap.push(timer);
    this.siftUp(this.heap.length - 1);
  }

  /** Removes and returns the earliest live timer if it is due at `now`. */
  popDue(now: number): T | undefined {
    for (;;) {
      const top = this.heap[0];
      if (top === undefined) return undefined;
      if (top.cancelled) {
        this.removeTop();
        this.cancelledCount -= 1;
        continue;
      }
      if (top.dueAt > now) return undefined;
      this.removeTop();
      top.cancelled = true;
      return top;
    }
  }

  /** Marks a queued timer cancelled; a no-op for one already fired, cancelled or cleared. */
  cancel(timer: T): void {
    if (timer.cancelled) return;
    timer.cancelled = true;
    this.cancelledCount += 1;
    if (this.cancelledCount > 1024 && this.cancelledCount * 2 > this.heap.length) this.sweep();
  }

  clear(): void {
    for (const timer of this.heap) timer.cancelled = true;
    this.heap = [];
    this.cancelledCount = 0;
  }

  private sweep(): void {
    this.heap = this.heap.filter((t) => !t.cancelled);
    this.cancelledCount = 0;
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private removeTop(): void {
    const last = this.heap.pop();
    if (last === undefined || this.heap.length === 0) return;
    this.heap[0] = last;
    this.siftDown(0);
  }

  private siftUp(index: number): void {
    const heap = this.heap;
    let i = index;
    const item = heap[i] as T;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as T;
      if (!before(item, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = item;
  }

  private siftDown(index: number): void {
    const heap = this.heap;
    const n = heap.length;
    let i = index;
    const item = heap[i] as T;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (right < n && before(heap[right] as T, heap[left] as T)) child = right;
      const c = heap[child] as T;
      if (!before(c, item)) break;
      heap[i] = c;
      i = child;
    }
    heap[i] = item;
  }
}
