/**
 * The host's background services, in the shape of Actual Budget's `server/app.ts`: a service is a
 * function that starts one and returns its stop; the host registers them by name (a name twice is
 * a bug, refused), starts them together and stops them together when it closes.
 */

/** Stops what its service started; resolves once it has stopped (a slip being sent, a sync run in flight, finished). */
export type ServiceStop = () => void | Promise<void>;
export type Service = () => ServiceStop;

export class Services {
  private readonly registered = new Map<string, Service>();
  private running: { readonly name: string; readonly stop: ServiceStop }[] = [];
  private started = false;

  constructor(private readonly log: (line: string) => void) {}

  add(name: string, service: Service): void {
    if (this.registered.has(name)) throw new Error(`the terminal host already has a service called "${name}"`);
    if (this.started) throw new Error(`service "${name}" was added after the services started`);
    this.registered.set(name, service);
  }

  get names(): readonly string[] {
    return [...this.registered.keys()];
  }

  /**
   * Starts every service. One that throws while starting is a bug of Tally: it is logged with its
   * stack and the others run (a counter with a broken scanner service still serves its customers).
   */
  startAll(): void {
    if (this.started) return;
    this.started = true;
    for (const [name, service] of this.registered) {
      try {
        this.running.push({ name, stop: service() });
      } catch (error) {
        this.log(`tally host: the ${name} service did not start (please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      }
    }
  }

  /** Stops every running service, all at once, and waits for each. */
  async stopAll(): Promise<void> {
    const running = this.running;
    this.running = [];
    await Promise.all(
      running.map(async ({ name, stop }) => {
        try {
          await stop();
        } catch (error) {
          this.log(`tally host: the ${name} service did not stop cleanly: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        }
      }),
    );
  }
}
