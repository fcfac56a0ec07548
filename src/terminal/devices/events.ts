/**
 * A tiny typed event hub. Deliberately not Node's EventEmitter: there an 'error' event nobody
 * listens to throws and can take the terminal down (a scanner unplugged mid-read). Here every
 * event, errors included, only ever goes to whoever listens, and a listener that throws is
 * reported to the hub's fallback instead of unwinding into the device's I/O callback.
 */
export type Listener<T> = (value: T) => void;

export class Events<M extends object> {
  private readonly listeners = new Map<keyof M, Set<Listener<never>>>();

  constructor(private readonly onListenerError: (error: unknown, event: keyof M) => void = () => undefined) {}

  on<K extends keyof M>(event: K, listener: Listener<M[K]>): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  emit<K extends keyof M>(event: K, value: M[K]): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      try {
        (listener as Listener<M[K]>)(value);
      } catch (error) {
        this.onListenerError(error, event);
      }
    }
  }

  listenerCount(event: keyof M): number {
    return this.listeners.get(event)?.size ?? 0;
  }
}
