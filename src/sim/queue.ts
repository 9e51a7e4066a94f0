/**
 * The event queue of the simulation: a binary min-heap ordered by
 * (time, priority, sequence). The sequence number makes the order total, so two
 * events at the same instant and priority run in the order they were scheduled —
 * the property that makes runs reproducible.
 */
export interface QueuedEvent {
  readonly time: number;
  readonly priority: number;
  readonly sequence: number;
  readonly run: () => void;
  /** Set when the event was cancelled; it is skipped when it reaches the top. */
  cancelled: boolean;
}

function before(a: QueuedEvent, b: QueuedEvent): boolean {
  if (a.time !== b.time) return a.time < b.time;
  if (a.priority !== b.priority) return a.priority < b.priority;
  return a.sequence < b.sequence;
}

export class EventQueue {
  private readonly heap: QueuedEvent[] = [];
  private nextSequence = 0;

  get size(): number {
    return this.heap.length;
  }

  push(time: number, priority: number, run: () => void): QueuedEvent {
    const event: QueuedEvent = { time, priority, sequence: this.nextSequence++, run, cancelled: false };
    const heap = this.heap;
    heap.push(event);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const parentEvent = heap[parent] as QueuedEvent;
      if (!before(event, parentEvent)) break;
      heap[index] = parentEvent;
      index = parent;
    }
    heap[index] = event;
    return event;
  }

  peek(): QueuedEvent | undefined {
    return this.heap[0];
  }

  pop(): QueuedEvent | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      let index = 0;
      const length = heap.length;
      for (;;) {
        const left = 2 * index + 1;
        if (left >= length) break;
        const right = left + 1;
        let child = left;
        if (right < length && before(heap[right] as QueuedEvent, heap[left] as QueuedEvent)) child = right;
        const childEvent = heap[child] as QueuedEvent;
        if (!before(childEvent, last)) break;
        heap[index] = childEvent;
        index = child;
      }
      heap[index] = last;
    }
    return top;
  }
}
